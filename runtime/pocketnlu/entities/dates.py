"""Calendar dates, as "YYYY-MM-DD", relative to a reference day.

Why a module: only dates need a reference day and calendar arithmetic
(weekdays, year roll-over, leap days). Numeric dates other than ISO
year-month-day ("03/05/2027", "5/3") are refused: day and month order
cannot be told apart.
"""
from datetime import date, timedelta
from typing import Optional, Sequence

from .numbers import cardinal, clock_integer, ordinal, quantity, zero_led_digit
from .text import NUM, SYM, WORD, Token, all_words, match_prefix, match_suffix, strip_leading, texts

_LONGEST_LEAP_GAP = 8  # years: February 29th skips 1900 and 2100


def _shift(day: date, days: int) -> Optional[date]:
    try:
        return day + timedelta(days=days)
    except OverflowError:  # beyond year 9999 (or a huge spoken count)
        return None


def _make(year: int, month: int, day: int) -> Optional[date]:
    try:
        return date(year, month, day)
    except ValueError:  # "2027-02-30"
        return None


def _next_on_or_after(today: date, month: int, day: int) -> Optional[date]:
    """The first (month, day) on or after today; None if it never exists ("february 30th")."""
    for year in range(today.year, today.year + _LONGEST_LEAP_GAP + 1):
        candidate = _make(year, month, day)
        if candidate is not None and candidate >= today:
            return candidate
    return None


def _offset(tokens: Sequence[Token], lang, today: date) -> Optional[date]:
    """'in three days', 'in a week', 'two weeks from now', 'a week ago'."""
    prefix = match_prefix(tokens, lang.DATE_OFFSET_PREFIXES)
    suffix = match_suffix(tokens, lang.DATE_OFFSET_SUFFIXES)
    if bool(prefix) == bool(suffix):
        return None
    said = texts(tokens)
    if prefix:
        sign = lang.DATE_OFFSET_PREFIXES[said[:prefix]]
    else:
        sign = lang.DATE_OFFSET_SUFFIXES[said[-suffix:]]
    body = tokens[prefix:len(tokens) - suffix]
    if len(body) < 2 or body[-1].text not in lang.DATE_OFFSET_UNITS:
        return None
    count = quantity(body[:-1], lang)
    if count is None or count.denominator != 1:
        return None  # "in half a week" is no single day
    return _shift(today, sign * int(count) * lang.DATE_OFFSET_UNITS[body[-1].text])


def _weekday(tokens: Sequence[Token], lang, today: date) -> Optional[date]:
    """'friday', 'next friday', 'this friday', 'last friday'."""
    said = texts(tokens)
    if not said or said[-1] not in lang.WEEKDAYS:
        return None
    lowest = lang.WEEKDAY_MODIFIERS.get(said[:-1])
    if lowest is None:
        return None
    return _shift(today, (lang.WEEKDAYS[said[-1]] - today.weekday() - lowest) % 7 + lowest)


def _holiday(tokens: Sequence[Token], lang, today: date) -> Optional[date]:
    said = texts(tokens)
    return _next_on_or_after(today, *lang.HOLIDAYS[said]) if said in lang.HOLIDAYS else None


def _iso(tokens: Sequence[Token]) -> Optional[date]:
    """'2027-05-03'."""
    if len(tokens) != 5 or any(not t.glued for t in tokens[1:]):
        return None
    fields, separators = tokens[0::2], tokens[1::2]
    if (any(t.kind != NUM for t in fields) or [len(t.text) for t in fields] != [4, 2, 2]
            or any(t.text != "-" for t in separators)):
        return None
    return _make(*(int(t.text) for t in fields))


def _year(tokens: Sequence[Token], lang) -> Optional[int]:
    """'2027', 'twenty twenty seven', 'two thousand and five', 'nineteen oh five'."""
    if len(tokens) == 1 and tokens[0].kind == NUM:
        return int(tokens[0].text) if len(tokens[0].text) == 4 else None
    if not all_words(tokens):
        return None
    words = texts(tokens)
    years = set()
    whole = cardinal(words, lang)
    if whole is not None and 1000 <= whole <= 9999:
        years.add(whole)
    for k in range(1, len(words)):  # a century, then a year in it: "twenty" + "twenty seven"
        century = cardinal(words[:k], lang)
        if century is None or not 10 <= century <= 99:
            continue
        rest = words[k:]
        if len(rest) == 1 and rest[0] in lang.HUNDRED:
            tail = 0  # "nineteen hundred"
        else:
            tail = zero_led_digit(rest, lang)  # "twenty oh five"
            if tail is None:
                tail = cardinal(rest, lang)
                tail = tail if tail is not None and 10 <= tail <= 99 else None
        if tail is not None:
            years.add(century * 100 + tail)
    return years.pop() if len(years) == 1 else None


def _day_of_month(tokens: Sequence[Token], lang, year_follows: bool) -> Optional[int]:
    """'third', '3rd', '3', and cardinal words ('may twenty') only when no year follows,
    since "may twenty twenty seven" could be either."""
    day = ordinal(tokens, lang)
    if day is None and (not year_follows or not all_words(tokens)):
        day = clock_integer(tokens, lang)
    return day if day is not None and 1 <= day <= 31 else None


def _calendar(tokens: Sequence[Token], lang, today: date) -> Optional[date]:
    """'the third of may', 'may 3rd', '3 may 2027', 'friday, may 3rd' (weekday checked)."""
    weekday = None
    if len(tokens) > 1 and tokens[0].text in lang.WEEKDAYS:
        weekday, tokens = lang.WEEKDAYS[tokens[0].text], tokens[1:]
    at = [i for i, t in enumerate(tokens) if t.kind == WORD and t.text in lang.MONTHS]
    if len(at) != 1:
        return None
    m = at[0]
    month = lang.MONTHS[tokens[m].text]
    if m == 0:  # month first: "may [the] third [2027]"
        rest = strip_leading(tokens[1:], lang.DEFINITE_ARTICLES)
        splits = [(rest[:k], rest[k:]) for k in range(1, len(rest) + 1)]
    else:  # day first: "[the] third [of] may [2027]"
        head = strip_leading(tokens[:m], lang.DEFINITE_ARTICLES)
        if len(head) > 1 and head[-1].text in lang.PARTITIVES:
            head = head[:-1]
        splits = [(head, tokens[m + 1:])]
    readings = set()
    for day_tokens, year_tokens in splits:
        day = _day_of_month(day_tokens, lang, bool(year_tokens))
        year = _year(year_tokens, lang) if year_tokens else None
        if day is not None and (year is not None or not year_tokens):
            readings.add((day, year))
    if len(readings) != 1:
        return None
    day, year = readings.pop()
    found = _next_on_or_after(today, month, day) if year is None else _make(year, month, day)
    if found is None or (weekday is not None and found.weekday() != weekday):
        return None
    return found


def _date(tokens: Sequence[Token], lang, today: date) -> Optional[date]:
    said = texts(tokens)
    if said in lang.RELATIVE_DAYS:
        return _shift(today, lang.RELATIVE_DAYS[said])
    for form in (_offset, _weekday, _holiday, _calendar):
        found = form(tokens, lang, today)
        if found is not None:
            return found
    return _iso(tokens)


def resolve_date(tokens: Sequence[Token], lang, today: date) -> Optional[dict]:
    # A comma followed by a space only separates ("may 3rd, 2027"); "2,027" stays junk.
    tokens = [t for i, t in enumerate(tokens)
              if not (t.kind == SYM and t.text == ","
                      and i + 1 < len(tokens) and not tokens[i + 1].glued)]
    tokens = strip_leading(tokens, lang.DATE_LEAD_WORDS)
    found = _date(tokens, lang, today)
    if found is None:
        n = match_suffix(tokens, lang.DAY_PARTS)  # "tomorrow morning": the time part is dropped
        if 0 < n < len(tokens):
            found = _date(tokens[:-n], lang, today)
    return None if found is None else {"kind": "date", "value": found.isoformat()}
