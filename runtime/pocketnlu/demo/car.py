"""A simulated car for the demo: in-car commands change its state and get a short spoken reply.

`Car.apply(parse)` maps an intent of the in-car model and its slots to a state change
("Setting the driver zone to 72°F."). A command the car cannot carry out (out of scope, an
unknown intent, a missing or unusable slot) gets a polite refusal or a question back and changes
nothing. Numbers come resolved by the model (SlotValue.resolved: the in-car model binds its
numeric slots to pocketnlu.entities kinds), whether they were said as words or typed as digits;
the car reads only the words that name its own settings ("max", "halfway", "driver's side").

Positions assume a left-hand-drive car: the driver sits front left.
"""
import copy
import textwrap
import zlib
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Tuple, Union

from ..entities import resolve
from ..nlu import OUT_OF_SCOPE, Parse

Number = Union[int, float]


def _plain(value: float) -> Number:
    return int(value) if float(value).is_integer() else value


def minutes(count: int) -> str:
    return f"{count} minute" if count == 1 else f"{count} minutes"


def format_phone_number(digits: str) -> str:
    if len(digits) == 10:
        return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"
    if len(digits) == 7:
        return f"{digits[:3]}-{digits[3:]}"
    return digits

# --- Slot values to car terms ----------------------------------------------------------------------


def capitalize_words(text: str) -> str:
    """Names as a recognizer prints them are lowercase; typed ones keep the user's capitals."""
    if text != text.lower():
        return text
    return " ".join(w[:1].upper() + w[1:] for w in text.split())


def format_number(value: Number) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _corners(value: str) -> Optional[List[Tuple[str, str]]]:
    """(row, side) places a window, seat or tire name stands for: "rear left" -> [("rear", "left")],
    "both front" -> both front places, "all" -> all four; None when it is not clear."""
    words = set(value.lower().replace("'s", "").split())
    if "all" in words:
        return [(row, side) for row in ("front", "rear") for side in ("left", "right")]
    row = "rear" if words & {"rear", "back"} else "front" if words & {"front", "driver", "passenger"} else None
    side = "left" if words & {"left", "driver"} else "right" if words & {"right", "passenger"} else None
    if row and side:
        return [(row, side)]
    if row:
        return [(row, "left"), (row, "right")]
    return None


SEAT_NAMES = {("front", "left"): "driver", ("front", "right"): "passenger", ("rear", "left"): "rear left",
              ("rear", "right"): "rear right"}


def seat_names(value: Optional[str]) -> Optional[List[str]]:
    """Seats (or windows, named the same way) a slot value stands for; the driver's when unsaid."""
    if value is None:
        return ["driver"]
    corners = _corners(value)
    return [SEAT_NAMES[c] for c in corners] if corners else None


def tire_names(value: str) -> Optional[List[str]]:
    if value.strip().lower() == "spare":
        return ["spare"]
    corners = _corners(value)
    return [f"{row} {side}" for row, side in corners] if corners else None


CLIMATE_ZONES = ("driver", "passenger", "rear")


def zone_names(value: Optional[str]) -> Optional[List[str]]:
    """Climate zones a slot value stands for; the whole cabin when unsaid."""
    if value is None:
        return list(CLIMATE_ZONES)
    words = set(value.lower().replace("'s", "").split())
    if words & {"rear", "back"}:
        return ["rear"]
    if "front" in words:
        return ["driver", "passenger"]
    zones = [z for z in ("driver", "passenger") if z in words]
    return zones or None


def temperature_unit(value: Optional[str]) -> Optional[str]:
    if value is None:
        return None
    text = value.strip().lower().lstrip("°")
    return "F" if text in ("f", "fahrenheit") else "C" if text in ("c", "celsius", "centigrade") else None


def temperature_reading(resolved: Optional[dict]) -> Tuple[Optional[Number], Optional[str]]:
    """(number, unit) of a resolved temperature slot: "seventy two" -> (72, None); a typed "72°F"
    keeps its unit glued on -> (72, "F")."""
    if resolved is None:
        return None, None
    return resolved["value"], {"fahrenheit": "F", "celsius": "C"}.get(resolved.get("unit"))


LEVEL_WORDS = {"off": 0, "low": 1, "medium": 2, "high": 3, "max": 3, "maximum": 3}


def seat_level(text: str, number: Optional[Number]) -> Optional[int]:
    """Seat heating or cooling level, 0 (off) to 3: a word, or the resolved number."""
    level = LEVEL_WORDS.get(text.strip().lower().replace("level", "").strip(), number)
    return level if isinstance(level, int) and 0 <= level <= 3 else None


FAN_WORDS = {"low": 2, "medium": 4, "high": 6, "max": 7, "maximum": 7, "full": 7}
FAN_MAX = 7


def fan_setting(text: str, number: Optional[Number]) -> Optional[Union[int, str]]:
    """A fan level 1-7 (a word, or the resolved number), or "auto"."""
    text = text.strip().lower().replace("level", "").replace("speed", "").strip()
    if text == "auto":
        return "auto"
    level = FAN_WORDS.get(text, number)
    return level if isinstance(level, int) and 1 <= level <= FAN_MAX else None


VOLUME_WORDS = {"max": 100, "maximum": 100, "half": 50, "medium": 50, "low": 20, "minimum": 10}


def volume_percent(text: str, number: Optional[Number]) -> Optional[int]:
    """Volume in percent: a word, or the resolved percentage, where "forty percent" and "40%" are
    percents and a bare 0-10 ("volume seven") is a level out of 10."""
    text = text.strip().lower()
    if text in VOLUME_WORDS:
        return VOLUME_WORDS[text]
    if number is None:
        return None
    said_percent = "%" in text or "percent" in text or "per cent" in text
    percent = number if said_percent else number * 10 if number <= 10 else None
    if percent is None:
        return None
    return int(percent) if percent == int(percent) and 0 <= percent <= 100 else None


def radio_station(value: str) -> str:
    """ "ninety eight point one fm" -> "98.1 FM", "fourteen hundred am" -> "1400 AM"; names as said."""
    words = [w for w in value.lower().split() if w not in ("fm", "am")]
    number = _number_in_words(" ".join(words))
    if number is None:
        return " ".join(w.upper() if w.lower() in ("fm", "am") else w for w in capitalize_words(value).split())
    return f"{format_number(number)} AM" if number >= 530 else f"{format_number(number)} FM"


def place(value: str) -> str:
    """A destination as a screen shows it: a typed address as typed, a spoken one capitalized
    ("thirty six oh seven birchwood drive" -> "Thirty Six Oh Seven Birchwood Drive": house numbers
    are said in pairs, which no number reading can undo reliably). Generic places ("the airport",
    "home") stay lowercase."""
    if value.lower().startswith("the ") or value.lower() in ("home", "work", "school", "downtown"):
        return value
    return capitalize_words(value)


# Window and sunroof amounts: a target opening in percent, or a step from where it is.
AMOUNT_TARGETS = {"halfway": 50, "half way": 50, "partway": 30, "all the way": 100, "fully": 100}
AMOUNT_STEPS = {"a little": 20, "a bit": 20, "a crack": 10, "an inch": 10, "a few inches": 25}


def _number_in_words(text: str) -> Optional[Number]:
    """A station frequency or a house number said as a number ("ninety eight point one")."""
    resolved = resolve("number", text)
    return None if resolved is None or resolved["value"] < 0 else resolved["value"]


def opening(value: Optional[str], percent: Optional[Number], current: int, opening_up: bool) -> Optional[int]:
    """Where a window or the sunroof ends up, 0-100 % open (a word, or the resolved percentage);
    fully open or shut when unsaid."""
    if value is None:
        return 100 if opening_up else 0
    text = value.strip().lower()
    if text in AMOUNT_STEPS:
        step = AMOUNT_STEPS[text]
        return min(100, current + step) if opening_up else max(0, current - step)
    if text in AMOUNT_TARGETS:
        target = AMOUNT_TARGETS[text]
        return target if opening_up or target < 100 else 0
    if percent is None or not 0 <= percent <= 100:
        return None
    return percent if opening_up else max(0, current - percent)


# --- The car ----------------------------------------------------------------------------------------

TEMPERATURE_LIMITS = {"F": (60, 85), "C": (16, 30)}
SEAT_MEMORY = {1: (5, 5), 2: (7, 3), 3: (3, 7)}  # preset -> (slide, height), 0-10 each
SEAT_LEVEL_NAMES = ("off", "low", "medium", "high")
RECOMMENDED_TIRE_PSI = 35


@dataclass
class CarState:
    temperature_unit: str = "F"
    zones: Dict[str, Number] = field(default_factory=lambda: dict.fromkeys(CLIMATE_ZONES, 70))
    fan: Union[int, str] = 3
    ac: bool = False
    recirculation: bool = False
    defrost: bool = False
    windows: Dict[str, int] = field(default_factory=lambda: dict.fromkeys(SEAT_NAMES.values(), 0))
    sunroof: int = 0
    seat_heat: Dict[str, int] = field(default_factory=lambda: dict.fromkeys(SEAT_NAMES.values(), 0))
    seat_cooling: Dict[str, int] = field(default_factory=lambda: dict.fromkeys(SEAT_NAMES.values(), 0))
    seat_slide: Dict[str, int] = field(default_factory=lambda: {"driver": 5, "passenger": 5})
    seat_height: Dict[str, int] = field(default_factory=lambda: {"driver": 5, "passenger": 5})
    now_playing: str = "road trip playlist"
    media_source: str = "playlist"
    track: int = 3  # position in an album, playlist or queue; 0 on the radio
    playing: bool = True
    volume: int = 40
    muted: bool = False
    destination: Optional[str] = None
    stops: List[str] = field(default_factory=list)
    avoid_tolls: bool = False
    avoid_highways: bool = False
    active_call: Optional[str] = None
    incoming_call: Optional[str] = "Dad"
    last_called: str = "Mom"
    unread: List[Tuple[str, str]] = field(default_factory=lambda: [("Mom", "can you pick up milk")])
    last_message: Optional[str] = None
    fuel_percent: int = 62
    fuel_range_miles: int = 238
    battery_percent: int = 80
    electric_range_miles: int = 31
    tire_psi: Dict[str, int] = field(default_factory=lambda: {
        "front left": 35, "front right": 35, "rear left": 29, "rear right": 35, "spare": 60})
    oil_life_percent: int = 45
    odometer_miles: int = 23418
    trip_miles: float = 42.7
    service_due_miles: int = 1200


@dataclass(frozen=True)
class Action:
    message: str
    changed: Dict[str, Tuple[str, str]] = field(default_factory=dict)  # "climate.driver" -> (before, after)


class Refusal(Exception):
    """The command cannot be carried out as said; the message asks for what is missing or says why."""


def _on_off(flag: bool) -> str:
    return "on" if flag else "off"


class Car:
    def __init__(self, state: Optional[CarState] = None):
        self.state = state or CarState()
        self.resolved: Dict[str, Optional[dict]] = {}  # the current command's resolved slot values

    def number(self, slot: str) -> Optional[Number]:
        """The resolved value of a numeric slot of the current command, or None."""
        resolved = self.resolved.get(slot)
        return None if resolved is None else resolved["value"]

    # --- applying commands

    def apply(self, parse: Parse) -> Action:
        if parse.intent == OUT_OF_SCOPE:
            return Action("Sorry, I didn't understand that, or it is something I can't do. I can handle "
                          "climate, media, navigation, phone, windows and seats, and vehicle status.")
        handler = HANDLERS.get(parse.intent)
        if handler is None:
            return Action(f"Sorry, I don't know how to do that yet ({parse.intent.replace('_', ' ')}).")
        slots: Dict[str, str] = {}
        self.resolved: Dict[str, Optional[dict]] = {}
        for slot in parse.slots:
            slots.setdefault(slot.slot, slot.value)
            self.resolved.setdefault(slot.slot, slot.resolved)
        before, saved = self.snapshot(), copy.deepcopy(self.state)
        try:
            message = handler(self, slots)
        except Refusal as refusal:
            self.state = saved  # a refused command leaves the car exactly as it was
            return Action(str(refusal))
        after = self.snapshot()
        return Action(message, {k: (before[k], after[k]) for k in after if before.get(k) != after[k]})

    # --- display

    def temperature(self, zone: str) -> str:
        return f"{format_number(self.state.zones[zone])}°{self.state.temperature_unit}"

    def snapshot(self) -> Dict[str, str]:
        """The state as "group.item" -> value text; what `render` shows and `apply` compares."""
        s = self.state
        lines = {f"climate.{zone}": self.temperature(zone) for zone in CLIMATE_ZONES}
        lines.update({"climate.fan": str(s.fan), "climate.ac": _on_off(s.ac),
                      "climate.recirculation": _on_off(s.recirculation), "climate.defrost": _on_off(s.defrost)})
        lines.update({f"windows.{w}": f"{p}% open" if p else "closed" for w, p in s.windows.items()})
        lines["windows.sunroof"] = f"{s.sunroof}% open" if s.sunroof else "closed"
        for seat in SEAT_NAMES.values():
            lines[f"seats.{seat} heat"] = SEAT_LEVEL_NAMES[s.seat_heat[seat]]
            lines[f"seats.{seat} cooling"] = SEAT_LEVEL_NAMES[s.seat_cooling[seat]]
        for seat in s.seat_slide:
            lines[f"seats.{seat} position"] = f"slide {s.seat_slide[seat]}/10, height {s.seat_height[seat]}/10"
        track = f", track {s.track}" if s.track else ""
        lines["media.now playing"] = f"{s.now_playing} ({s.media_source}{track})"
        lines["media.state"] = "playing" if s.playing else "paused"
        lines["media.volume"] = f"{s.volume}%" + (" (muted)" if s.muted else "")
        lines["navigation.destination"] = s.destination or "none"
        lines["navigation.stops"] = ", ".join(s.stops) or "none"
        avoid = [name for name, flag in (("tolls", s.avoid_tolls), ("highways", s.avoid_highways)) if flag]
        lines["navigation.avoid"] = ", ".join(avoid) or "nothing"
        lines["phone.call"] = f"with {s.active_call}" if s.active_call else "none"
        lines["phone.incoming"] = f"from {s.incoming_call}" if s.incoming_call else "none"
        lines["phone.unread messages"] = str(len(s.unread))
        lines["phone.last sent"] = s.last_message or "none"
        lines["status.fuel"] = f"{s.fuel_percent}% ({s.fuel_range_miles} mi)"
        lines["status.battery"] = f"{s.battery_percent}% ({s.electric_range_miles} mi electric)"
        lines["status.tires"] = " ".join(f"{psi}" for psi in s.tire_psi.values()) + " psi (FL FR RL RR spare)"
        lines["status.oil life"] = f"{s.oil_life_percent}%"
        lines["status.odometer"] = f"{s.odometer_miles:,} mi"
        lines["status.service due"] = f"in {s.service_due_miles:,} mi"
        return lines

    def render(self, width: int = 100) -> str:
        """The state in a few lines, one per group."""
        groups: Dict[str, List[str]] = {}
        for key, value in self.snapshot().items():
            group, _, item = key.partition(".")
            groups.setdefault(group, []).append(f"{item} {value}")
        indent = " " * 12
        return "\n".join(textwrap.fill(", ".join(items), width, initial_indent=f"{group:<12}",
                                       subsequent_indent=indent, break_on_hyphens=False)
                         for group, items in groups.items())

    # --- climate

    def set_temperature(self, slots):
        if "temperature" not in slots:
            raise Refusal("What temperature would you like?")
        value, glued_unit = temperature_reading(self.resolved.get("temperature"))
        if value is None:
            raise Refusal(f"Sorry, I didn't understand the temperature \"{slots['temperature']}\".")
        # Without a unit, the number tells: nobody sets a cabin to 72°C or 21°F.
        unit = glued_unit or temperature_unit(slots.get("temperature_unit")) or ("F" if value > 40 else "C")
        low, high = TEMPERATURE_LIMITS[unit]
        if not low <= value <= high:
            raise Refusal(f"I can set the temperature between {low} and {high}°{unit}.")
        zones = self._zones(slots)
        self._use_unit(unit)
        for zone in zones:
            self.state.zones[zone] = value
        return f"Setting {self._zone_phrase(zones)} to {format_number(value)}°{unit}."

    def increase_temperature(self, slots):
        return self._change_temperature(slots, +1)

    def decrease_temperature(self, slots):
        return self._change_temperature(slots, -1)

    def _change_temperature(self, slots, sign):
        if "temperature" in slots:  # "turn the temperature up to 72" names the target
            return self.set_temperature(slots)
        unit = self.state.temperature_unit
        delta = 1 if unit == "F" else 0.5  # one click of the knob
        if "temperature_delta" in slots:
            delta = self.number("temperature_delta")
            if delta is None or not 0 < delta <= 10:
                raise Refusal(f"Sorry, I can't change the temperature by \"{slots['temperature_delta']}\".")
        zones = self._zones(slots)
        low, high = TEMPERATURE_LIMITS[unit]
        for zone in zones:
            self.state.zones[zone] = _plain(min(high, max(low, self.state.zones[zone] + sign * delta)))
        reached = ", ".join(dict.fromkeys(self.temperature(zone) for zone in zones))  # "71°F", not "71°F, 71°F"
        return f"{'Warming' if sign > 0 else 'Cooling'} {self._zone_phrase(zones)} to {reached}."

    def _zones(self, slots) -> List[str]:
        zones = zone_names(slots.get("zone"))
        if zones is None:
            raise Refusal(f"Which zone do you mean by \"{slots['zone']}\": driver, passenger or rear?")
        return zones

    @staticmethod
    def _zone_phrase(zones: List[str]) -> str:
        if len(zones) == len(CLIMATE_ZONES):
            return "the cabin"
        return "the " + " and ".join(zones) + (" zones" if len(zones) > 1 else " zone")

    def _use_unit(self, unit: str) -> None:
        """Show temperatures in the unit the user just spoke in."""
        s = self.state
        if unit == s.temperature_unit:
            return
        for zone, value in s.zones.items():
            s.zones[zone] = round((value - 32) * 5 / 9 * 2) / 2 if unit == "C" else round(value * 9 / 5 + 32)
            s.zones[zone] = _plain(s.zones[zone])
        s.temperature_unit = unit

    def set_fan_speed(self, slots):
        s = self.state
        if "fan_level" in slots:
            level = fan_setting(slots["fan_level"], self.number("fan_level"))
            if level is None:
                raise Refusal(f"The fan goes from 1 to {FAN_MAX}, or auto. Which level would you like?")
        elif "direction" in slots and slots["direction"].lower() in ("up", "down", "higher", "lower"):
            current = 4 if s.fan == "auto" else s.fan
            level = min(FAN_MAX, current + 1) if slots["direction"].lower() in ("up", "higher") else max(1, current - 1)
        else:
            raise Refusal(f"What fan speed would you like, 1 to {FAN_MAX} or auto?")
        s.fan = level
        return "Setting the fan to auto." if level == "auto" else f"Setting the fan to {level}."

    def turn_on_ac(self, slots):
        self.state.ac = True
        return "Turning on the air conditioning."

    def turn_off_ac(self, slots):
        self.state.ac = False
        return "Turning off the air conditioning."

    def defrost_windshield(self, slots):
        self.state.defrost = True
        return "Defrosting the windshield."

    def turn_on_recirculation(self, slots):
        self.state.recirculation = True
        return "Recirculating the cabin air."

    # --- media

    def _play(self, title: str, source: str, track: int = 1) -> None:
        s = self.state
        s.now_playing, s.media_source, s.track, s.playing, s.muted = title, source, track, True, False

    def play_song(self, slots):
        if "song" not in slots:
            raise Refusal("Which song would you like to hear?")
        title = capitalize_words(slots["song"])
        if "artist" in slots:
            title += f" by {capitalize_words(slots['artist'])}"
        self._play(title, "song")
        return f"Playing {title}."

    def play_artist(self, slots):
        if "artist" not in slots:
            raise Refusal("Which artist would you like to hear?")
        artist = capitalize_words(slots["artist"])
        self._play(f"songs by {artist}", "shuffle")
        return f"Shuffling songs by {artist}."

    def play_album(self, slots):
        if "album" not in slots:
            raise Refusal("Which album would you like to hear?")
        title = capitalize_words(slots["album"])
        if "artist" in slots:
            title += f" by {capitalize_words(slots['artist'])}"
        self._play(title, "album")
        return f"Playing the album {title}."

    def play_playlist(self, slots):
        if "playlist" not in slots:
            raise Refusal("Which playlist would you like to hear?")
        self._play(f"{slots['playlist']} playlist", "playlist")
        return f"Playing your {slots['playlist']} playlist."

    def play_radio_station(self, slots):
        s = self.state
        station = radio_station(slots["station"]) if "station" in slots else (
            s.now_playing if s.media_source == "radio" else "98.1 FM")
        self._play(station, "radio", track=0)
        return f"Tuning the radio to {station}."

    def pause_media(self, slots):
        if not self.state.playing:
            raise Refusal("The music is already paused.")
        self.state.playing = False
        return "Paused."

    def resume_media(self, slots):
        if self.state.playing:
            raise Refusal(f"{self.state.now_playing} is already playing.")
        self.state.playing = True
        return f"Resuming {self.state.now_playing}."

    def next_track(self, slots):
        return self._skip(+1)

    def previous_track(self, slots):
        return self._skip(-1)

    def _skip(self, step: int):
        s = self.state
        if s.media_source == "radio":
            raise Refusal("The radio has no tracks to skip. Say a station to tune to another one.")
        s.track = max(1, s.track + step)
        s.playing = True
        return f"Playing track {s.track}."

    def set_volume(self, slots):
        if "volume_level" not in slots:
            raise Refusal("What volume would you like, 0 to 10?")
        volume = volume_percent(slots["volume_level"], self.number("volume_level"))
        if volume is None:
            raise Refusal("The volume goes from 0 to 10, or 0 to 100 percent. What level would you like?")
        self.state.volume, self.state.muted = volume, False
        return f"Setting the volume to {volume}%."

    def increase_volume(self, slots):
        return self._step_volume(+10)

    def decrease_volume(self, slots):
        return self._step_volume(-10)

    def _step_volume(self, step: int):
        s = self.state
        s.volume, s.muted = min(100, max(0, s.volume + step)), False
        return f"Volume {s.volume}%."

    def mute_audio(self, slots):
        if self.state.muted:
            raise Refusal("The audio is already muted.")
        self.state.muted = True
        return "Muted."

    # --- navigation

    @staticmethod
    def _drive_minutes(destination: str) -> int:
        """A made-up but stable travel time, so asking twice gives the same answer."""
        return 5 + zlib.crc32(destination.lower().encode()) % 50

    def navigate_to(self, slots):
        if "destination" not in slots:
            raise Refusal("Where would you like to go?")
        s = self.state
        s.destination, s.stops = place(slots["destination"]), []
        return f"Starting navigation to {s.destination}, about {minutes(self._drive_minutes(s.destination))} away."

    def find_poi(self, slots):
        if "poi_category" not in slots:
            raise Refusal("What kind of place are you looking for?")
        s = self.state
        s.destination, s.stops = f"nearest {slots['poi_category']}", []
        return f"Routing to the nearest {slots['poi_category']}, {minutes(self._drive_minutes(s.destination) % 9 + 1)} away."

    def add_stop(self, slots):
        if "destination" in slots:
            stop = place(slots["destination"])
        elif "poi_category" in slots:
            stop = f"a {slots['poi_category']}"
        else:
            raise Refusal("Where would you like to stop?")
        self.state.stops.append(stop)
        return f"Adding a stop at {stop}."

    def cancel_navigation(self, slots):
        s = self.state
        if s.destination is None:
            raise Refusal("There is no route to cancel.")
        s.destination, s.stops = None, []
        return "Navigation cancelled."

    def show_eta(self, slots):
        destination = place(slots["destination"]) if "destination" in slots else self.state.destination
        if destination is None:
            raise Refusal("There is no active route. Where would you like to go?")
        return f"About {minutes(self._drive_minutes(destination))} to {destination}."

    def avoid_tolls(self, slots):
        self.state.avoid_tolls = True
        return "Avoiding toll roads."

    def avoid_highways(self, slots):
        self.state.avoid_highways = True
        return "Avoiding highways."

    def show_traffic(self, slots):
        where = place(slots["destination"]) if "destination" in slots else self.state.destination
        return f"Traffic is light on the way to {where}." if where else "Traffic is light around you."

    # --- phone

    def call_contact(self, slots):
        if "contact" in slots:
            callee = capitalize_words(slots["contact"])
        elif "phone_number" in slots:
            digits = self.number("phone_number")
            if digits is None or len(digits) not in (7, 10, 11):
                raise Refusal("Sorry, I didn't get the number. Could you say it digit by digit?")
            callee = format_phone_number(digits)
        else:
            raise Refusal("Who would you like to call?")
        return self._call(callee)

    def _call(self, callee: str) -> str:
        s = self.state
        s.active_call, s.last_called = callee, callee
        return f"Calling {callee}."

    def redial(self, slots):
        return self._call(self.state.last_called)

    def send_message(self, slots):
        if "contact" not in slots:
            raise Refusal("Who should I send the message to?")
        contact = capitalize_words(slots["contact"])
        if "message_body" not in slots:
            raise Refusal(f"What would you like to say to {contact}?")
        self.state.last_message = f"to {contact}: {slots['message_body']}"
        return f"Sending {contact}: \"{slots['message_body']}\"."

    def read_messages(self, slots):
        s = self.state
        wanted = slots["contact"].lower() if "contact" in slots else None
        chosen = [m for m in s.unread if wanted is None or m[0].lower() == wanted]
        if not chosen:
            raise Refusal("You have no new messages" + (f" from {capitalize_words(slots['contact'])}." if wanted else "."))
        s.unread = [m for m in s.unread if m not in chosen]
        return " ".join(f"{sender} says: {text}." for sender, text in chosen)

    def answer_call(self, slots):
        s = self.state
        if s.incoming_call is None:
            raise Refusal("There is no incoming call.")
        s.active_call, s.incoming_call = s.incoming_call, None
        return f"Answering the call from {s.active_call}."

    def decline_call(self, slots):
        s = self.state
        if s.incoming_call is None:
            raise Refusal("There is no incoming call.")
        caller, s.incoming_call = s.incoming_call, None
        return f"Declined the call from {caller}."

    def end_call(self, slots):
        s = self.state
        if s.active_call is None:
            raise Refusal("There is no call to end.")
        caller, s.active_call = s.active_call, None
        return f"Ended the call with {caller}."

    # --- windows and seats

    def open_window(self, slots):
        return self._move_windows(slots, opening_up=True)

    def close_window(self, slots):
        return self._move_windows(slots, opening_up=False)

    def _move_windows(self, slots, opening_up: bool):
        windows = seat_names(slots.get("window"))
        if windows is None:
            raise Refusal("Which window: driver, passenger, rear left or rear right?")
        for window in windows:
            target = opening(slots.get("amount"), self.number("amount"), self.state.windows[window], opening_up)
            if target is None:
                raise Refusal(f"Sorry, I can't move a window \"{slots['amount']}\".")
            self.state.windows[window] = target
        verb = "Opening" if opening_up else "Closing"
        if len(windows) > 1:
            return f"{verb} {'all the' if len(windows) == 4 else 'the ' + ' and '.join(windows)} windows."
        percent = self.state.windows[windows[0]]
        return f"{verb} the {windows[0]} window" + (f", now {percent}% open." if percent else ".")

    def open_sunroof(self, slots):
        return self._move_sunroof(slots, opening_up=True)

    def close_sunroof(self, slots):
        return self._move_sunroof(slots, opening_up=False)

    def _move_sunroof(self, slots, opening_up: bool):
        target = opening(slots.get("amount"), self.number("amount"), self.state.sunroof, opening_up)
        if target is None:
            raise Refusal(f"Sorry, I can't move the sunroof \"{slots['amount']}\".")
        self.state.sunroof = target
        return f"{'Opening' if opening_up else 'Closing'} the sunroof" + (f", now {target}% open." if target else ".")

    def set_seat_heating(self, slots):
        return self._seat_climate(slots, "seat_heat_level", self.state.seat_heat, self.state.seat_cooling, "heating")

    def set_seat_cooling(self, slots):
        return self._seat_climate(slots, "seat_cooling_level", self.state.seat_cooling, self.state.seat_heat, "cooling")

    def _seat_climate(self, slots, level_slot, levels, opposite, what):
        seats = seat_names(slots.get("seat"))
        if seats is None:
            raise Refusal("Which seat: driver, passenger, rear left or rear right?")
        level = 2 if level_slot not in slots else seat_level(slots[level_slot], self.number(level_slot))  # "turn on the seat heater": medium
        if level is None:
            raise Refusal(f"Seat {what} goes low, medium or high (1 to 3). Which would you like?")
        for seat in seats:
            levels[seat] = level
            if level:
                opposite[seat] = 0  # a seat heats or cools, not both
        seat_list = " and ".join(seats)
        if level == 0:
            return f"Turning off {what} for the {seat_list} seat{'s' if len(seats) > 1 else ''}."
        return f"Setting {what} for the {seat_list} seat{'s' if len(seats) > 1 else ''} to {SEAT_LEVEL_NAMES[level]}."

    def move_seat(self, slots):
        seats = [seat for seat in (seat_names(slots.get("seat")) or []) if seat in self.state.seat_slide]
        if not seats:
            raise Refusal("Only the front seats move. Which one: driver or passenger?")
        direction = slots.get("direction", "").lower()
        axis, step = {"forward": ("slide", 1), "forwards": ("slide", 1), "back": ("slide", -1),
                      "backward": ("slide", -1), "backwards": ("slide", -1), "up": ("height", 1),
                      "higher": ("height", 1), "down": ("height", -1), "lower": ("height", -1)}.get(direction, (None, 0))
        if axis is None:
            raise Refusal("Which way should the seat move: forward, back, up or down?")
        positions = self.state.seat_slide if axis == "slide" else self.state.seat_height
        for seat in seats:
            positions[seat] = min(10, max(0, positions[seat] + step))
        return f"Moving the {' and '.join(seats)} seat {direction}."

    def set_seat_position(self, slots):
        seats = [seat for seat in (seat_names(slots.get("seat")) or []) if seat in self.state.seat_slide]
        if not seats:
            raise Refusal("Seat memory is for the front seats. Which one: driver or passenger?")
        preset = self.number("position") if "position" in slots else 1  # "restore my seat": the first
        if preset not in SEAT_MEMORY:
            raise Refusal(f"Seat memory has positions 1 to {len(SEAT_MEMORY)}. Which one?")
        for seat in seats:
            self.state.seat_slide[seat], self.state.seat_height[seat] = SEAT_MEMORY[preset]
        return f"Moving the {' and '.join(seats)} seat to memory position {preset}."

    # --- vehicle status: readings, nothing changes

    def check_fuel_level(self, slots):
        s = self.state
        return f"The tank is {s.fuel_percent}% full, about {s.fuel_range_miles} miles of range."

    def check_battery_range(self, slots):
        s = self.state
        total = s.fuel_range_miles + s.electric_range_miles
        reply = f"The battery is at {s.battery_percent}%, {s.electric_range_miles} miles electric, {total} miles in all."
        if "destination" in slots:
            destination = place(slots["destination"])
            miles = self._drive_minutes(destination) * 3 // 4  # at about 45 mph
            reply += f" {destination} is about {miles} miles away, well within range."
        return reply

    def check_tire_pressure(self, slots):
        s = self.state
        tires = tire_names(slots["tire"]) if "tire" in slots else [t for t in s.tire_psi if t != "spare"]
        if tires is None:
            raise Refusal("Which tire: front left, front right, rear left, rear right or the spare?")
        low = [t for t in tires if t != "spare" and s.tire_psi[t] < RECOMMENDED_TIRE_PSI - 3]
        readings = ", ".join(f"{t} {s.tire_psi[t]} psi" for t in tires)
        advice = f" The {' and '.join(low)} tire{'s are' if len(low) > 1 else ' is'} low." if low else ""
        return f"Tire pressure: {readings}.{advice}"

    def check_oil_level(self, slots):
        return f"Oil level is fine; oil life is at {self.state.oil_life_percent}%."

    def check_warning_lights(self, slots):
        low = [t for t, psi in self.state.tire_psi.items() if t != "spare" and psi < RECOMMENDED_TIRE_PSI - 3]
        if not low:
            return "No warnings. Everything looks fine."
        return f"One warning: low tire pressure in the {' and '.join(low)} tire."

    def check_service_due(self, slots):
        return f"The next service is due in {self.state.service_due_miles:,} miles."

    def check_mileage(self, slots):
        s = self.state
        return f"The odometer reads {s.odometer_miles:,} miles; this trip is {s.trip_miles} miles."


# Intent name -> handler; every in-car intent of the default model has one.
HANDLERS: Dict[str, Callable[[Car, Dict[str, str]], str]] = {
    name: getattr(Car, name) for name in (
        "set_temperature", "increase_temperature", "decrease_temperature", "set_fan_speed", "turn_on_ac",
        "turn_off_ac", "defrost_windshield", "turn_on_recirculation",
        "play_song", "play_artist", "play_album", "play_playlist", "play_radio_station", "pause_media",
        "resume_media", "next_track", "previous_track", "set_volume", "increase_volume", "decrease_volume",
        "mute_audio",
        "navigate_to", "find_poi", "add_stop", "cancel_navigation", "show_eta", "avoid_tolls", "avoid_highways",
        "show_traffic",
        "call_contact", "send_message", "read_messages", "answer_call", "decline_call", "end_call", "redial",
        "open_window", "close_window", "open_sunroof", "close_sunroof", "set_seat_heating", "set_seat_cooling",
        "move_seat", "set_seat_position",
        "check_fuel_level", "check_battery_range", "check_tire_pressure", "check_oil_level",
        "check_warning_lights", "check_service_due", "check_mileage",
    )
}


# What each intent does, for "Did you mean: ...?" when the model is unsure.
INTENT_PHRASES = {
    "set_temperature": "set the temperature", "increase_temperature": "make it warmer",
    "decrease_temperature": "make it cooler", "set_fan_speed": "change the fan speed",
    "turn_on_ac": "turn on the air conditioning", "turn_off_ac": "turn off the air conditioning",
    "defrost_windshield": "defrost the windshield", "turn_on_recirculation": "turn on air recirculation",
    "play_song": "play a song", "play_artist": "play an artist", "play_album": "play an album",
    "play_playlist": "play a playlist", "play_radio_station": "play a radio station",
    "pause_media": "pause the music", "resume_media": "resume the music", "next_track": "skip to the next track",
    "previous_track": "go back a track", "set_volume": "set the volume", "increase_volume": "turn the volume up",
    "decrease_volume": "turn the volume down", "mute_audio": "mute the audio",
    "navigate_to": "navigate", "find_poi": "find a place nearby", "add_stop": "add a stop to the route",
    "cancel_navigation": "cancel the navigation", "show_eta": "tell you the arrival time",
    "avoid_tolls": "avoid toll roads", "avoid_highways": "avoid highways", "show_traffic": "show the traffic",
    "call_contact": "make a call", "send_message": "send a message", "read_messages": "read your messages",
    "answer_call": "answer the call", "decline_call": "decline the call", "end_call": "hang up",
    "redial": "call the last number again",
    "open_window": "open a window", "close_window": "close a window", "open_sunroof": "open the sunroof",
    "close_sunroof": "close the sunroof", "set_seat_heating": "change the seat heating",
    "set_seat_cooling": "change the seat cooling", "move_seat": "move your seat",
    "set_seat_position": "restore a seat position",
    "check_fuel_level": "check the fuel level", "check_battery_range": "check the battery range",
    "check_tire_pressure": "check the tire pressure", "check_oil_level": "check the oil level",
    "check_warning_lights": "check the warning lights", "check_service_due": "check when the service is due",
    "check_mileage": "check the mileage",
}


def describe(parse: Parse) -> str:
    """What the car would do for a parse, in a few words: "open the sunroof (amount: halfway)"."""
    what = INTENT_PHRASES.get(parse.intent, parse.intent.replace("_", " "))
    said = ", ".join(f"{slot.slot.replace('_', ' ')}: {slot.value}" for slot in parse.slots)
    return f"{what} ({said})" if said else what
