"""The in-car intents and their templates: one `Intent` per intent, its phrasings as data.

`{name}` draws a value from pocketnlu_tools.data.incar.sources.SOURCES; `[slot : value]` is a fixed
slot value. Edit freely: the generator renders these with a seeded random.Random.
"""
from dataclasses import dataclass
from typing import List, Tuple

from pocketnlu_tools.data.records import OUT_OF_SCOPE

WAKE_WORDS = ("hey car", "ok car", "hi car", "car")
POLITE_QUESTIONS = ("can you", "could you", "would you", "can you please", "could you please")
COMMAND_PREFIXES = POLITE_QUESTIONS + ("please", "i need you to", "go ahead and")
FRAGMENT_PREFIXES = ("please",)
SUFFIXES = ("please", "now", "thanks", "thank you", "right now")


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

