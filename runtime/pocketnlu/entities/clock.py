"""Times of day, as "HH:MM:SS" on a 24-hour clock.

Why a module: clock readings have their own grammar ("six thirty", "half
past six", "oh seven hundred hours", "6.30pm") and the 12-hour rules that
turn a said hour and a part of the day into a 24-hour one.

With no part of the day the hour is taken as said, so "half past six" is
06:30 and "eighteen thirty" is 18:30; an hour said on the 12-hour face stays
on it, so "ten to one" is 12:50, not 00:50.
"""
from typing import List, Optional, Sequence, Tuple

from .numbers import cardinal, clock_integer, zero_led_digit
from .text import NUM, SYM, Token, all_words, match_suffix, strip_leading, texts

_SEPARATORS = (":", ".")
_DAY_MINUTES = 24 * 60


def _with_period(hour: Optional[int], period_start: Optional[int]) -> Optional[int]:
    """The 24-hour hour for a said hour, given the first hour of the said period."""
    if hour is None:
        return None
    if period_start is None:
        return hour if 0 <= hour <= 23 else None
    if not 1 <= hour <= 12:
        return None  # "13 pm", "0 am"
    hour %= 12  # of hour and hour + 12, exactly one falls in the 12-hour period
    return hour if (hour - period_start) % 24 < 12 else hour + 12


def _said_hour(tokens: Sequence[Token], lang) -> Optional[int]:
    """'7', '07', 'seven', 'nineteen', 'oh seven'."""
    led = zero_led_digit(texts(tokens), lang)
    return led if led is not None else clock_integer(tokens, lang)


def _said_minute(tokens: Sequence[Token], lang) -> Optional[int]:
    """The minutes after a said hour: '30', 'thirty', 'oh five', 'hundred' (:00)."""
    if len(tokens) == 1 and tokens[0].kind == NUM:
        return int(tokens[0].text) if len(tokens[0].text) == 2 else None
    if not all_words(tokens):
        return None
    words = texts(tokens)
    if len(words) == 1 and words[0] in lang.HUNDRED:
        return 0
    led = zero_led_digit(words, lang)
    if led is not None:
        return led
    minute = cardinal(words, lang)
    return minute if minute is not None and 10 <= minute else None  # "seven five" is no time


def _named(tokens: Sequence[Token], lang, period_start: Optional[int]) -> Optional[int]:
    """'noon', 'midnight', 'twelve noon' -> minutes of the day."""
    n = match_suffix(tokens, lang.NAMED_TIMES)
    if not n or period_start is not None:
        return None
    if n < len(tokens) and _said_hour(tokens[:-n], lang) != 12:
        return None
    return lang.NAMED_TIMES[texts(tokens[-n:])] * 60


def _offset_minutes(tokens: Sequence[Token], lang) -> Optional[int]:
    """The part before 'past'/'to': 'half', 'a quarter', 'ten', 'twenty five minutes'."""
    said = texts(tokens)
    if said in lang.CLOCK_FRACTIONS:
        return lang.CLOCK_FRACTIONS[said]
    if len(tokens) > 1 and said[-1] in lang.MINUTE_WORDS:
        tokens = tokens[:-1]
    minutes = clock_integer(tokens, lang)
    return minutes if minutes is not None and 1 <= minutes <= 59 else None


def _past_or_to(tokens: Sequence[Token], lang, period_start: Optional[int]) -> Optional[int]:
    """'half past six', 'quarter to seven', 'ten past midnight' -> minutes of the day."""
    for k, token in enumerate(tokens):
        if token.text in lang.PAST_WORDS or token.text in lang.TO_WORDS:
            break
    else:
        return None
    sign = 1 if token.text in lang.PAST_WORDS else -1
    offset, hour_tokens = _offset_minutes(tokens[:k], lang), tokens[k + 1:]
    if offset is None or not hour_tokens:
        return None
    named = lang.NAMED_TIMES.get(texts(hour_tokens))
    if named is not None:
        return None if period_start is not None else (named * 60 + sign * offset) % _DAY_MINUTES
    said = _said_hour(hour_tokens, lang)
    hour = _with_period(said, period_start)
    if hour is None:
        return None
    minutes = (hour * 60 + sign * offset) % _DAY_MINUTES
    if period_start is None and 1 <= said <= 12 and minutes < 60:
        minutes += 12 * 60  # stay on the 12-hour face the hour was said on
    return minutes


def _digital(tokens: Sequence[Token]) -> List[Tuple[int, int, int, bool]]:
    """'18:45', '18:45:30', '6.30', '7', '0730' -> [(hour, minute, second, minutes_said)]."""
    if len(tokens) == 1 and tokens[0].kind == NUM:
        digits = tokens[0].text
        if len(digits) <= 2:
            return [(int(digits), 0, 0, False)]
        if len(digits) <= 4:
            return [(int(digits[:-2]), int(digits[-2:]), 0, True)]  # "0730", "730"
        return []
    if len(tokens) not in (3, 5) or any(not t.glued for t in tokens[1:]):
        return []
    numbers, separators = tokens[0::2], tokens[1::2]
    if (any(t.kind != NUM for t in numbers) or len(numbers[0].text) > 2
            or any(len(t.text) != 2 for t in numbers[1:])
            or any(t.kind != SYM or t.text not in _SEPARATORS for t in separators)
            or len({t.text for t in separators}) > 1):
        return []
    values = [int(t.text) for t in numbers] + [0]
    return [(values[0], values[1], values[2], True)]


def _spoken(tokens: Sequence[Token], lang) -> List[Tuple[int, int, int, bool]]:
    """Every split of the tokens into a said hour and said minutes."""
    readings = []
    for k in range(1, len(tokens) + 1):
        hour = _said_hour(tokens[:k], lang)
        if hour is None:
            continue
        if k == len(tokens):
            readings.append((hour, 0, 0, False))
        else:
            minute = _said_minute(tokens[k:], lang)
            if minute is not None:
                readings.append((hour, minute, 0, True))
    return readings


def _reading(tokens: Sequence[Token], lang, period_start: Optional[int]) -> Optional[int]:
    """'six thirty', '18:45:30', 'five o'clock', 'fourteen hundred hours' -> seconds of the day."""
    military = oclock = False
    if period_start is None and len(tokens) > 1 and tokens[-1].text in lang.MILITARY_SUFFIXES:
        military, tokens = True, tokens[:-1]
    n = match_suffix(tokens, lang.O_CLOCK)
    if 0 < n < len(tokens):
        oclock, tokens = True, tokens[:-n]
    seconds = set()
    for said, minute, second, minutes_said in _digital(tokens) or _spoken(tokens, lang):
        hour = _with_period(said, period_start)
        if (hour is None or minute > 59 or second > 59 or (oclock and minutes_said)
                or (military and not minutes_said)):
            continue
        seconds.add(hour * 3600 + minute * 60 + second)
    return seconds.pop() if len(seconds) == 1 else None


def resolve_time(tokens: Sequence[Token], lang) -> Optional[dict]:
    tokens = strip_leading(tokens, lang.APPROXIMATORS | lang.TIME_LEAD_WORDS)
    period_start = None
    n = match_suffix(tokens, lang.DAY_PERIODS)
    if 0 < n < len(tokens):
        period_start = lang.DAY_PERIODS[texts(tokens[-n:])]
        tokens = tokens[:-n]
    minutes = _named(tokens, lang, period_start)
    if minutes is None:
        minutes = _past_or_to(tokens, lang, period_start)
    seconds = _reading(tokens, lang, period_start) if minutes is None else minutes * 60
    if seconds is None:
        return None
    hours, rest = divmod(seconds, 3600)
    return {"kind": "time", "value": "{:02}:{:02}:{:02}".format(hours, rest // 60, rest % 60)}
