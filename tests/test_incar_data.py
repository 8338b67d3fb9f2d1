"""The in-car data: the templates expand deterministically into well-formed, balanced examples of
exactly the in-car intents and slots, and the hand-written dev set is a separate, valid set."""
import json
import re
from collections import Counter

import pytest

pytest.importorskip("hassil")

from pocketnlu.nlu import OUT_OF_SCOPE  # noqa: E402
from pocketnlu_tools.data.incar import DEV, TEMPLATES  # noqa: E402
from pocketnlu_tools.data.readers import load_dataset  # noqa: E402
from pocketnlu_tools.data.templates import load_templates  # noqa: E402

DOMAINS = {"climate", "media", "navigation", "phone", "windows_seats", "vehicle_status", "none"}
SLOT_TYPES = {"temperature", "temperature_unit", "temperature_delta", "zone", "fan_level", "direction",
              "volume_level", "song", "artist", "album", "playlist", "station", "destination", "poi_category",
              "contact", "phone_number", "message_body", "tire", "window", "amount", "seat", "seat_heat_level",
              "seat_cooling_level", "position"}


@pytest.fixture(scope="module")
def dataset():
    return load_dataset(TEMPLATES)


@pytest.fixture(scope="module")
def examples(dataset):
    return [example for split in dataset.splits.values() for example in split]


def test_expanding_twice_gives_the_same_examples(dataset):
    again = load_dataset(TEMPLATES)
    assert again.splits == dataset.splits


def test_the_seed_matters():
    first = load_templates(TEMPLATES, seed=0).examples[:50]
    assert load_templates(TEMPLATES, seed=1).examples[:50] != first


def test_intents_domains_and_slots(examples):
    intents = Counter(example.intent for example in examples)
    assert len(intents) == 52 and OUT_OF_SCOPE in intents
    assert all(count >= 150 for count in intents.values()), intents
    assert {example.domain for example in examples} == DOMAINS
    assert all((example.domain == "none") == example.out_of_scope for example in examples)
    assert {slot.slot for example in examples for slot in example.slots} == SLOT_TYPES
    assert not [example for example in examples if example.out_of_scope and example.slots]


def test_each_intent_has_one_domain(examples):
    domains = {}
    for example in examples:
        assert domains.setdefault(example.intent, example.domain) == example.domain


def test_slot_spans_are_whole_words_and_never_a_bare_degrees(examples):
    for example in examples:
        for slot in example.slots:
            value = example.text[slot.start:slot.end]
            assert value and value == value.strip(), (example.text, slot)
            assert slot.start == 0 or not example.text[slot.start - 1].isalnum(), (example.text, slot)
            assert slot.end == len(example.text) or not example.text[slot.end].isalnum(), (example.text, slot)
            assert value != "degrees"


def test_splits_are_about_80_10_10_and_share_no_text(dataset):
    sizes = {name: len(split) for name, split in dataset.splits.items()}
    total = sum(sizes.values())
    assert abs(sizes["train"] / total - 0.8) < 0.01 and abs(sizes["test"] / total - 0.1) < 0.01
    seen = {}
    for name, split in dataset.splits.items():
        for example in split:
            assert seen.setdefault(example.text, name) == name, example.text


def test_the_templates_speak_numbers_as_words_and_as_digits(examples):
    temperatures = [e.text[s.start:s.end] for e in examples for s in e.slots if s.slot == "temperature"]
    assert any(re.fullmatch(r"\d+(\.\d)?", t) for t in temperatures)
    assert any(re.fullmatch(r"[a-z ]+", t) for t in temperatures)


def test_the_dev_set_is_hand_written_and_separate(examples):
    records = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines()]
    assert len(records) >= 300
    assert all(record["partition"] == "dev" for record in records)
    dev = load_dataset(DEV).splits["dev"]
    assert {e.intent for e in dev} == {e.intent for e in examples}
    assert {s.slot for e in dev for s in e.slots} <= SLOT_TYPES
    assert sum(e.out_of_scope for e in dev) >= 100
    # Written apart: terse commands ("skip", "mute") coincide, longer ones hardly ever.
    template_texts = {e.text.lower().rstrip(".!?") for e in examples}
    longer = [e for e in dev if len(e.text.split()) >= 4]
    assert sum(e.text.lower().rstrip(".!?") in template_texts for e in longer) <= 0.05 * len(longer)


def test_the_missing_function_requests_are_out_of_scope_dev_lines():
    from pocketnlu_tools.data.incar import MISSING_FUNCTIONS, missing_function_requests

    ids = [int(line) for line in MISSING_FUNCTIONS.read_text(encoding="utf-8").splitlines()
           if line.strip() and not line.startswith("#")]
    assert ids == sorted(set(ids)) and len(ids) >= 40
    records = {record["id"]: record for record in map(json.loads, DEV.read_text(encoding="utf-8").splitlines())}
    assert all(records[i]["intent"] == OUT_OF_SCOPE for i in ids)
    assert len(missing_function_requests()) == len(ids)
