"""Durations, as a number of seconds.

Why a module: a duration is a sum of (count, unit) parts with rules of its
own: units must fall ("2 hours 15 minutes", never "15 minutes 2 hours"), a
trailing fraction belongs to the unit before it ("an hour and a half"), and
a trailing bare number to the next smaller unit ("1h30").
"""
from fractions import Fraction
from typing import Optional, Sequence

from .numbers import clock_integer, fraction_phrase, json_number, quantity
from .text import WORD, Token, all_words, strip_leading, texts

# In seconds: "1h30" is 1 hour 30 minutes, "2m30" is 2 minutes 30 seconds.
_NEXT_SMALLER_UNIT = {3600: 60, 60: 1}


def _drop_connector(tokens: Sequence[Token], lang) -> Sequence[Token]:
    """', and' between parts: "two hours, and fifteen minutes"."""
    if tokens and tokens[0].text == ",":
        tokens = tokens[1:]
    if tokens and tokens[0].text in lang.AND:
        tokens = tokens[1:]
    return tokens


def resolve_duration(tokens: Sequence[Token], lang) -> Optional[dict]:
    tokens = strip_leading(tokens, lang.APPROXIMATORS)
    parts, start = [], 0
    for i, token in enumerate(tokens):
        if token.kind == WORD and token.text in lang.DURATION_UNITS:
            parts.append((tokens[start:i], lang.DURATION_UNITS[token.text]))
            start = i + 1
    if not parts:
        return None
    total, previous = Fraction(0), None
    for index, (part, unit) in enumerate(parts):
        count = quantity(_drop_connector(part, lang) if index else part, lang)
        if count is None or (previous is not None and unit >= previous):
            return None
        total += count * unit
        previous = unit
    tail = _drop_connector(tokens[start:], lang)
    if tail:
        fraction = fraction_phrase(texts(tail), lang) if all_words(tail) else None
        if fraction is not None and fraction < 1:
            total += fraction * previous
        else:
            count, smaller = clock_integer(tail, lang), _NEXT_SMALLER_UNIT.get(previous)
            if count is None or smaller is None or count >= 60:
                return None
            total += count * smaller
    elif start < len(tokens):
        return None  # a connector with nothing after it: "an hour and"
    return {"kind": "duration", "value": json_number(total)}
