"""Home Assistant intent templates: expansion checked against hassil's own recognizer, the device's
value tables, run-time lists, broken files, and training a model from a template file."""
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

hassil = pytest.importorskip("hassil")

from pocketnlu.values import value_key  # noqa: E402
from pocketnlu_tools.data.readers import DatasetError, load_dataset  # noqa: E402
from pocketnlu_tools.data.templates import (  # noqa: E402
    load_templates, number_words, read_list_file,
)

TEMPLATES = Path(__file__).resolve().parent / "fixtures" / "templates"
ASSISTANT = TEMPLATES / "assistant.yaml"
FOLDER = TEMPLATES / "folder"
BROKEN = TEMPLATES / "broken"

NAMES = ["kitchen light", ("ceiling fan", "fan.ceiling")]
AREAS = ["living room", "kitchen"]
MESSAGES = ["i am running late", "call me back"]
RUN_TIME_LISTS = {"name": NAMES, "area": AREAS, "message": MESSAGES}


def hassil_lists(given):
    """The run-time lists as hassil's recognizer takes them ({message} stays a wildcard)."""
    return {name: hassil.TextSlotList.from_tuples([(v, v) if isinstance(v, str) else v for v in values])
            for name, values in given.items() if name != "message"}


@pytest.mark.parametrize("source,given", [(ASSISTANT, {}), (FOLDER, RUN_TIME_LISTS)], ids=["file", "folder"])
def test_hassil_recognizes_every_sampled_sentence_as_labelled(source, given):
    templates = load_templates(source, lists=given)
    intents = hassil.Intents.from_files(sorted(source.glob("*.yaml")) if source.is_dir() else [source])
    assert len(templates.examples) == len(templates.slot_values) > 100
    for example, values in zip(templates.examples, templates.slot_values):
        labelled = {slot.slot: (value, (slot.start, slot.end)) for slot, value in zip(example.slots, values)}
        results = list(hassil.recognize_all(example.text, intents, slot_lists=hassil_lists(given)))
        assert {result.intent.name for result in results} == {example.intent}, example.text
        recognized = [
            {name: (entity.value, entity.text_span) for name, entity in result.entities.items()
             if name not in result.intent_data.slots}  # fixed slots come back as entities too
            for result in results
        ]
        assert labelled in recognized, example.text
        for result in results:
            if result.intent_data.slots:
                assert result.intent_data.slots in templates.fixed_slots[example.intent]


def test_every_alternative_optional_part_rule_and_value_is_drawn():
    templates = load_templates(ASSISTANT)
    texts = [example.text.replace("please ", "").replace("hey car ", "") for example in templates.examples]
    for start in ("make it ", "turn it ", "turn on ", "switch on ", "start ", "switch the ", "could you switch "):
        assert any(text.startswith(start) for text in texts), start  # (a|b), <rule>, [optional]
    for end in (" in here", " degrees", " right now", " now", " music"):
        assert any(text.endswith(end) for text in texts), end
    spoken = {(slot.slot, example.text[slot.start:slot.end]) for example in templates.examples for slot in example.slots}
    assert {text for slot, text in spoken if slot == "device"} == {
        "AC", "A/C", "air conditioning", "air conditioner", "heated seats", "defroster", "defrost", "fan"}
    assert {text for slot, text in spoken if slot == "speed"} == {"low", "medium", "high"}  # {list:slot}
    assert {text for slot, text in spoken if slot == "destination"} >= {"airport", "the airport", "my house"}
    assert any(text.startswith(("please ", "hey car ")) for text in (e.text for e in templates.examples))
    assert any(text.endswith((" please", " hey car")) for text in (e.text for e in templates.examples))
    assert {e.domain for e in templates.examples} == {None}
    assert templates.sources == [str(ASSISTANT)]


def test_the_same_seed_gives_the_same_examples():
    first, again = load_templates(ASSISTANT, seed=3), load_templates(ASSISTANT, seed=3)
    assert first.examples == again.examples and first.slot_values == again.slot_values
    assert load_templates(ASSISTANT, seed=4).examples != first.examples


def test_utterances_are_bounded_per_intent_and_distinct():
    templates = load_templates(ASSISTANT, max_per_intent=7)
    assert set(Counter(e.intent for e in templates.examples).values()) == {7}
    keys = [value_key(e.text) for e in load_templates(ASSISTANT).examples]
    assert len(keys) == len(set(keys))


def test_an_intent_stops_when_draws_find_no_new_text():
    # Without skip words and typing habits Weather has 10 texts in all; hassil's full expansion lists them.
    templates = load_templates(ASSISTANT, skip_word_share=0, typed_share=0)
    weather = {e.text for e in templates.examples if e.intent == "Weather"}
    intents = hassil.Intents.from_files([ASSISTANT])
    expected = {text.strip() for _, text in hassil.sample_intents(intents, intent_names={"Weather"})}
    assert weather == expected and len(weather) == 10


def test_a_share_of_the_texts_are_typed_with_their_spans_in_place():
    spoken = load_templates(ASSISTANT, typed_share=0).examples
    typed = load_templates(ASSISTANT, typed_share=1).examples
    assert all(e.text[:1].isupper() or not e.text[:1].isalpha() for e in typed)
    assert any(e.text.endswith("?") for e in typed) and any(e.text.endswith(".") for e in typed)
    assert not any(e.text[-1:] in ".!?" for e in spoken)
    for example in typed:
        for slot in example.slots:
            value = example.text[slot.start:slot.end]
            assert value == value.strip() and value[-1:] not in ".?!", (example.text, slot)
    mixed = load_templates(ASSISTANT).examples
    share = sum(e.text != e.text.lower() for e in mixed) / len(mixed)
    assert 0.15 < share < 0.45


def test_range_values_are_spoken_as_digits_and_words():
    templates = load_templates(ASSISTANT)
    spoken = {"digits": 0, "words": 0}
    for example, values in zip(templates.examples, templates.slot_values):
        for slot, value in zip(example.slots, values):
            if slot.slot in ("temperature", "volume"):
                text = example.text[slot.start:slot.end]
                low, high, step = templates.range_slots[slot.slot]
                assert low <= value <= high and (value - low) % step == 0
                assert text in (str(value), number_words(value))
                spoken["digits" if text.isdigit() else "words"] += 1
    total = sum(spoken.values())
    assert 0.3 < spoken["words"] / total < 0.7, spoken


def test_number_words_agree_with_hassils_english_number_words():
    from unicode_rbnf import RbnfEngine  # what hassil spells range numbers with

    engine = RbnfEngine.for_language("en")
    for number in [*range(0, 130), 200, 999, 1000, 1001, 1010, 12345, 70000, 100001, 999999, -1, -72, 21.5, 0.5]:
        rbnf = engine.format_number(number).text_by_ruleset["spellout-cardinal"]
        assert number_words(number) == rbnf.replace("-", " "), number
    assert number_words(72) == "seventy two"


def test_canonical_values_and_the_tables_the_device_resolves_with():
    templates = load_templates(ASSISTANT)
    assert templates.value_tables["device"] == {
        "ac": "air_conditioning", "a c": "air_conditioning", "air conditioning": "air_conditioning", "air conditioner": "air_conditioning",
        "heated seats": "seat_heater", "defroster": "defrost", "defrost": "defrost", "fan": "fan",
    }
    assert templates.value_tables["destination"]["the airport"] == "airport"
    assert templates.value_tables["destination"]["work"] == "office"
    assert "genre" not in templates.value_tables and "speed" not in templates.value_tables  # plain values
    assert templates.slot_lists == {"temperature": "temperature", "device": "device", "speed": "fan_level",
                                    "genre": "genre", "volume": "volume", "destination": "destination"}
    assert templates.range_slots == {"temperature": (60, 85, 1), "volume": (0, 100, 10)}
    assert templates.fixed_slots == {"SetTemperature": [{"domain": "climate"}], "TurnOn": [{"domain": "climate"}]}
    for example, values in zip(templates.examples, templates.slot_values):
        for slot, value in zip(example.slots, values):
            if slot.slot in templates.value_tables:
                assert templates.value_tables[slot.slot][value_key(example.text[slot.start:slot.end])] == value


def test_run_time_lists_come_from_list_files(tmp_path):
    names = tmp_path / "names.txt"
    names.write_text("kitchen light\n\nceiling fan\tfan.ceiling\n", encoding="utf-8")
    assert read_list_file(names) == NAMES
    templates = load_templates(FOLDER, lists={"name": read_list_file(names), "area": AREAS, "message": MESSAGES})
    assert templates.value_tables["name"] == {"kitchen light": "kitchen light", "ceiling fan": "fan.ceiling"}
    assert templates.slot_lists["minutes"] == "1..60" and templates.range_slots["celsius"] == (16, 28, 1)
    values = Counter((slot.slot, value) for example, values in zip(templates.examples, templates.slot_values)
                     for slot, value in zip(example.slots, values))
    assert values["name", "fan.ceiling"] and values["area", "kitchen"] and values["message", "call me back"]
    assert values["color", "red"] and values["celsius", 21.5]
    assert {e.intent for e in templates.examples} == {
        "HassTurnOn", "HassLightSet", "SetCelsius", "SetColor", "SetTimer", "SendMessage"}


def test_a_broken_list_file_names_its_line(tmp_path):
    path = tmp_path / "names.txt"
    path.write_text("kitchen light\na\tb\tc\n", encoding="utf-8")
    with pytest.raises(DatasetError) as error:
        read_list_file(path)
    assert (error.value.path, error.value.line) == (str(path), 2)


@pytest.mark.parametrize("given,list_name,line", [({}, "name", 7), ({"name": NAMES, "area": AREAS}, "message", 37)])
def test_a_run_time_list_without_values_names_the_file_the_intent_and_the_list(given, list_name, line):
    with pytest.raises(DatasetError) as error:
        load_templates(FOLDER, lists=given)
    assert (error.value.path, error.value.line) == (str(FOLDER / "intents.yaml"), line)
    assert f"{{{list_name}}}" in error.value.message and "intent " in error.value.message


BROKEN_FILES = [  # (file, line, words of the message)
    ("unknown_list.yaml", 7, ["intent PlayGenre", "{artist}", "not defined"]),
    ("unbalanced.yaml", 7, ["intent TurnOn", "unbalanced brackets", "'('", "column 8"]),
    ("range_no_numbers.yaml", 8, ["{volume}", "range needs whole numbers"]),
    ("bad_yaml.yaml", 7, ["invalid YAML"]),
]


@pytest.mark.parametrize("name,line,words", BROKEN_FILES, ids=[case[0] for case in BROKEN_FILES])
def test_a_broken_template_file_names_its_file_line_and_problem(name, line, words):
    with pytest.raises(DatasetError) as error:
        load_templates(BROKEN / name)
    assert (error.value.path, error.value.line) == (str(BROKEN / name), line)
    assert all(word in error.value.message for word in words), error.value.message
    assert "\n" not in str(error.value)


HEAD = "language: en\nintents:\n  A:\n    data:\n      - sentences:\n"
MORE_BROKEN = [  # (file text, line, words of the message)
    (HEAD + "          - 'x {n}'\nlists:\n  n:\n    range: {from: 9, to: 3}\n", 8, ["greater than"]),
    (HEAD + "          - 'x {n}'\nlists:\n  n:\n    range: {from: 1, to: 3, step: 0}\n", 8, ["step must be positive"]),
    (HEAD + "          - 'x <r>'\n", 6, ["unknown expansion rule <r>"]),
    (HEAD + "          - 'x <r>'\nexpansion_rules:\n  r: 'a [<r>]'\n", 6, ["<r> refers to itself"]),
    (HEAD + "          - 'x [a)]'\n", 6, ["')' at column 5 closes nothing"]),
    ("language: en\nintents:\n  A:\n    data:\n      - sentences: []\n", 5, ["intent A", "no sentences"]),
    ("language: en\nlists: {}\n", None, ["no intents"]),
]


@pytest.mark.parametrize("text,line,words", MORE_BROKEN)
def test_more_broken_templates(tmp_path, text, line, words):
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DatasetError) as error:
        load_templates(path)
    assert (error.value.path, error.value.line) == (str(path), line)
    assert all(word in error.value.message for word in words), error.value.message


def test_a_non_utf8_template_file_names_its_line(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes(HEAD.encode() + b"          - 'caf\xe9'\n")
    with pytest.raises(DatasetError) as error:
        load_templates(path)
    assert error.value.line == 6 and "UTF-8" in error.value.message


def test_load_dataset_reads_templates_into_splits():
    dataset = load_dataset(ASSISTANT)
    assert dataset.format == "templates" and list(dataset.splits) == ["train", "dev", "test"]
    examples = load_templates(ASSISTANT).examples
    assert sorted(e.text for split in dataset.splits.values() for e in split) == sorted(e.text for e in examples)
    for intent, total in Counter(e.intent for e in examples).items():
        counts = {name: sum(e.intent == intent for e in split) for name, split in dataset.splits.items()}
        assert counts["dev"] == counts["test"] == round(total * 0.1), (intent, counts)
    with pytest.raises(DatasetError, match=r"\{name\}"):  # a folder of YAML files is templates too
        load_dataset(FOLDER)


def test_train_a_model_from_a_template_file(tmp_path):
    pytest.importorskip("sklearn")
    pytest.importorskip("pycrfsuite")
    import pocketnlu

    output = tmp_path / "assistant.pnlu"
    run = subprocess.run([sys.executable, "-m", "pocketnlu.cli", "train", str(ASSISTANT), "-o", str(output), "--json"],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["compressed"]["intent_accuracy"] > 0.9
    with pocketnlu.open(output) as model:
        result = model.parse("set the temperature to seventy two degrees")
        assert result.intent == "SetTemperature"
        assert [(s.slot, s.value) for s in result.slots] == [("temperature", "seventy two")]
        assert model.parse("turn on the air conditioning").intent == "TurnOn"
