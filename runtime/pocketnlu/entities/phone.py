"""Phone numbers, as a string of digits with a leading "+" only when one was said.

Why a module: a phone number is read as digits, not as a quantity: "double
five" is "55", "oh" is a digit, "fifty five" is "55" and "eight hundred" is
"800", and the length is bounded by E.164.
"""
from typing import Optional, Sequence, Tuple

from .text import NUM, SYM, WORD, Token

_SEPARATORS = frozenset("-.()/")
_MIN_DIGITS = 3    # "911"
_MAX_DIGITS = 15   # E.164
_LARGEST_SCALE = 1000  # "three thousand" is "3000"; nobody says a million in a phone number


def _digit(token: Token, lang) -> Optional[str]:
    if token.kind == NUM:
        return token.text if len(token.text) == 1 else None
    if token.text in lang.ZERO_WORDS or token.text in lang.SPOKEN_ZERO_DIGITS:
        return "0"
    return str(lang.UNITS[token.text]) if token.text in lang.UNITS else None


def _said_digits(tokens: Sequence[Token], i: int, lang) -> Optional[Tuple[str, int]]:
    """The digits said from the word at `i` on, and the index after them."""
    word = tokens[i].text
    following = tokens[i + 1] if i + 1 < len(tokens) else None
    if word in lang.REPEATERS:  # "double five", "triple 7"
        digit = _digit(following, lang) if following else None
        return (digit * lang.REPEATERS[word], i + 2) if digit else None
    if word in lang.UNITS:
        group = str(lang.UNITS[word])
    elif word in lang.TEENS:
        group = str(lang.TEENS[word])
    elif word in lang.TENS:
        if following and following.text in lang.UNITS:  # "fifty five"
            group, i = str(lang.TENS[word] + lang.UNITS[following.text]), i + 1
        else:
            group = str(lang.TENS[word])
    else:
        digit = _digit(tokens[i], lang)  # zero words: never "oh hundred"
        return (digit, i + 1) if digit else None
    i += 1
    if i < len(tokens) and tokens[i].text in lang.HUNDRED:  # "eight hundred"
        group, i = group + "00", i + 1
    elif i < len(tokens) and lang.SCALES.get(tokens[i].text) == _LARGEST_SCALE:
        group, i = group + str(_LARGEST_SCALE)[1:], i + 1
    return group, i


def resolve_phone_number(tokens: Sequence[Token], lang) -> Optional[dict]:
    plus = ""
    if tokens[0].text == "+" or (tokens[0].kind == WORD and tokens[0].text in lang.PLUS_WORDS):
        plus, tokens = "+", tokens[1:]
    digits, i = [], 0
    while i < len(tokens):
        token = tokens[i]
        if token.kind == NUM:
            digits.append(token.text)
            i += 1
        elif token.kind == SYM and token.text in _SEPARATORS:
            i += 1
        elif token.kind == WORD:
            said = _said_digits(tokens, i, lang)
            if said is None:
                return None
            digits.append(said[0])
            i = said[1]
        else:
            return None
    number = "".join(digits)
    if not _MIN_DIGITS <= len(number) <= _MAX_DIGITS:
        return None
    return {"kind": "phone_number", "value": plus + number}
