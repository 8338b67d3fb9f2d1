"""English word tables for the entity resolver.

The engine modules contain no words of any language: everything a speaker
may say or type lives in a table module like this one, so a second language
is a new module defining the same names (registered in ``__init__.LANGUAGES``).

Contract. Keys are lower case and written as the tokenizer yields them:
letters with inner apostrophes kept ("o'clock"), dots of abbreviations
dropped ("a.m." -> "am"), hyphens splitting words ("twenty-one" -> "twenty",
"one"), and every other non-letter, non-digit character as a token of its
own ("%", "°"). A *word set* is a frozenset of such tokens; a *phrase* is a
tuple of them, e.g. ("per", "cent").

Numbers
  ZERO_WORDS          word set: the number 0 ("zero").
  SPOKEN_ZERO_DIGITS  word set: the digit 0 inside a digit string only (phone
                      numbers, after the decimal point, clock minutes), never
                      a number on its own ("oh").
  UNITS               word -> 1..9.
  TEENS               word -> 10..19.
  TENS                word -> 20, 30, ... 90.
  HUNDRED             word set: "x 100" inside a group of three digits.
  SCALES              word -> 10**3, 10**6, ... (scales above the hundreds).
  DOZENS              word -> multiplier of a whole count ("dozen": 12).
  ARTICLES            word set: indefinite articles meaning "one" before a
                      scale, fraction or unit ("a hundred", "an hour").
  AND                 word set: the conjunction inside numbers ("a hundred
                      and five", "one and a half") and durations.
  DECIMAL_POINTS      word set ("point").
  NEGATIVES           word set of signs said before a number ("minus").
  FRACTIONS           word -> denominator, said after "a"/"one" or alone
                      ("half": 2).
  PLURAL_FRACTIONS    word -> denominator, said after a count of two or more
                      ("three quarters").
  PARTITIVES          word set: "of" in "a quarter of an hour".
  QUANTITY_PHRASES    phrase -> count said without a number ("a couple of").
  APPROXIMATORS       word set: leading words ignored before numbers,
                      percentages, temperatures, durations and times.
  ORDINALS            ordinal word -> the cardinal word it stands for
                      ("first": "one", "hundredth": "hundred").
  ORDINAL_SUFFIXES    word set: suffixes after digits ("21st").
  DEFINITE_ARTICLES   word set ("the"): leading word of ordinals and dates.
Percentages and temperatures
  PERCENT_MARKERS     set of phrases written after the number.
  PERCENT_WORDS       phrase -> percentage said without a number ("full").
  DEGREE_MARKERS      set of phrases written after a temperature.
  TEMPERATURE_UNITS   phrase -> "celsius" or "fahrenheit" (the API unit ids).
Durations
  DURATION_UNITS      word -> seconds.
Time of day
  TIME_LEAD_WORDS     word set: leading prepositions ignored ("at").
  DAY_PERIODS         phrase -> first hour (0..23) of the 12-hour window it
                      names: "pm" -> 12 puts "seven pm" at 19; "at night" ->
                      17 puts "nine at night" at 21 and "twelve" at 0.
  NAMED_TIMES         phrase -> hour (0..23) ("noon": 12).
  O_CLOCK             set of phrases after a full hour.
  MILITARY_SUFFIXES   word set after a 24-hour reading ("hours").
  CLOCK_FRACTIONS     phrase -> minutes before "past"/"to" ("half": 30).
  MINUTE_WORDS        word set: optional after the minutes ("ten minutes past").
  PAST_WORDS          word set: minutes after the hour.
  TO_WORDS            word set: minutes before the hour.
Dates
  DATE_LEAD_WORDS     word set: leading prepositions ignored ("on").
  RELATIVE_DAYS       phrase -> day offset ("tomorrow": 1).
  DAY_PARTS           set of phrases after a date that are dropped
                      ("tomorrow morning").
  DATE_OFFSET_UNITS   word -> days ("weeks": 7).
  DATE_OFFSET_PREFIXES phrase -> +1 or -1 before "N days" ("in").
  DATE_OFFSET_SUFFIXES phrase -> +1 or -1 after "N days" ("ago": -1).
  WEEKDAYS            word -> 0 (Monday) .. 6 (Sunday).
  WEEKDAY_MODIFIERS   phrase (the empty tuple for a bare weekday) -> the
                      smallest day offset allowed: 1 "strictly after the
                      reference day", 0 "on or after", -7 "the last one before".
  MONTHS              word -> 1..12.
  HOLIDAYS            phrase -> (month, day) of a fixed-date holiday.
Phone numbers
  PLUS_WORDS          word set said for a leading "+".
  REPEATERS           word -> how many times the next digit repeats.
"""

ZERO_WORDS = frozenset({"zero", "nought", "naught"})
SPOKEN_ZERO_DIGITS = frozenset({"oh", "o"})
UNITS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9,
}
TEENS = {
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}
HUNDRED = frozenset({"hundred"})
SCALES = {"thousand": 10**3, "million": 10**6, "billion": 10**9}
DOZENS = {"dozen": 12}
ARTICLES = frozenset({"a", "an"})
AND = frozenset({"and"})
DECIMAL_POINTS = frozenset({"point"})
NEGATIVES = frozenset({"minus", "negative"})
FRACTIONS = {"half": 2, "quarter": 4}
PLURAL_FRACTIONS = {"halves": 2, "quarters": 4}
PARTITIVES = frozenset({"of"})
QUANTITY_PHRASES = {("a", "couple", "of"): 2, ("a", "couple"): 2, ("couple", "of"): 2}
APPROXIMATORS = frozenset({
    "about", "around", "roughly", "approximately", "exactly", "precisely", "just",
})
ORDINALS = {
    "zeroth": "zero", "first": "one", "second": "two", "third": "three",
    "fourth": "four", "fifth": "five", "sixth": "six", "seventh": "seven",
    "eighth": "eight", "ninth": "nine", "tenth": "ten", "eleventh": "eleven",
    "twelfth": "twelve", "thirteenth": "thirteen", "fourteenth": "fourteen",
    "fifteenth": "fifteen", "sixteenth": "sixteen", "seventeenth": "seventeen",
    "eighteenth": "eighteen", "nineteenth": "nineteen", "twentieth": "twenty",
    "thirtieth": "thirty", "fortieth": "forty", "fiftieth": "fifty",
    "sixtieth": "sixty", "seventieth": "seventy", "eightieth": "eighty",
    "ninetieth": "ninety", "hundredth": "hundred", "thousandth": "thousand",
    "millionth": "million", "billionth": "billion",
}
ORDINAL_SUFFIXES = frozenset({"st", "nd", "rd", "th"})
DEFINITE_ARTICLES = frozenset({"the"})

PERCENT_MARKERS = frozenset({("%",), ("percent",), ("per", "cent"), ("pct",)})
PERCENT_WORDS = {("full",): 100, ("max",): 100, ("maximum",): 100}
DEGREE_MARKERS = frozenset({("degrees",), ("degree",), ("deg",), ("°",), ("º",)})
TEMPERATURE_UNITS = {
    ("celsius",): "celsius", ("centigrade",): "celsius", ("c",): "celsius",
    ("℃",): "celsius",
    ("fahrenheit",): "fahrenheit", ("f",): "fahrenheit", ("℉",): "fahrenheit",
}

DURATION_UNITS = {
    "second": 1, "seconds": 1, "sec": 1, "secs": 1, "s": 1,
    "minute": 60, "minutes": 60, "min": 60, "mins": 60, "m": 60,
    "hour": 3600, "hours": 3600, "hr": 3600, "hrs": 3600, "h": 3600,
    "day": 86400, "days": 86400, "d": 86400,
    "week": 604800, "weeks": 604800, "wk": 604800, "wks": 604800,
    "fortnight": 1209600, "fortnights": 1209600,
}

TIME_LEAD_WORDS = frozenset({"at"})
DAY_PERIODS = {
    ("am",): 0, ("a", "m"): 0, ("in", "the", "morning"): 0, ("this", "morning"): 0,
    ("pm",): 12, ("p", "m"): 12,
    ("in", "the", "afternoon"): 12, ("this", "afternoon"): 12,
    ("in", "the", "evening"): 12, ("this", "evening"): 12,
    ("at", "night"): 17, ("tonight",): 17,
}
NAMED_TIMES = {("noon",): 12, ("midday",): 12, ("midnight",): 0}
O_CLOCK = frozenset({("o'clock",), ("oclock",), ("o", "clock")})
MILITARY_SUFFIXES = frozenset({"hours", "hrs"})
CLOCK_FRACTIONS = {("quarter",): 15, ("a", "quarter"): 15, ("half",): 30}
MINUTE_WORDS = frozenset({"minute", "minutes", "min", "mins"})
PAST_WORDS = frozenset({"past", "after"})
TO_WORDS = frozenset({"to", "till", "til", "before", "of"})

DATE_LEAD_WORDS = frozenset({"on"})
RELATIVE_DAYS = {
    ("today",): 0, ("tonight",): 0,
    ("this", "morning"): 0, ("this", "afternoon"): 0, ("this", "evening"): 0,
    ("tomorrow",): 1, ("the", "day", "after", "tomorrow"): 2, ("day", "after", "tomorrow"): 2,
    ("yesterday",): -1, ("the", "day", "before", "yesterday"): -2,
    ("day", "before", "yesterday"): -2,
}
DAY_PARTS = frozenset({
    ("morning",), ("afternoon",), ("evening",), ("night",),
    ("in", "the", "morning"), ("in", "the", "afternoon"), ("in", "the", "evening"),
    ("at", "night"),
})
DATE_OFFSET_UNITS = {"day": 1, "days": 1, "week": 7, "weeks": 7, "fortnight": 14, "fortnights": 14}
DATE_OFFSET_PREFIXES = {("in",): 1}
DATE_OFFSET_SUFFIXES = {("from", "now"): 1, ("from", "today"): 1, ("ago",): -1}
WEEKDAYS = {
    "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1,
    "wednesday": 2, "wed": 2, "thursday": 3, "thu": 3, "thur": 3, "thurs": 3,
    "friday": 4, "fri": 4, "saturday": 5, "sat": 5, "sunday": 6, "sun": 6,
}
WEEKDAY_MODIFIERS = {
    (): 1, ("next",): 1, ("coming",): 1, ("this", "coming"): 1,
    ("this",): 0, ("last",): -7,
}
MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3,
    "april": 4, "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7,
    "august": 8, "aug": 8, "september": 9, "sep": 9, "sept": 9,
    "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}
HOLIDAYS = {
    ("new", "year's", "day"): (1, 1), ("new", "years", "day"): (1, 1),
    ("new", "year's"): (1, 1), ("new", "years"): (1, 1), ("new", "year"): (1, 1),
    ("new", "year's", "eve"): (12, 31), ("new", "years", "eve"): (12, 31),
    ("christmas",): (12, 25), ("christmas", "day"): (12, 25), ("xmas",): (12, 25),
    ("christmas", "eve"): (12, 24), ("xmas", "eve"): (12, 24),
    ("boxing", "day"): (12, 26), ("halloween",): (10, 31),
    ("valentine's", "day"): (2, 14), ("valentines", "day"): (2, 14),
}

PLUS_WORDS = frozenset({"plus"})
REPEATERS = {"double": 2, "triple": 3}
