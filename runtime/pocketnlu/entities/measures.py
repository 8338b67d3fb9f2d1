"""The kinds that are one number with an optional marker: number, ordinal,
percentage and temperature.

Why together: each is "strip the fillers, peel the marker, parse the
number"; only the marker tables and the value shape differ.
"""
from typing import Optional, Sequence

from .numbers import json_number, ordinal, parse_number
from .text import Token, match_suffix, strip_leading, texts


def resolve_number(tokens: Sequence[Token], lang) -> Optional[dict]:
    number = parse_number(strip_leading(tokens, lang.APPROXIMATORS), lang)
    if number is None:
        return None
    return {"kind": "number", "value": json_number(number.value, number.decimal)}


def resolve_ordinal(tokens: Sequence[Token], lang) -> Optional[dict]:
    value = ordinal(strip_leading(tokens, lang.DEFINITE_ARTICLES), lang)
    return None if value is None else {"kind": "ordinal", "value": value}


def resolve_percentage(tokens: Sequence[Token], lang) -> Optional[dict]:
    tokens = strip_leading(tokens, lang.APPROXIMATORS)
    said = texts(tokens)
    if said in lang.PERCENT_WORDS:
        return {"kind": "percentage", "value": lang.PERCENT_WORDS[said]}
    marker = match_suffix(tokens, lang.PERCENT_MARKERS)
    number = parse_number(tokens[:len(tokens) - marker], lang)
    if number is None:
        return None
    value = number.value
    if number.fraction_only and not marker:
        value *= 100  # "half" is half the range; "half percent" stays 0.5
    return {"kind": "percentage", "value": json_number(value, number.decimal)}


def resolve_temperature(tokens: Sequence[Token], lang) -> Optional[dict]:
    tokens = strip_leading(tokens, lang.APPROXIMATORS)
    unit_length = match_suffix(tokens, lang.TEMPERATURE_UNITS)
    said_unit = texts(tokens[len(tokens) - unit_length:])
    tokens = tokens[:len(tokens) - unit_length]
    tokens = tokens[:len(tokens) - match_suffix(tokens, lang.DEGREE_MARKERS)]
    number = parse_number(tokens, lang)
    if number is None:
        return None
    result = {"kind": "temperature", "value": json_number(number.value, number.decimal)}
    if unit_length:
        result["unit"] = lang.TEMPERATURE_UNITS[said_unit]
    return result
