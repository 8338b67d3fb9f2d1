"""The default in-car model shipped in the package: it parses commands, and rebuilding it from
the project's dataset gives the same bytes."""

import pytest

import pocketnlu

from pocketnlu.models import DEFAULT_MODEL

COMMANDS = [
    ("set the temperature to seventy two degrees", "set_temperature", {"temperature": "seventy two"}),
    ("call mom", "call_contact", {"contact": "mom"}),
    ("navigate to the airport", "navigate_to", {"destination": "the airport"}),
    ("open the driver window", "open_window", {"window": "driver"}),
    ("what is the capital of france", "out_of_scope", {}),
]


@pytest.mark.parametrize("text, intent, slots", COMMANDS)
def test_default_model_parses_in_car_commands(text, intent, slots):
    with pocketnlu.open(DEFAULT_MODEL) as model:
        result = model.parse(text)
    assert result.intent == intent
    assert {s.slot: s.value for s in result.slots} == slots


def test_default_model_verifies():
    from pocketnlu.modelfile import ModelFile

    with ModelFile(DEFAULT_MODEL) as model_file:
        model_file.verify()


def test_rebuilding_gives_the_same_bytes():
    pytest.importorskip("sklearn")
    pytest.importorskip("pycrfsuite")
    from pocketnlu_tools.recipes.default_model import default_model_trainer

    assert default_model_trainer().model_bytes_ == DEFAULT_MODEL.read_bytes()
