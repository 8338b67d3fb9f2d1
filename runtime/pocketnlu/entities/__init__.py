"""Built-in entities: turn the text of a tagged slot into a typed value.

    >>> resolve("temperature", "seventy two degrees fahrenheit")
    {'kind': 'temperature', 'value': 72, 'unit': 'fahrenheit'}

`resolve` is strict: the whole text must be the entity (plus a few leading
fillers), otherwise it returns None, since acting on a half-understood slot
is worse than asking again. One exception: a number with a unit glued to it
("50%", "5000k", "5-minute", "thirty three-hours") is, as a "number", that number:
sentence templates glue units to numbers (Home Assistant's `{brightness}%`), and
the tagged slot is the whole word. Texts over MAX_TEXT_CHARS characters or
MAX_WORDS words return None before any parsing.

Words live in per-language table modules (`en`); the other modules are the
language-free engine, one kind or shared job each.
"""
import re
from datetime import date, datetime
from typing import Optional, Union

from . import en
from .clock import resolve_time
from .dates import resolve_date
from .duration import resolve_duration
from .measures import resolve_number, resolve_ordinal, resolve_percentage, resolve_temperature
from .phone import resolve_phone_number
from .text import MAX_TEXT_CHARS, MAX_WORDS, tokenize

__all__ = ["KINDS", "LANGUAGES", "MAX_TEXT_CHARS", "MAX_WORDS", "Moment", "resolve"]

Moment = Union[date, datetime]  # what relative dates count from

LANGUAGES = {"en": en}

_RESOLVERS = {
    "number": resolve_number,
    "ordinal": resolve_ordinal,
    "percentage": resolve_percentage,
    "temperature": resolve_temperature,
    "duration": resolve_duration,
    "time": resolve_time,
    "date": resolve_date,
    "phone_number": resolve_phone_number,
}
KINDS = tuple(_RESOLVERS)

# A number, then a unit glued to its last word: "-" and letters, or (after a digit) letters or "%".
_GLUED_UNIT = re.compile(r"\s*(.+?)(-[^\W\d_]+|%|[^\W\d_]+)\s*")


def resolve(kind: str, text: str, reference_time: Optional[Moment] = None, *, language: str = "en") -> Optional[dict]:
    """The value of `text` as an entity of `kind`, or None when it is not one.

    reference_time: a datetime.date or datetime.datetime that relative dates
    count from (only "date" uses it); None means today's local date.

    Raises ValueError for a kind not in KINDS or a language not in LANGUAGES,
    TypeError when text is not a str or reference_time is not a date; never
    for the content of `text`.
    """
    if kind not in KINDS:
        raise ValueError("unknown entity kind %r; expected one of %s" % (kind, ", ".join(KINDS)))
    if language not in LANGUAGES:
        raise ValueError("unknown language %r; expected one of %s"
                         % (language, ", ".join(LANGUAGES)))
    if not isinstance(text, str):
        raise TypeError("text must be a str, not %s" % type(text).__name__)
    if reference_time is not None and not isinstance(reference_time, date):
        raise TypeError("reference_time must be a datetime.date or datetime.datetime")
    tokens = tokenize(text)
    if tokens is None:
        return None
    lang = LANGUAGES[language]
    if kind == "date":
        if reference_time is None:
            today = date.today()
        elif isinstance(reference_time, datetime):
            today = reference_time.date()
        else:
            today = reference_time
        return resolve_date(tokens, lang, today)
    value = _RESOLVERS[kind](tokens, lang)
    if value is None and kind == "number":
        glued = _GLUED_UNIT.fullmatch(text)
        number = glued.group(1) if glued else ""
        if number and not number[-1].isspace() and (glued.group(2)[0] == "-" or number[-1].isdigit()):
            words = tokenize(number)
            value = resolve_number(words, lang) if words else None
    return value
