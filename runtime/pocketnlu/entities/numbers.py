"""Numbers said or written, as exact values.

Why: every kind is built on the same number grammar (cardinals, decimals,
fractions, ordinals, counts). Values stay Fractions until they become JSON,
so "three point one four" is exactly 314/100 and "half" percent is exactly 50.
"""
import re
from fractions import Fraction
from typing import List, NamedTuple, Optional, Sequence

from .text import NUM, SYM, WORD, Token, all_words, texts

_SIGNS = {"+": 1, "-": -1, "\u2212": -1}
# Plain digits, or thousands groups "1,200,000", optionally with a decimal part;
# or a bare decimal part ".5". Linear: each repetition starts with a literal ",".
_DIGIT_LITERAL = r"(?:[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+)(?:\.[0-9]+)?|\.[0-9]+"


class Number(NamedTuple):
    value: Fraction
    decimal: bool        # a decimal part was given ("2.0", "two point five")
    fraction_only: bool  # a fraction phrase on its own ("half", "a quarter")


def json_number(value: Fraction, decimal: bool = False):
    """int when integral and no decimal part was given, else float.

    float() cannot overflow: MAX_TEXT_CHARS bounds the digits well below 1e308.
    """
    if decimal or value.denominator != 1:
        return float(value)
    return int(value)


def digit_literal(tokens: Sequence[Token]) -> Optional[Number]:
    """'72', '-5', '+5', '1,200', '2.5', '.5' (tokens glued together)."""
    if not tokens or any(not t.glued for t in tokens[1:]):
        return None
    sign = 1
    if tokens[0].kind == SYM and tokens[0].text in _SIGNS:
        sign, tokens = _SIGNS[tokens[0].text], tokens[1:]
    written = "".join(texts(tokens))
    if not re.fullmatch(_DIGIT_LITERAL, written):
        return None
    return Number(sign * Fraction(written.replace(",", "")), "." in written, False)


def _below_hundred(words: Sequence[str], lang) -> Optional[int]:
    """1..99 from the whole of `words`: 'seven', 'twelve', 'seventy', 'seventy two'."""
    if len(words) == 1:
        w = words[0]
        return lang.UNITS.get(w) or lang.TEENS.get(w) or lang.TENS.get(w)
    if len(words) == 2 and words[0] in lang.TENS and words[1] in lang.UNITS:
        return lang.TENS[words[0]] + lang.UNITS[words[1]]
    return None


def _group(words: Sequence[str], lang, first: bool, last: bool) -> Optional[int]:
    """The count before a scale word (or the final part): 'two hundred and five'.

    `first`: the group starts the number, so "a hundred" or a bare "hundred"
    mean one hundred. `last`: no scale follows, so the British "two thousand
    and six" may put "and" first.
    """
    hundred_at = [i for i, w in enumerate(words) if w in lang.HUNDRED]
    if len(hundred_at) > 1:
        return None
    if hundred_at:
        k = hundred_at[0]
        lead, rest = words[:k], words[k + 1:]
        if not lead or (len(lead) == 1 and lead[0] in lang.ARTICLES):
            hundreds = 1 if first else None
        else:
            hundreds = _below_hundred(lead, lang)
        if hundreds is None:
            return None
        if rest and rest[0] in lang.AND:
            rest = rest[1:]
            if not rest:
                return None
        tail = _below_hundred(rest, lang) if rest else 0
        return None if tail is None else hundreds * 100 + tail
    if last and not first and words and words[0] in lang.AND:
        words = words[1:]
    if first and not last and len(words) == 1 and words[0] in lang.ARTICLES:
        return 1  # "a thousand"; a lone "a" is no number
    return _below_hundred(words, lang)


def cardinal(words: Sequence[str], lang) -> Optional[int]:
    """A whole number from words: 'seventy two', 'a hundred and five', 'twelve hundred'."""
    if len(words) == 1 and words[0] in lang.ZERO_WORDS:
        return 0
    # Split at scale words: "two thousand and six" -> (["two"], 1000), (["and", "six"], 1).
    parts: List[tuple] = []
    start = 0
    for i, w in enumerate(words):
        if w in lang.SCALES:
            parts.append((words[start:i], lang.SCALES[w]))
            start = i + 1
    parts.append((words[start:], 1))
    total, ceiling = 0, None
    for index, (part, scale) in enumerate(parts):
        first, last = index == 0, index == len(parts) - 1
        if not part:
            if first and scale > 1:
                count = 1  # a bare "thousand"
            elif last and not first:
                continue  # nothing after the last scale: "two thousand"
            else:
                return None
        else:
            count = _group(part, lang, first, last)
            if not count:
                return None
        if ceiling is not None and count * scale >= ceiling:
            return None  # scales must fall: not "two thousand three million"
        total += count * scale
        ceiling = scale
    return total


def fraction_phrase(words: Sequence[str], lang) -> Optional[Fraction]:
    """'half', 'a half', 'one half', 'a quarter', 'three quarters'."""
    if not words:
        return None
    head, last = words[:-1], words[-1]
    if last in lang.FRACTIONS:  # alone, or after "a" or "one"
        if head and (len(head) > 1 or (head[0] not in lang.ARTICLES and cardinal(head, lang) != 1)):
            return None
        return Fraction(1, lang.FRACTIONS[last])
    numerator = cardinal(head, lang) if head and last in lang.PLURAL_FRACTIONS else None
    return Fraction(numerator, lang.PLURAL_FRACTIONS[last]) if numerator and numerator > 1 else None


def _count_before(words: Sequence[str], lang) -> Optional[Fraction]:
    """A count ending in an article: 'an', 'half an', 'a quarter of an'."""
    if not words or words[-1] not in lang.ARTICLES:
        return None
    head = words[:-1]
    if not head:
        return Fraction(1)
    if len(head) > 1 and head[-1] in lang.PARTITIVES:
        head = head[:-1]
    return fraction_phrase(head, lang)


def _whole(tokens: Sequence[Token], lang) -> Optional[int]:
    """A whole number in words or plain digits (no sign, no decimal part)."""
    if all_words(tokens):
        return cardinal(texts(tokens), lang)
    literal = digit_literal(tokens)
    if literal is None or literal.decimal or tokens[0].kind != NUM:
        return None
    return int(literal.value)


def _spoken_digit(word: str, lang) -> Optional[int]:
    if word in lang.ZERO_WORDS or word in lang.SPOKEN_ZERO_DIGITS:
        return 0
    return lang.UNITS.get(word)


def _unsigned(tokens: Sequence[Token], lang) -> Optional[Number]:
    if not tokens:
        return None
    literal = digit_literal(tokens)
    if literal is not None:
        return literal
    words = texts(tokens)
    points = [i for i, t in enumerate(tokens) if t.text in lang.DECIMAL_POINTS]
    if points:
        # "three point one four": the digits after the point are read one by one.
        p = points[0]
        whole = _whole(tokens[:p], lang) if p else 0
        digits = [_spoken_digit(w, lang) for w in words[p + 1:]]
        if whole is None or not digits or None in digits or len(points) > 1:
            return None
        decimals = int("".join(map(str, digits)))
        return Number(whole + Fraction(decimals, 10 ** len(digits)), True, False)
    fraction = fraction_phrase(words, lang)
    if fraction is not None:
        return Number(fraction, False, True)
    if words[-1] in lang.DOZENS:  # "a dozen", "two dozen", "half a dozen"
        count = 1 if len(tokens) == 1 else _count_before(words[:-1], lang)
        if count is None:
            count = _whole(tokens[:-1], lang)
        return None if not count else Number(count * lang.DOZENS[words[-1]], False, False)
    for k in range(len(tokens) - 2, 0, -1):
        # "one and a half", "2 and three quarters"
        if words[k] in lang.AND:
            fraction = fraction_phrase(words[k + 1:], lang)
            if fraction is None:
                break  # the last "and" decides: "a hundred and five" is a cardinal
            if words[k - 1] in lang.HUNDRED or words[k - 1] in lang.SCALES:
                return None  # "a million and a half" is 1.5 million, not 1,000,000.5: refuse
            whole = _whole(tokens[:k], lang) if fraction < 1 else None
            return None if whole is None else Number(whole + fraction, False, False)
    whole = _whole(tokens, lang)
    return None if whole is None else Number(Fraction(whole), False, False)


def parse_number(tokens: Sequence[Token], lang) -> Optional[Number]:
    """A signed number taking up all of `tokens`."""
    if len(tokens) > 1 and tokens[0].kind == WORD and tokens[0].text in lang.NEGATIVES:
        number = _unsigned(tokens[1:], lang)
        if number is None or tokens[1].text in _SIGNS:
            return None  # "minus -5"
        return number._replace(value=-number.value)
    return _unsigned(tokens, lang)


def quantity(tokens: Sequence[Token], lang) -> Optional[Fraction]:
    """A non-negative count before a unit: 'an', 'a couple of', 'half an', 'two', '1.5'."""
    words = texts(tokens)
    if words in lang.QUANTITY_PHRASES:
        return Fraction(lang.QUANTITY_PHRASES[words])
    if words and words[-1] in lang.ARTICLES:
        return _count_before(words, lang)
    number = parse_number(tokens, lang)
    return None if number is None or number.value < 0 else number.value


def ordinal(tokens: Sequence[Token], lang) -> Optional[int]:
    """'third', 'twenty first', 'hundredth', '21st'."""
    if (len(tokens) == 2 and tokens[0].kind == NUM and tokens[1].glued
            and tokens[1].text in lang.ORDINAL_SUFFIXES):
        return int(tokens[0].text)
    if not all_words(tokens) or tokens[-1].text not in lang.ORDINALS:
        return None
    words = texts(tokens)
    return cardinal(words[:-1] + (lang.ORDINALS[words[-1]],), lang)


def clock_integer(tokens: Sequence[Token], lang) -> Optional[int]:
    """A small whole number for clocks and calendars: one or two digits, or words."""
    if len(tokens) == 1 and tokens[0].kind == NUM:
        return int(tokens[0].text) if len(tokens[0].text) <= 2 else None
    return cardinal(texts(tokens), lang) if all_words(tokens) else None


def zero_led_digit(words: Sequence[str], lang) -> Optional[int]:
    """'oh five' / 'zero seven' -> 5 / 7, as in clock readings and years."""
    if len(words) == 2 and (words[0] in lang.ZERO_WORDS or words[0] in lang.SPOKEN_ZERO_DIGITS):
        return _spoken_digit(words[1], lang)
    return None
