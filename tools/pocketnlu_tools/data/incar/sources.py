"""Value sources of the in-car templates: how each `{placeholder}` draws its text, spoken (numbers as
words) or typed (digits, symbols), and which slot type it fills."""
import random
from dataclasses import dataclass
from typing import Callable, Dict, Optional, Tuple

from pocketnlu_tools.data.incar.values import (
    ALBUMS, AMOUNTS, ARTISTS, BOOKS, CHORES, CITIES, CONTACTS, COUNTRIES, DIRECTIONS, FAN_WORDS, FOODS,
    GROCERIES, HOME_DEVICES, INVENTIONS, LANDMARKS, LANGUAGES, MESSAGES, PHRASES, PLACES, PLAYLISTS,
    POI_CATEGORIES, POI_NEEDS, PRODUCTS, SEATS, SEAT_LEVELS, SONGS, STATION_NAMES, STREET_NAMES,
    STREET_TYPES, TIRES, TOPICS, VOLUME_WORDS, WINDOWS, WINDOW_GROUPS, ZONES,
)

TYPED_WORDS_SHARE = 0.15  # typists who spell a number out


# --- Numbers as words ----------------------------------------------------------------------------

ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen"
).split()
TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")


def say_number(n: int) -> str:
    """A cardinal below 1000 as words: 72 -> "seventy two", 105 -> "one hundred five"."""
    if n < 20:
        return ONES[n]
    if n < 100:
        return TENS[n // 10] + ("" if n % 10 == 0 else " " + ONES[n % 10])
    if n < 1000:
        hundreds = ONES[n // 100] + " hundred"
        return hundreds if n % 100 == 0 else hundreds + " " + say_number(n % 100)
    raise ValueError(f"say_number: {n} is out of range")


def say_in_pairs(n: int) -> str:
    """A number read in pairs like a house number or frequency: 1420 -> "fourteen twenty",
    107 -> "one oh seven", 2005 -> "twenty oh five"."""
    if n < 100:
        return say_number(n)
    if n % 1000 == 0:
        return ONES[n // 1000] + " thousand"
    head, tail = divmod(n, 100)
    if tail == 0:
        return say_number(head) + " hundred"
    return say_number(head) + " " + (("oh " + ONES[tail]) if tail < 10 else say_number(tail))


def say_decimal(digits: str) -> str:
    """ "98.1" -> "ninety eight point one"."""
    whole, _, fraction = digits.partition(".")
    words = say_in_pairs(int(whole))
    return words + " point " + " ".join(ONES[int(d)] for d in fraction) if fraction else words


def say_digits(rng: random.Random, digits: str) -> str:
    """A phone number digit by digit; people say 0 as "oh" or "zero"."""
    zero = rng.choice(("oh", "zero"))
    return " ".join(zero if d == "0" else ONES[int(d)] for d in digits)



# --- Value sources -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ctx:
    """What every value of one utterance agrees on."""

    spoken: bool
    fahrenheit: bool


Draw = Callable[[random.Random, Ctx], str]


@dataclass(frozen=True)
class Source:
    """Draws the text of a template placeholder, a value of slot type `slot` (None: plain text)."""

    slot: Optional[str]
    draw: Draw


def numeral(rng: random.Random, ctx: Ctx, digits: str, words: str) -> str:
    """Speech recognizers write numbers as words; typists mostly use digits."""
    if ctx.spoken or rng.random() < TYPED_WORDS_SHARE:
        return words
    return digits


def integer(lo: int, hi: int) -> Draw:
    def draw(rng: random.Random, ctx: Ctx) -> str:
        n = rng.randint(lo, hi)
        return numeral(rng, ctx, str(n), say_number(n))

    return draw


def pick(*values: str) -> Draw:
    return lambda rng, ctx: rng.choice(values)


def either(*weighted: Tuple[float, Draw]) -> Draw:
    """Draw from one of several sources, chosen by weight."""
    weights = [w for w, _ in weighted]
    draws = [d for _, d in weighted]
    return lambda rng, ctx: rng.choices(draws, weights)[0](rng, ctx)


def temperature(rng: random.Random, ctx: Ctx) -> str:
    """60-85 in Fahrenheit, 16-30 in half degrees in Celsius."""
    if ctx.fahrenheit:
        n = rng.randint(60, 85)
        return numeral(rng, ctx, str(n), say_number(n))
    halves = rng.randint(32, 60)
    whole = halves // 2
    if halves % 2 == 0:
        return numeral(rng, ctx, str(whole), say_number(whole))
    half = rng.choice((" point five", " and a half"))
    return numeral(rng, ctx, f"{whole}.5", say_number(whole) + half)


def temperature_unit(rng: random.Random, ctx: Ctx) -> str:
    """The scale after "degrees" or a number: "fahrenheit", "C"."""
    if ctx.fahrenheit:
        return "fahrenheit" if ctx.spoken else rng.choice(("fahrenheit", "Fahrenheit", "F"))
    return "celsius" if ctx.spoken else rng.choice(("celsius", "Celsius", "C"))


def temperature_symbol(rng: random.Random, ctx: Ctx) -> str:
    """The scale glued to a typed number ("72°F"; `render` removes the space before "°")."""
    if ctx.spoken:
        return "fahrenheit" if ctx.fahrenheit else "celsius"
    return "°F" if ctx.fahrenheit else "°C"


def percent(rng: random.Random, ctx: Ctx) -> str:
    n = rng.randrange(10, 100, 10)
    words = say_number(n) + " percent"
    return words if ctx.spoken else rng.choice((f"{n}%", f"{n} percent", words))


def station_frequency(rng: random.Random, ctx: Ctx) -> str:
    """An FM frequency (87.9-107.9, odd tenths) or an AM one (540-1700 kHz)."""
    if rng.random() < 0.85:
        mhz = f"{rng.randrange(879, 1080, 2) / 10:.1f}"
        band = rng.choice(("", " fm"))
        if ctx.spoken:
            return say_decimal(mhz) + band
        return rng.choice((mhz, mhz + " FM", "FM " + mhz))
    khz = rng.randrange(540, 1710, 10)
    return say_in_pairs(khz) + " am" if ctx.spoken else rng.choice((f"{khz} AM", f"AM {khz}"))





def street_address(rng: random.Random, ctx: Ctx) -> str:
    """An invented street address, sometimes with a real city: "1420 Maple St, Denver"."""
    number = rng.randint(1, 9999)
    street = rng.choice(STREET_NAMES)
    spoken_type, typed_type = rng.choice(STREET_TYPES)
    city = rng.choice(CITIES) if rng.random() < 0.25 else ""
    if ctx.spoken:
        return " ".join(filter(None, (say_in_pairs(number), street, spoken_type, city)))
    street_type = rng.choice((spoken_type.title(), typed_type))
    return f"{number} {street} {street_type}" + (f", {city}" if city else "")


def phone_number(rng: random.Random, ctx: Ctx) -> str:
    """A 555 number with or without an area code."""
    area = str(rng.randint(201, 989))
    line = "555" + f"{rng.randint(100, 199):04d}"
    digits = area + line if rng.random() < 0.6 else line
    if ctx.spoken:
        return say_digits(rng, digits)
    local = f"{line[:3]}-{line[3:]}"
    if len(digits) == 7:
        return rng.choice((local, line))
    return rng.choice((f"{area}-{local}", f"({area}) {local}", digits))


def clock_time(rng: random.Random, ctx: Ctx) -> str:
    hour, minute = rng.randint(1, 12), rng.choice((0, 15, 30, 45))
    meridiem = rng.choice(("am", "pm"))
    if ctx.spoken or rng.random() < TYPED_WORDS_SHARE:
        return say_number(hour) + (f" {say_number(minute)}" if minute else "") + f" {meridiem}"
    return f"{hour}:{minute:02d} {meridiem.upper()}" if minute else f"{hour} {meridiem}"


def arithmetic(rng: random.Random, ctx: Ctx) -> str:
    a, b = rng.randint(2, 99), rng.randint(2, 12)
    operation = rng.choice(("plus", "minus", "times"))
    a_text = numeral(rng, ctx, str(a), say_number(a))
    b_text = numeral(rng, ctx, str(b), say_number(b))
    return f"{a_text} {operation} {b_text}"



SOURCES: Dict[str, Source] = {
    # climate
    "temperature": Source("temperature", temperature),
    "temperature_unit": Source("temperature_unit", temperature_unit),
    "temperature_symbol": Source("temperature_unit", temperature_symbol),
    "temperature_delta": Source("temperature_delta", integer(2, 5)),
    "fan_level": Source("fan_level", either((0.6, integer(1, 7)), (0.4, pick(*FAN_WORDS)))),
    "fan_number": Source("fan_level", integer(1, 7)),
    "zone": Source("zone", pick(*ZONES)),
    # media
    "song": Source("song", pick(*SONGS)),
    "artist": Source("artist", pick(*ARTISTS)),
    "album": Source("album", pick(*ALBUMS)),
    "playlist": Source("playlist", pick(*PLAYLISTS)),
    "station": Source("station", either((0.65, station_frequency), (0.35, pick(*STATION_NAMES)))),
    "volume_level": Source(
        "volume_level",
        either((0.5, integer(0, 10)), (0.3, percent), (0.2, pick(*VOLUME_WORDS))),
    ),
    # navigation
    "destination": Source(
        "destination",
        either((0.35, street_address), (0.35, pick(*CITIES)), (0.3, pick(*PLACES))),
    ),
    "poi_category": Source("poi_category", pick(*POI_CATEGORIES)),
    "poi_need": Source("poi_category", pick(*POI_NEEDS)),
    # phone
    "contact": Source("contact", pick(*CONTACTS)),
    "phone_number": Source("phone_number", phone_number),
    "message_body": Source("message_body", pick(*MESSAGES)),
    # windows and seats
    "window": Source("window", pick(*WINDOWS)),
    "window_group": Source("window", pick(*WINDOW_GROUPS)),
    "amount": Source("amount", either((0.8, pick(*AMOUNTS)), (0.2, percent))),
    "seat": Source("seat", pick(*SEATS)),
    "seat_heat_level": Source(
        "seat_heat_level", either((0.6, pick(*SEAT_LEVELS)), (0.4, integer(1, 3)))
    ),
    "seat_heat_number": Source("seat_heat_level", integer(1, 3)),
    "seat_cooling_level": Source(
        "seat_cooling_level", either((0.6, pick(*SEAT_LEVELS)), (0.4, integer(1, 3)))
    ),
    "direction": Source("direction", pick(*DIRECTIONS)),
    "position": Source("position", integer(1, 3)),
    # vehicle status
    "tire": Source("tire", pick(*TIRES)),
    # out of scope: plain text
    "city_name": Source(None, pick(*CITIES)),
    "country": Source(None, pick(*COUNTRIES)),
    "food": Source(None, pick(*FOODS)),
    "topic": Source(None, pick(*TOPICS)),
    "home_device": Source(None, pick(*HOME_DEVICES)),
    "language": Source(None, pick(*LANGUAGES)),
    "phrase": Source(None, pick(*PHRASES)),
    "landmark": Source(None, pick(*LANDMARKS)),
    "book": Source(None, pick(*BOOKS)),
    "chore": Source(None, pick(*CHORES)),
    "invention": Source(None, pick(*INVENTIONS)),
    "grocery": Source(None, pick(*GROCERIES)),
    "product": Source(None, pick(*PRODUCTS)),
    "clock_time": Source(None, clock_time),
    "arithmetic": Source(None, arithmetic),
}

