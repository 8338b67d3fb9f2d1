"""Value tables (section kind 6) and resolved slot values through the device path."""
import datetime as dt
import struct

import pytest

import pocketnlu
from pocketnlu.errors import CorruptModelError
from pocketnlu.modelfile import KIND_META, KIND_VALUES, ModelFile
from pocketnlu.values import HEADER, ValueTable, value_key

pytest.importorskip("sklearn")
pytest.importorskip("pycrfsuite")

from pocketnlu_tools import Example, Slot, Trainer  # noqa: E402
from pocketnlu_tools.pack.values import value_section  # noqa: E402
from pocketnlu_tools.pack.writer import pack_sections, write_atomically  # noqa: E402
from pocketnlu_tools.train.pipeline import pack_nlu  # noqa: E402

MODES = {"AC": "air_conditioning", "air con": "air_conditioning", "the heater": "heat", "fan only": "fan"}


def test_keys_tolerate_case_and_punctuation():
    table = ValueTable(memoryview(value_section(MODES)), "test")
    assert len(table) == 4
    for spoken in ("A.C.", "ac", "AC!", "Air-Con", "air  con", "THE HEATER"):
        assert table.lookup(spoken) in ("air_conditioning", "heat"), spoken
    assert table.lookup("the fan") is None and table.lookup("") is None
    assert value_key("Mum's car") == "mums car"


def test_conflicting_or_empty_values_are_refused_by_the_packer():
    with pytest.raises(ValueError, match="means both"):
        value_section({"AC": "air_conditioning", "a.c.": "alternating_current"})
    with pytest.raises(ValueError, match="no words"):
        value_section({"!!": "x"})


STRINGS = HEADER.size + 4 * (2 * len(MODES) + 1)  # where the first key starts


def damaged(data: bytes, edit) -> memoryview:
    buffer = bytearray(data)
    edit(buffer)
    return memoryview(bytes(buffer))


@pytest.mark.parametrize("name, edit", [
    ("magic", lambda b: b.__setitem__(slice(0, 4), b"XXXX")),
    ("reserved", lambda b: b.__setitem__(slice(12, 16), b"\1\0\0\0")),
    ("entry count", lambda b: b.__setitem__(slice(4, 8), struct.pack("<I", 5))),
    ("huge entry count", lambda b: b.__setitem__(slice(4, 8), struct.pack("<I", 0xFFFFFFFF))),
    ("string bytes", lambda b: b.__setitem__(slice(8, 12), struct.pack("<I", 3))),
    ("decreasing offset", lambda b: b.__setitem__(slice(HEADER.size + 4, HEADER.size + 8), struct.pack("<I", 999))),
    ("unsorted keys", lambda b: b.__setitem__(slice(STRINGS, STRINGS + 1), b"z")),  # "ac" -> "zc"
    ("value not JSON", lambda b: b.__setitem__(slice(len(b) - 1, len(b)), b"{")),
    ("truncated", lambda b: b.__delitem__(slice(len(b) - 1, len(b)))),
])
def test_a_damaged_value_table_is_corruption(name, edit):
    with pytest.raises(CorruptModelError):
        ValueTable(damaged(value_section(MODES), edit), "test")


def climate_examples():
    examples = []
    for spoken in ("ac", "air con", "the heater", "fan only"):
        for template in ("switch to {}", "set the mode to {}", "use {} please", "i want {}"):
            text = template.format(spoken)
            start = text.index(spoken)
            examples.append(Example(text, "set_mode", slots=(Slot("mode", start, start + len(spoken)),)))
    for degrees in ("seventy two", "68", "twenty one point five", "80"):
        for template in ("set it to {} degrees", "make it {}", "temperature {} please", "heat to {}"):
            text = template.format(degrees)
            start = text.index(degrees)
            examples.append(Example(text, "set_temperature", slots=(Slot("temperature", start, start + len(degrees)),)))
    for day in ("tomorrow", "friday", "the third of may", "next monday"):
        for template in ("remind me {}", "set a reminder for {}", "{} remind me", "remind me on {}"):
            text = template.format(day)
            start = text.index(day)
            examples.append(Example(text, "remind", slots=(Slot("date", start, start + len(day)),)))
    return examples


@pytest.fixture(scope="module")
def bound_model(tmp_path_factory):
    trainer = Trainer(slot_kinds={"temperature": "temperature", "date": "date"}).fit(climate_examples())
    trainer.model_.slot_values["mode"] = {"list": "hvac_mode", "values": MODES}
    path = tmp_path_factory.mktemp("values") / "bound.pnlu"
    write_atomically(path, pack_nlu(trainer.model_, trainer.pack_options_))
    return path


def test_slots_resolve_on_the_device(bound_model):
    with pocketnlu.open(bound_model) as model:
        mode = model.parse("switch to A.C.").slots
        assert [(s.slot, s.resolved) for s in mode] == [
            ("mode", {"kind": "list", "list": "hvac_mode", "value": "air_conditioning"})]
        [temperature] = model.parse("set it to seventy two degrees").slots
        assert temperature.resolved == {"kind": "temperature", "value": 72}
        [day] = model.parse("remind me tomorrow", reference_time=dt.date(2026, 12, 31)).slots
        assert day.resolved == {"kind": "date", "value": "2027-01-01"}
        assert model.parse("make it warm").slots == [] or all(
            s.resolved is None for s in model.parse("make it warm").slots)
        assert model.parse_batch(["switch to the heater"])[0].slots[0].resolved["value"] == "heat"
    with ModelFile(bound_model) as model_file:
        assert model_file.format_version == 5  # value tables are version 4; derived level hashing 5
        assert [s.kind for s in model_file.sections.values()].count(KIND_VALUES) == 1


def test_a_slot_value_outside_the_list_resolves_to_none(bound_model):
    with pocketnlu.open(bound_model) as model:
        [mode] = model.parse("switch to defrost").slots
        assert mode.slot == "mode" and mode.resolved is None


def test_a_binding_to_a_missing_table_is_refused_at_open(bound_model, tmp_path):
    with ModelFile(bound_model) as model_file:
        sections = [(s.name, s.kind, bytes(model_file.section_bytes(s.name))) for s in model_file.sections.values()
                    if s.kind != KIND_VALUES]
    broken = tmp_path / "broken.pnlu"
    broken.write_bytes(pack_sections(sections))
    with pytest.raises(CorruptModelError, match="slot_values"):
        pocketnlu.open(broken)
    assert KIND_META in [kind for _, kind, _ in sections]
