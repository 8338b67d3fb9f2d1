"""The in-car command dataset, written by the project from templates and value lists.

Every utterance comes from a template of one intent, filled with values drawn by a seeded
random.Random, in one of two styles:

- spoken: what a speech recognizer prints (lowercase, no punctuation, numbers as words);
- typed: what a person types (digits, some capitals, "°F", a closing "." or "?").

Texts are deduplicated globally (`normalize`), so no text appears twice, and each intent's
utterances are split 80/10/10 into train/dev/test by a seeded shuffle. The output is MASSIVE-style
JSON lines; the same seed gives the same bytes.

    python -m pocketnlu_tools.incar_data [--out tools/incar/incar.jsonl] [--seed 0]
"""
import argparse
import json
import random
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

from pocketnlu_tools.examples import OUT_OF_SCOPE

DEFAULT_OUT = Path(__file__).resolve().parent / "incar" / "incar.jsonl"

PER_INTENT = 120  # utterances per in-scope intent
OUT_OF_SCOPE_COUNT = 420  # about 6.5% of the whole set
MAX_DRAWS_PER_UTTERANCE = 50  # give up on an intent whose templates cannot produce enough texts
SPLITS = (("train", 0.8), ("dev", 0.1), ("test", 0.1))

SPOKEN_SHARE = 0.55  # the rest is typed
TYPED_WORDS_SHARE = 0.15  # typists who spell a number out
TYPED_LOWERCASE_SHARE = 0.3  # typists who never press shift
WAKE_SHARE = 0.2
POLITE_SHARE = 0.35  # commands and fragments only
SUFFIX_SHARE = 0.2  # commands and fragments only

WAKE_WORDS = ("hey car", "ok car", "hi car", "car")
POLITE_QUESTIONS = ("can you", "could you", "would you", "can you please", "could you please")
COMMAND_PREFIXES = POLITE_QUESTIONS + ("please", "i need you to", "go ahead and")
FRAGMENT_PREFIXES = ("please",)
SUFFIXES = ("please", "now", "thanks", "thank you", "right now")


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


STREET_TYPES = (  # (spoken, typed abbreviation)
    ("street", "St"), ("avenue", "Ave"), ("road", "Rd"), ("boulevard", "Blvd"), ("drive", "Dr"),
    ("lane", "Ln"), ("court", "Ct"), ("way", "Way"), ("place", "Pl"),
)


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


# Value lists: song, artist, album, street and station names are invented; cities are real.
SONGS = (
    "Paper Lanterns", "Midnight Garden", "Neon Rain", "Highway Hearts", "Copper Moon",
    "Lost in the Static", "Blue Ridge Morning", "Falling Upward", "Velvet Thunder",
    "Salt and Honey",
    "Streetlight Symphony", "Northern Lights Again", "Cassette Heart", "Echo Valley", "Kite String",
    "Orange Skies Over Ohio", "Ten Thousand Miles", "Dancing on the Overpass", "Gravel and Gold",
    "Borrowed Sunshine", "Static Bloom", "The Long Way Round", "Chasing the Tide", "Marigold",
    "Slow Motion Fireworks", "Silver Coast", "Lemonade Summer", "Ghost of the Harbor",
    "Sugar Maple", "Fever Dream Avenue", "Quiet Heart Parade", "Little Lighthouse",
)
ARTISTS = (
    "The Midnight Owls", "Luna Park Collective", "Marcus Reed", "Ivy and the Echoes", "Sofia Lind",
    "Desert Radio", "Kestrel Bay", "Jonah Wilde", "Amber Fields", "The Velvet Hours", "Rosa Mendes",
    "Crystal Harbor", "Nova Static", "Dani Holt", "The Lantern Club", "Theo Park",
    "Second Avenue Brass", "Wren and Willow", "Maya Sol", "Old Pine Stringband", "Felix Marlowe",
    "Hollow Tides", "Lena Fox", "The Brightwaters", "Ray Calloway",
)
ALBUMS = (
    "Northbound", "Glass Atlas", "Blue Hour Sessions", "Quiet Machines", "Coastlines",
    "Lanterns and Ladders", "The Orchard Tapes", "Gold Dust Motel", "Low Tide Letters",
    "Parallel Summers", "Ember", "Cartography", "Night Market", "Weathervane", "Slow Light",
    "Room to Breathe", "Paper Crowns", "The Mile Markers", "Songs from the Attic", "Wide Awake",
)
PLAYLISTS = (
    "road trip", "chill", "workout", "morning commute", "focus", "party", "sleep", "favorites",
    "throwback", "jazz classics", "kids", "summer hits", "country roads", "top forty",
)
STATION_NAMES = (
    "Harbor FM", "Sunset Radio", "Metro Talk", "Coastline Country", "Jazz Lounge Radio",
    "The River", "Radio Meridian", "Pulse FM", "Highland Public Radio", "Retro Radio", "The Breeze",
    "Lakeside Sports Radio",
)
CITIES = (
    "Chicago", "Boston", "Denver", "Seattle", "Austin", "Portland", "San Diego", "Sacramento",
    "Phoenix", "Nashville", "Atlanta", "Detroit", "Minneapolis", "Pittsburgh", "Toronto",
    "Montreal",
    "Vancouver", "Munich", "Berlin", "Lyon", "Milan", "Santa Fe", "Salt Lake City", "Kansas City",
    "New Orleans", "Albuquerque", "Omaha", "Cleveland", "Tucson", "Las Vegas", "San Francisco",
)
STREET_NAMES = (
    "Maple", "Oak", "Birchwood", "Harbor View", "Willow Creek", "Elm", "Cedar Hill", "Juniper",
    "Lakeshore", "Sunset Ridge", "Orchard", "Riverside", "Pinecrest", "Meadowlark", "Foxglove",
    "Granite", "Bluebell", "Copperfield", "Hawthorne", "Linden",
)
PLACES = (
    "home", "work", "the office", "the airport", "downtown", "the train station", "the stadium",
    "the mall", "school", "the gym", "mom's house", "the beach", "the city center", "the zoo",
    "the university", "the harbor",
)
POI_CATEGORIES = (
    "gas station", "charging station", "charger", "parking garage", "parking lot", "parking spot",
    "coffee shop", "cafe", "restaurant", "pharmacy", "hospital", "rest stop", "hotel",
    "grocery store", "bank", "car wash", "pizza place", "supermarket", "diner", "bakery",
    "tire shop", "mechanic",
)
POI_NEEDS = (
    "gas", "fuel", "coffee", "food", "parking", "lunch", "dinner", "breakfast", "groceries",
)
CONTACTS = (
    "Mom", "Dad", "Grandma", "Grandpa", "Anna", "Ben", "Carlos", "Diana", "Emily", "Frank", "Grace",
    "Hiro", "Isabel", "Jack", "Kevin", "Laura", "Mike", "Nina", "Olivia", "Priya", "Sam", "Tom",
    "Uncle Joe", "Aunt Maria", "Sarah Miller", "David Chen", "Lisa Park", "James Walker",
    "Doctor Patel", "Fatima",
)
MESSAGES = (
    "running ten minutes late", "on my way", "i'll be home soon", "can you pick up milk",
    "see you at six", "call me back when you can", "stuck in traffic", "just parked",
    "almost there", "leaving work now", "save me a seat", "happy birthday", "where are you",
    "be there in five minutes", "don't wait for me", "love you", "meeting ran late",
    "can we talk later", "i'm outside", "dinner sounds great",
)
WINDOWS = (
    "driver", "driver side", "passenger", "passenger side", "front passenger", "rear left",
    "rear right", "back left", "back right", "front left", "front right", "left rear", "right rear",
)
WINDOW_GROUPS = ("all", "both front", "both rear", "both back", "front", "rear", "back")
AMOUNTS = (
    "halfway", "half way", "a little", "a bit", "a crack", "all the way", "fully", "partway",
    "an inch", "a few inches",
)
SEATS = (
    "driver", "driver's", "passenger", "passenger's", "front passenger", "rear left", "rear right",
    "back", "rear",
)
SEAT_LEVELS = ("low", "medium", "high", "max", "off")
ZONES = ("driver", "passenger", "rear", "back", "front")
DIRECTIONS = (
    "forward", "forwards", "back", "backward", "backwards", "up", "down", "higher", "lower",
)
TIRES = (
    "front left", "front right", "rear left", "rear right", "back left", "back right", "left front",
    "right front", "left rear", "right rear", "spare",
)
FAN_WORDS = ("low", "medium", "high", "max", "maximum", "auto", "full")
VOLUME_WORDS = ("max", "maximum", "half", "low", "minimum", "medium")

# Out-of-scope fillers (plain text, not slots).
COUNTRIES = (
    "France", "Japan", "Canada", "Brazil", "Australia", "Kenya", "Norway", "Peru", "Egypt",
    "India", "Spain", "Mexico", "Italy", "Germany", "Chile",
)
FOODS = (
    "a pizza", "a large pepperoni pizza", "sushi", "tacos", "a burger", "pad thai", "chinese food",
    "a salad", "fried chicken", "dumplings", "a burrito", "ramen",
)
TOPICS = (
    "cats", "dogs", "penguins", "computers", "pirates", "the ocean", "space", "dinosaurs", "math",
    "cheese", "robots", "history",
)
HOME_DEVICES = (
    "lights", "coffee maker", "dishwasher", "porch light", "tv", "washing machine",
    "robot vacuum", "sprinklers", "garage door", "oven",
)
LANGUAGES = ("Spanish", "French", "German", "Japanese", "Italian", "Portuguese")
PHRASES = (
    "good morning", "thank you", "where is the library", "i love you", "how are you", "cheers",
)
LANDMARKS = (
    "the Eiffel Tower", "Mount Everest", "the Empire State Building", "Big Ben",
    "the Statue of Liberty", "the Golden Gate Bridge",
)
BOOKS = ("Moby Dick", "Pride and Prejudice", "Hamlet", "War and Peace", "The Odyssey", "Dracula")
CHORES = (
    "buy milk", "call the dentist", "water the plants", "pay the rent", "pick up the dry cleaning",
    "take out the trash", "feed the cat", "book a haircut",
)
INVENTIONS = ("the telephone", "the light bulb", "pizza", "the internet", "the bicycle", "chess")
GROCERIES = ("eggs", "bread", "milk", "bananas", "coffee beans", "paper towels", "apples", "rice")
PRODUCTS = (
    "new headphones", "a phone case", "running shoes", "a birthday present", "a desk lamp",
    "printer ink",
)

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


# --- Intents and templates -----------------------------------------------------------------------


@dataclass(frozen=True)
class Intent:
    """Templates of one intent. Any of them may start with a wake word ("hey car"); `commands` (verb
    first) may also start with "can you", "please", ... and end with "please", "now", ...;
    `fragments` ("volume up") take only "please" before; `phrases` (statements, and questions
    ending in "?") take nothing more. `{name}` draws from SOURCES[name]; `[slot : value]` is a
    fixed value."""

    domain: str
    name: str
    commands: Tuple[str, ...] = ()
    fragments: Tuple[str, ...] = ()
    phrases: Tuple[str, ...] = ()

    def templates(self) -> List[Tuple[str, Tuple[str, ...], Tuple[str, ...]]]:
        """(template, polite prefixes, suffixes) for every template."""
        return (
            [(t, COMMAND_PREFIXES, SUFFIXES) for t in self.commands]
            + [(t, FRAGMENT_PREFIXES, SUFFIXES) for t in self.fragments]
            + [(t, (), ()) for t in self.phrases]
        )


INTENTS = (
    # --- climate
    Intent("climate", "set_temperature", commands=(
        "set the temperature to {temperature}",
        "set the temperature to {temperature} degrees",
        "set the temperature to {temperature} degrees {temperature_unit}",
        "set temp to {temperature} {temperature_symbol}",
        "change the temperature to {temperature}",
        "make it {temperature} degrees in here",
        "put the temperature at {temperature} {temperature_unit}",
        "set the {zone} side to {temperature}",
        "set the {zone} temperature to {temperature} degrees",
        "heat the car to {temperature} {temperature_symbol}",
        "cool the cabin to {temperature} degrees",
    ), fragments=(
        "temperature {temperature}",
        "{temperature} degrees",
    ), phrases=(
        "i want it at {temperature} degrees",
    )),
    Intent("climate", "increase_temperature", commands=(
        "make it warmer",
        "turn up the heat",
        "raise the temperature",
        "increase the temperature by {temperature_delta} degrees",
        "bump the temperature up {temperature_delta} degrees",
        "heat it up a bit",
        "turn the {zone} side up",
        "raise the {zone} temperature",
        "make it a little warmer",
        "warm up the car",
    ), phrases=(
        "i'm cold",
        "it's freezing in here",
        "i'm freezing",
        "it's too cold",
    )),
    Intent("climate", "decrease_temperature", commands=(
        "make it cooler",
        "turn down the heat",
        "lower the temperature",
        "decrease the temperature by {temperature_delta} degrees",
        "drop the temperature {temperature_delta} degrees",
        "cool it down a bit",
        "turn the {zone} side down",
        "lower the {zone} temperature",
        "make it a little cooler",
        "turn the temperature down",
    ), phrases=(
        "i'm hot",
        "it's too hot in here",
        "i'm sweating",
        "it's way too warm",
    )),
    Intent("climate", "set_fan_speed", commands=(
        "set the fan to {fan_level}",
        "set fan speed to level {fan_number}",
        "turn the fan to {fan_level}",
        "put the blower on {fan_level}",
        "change the fan speed to {fan_level}",
        "set the blower to speed {fan_number}",
        "turn the fan [direction : up]",
        "turn the fan [direction : down]",
        "blow the air harder",
    ), fragments=(
        "fan speed {fan_level}",
        "fan on {fan_level}",
    ), phrases=(
        "the fan is too loud",
        "i need more air",
    )),
    Intent("climate", "turn_on_ac", commands=(
        "turn on the ac",
        "turn on the air conditioning",
        "start the air conditioner",
        "switch on the ac",
        "put the ac on",
        "turn the air on",
        "enable air conditioning",
        "blast the ac",
        "switch the air conditioning on",
    ), fragments=(
        "ac on",
    ), phrases=(
        "i need some ac",
        "we need the air conditioning",
    )),
    Intent("climate", "turn_off_ac", commands=(
        "turn off the ac",
        "turn off the air conditioning",
        "stop the air conditioner",
        "switch off the ac",
        "kill the ac",
        "turn the air off",
        "disable air conditioning",
        "shut off the ac",
        "switch the air conditioning off",
    ), fragments=(
        "ac off",
    ), phrases=(
        "the ac is too cold",
        "we don't need the ac anymore",
    )),
    Intent("climate", "defrost_windshield", commands=(
        "defrost the windshield",
        "turn on the defroster",
        "defog the windshield",
        "clear the windshield",
        "turn on the front defrost",
        "start defrosting",
        "defog the front glass",
        "demist the windscreen",
    ), fragments=(
        "front defrost on",
        "max defrost",
    ), phrases=(
        "the windshield is fogged up",
        "i can't see through the windshield",
        "the windshield is all foggy",
    )),
    Intent("climate", "turn_on_recirculation", commands=(
        "turn on recirculation",
        "recirculate the air",
        "use inside air",
        "switch to recirculated air",
        "turn on air recirculation",
        "block the outside air",
        "stop pulling in outside air",
        "close the fresh air intake",
    ), fragments=(
        "recirculation on",
    ), phrases=(
        "it smells bad outside",
        "there's exhaust coming in",
    )),
    # --- media
    Intent("media", "play_song", commands=(
        "play {song}",
        "play {song} by {artist}",
        "put on {song}",
        "play the song {song}",
        "queue up {song}",
        "play the track {song}",
        "start {song}",
        "put on {song} by {artist}",
        "play the song {song} by {artist}",
    ), phrases=(
        "i want to hear {song}",
        "i'm in the mood for {song}",
    )),
    Intent("media", "play_artist", commands=(
        "play music by {artist}",
        "play something by {artist}",
        "play songs by {artist}",
        "put on some {artist}",
        "shuffle songs by {artist}",
        "play {artist}'s music",
        "play the latest from {artist}",
        "play artist {artist}",
        "play some {artist}",
    ), phrases=(
        "i want to listen to {artist}",
        "i feel like some {artist}",
    )),
    Intent("media", "play_album", commands=(
        "play the album {album}",
        "play the album {album} by {artist}",
        "put on the {album} album",
        "play the record {album}",
        "play album {album}",
        "listen to the {album} album",
        "play the whole {album} album",
        "start the album {album}",
        "play {artist}'s album {album}",
    ), phrases=(
        "i want to hear the album {album}",
    )),
    Intent("media", "play_playlist", commands=(
        "play my {playlist} playlist",
        "shuffle my {playlist} playlist",
        "start the {playlist} playlist",
        "put on the {playlist} playlist",
        "play playlist {playlist}",
        "play my {playlist} mix",
        "shuffle the {playlist} mix",
        "play the {playlist} list",
    ), phrases=(
        "i want to hear my {playlist} playlist",
    )),
    Intent("media", "play_radio_station", commands=(
        "play {station}",
        "tune to {station}",
        "switch to {station}",
        "put on {station}",
        "listen to {station}",
        "change the station to {station}",
        "tune the radio to {station}",
        "play the radio station {station}",
        "turn on the radio",
        "put the radio on {station}",
    ), phrases=(
        "i want to listen to the radio",
    )),
    Intent("media", "pause_media", commands=(
        "pause",
        "pause the music",
        "pause the song",
        "stop the music",
        "stop playing",
        "pause playback",
        "pause it",
        "hold the music",
        "stop the song",
        "pause the radio",
    ), phrases=(
        "hang on pause that",
    )),
    Intent("media", "resume_media", commands=(
        "resume",
        "resume the music",
        "continue playing",
        "play again",
        "unpause",
        "keep playing",
        "resume playback",
        "start the music again",
        "continue the song",
        "unpause the music",
    ), phrases=(
        "ok you can keep playing",
    )),
    Intent("media", "next_track", commands=(
        "skip this song",
        "skip",
        "play the next song",
        "skip ahead",
        "go to the next track",
        "skip this one",
        "skip to the next song",
    ), fragments=(
        "next song",
        "next track",
        "next",
    ), phrases=(
        "i don't like this song",
        "i'm tired of this song",
    )),
    Intent("media", "previous_track", commands=(
        "go back a song",
        "play the last song again",
        "play the previous song",
        "go back one song",
        "replay the last track",
        "skip back",
    ), fragments=(
        "previous song",
        "previous track",
        "back one track",
    ), phrases=(
        "i want to hear that last song again",
    )),
    Intent("media", "set_volume", commands=(
        "set the volume to {volume_level}",
        "turn the volume to {volume_level}",
        "change the volume to {volume_level}",
        "put the volume at {volume_level}",
        "set volume {volume_level}",
        "adjust the volume to {volume_level}",
        "make the volume {volume_level}",
    ), fragments=(
        "volume {volume_level}",
        "volume at {volume_level}",
    )),
    Intent("media", "increase_volume", commands=(
        "turn it up",
        "turn up the volume",
        "increase the volume",
        "make it louder",
        "turn up the music",
        "crank it up",
        "raise the volume",
    ), fragments=(
        "louder",
        "volume up",
        "a little louder",
    ), phrases=(
        "i can't hear the music",
        "it's too quiet",
    )),
    Intent("media", "decrease_volume", commands=(
        "turn it down",
        "turn down the volume",
        "decrease the volume",
        "make it quieter",
        "turn down the music",
        "lower the volume",
        "bring the volume down",
    ), fragments=(
        "quieter",
        "volume down",
        "a little quieter",
    ), phrases=(
        "it's too loud",
        "the music is too loud",
    )),
    Intent("media", "mute_audio", commands=(
        "mute",
        "mute the audio",
        "mute the sound",
        "silence the speakers",
        "turn the sound off",
        "mute the radio",
        "mute everything",
        "kill the sound",
        "mute the speakers",
    ), phrases=(
        "i need some silence",
    )),
    # --- navigation
    Intent("navigation", "navigate_to", commands=(
        "navigate to {destination}",
        "take me to {destination}",
        "drive to {destination}",
        "get me to {destination}",
        "start navigation to {destination}",
        "find a route to {destination}",
        "go to {destination}",
        "head to {destination}",
        "set the destination to {destination}",
    ), fragments=(
        "directions to {destination}",
        "route to {destination}",
    ), phrases=(
        "how do i get to {destination}?",
        "let's go to {destination}",
    )),
    Intent("navigation", "find_poi", commands=(
        "find the nearest {poi_category}",
        "search for a {poi_category} near me",
        "find a {poi_category} along the route",
        "look for a {poi_category}",
        "take me to the nearest {poi_category}",
        "show me a {poi_category} nearby",
        "find me a {poi_category}",
        "locate the closest {poi_category}",
    ), phrases=(
        "where's the closest {poi_category}?",
        "is there a {poi_category} nearby?",
        "i need {poi_need}",
        "where can i get {poi_need}?",
        "any {poi_category} around here?",
    )),
    Intent("navigation", "add_stop", commands=(
        "add a stop at {destination}",
        "add a {poi_category} stop",
        "stop at a {poi_category} on the way",
        "add a waypoint at {destination}",
        "add {destination} as a stop",
        "make a stop at a {poi_category}",
        "add a stop for {poi_need}",
        "stop by {destination} on the way",
    ), phrases=(
        "i want to stop at a {poi_category} on the way",
        "we need to stop for {poi_need} on the way",
    )),
    Intent("navigation", "cancel_navigation", commands=(
        "cancel navigation",
        "stop navigating",
        "end the route",
        "cancel the route",
        "stop directions",
        "exit navigation",
        "turn off navigation",
        "stop guidance",
        "clear the destination",
        "end navigation",
    ), phrases=(
        "i don't need directions anymore",
    )),
    Intent("navigation", "show_eta", commands=(
        "show the eta",
        "show the arrival time",
        "tell me the eta",
        "display the estimated arrival time",
        "give me the eta to {destination}",
    ), phrases=(
        "what's my eta?",
        "when will we arrive?",
        "how long until we get there?",
        "how much longer?",
        "what time will we get there?",
        "are we there yet?",
        "how long to {destination}?",
        "when will i get to {destination}?",
    )),
    Intent("navigation", "avoid_tolls", commands=(
        "avoid tolls",
        "avoid toll roads",
        "take a route without tolls",
        "skip the toll roads",
        "reroute to avoid tolls",
        "find a route with no tolls",
        "turn on avoid tolls",
    ), fragments=(
        "no toll roads",
    ), phrases=(
        "i don't want to pay tolls",
        "is there a way without tolls?",
    )),
    Intent("navigation", "avoid_highways", commands=(
        "avoid highways",
        "avoid the freeway",
        "take back roads",
        "take a route without highways",
        "reroute to avoid the highway",
        "use local roads",
        "stay off the interstate",
    ), fragments=(
        "no highways",
    ), phrases=(
        "i don't want to take the highway",
        "is there a way without highways?",
    )),
    Intent("navigation", "show_traffic", commands=(
        "show traffic",
        "show traffic on the map",
        "check traffic to {destination}",
        "show me the traffic ahead",
        "display traffic conditions",
        "check the traffic",
    ), phrases=(
        "how's the traffic?",
        "is there traffic ahead?",
        "any accidents on my route?",
        "is the road to {destination} busy?",
        "how bad is traffic right now?",
    )),
    # --- phone
    Intent("phone", "call_contact", commands=(
        "call {contact}",
        "dial {phone_number}",
        "call {phone_number}",
        "phone {contact}",
        "give {contact} a call",
        "ring {contact}",
        "call {contact} on speaker",
        "start a call with {contact}",
        "get {contact} on the phone",
        "call {contact}'s cell",
        "call the number {phone_number}",
        "place a call to {phone_number}",
    ), phrases=(
        "i need to talk to {contact}",
    )),
    Intent("phone", "send_message", commands=(
        "text {contact} {message_body}",
        "send a message to {contact} saying {message_body}",
        "tell {contact} {message_body}",
        "message {contact} that {message_body}",
        "send {contact} a text saying {message_body}",
        "text {contact} that {message_body}",
        "reply to {contact} {message_body}",
        "send a text to {contact}",
        "write a message to {contact}",
        "text {contact}",
    ), phrases=(
        "i want to send a message",
    )),
    Intent("phone", "read_messages", commands=(
        "read my messages",
        "read my new texts",
        "read the last message",
        "read messages from {contact}",
        "check my messages",
        "read me my texts",
        "read the message from {contact}",
        "play my messages",
    ), phrases=(
        "do i have any new messages?",
        "what did {contact} say?",
        "any texts from {contact}?",
    )),
    Intent("phone", "answer_call", commands=(
        "answer",
        "answer the call",
        "pick up",
        "accept the call",
        "take the call",
        "answer the phone",
        "pick up the phone",
        "accept",
        "answer it",
    ), phrases=(
        "yes i'll take it",
    )),
    Intent("phone", "decline_call", commands=(
        "decline the call",
        "reject the call",
        "ignore the call",
        "send it to voicemail",
        "decline",
        "reject it",
        "ignore it",
    ), fragments=(
        "don't answer",
    ), phrases=(
        "not now",
        "i don't want to talk right now",
    )),
    Intent("phone", "end_call", commands=(
        "hang up",
        "end the call",
        "end call",
        "disconnect",
        "hang up the phone",
        "finish the call",
        "drop the call",
        "terminate the call",
        "disconnect the call",
    ), phrases=(
        "ok bye hang up",
    )),
    Intent("phone", "redial", commands=(
        "redial",
        "call back the last number",
        "call the last person back",
        "redial the last number",
        "return the last call",
        "call back",
        "call back the last missed call",
        "dial the last number again",
        "call back whoever called me last",
    ), phrases=(
        "i missed a call let me call back",
    )),
    # --- windows and seats
    Intent("windows_seats", "open_window", commands=(
        "open the {window} window",
        "roll down the {window} window",
        "lower the {window} window",
        "put the {window} window down",
        "open the {window} window {amount}",
        "open {window_group} windows",
        "roll down {window_group} windows",
        "open [window : all] the windows",
        "roll down [window : all] the windows",
        "open my window {amount}",
        "open the window",
        "crack the {window} window",
    ), phrases=(
        "let some air in",
        "i need some fresh air",
    )),
    Intent("windows_seats", "close_window", commands=(
        "close the {window} window",
        "roll up the {window} window",
        "raise the {window} window",
        "put the {window} window up",
        "close {window_group} windows",
        "roll up {window_group} windows",
        "close [window : all] the windows",
        "roll up [window : all] the windows",
        "shut the {window} window",
        "close the window",
        "close my window",
    ), phrases=(
        "it's too windy in here",
        "the window is still open",
    )),
    Intent("windows_seats", "open_sunroof", commands=(
        "open the sunroof",
        "open the sunroof {amount}",
        "slide the sunroof open",
        "open the moonroof",
        "open the moonroof {amount}",
        "tilt the sunroof open",
        "open the roof",
        "retract the sunshade",
        "let the sun in",
    ), phrases=(
        "we need the sunroof open",
    )),
    Intent("windows_seats", "close_sunroof", commands=(
        "close the sunroof",
        "shut the sunroof",
        "close the moonroof",
        "slide the sunroof shut",
        "close the roof",
        "close the sunshade",
        "shut the moonroof",
        "close the sunroof {amount}",
    ), phrases=(
        "it's raining close the roof",
        "the sunroof is still open",
    )),
    Intent("windows_seats", "set_seat_heating", commands=(
        "turn on the seat heater",
        "turn on my seat heating",
        "set the {seat} seat heater to {seat_heat_level}",
        "heat the {seat} seat",
        "turn the {seat} seat heat to {seat_heat_level}",
        "warm up my seat",
        "set seat heating to level {seat_heat_number}",
        "turn [seat_heat_level : off] the {seat} seat heater",
        "turn on the {seat} heated seat",
    ), fragments=(
        "seat heater {seat_heat_level}",
        "heated seats {seat_heat_level}",
    ), phrases=(
        "my seat is cold",
    )),
    Intent("windows_seats", "set_seat_cooling", commands=(
        "turn on the seat cooling",
        "cool my seat",
        "ventilate the {seat} seat",
        "set the {seat} seat cooling to {seat_cooling_level}",
        "turn on the {seat} seat fan",
        "turn [seat_cooling_level : off] the seat ventilation",
        "set seat cooling to {seat_cooling_level}",
        "cool the {seat} seat",
    ), fragments=(
        "seat ventilation {seat_cooling_level}",
    ), phrases=(
        "my back is sweaty",
    )),
    Intent("windows_seats", "move_seat", commands=(
        "move my seat {direction}",
        "move the {seat} seat {direction}",
        "slide the seat {direction}",
        "push my seat {direction} a little",
        "bring the seat {direction}",
        "adjust the {seat} seat {direction}",
        "tilt the backrest {direction}",
        "move the seat {direction} a bit",
    ), phrases=(
        "my seat is too close to the wheel",
    )),
    Intent("windows_seats", "set_seat_position", commands=(
        "set my seat to position {position}",
        "load seat memory {position}",
        "recall seat preset {position}",
        "switch to seat memory {position}",
        "restore my seat position",
        "move the {seat} seat to memory {position}",
        "use seat profile {position}",
        "save this seat position as {position}",
    ), fragments=(
        "seat position {position}",
    ), phrases=(
        "someone moved my seat",
    )),
    # --- vehicle status
    Intent("vehicle_status", "check_fuel_level", commands=(
        "check the fuel",
        "show the fuel level",
        "check the gas gauge",
        "tell me the fuel level",
        "check how much gas is left",
        "display the fuel gauge",
    ), phrases=(
        "how much gas do i have?",
        "what's my fuel level?",
        "how much fuel is left?",
        "is the tank almost empty?",
        "how full is the tank?",
        "when do i need to fill up?",
    )),
    Intent("vehicle_status", "check_battery_range", commands=(
        "check the battery",
        "show the battery status",
        "tell me my range",
        "show the remaining range",
        "check the charge level",
    ), phrases=(
        "what's my range?",
        "how many miles do i have left?",
        "what's the battery level?",
        "how much charge is left?",
        "can i make it to {destination} on this charge?",
        "how far can i drive on the current charge?",
        "what's my state of charge?",
    )),
    Intent("vehicle_status", "check_tire_pressure", commands=(
        "check the tire pressure",
        "show tire pressure",
        "check the {tire} tire",
        "show me the pressure in the {tire} tire",
    ), phrases=(
        "what's the pressure in the {tire} tire?",
        "are my tires ok?",
        "is the {tire} tire low?",
        "do any tires need air?",
        "how's the {tire} tire?",
    )),
    Intent("vehicle_status", "check_oil_level", commands=(
        "check the oil",
        "check the oil level",
        "show engine oil status",
        "show the oil life",
        "check the engine oil",
        "tell me the oil level",
    ), phrases=(
        "what's the oil level?",
        "do i need an oil change?",
        "how's my oil?",
        "is the oil low?",
        "how much oil life is left?",
    )),
    Intent("vehicle_status", "check_warning_lights", commands=(
        "show vehicle alerts",
        "run a diagnostic",
        "check for fault codes",
        "explain the warning light",
        "check the engine warnings",
        "read the diagnostic codes",
    ), phrases=(
        "what's that warning light?",
        "why is the check engine light on?",
        "are there any warnings?",
        "any problems with the car?",
        "what's wrong with the car?",
        "what does the dashboard light mean?",
    )),
    Intent("vehicle_status", "check_service_due", commands=(
        "show the service schedule",
        "check the maintenance reminder",
        "tell me when the next service is",
        "show upcoming maintenance",
        "check when the car needs service",
    ), phrases=(
        "when is my next service?",
        "when is the car due for service?",
        "is maintenance due?",
        "how many miles until service?",
        "do i need to take the car in?",
    )),
    Intent("vehicle_status", "check_mileage", commands=(
        "show the odometer",
        "check the mileage",
        "show the trip distance",
        "tell me the mileage",
        "read the odometer",
        "display the total mileage",
    ), phrases=(
        "what's the mileage?",
        "how many miles are on the car?",
        "what does the odometer say?",
        "how far have we driven today?",
    )),
    # --- out of scope: chit-chat, general questions, other devices and apps
    Intent("none", OUT_OF_SCOPE, commands=(
        "order {food}",
        "order {food} for delivery",
        "tell me a joke",
        "tell me a joke about {topic}",
        "tell me a story about {topic}",
        "set an alarm for {clock_time}",
        "remind me to {chore} tomorrow",
        "turn on the {home_device} at home",
        "turn off the {home_device} at home",
        "add {grocery} to my shopping list",
        "translate {phrase} into {language}",
        "buy {product} online",
        "book a flight to {city_name}",
        "sing me a song",
        "check my bank balance",
        "post a photo to my feed",
        "lock the front door at home",
    ), phrases=(
        "what's the capital of {country}?",
        "how tall is {landmark}?",
        "who wrote {book}?",
        "what's the weather like tomorrow?",
        "will it rain in {city_name} today?",
        "what's {arithmetic}?",
        "how many calories are in {food}?",
        "who won the game last night?",
        "what's the meaning of life?",
        "what's your name?",
        "do you like {topic}?",
        "how do you say {phrase} in {language}?",
        "what time is it in {city_name}?",
        "what's the population of {country}?",
        "i'm bored",
        "you're funny",
        "good morning",
        "who invented {invention}?",
        "how far is the moon?",
        "what's a good recipe for {food}?",
    )),
)


# --- Rendering -----------------------------------------------------------------------------------

PART = re.compile(r"\{(\w+)\}|\[(\w+) : ([^\]]+)\]")
Segment = Tuple[str, Optional[str]]  # (text, slot type or None)


def render(template: str, rng: random.Random, ctx: Ctx) -> List[Segment]:
    """Fill a template's placeholders: a list of text pieces, each with its slot type or None."""
    segments: List[Segment] = []
    pos = 0
    for match in PART.finditer(template):
        segments.append((template[pos:match.start()], None))
        if match[1]:
            source = SOURCES[match[1]]
            value, slot = source.draw(rng, ctx), source.slot
        else:
            value, slot = match[3], match[2]
        if value.startswith("°"):  # typed "72 °F" is written "72°F"
            segments[-1] = (segments[-1][0].rstrip(" "), None)
        segments.append((value, slot))
        pos = match.end()
    segments.append((template[pos:], None))
    return [(text, slot) for text, slot in segments if text]


def utterance(intent: Intent, rng: random.Random) -> Tuple[str, str]:
    """One utterance of the intent: (utt, annot_utt)."""
    ctx = Ctx(spoken=rng.random() < SPOKEN_SHARE, fahrenheit=rng.random() < 0.5)
    template, prefixes, suffixes = rng.choice(intent.templates())
    question = template.endswith("?")
    segments = render(template.rstrip("?"), rng, ctx)

    wake = rng.choice(WAKE_WORDS) if rng.random() < WAKE_SHARE else ""
    polite = suffix = ""
    if prefixes and rng.random() < POLITE_SHARE:
        polite = rng.choice(prefixes)
        question = polite in POLITE_QUESTIONS
    if suffixes and rng.random() < SUFFIX_SHARE:
        suffix = rng.choice([s for s in suffixes if s not in polite.split()])
    if wake and not ctx.spoken and rng.random() < 0.5:
        wake += ","
    head = " ".join(filter(None, (wake, polite)))
    if head:
        segments.insert(0, (head + " ", None))
    if suffix:
        segments.append((" " + suffix, None))

    if ctx.spoken:
        segments = [(text.lower(), slot) for text, slot in segments]
    else:
        segments = typed(segments, question, rng)
    for text, slot in segments:
        if slot and (text != text.strip() or re.search(r"[\[\]]| : ", text)):
            raise ValueError(f"bad {slot} value {text!r} in {template!r}")
    utt = "".join(text for text, _ in segments)
    annot = "".join(f"[{slot} : {text}]" if slot else text for text, slot in segments)
    return utt, annot


def typed(segments: List[Segment], question: bool, rng: random.Random) -> List[Segment]:
    """Typing habits: all lowercase or a capital first letter, and a closing "?", "." or "!"."""
    if rng.random() < TYPED_LOWERCASE_SHARE:
        segments = [(text.lower(), slot) for text, slot in segments]
    else:
        first, slot = segments[0]
        segments = [(first[0].upper() + first[1:], slot)] + segments[1:]
    end = rng.random()
    if question and end < 0.7:
        segments.append(("?", None))
    elif not question and end < 0.35:
        segments.append((".", None))
    elif not question and end < 0.4:
        segments.append(("!", None))
    return segments


def normalize(text: str) -> str:
    """The key two texts are the same under: case, punctuation and spacing ignored."""
    return " ".join(re.sub(r"\W+", " ", text.lower()).split())


# --- The dataset ---------------------------------------------------------------------------------


def generate(seed: int = 0) -> List[dict]:
    """All records, in intent order, each intent split 80/10/10 by a seeded shuffle."""
    rng = random.Random(seed)
    taken: Dict[str, str] = {}  # normalized text -> intent
    records: List[dict] = []
    for intent in INTENTS:
        target = OUT_OF_SCOPE_COUNT if intent.name == OUT_OF_SCOPE else PER_INTENT
        found: List[Tuple[str, str]] = []
        draws = 0
        while len(found) < target:
            draws += 1
            if draws > target * MAX_DRAWS_PER_UTTERANCE:
                raise RuntimeError(f"{intent.name}: {len(found)} distinct texts, {target} needed")
            utt, annot = utterance(intent, rng)
            key = normalize(utt)
            if key not in taken:
                taken[key] = intent.name
                found.append((utt, annot))
        for (utt, annot), partition in zip(found, partitions(len(found), rng)):
            records.append({
                "id": len(records),
                "utt": utt,
                "annot_utt": annot,
                "intent": intent.name,
                "scenario": intent.domain,
                "partition": partition,
            })
    return records


def partitions(n: int, rng: random.Random) -> List[str]:
    """Partition names for n items: SPLITS' shares, in a seeded random order."""
    names: List[str] = []
    for name, share in SPLITS[1:]:
        names += [name] * round(n * share)
    names = [SPLITS[0][0]] * (n - len(names)) + names
    rng.shuffle(names)
    return names


def to_jsonl(records: List[dict]) -> str:
    return "".join(json.dumps(r, sort_keys=True, ensure_ascii=False) + "\n" for r in records)


def slot_types(annot_utt: str) -> List[str]:
    return [m[2] for m in PART.finditer(annot_utt) if m[2]]


def summary_markdown(records: List[dict]) -> str:
    """The README's tables: records per domain and intent in each split, and where slots occur."""
    splits = [name for name, _ in SPLITS]

    def row(cells) -> str:
        return "| " + " | ".join(str(c) for c in cells) + " |\n"

    def split_table(title: str, key: Callable[[dict], str]) -> str:
        counts: Dict[str, Counter] = {}
        for r in records:
            counts.setdefault(key(r), Counter())[r["partition"]] += 1
        counts["**all**"] = Counter(r["partition"] for r in records)
        lines = [row([title, *splits, "total"]), row(["---"] + ["---:"] * (len(splits) + 1))]
        for name, c in counts.items():
            lines.append(row([name, *(c[s] for s in splits), sum(c.values())]))
        return "".join(lines)

    occurrences: Counter = Counter()
    intents: Dict[str, List[str]] = {}
    for r in records:
        for slot in slot_types(r["annot_utt"]):
            occurrences[slot] += 1
            if r["intent"] not in intents.setdefault(slot, []):
                intents[slot].append(r["intent"])
    slot_lines = [row(["slot type", "occurrences", "intents"]), row(["---", "---:", "---"])]
    slot_lines += [row([s, occurrences[s], ", ".join(intents[s])]) for s in sorted(occurrences)]
    return (
        split_table("domain", lambda r: r["scenario"]) + "\n"
        + split_table("intent", lambda r: f"{r['scenario']} / {r['intent']}") + "\n"
        + "".join(slot_lines)
    )


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m pocketnlu_tools.incar_data", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON lines file to write")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    records = generate(args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(to_jsonl(records).encode("utf-8"))
    print(f"wrote {len(records)} records to {args.out}\n")
    print(summary_markdown(records), end="")


if __name__ == "__main__":
    main()
