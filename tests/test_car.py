"""The simulated car: spoken numbers, the state change of each intent family, refusals."""

import pytest

import pocketnlu
from pocketnlu.demo.car import HANDLERS, Action, Car, Refusal
from pocketnlu.entities import resolve
from pocketnlu.nlu import OUT_OF_SCOPE, Parse, SlotValue



with pocketnlu.open(pocketnlu.DEFAULT_MODEL) as _model:
    SLOT_KINDS = {slot: how.kind for slot, how in _model.slot_values.items() if how.kind}


def command(intent, **slots):
    """A parse as the NLU model would give it: the slots bound to a kind in the shipped model
    resolved as it resolves them (slot spans do not matter to the car)."""
    return Parse("", "test", intent, 1.0, [
        SlotValue(name, value, 0, 0, resolve(SLOT_KINDS[name], value) if name in SLOT_KINDS else None)
        for name, value in slots.items()])


def test_the_shipped_model_resolves_the_numbers_the_car_reads():
    assert {"temperature", "temperature_delta", "fan_level", "volume_level", "seat_heat_level", "amount",
            "position", "phone_number"} <= set(SLOT_KINDS)


def test_every_in_car_intent_has_a_handler():
    with pocketnlu.open(pocketnlu.DEFAULT_MODEL) as model:
        intents = set(model.intents)
    assert intents - {OUT_OF_SCOPE} == set(HANDLERS)


def test_set_temperature_in_a_zone_and_the_unit_said():
    car = Car()
    action = car.apply(command("set_temperature", zone="driver", temperature="seventy two"))
    assert action.message == "Setting the driver zone to 72°F."
    assert action.changed == {"climate.driver": ("70°F", "72°F")}

    action = car.apply(command("set_temperature", temperature="twenty one point five", temperature_unit="celsius"))
    assert action.message == "Setting the cabin to 21.5°C."
    assert car.state.temperature_unit == "C" and car.state.zones == dict.fromkeys(("driver", "passenger", "rear"), 21.5)


def test_temperature_unit_follows_from_the_number_or_is_typed_with_it():
    car = Car()
    car.apply(command("set_temperature", temperature="22"))
    assert car.snapshot()["climate.rear"] == "22°C"
    car.apply(command("set_temperature", temperature="65°f"))
    assert car.snapshot()["climate.rear"] == "65°F"


def test_relative_temperature_and_a_named_target():
    car = Car()
    car.apply(command("increase_temperature", temperature_delta="three"))
    assert car.snapshot()["climate.passenger"] == "73°F"
    car.apply(command("decrease_temperature", zone="rear"))
    assert car.snapshot()["climate.rear"] == "72°F"
    car.apply(command("increase_temperature", temperature="seventy eight"))  # "turn it up to 78"
    assert car.snapshot()["climate.driver"] == "78°F"


def test_climate_switches_and_fan():
    car = Car()
    assert car.apply(command("turn_on_ac")).changed == {"climate.ac": ("off", "on")}
    assert car.apply(command("turn_off_ac")).changed == {"climate.ac": ("on", "off")}
    assert car.apply(command("defrost_windshield")).changed == {"climate.defrost": ("off", "on")}
    assert car.apply(command("turn_on_recirculation")).changed == {"climate.recirculation": ("off", "on")}
    assert car.apply(command("set_fan_speed", fan_level="five")).changed == {"climate.fan": ("3", "5")}
    assert car.apply(command("set_fan_speed", direction="down")).changed == {"climate.fan": ("5", "4")}
    assert car.apply(command("set_fan_speed", fan_level="max")).changed == {"climate.fan": ("4", "7")}


def test_media():
    car = Car()
    action = car.apply(command("play_song", song="echo valley", artist="lena fox"))
    assert action.message == "Playing Echo Valley by Lena Fox."
    assert car.snapshot()["media.now playing"] == "Echo Valley by Lena Fox (song, track 1)"
    assert car.apply(command("next_track")).changed == {
        "media.now playing": ("Echo Valley by Lena Fox (song, track 1)", "Echo Valley by Lena Fox (song, track 2)")}
    car.apply(command("play_radio_station", station="ninety eight point one fm"))
    assert car.snapshot()["media.now playing"] == "98.1 FM (radio)"
    car.apply(command("play_radio_station", station="fourteen hundred am"))
    assert car.state.now_playing == "1400 AM"
    assert car.apply(command("next_track")).changed == {}  # the radio has no tracks
    assert car.apply(command("pause_media")).changed == {"media.state": ("playing", "paused")}
    assert car.apply(command("set_volume", volume_level="seven")).changed == {"media.volume": ("40%", "70%")}
    assert car.apply(command("set_volume", volume_level="thirty percent")).changed == {"media.volume": ("70%", "30%")}
    assert car.apply(command("mute_audio")).changed == {"media.volume": ("30%", "30% (muted)")}
    assert car.apply(command("increase_volume")).changed == {"media.volume": ("30% (muted)", "40%")}


def test_navigation():
    car = Car()
    action = car.apply(command("navigate_to", destination="thirty six oh seven birchwood drive"))
    assert action.changed == {"navigation.destination": ("none", "Thirty Six Oh Seven Birchwood Drive")}
    car.apply(command("add_stop", poi_category="gas station"))
    car.apply(command("avoid_tolls"))
    assert car.snapshot()["navigation.stops"] == "a gas station"
    assert car.snapshot()["navigation.avoid"] == "tolls"
    assert "Thirty Six Oh Seven Birchwood Drive" in car.apply(command("show_eta")).message
    assert car.apply(command("cancel_navigation")).changed == {
        "navigation.destination": ("Thirty Six Oh Seven Birchwood Drive", "none"), "navigation.stops": ("a gas station", "none")}


def test_phone():
    car = Car()
    assert car.apply(command("call_contact", contact="carlos")).changed == {"phone.call": ("none", "with Carlos")}
    assert car.apply(command("end_call")).changed == {"phone.call": ("with Carlos", "none")}
    action = car.apply(command("call_contact", phone_number="five five five oh one two one"))
    assert action.message == "Calling 555-0121."
    car.apply(command("end_call"))
    assert car.apply(command("answer_call")).changed == {"phone.call": ("none", "with Dad"),
                                                         "phone.incoming": ("from Dad", "none")}
    action = car.apply(command("send_message", contact="tom", message_body="on my way"))
    assert action.changed == {"phone.last sent": ("none", "to Tom: on my way")}
    assert "can you pick up milk" in car.apply(command("read_messages")).message


def test_windows_and_seats():
    car = Car()
    action = car.apply(command("open_window", window="rear left", amount="halfway"))
    assert action.changed == {"windows.rear left": ("closed", "50% open")}
    assert set(car.apply(command("open_window", window="all")).changed) == {
        "windows.driver", "windows.passenger", "windows.rear right", "windows.rear left"}
    assert car.apply(command("close_window", window="driver's side")).changed == {
        "windows.driver": ("100% open", "closed")}
    assert car.apply(command("open_sunroof", amount="a crack")).changed == {"windows.sunroof": ("closed", "10% open")}
    car.apply(command("set_seat_cooling", seat="passenger", seat_cooling_level="low"))
    action = car.apply(command("set_seat_heating", seat="passenger", seat_heat_level="high"))
    assert action.changed == {"seats.passenger heat": ("off", "high"), "seats.passenger cooling": ("low", "off")}
    assert car.apply(command("move_seat", direction="forward")).changed == {
        "seats.driver position": ("slide 5/10, height 5/10", "slide 6/10, height 5/10")}
    assert car.apply(command("set_seat_position", position="two")).changed == {
        "seats.driver position": ("slide 6/10, height 5/10", "slide 7/10, height 3/10")}


def test_vehicle_status_reads_without_changing_anything():
    car = Car()
    for intent in ("check_fuel_level", "check_battery_range", "check_tire_pressure", "check_oil_level",
                   "check_warning_lights", "check_service_due", "check_mileage"):
        action = car.apply(command(intent))
        assert action.message and action.changed == {}
    assert "rear left tire is low" in car.apply(command("check_tire_pressure", tire="left rear")).message


@pytest.mark.parametrize("parse", [
    command(OUT_OF_SCOPE),
    command("book_a_flight"),
    command("set_temperature"),
    command("set_temperature", temperature="ninety nine"),
    command("set_fan_speed"),
    command("set_volume", volume_level="eleven"),
    command("navigate_to"),
    command("call_contact"),
    command("send_message", contact="anna"),
    command("open_window", window="left"),
    command("move_seat"),
    command("set_seat_position", position="nine"),
    command("end_call"),
    command("resume_media"),
])
def test_refusals_change_nothing(parse):
    car = Car()
    before = car.snapshot()
    action = car.apply(parse)
    assert action.message and action.changed == {}
    assert car.snapshot() == before


def test_out_of_scope_is_a_polite_refusal():
    message = Car().apply(command(OUT_OF_SCOPE)).message
    assert message.startswith("Sorry") and "climate" in message


def test_a_refusal_midway_rolls_back_what_was_done(monkeypatch):
    def half_done(car, slots):
        car.state.ac = True
        raise Refusal("changed my mind")

    monkeypatch.setitem(HANDLERS, "turn_on_ac", half_done)
    car = Car()
    before = car.snapshot()
    assert car.apply(command("turn_on_ac")) == Action("changed my mind")
    assert car.snapshot() == before


def test_render_shows_a_change():
    car = Car()
    assert "driver 70°F" in car.render()
    car.apply(command("set_temperature", zone="driver", temperature="seventy two"))
    rendered = car.render()
    assert "driver 72°F" in rendered and len(rendered.splitlines()) <= 12
