"""The in-car dataset: reproducible bytes, coverage, disjoint splits and well-formed annotations."""
import json
import os
import re
import subprocess
import sys
from collections import Counter

import pytest

from pocketnlu_tools.data.incar import generator as incar_data
from pocketnlu_tools.data.incar import sources, templates

DATA = incar_data.DATASET
README = DATA.parent / "README.md"
DOMAINS = {"climate", "media", "navigation", "phone", "windows_seats", "vehicle_status", "none"}
ANNOTATION = re.compile(r"\[(\w+) : ([^\[\]]*)\]")
SNAKE_CASE = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")


@pytest.fixture(scope="module")
def records():
    return [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines()]


def parse(annot_utt):
    """(utt, [(slot, value, start, end)]) of a MASSIVE annotation, independently of the generator."""
    utt, slots, pos = "", [], 0
    for m in ANNOTATION.finditer(annot_utt):
        utt += annot_utt[pos:m.start()]
        slots.append((m[1], m[2], len(utt), len(utt) + len(m[2])))
        utt += m[2]
        pos = m.end()
    return utt + annot_utt[pos:], slots


def cuts_a_word(text, i):
    return 0 < i < len(text) and text[i - 1].isalnum() and text[i].isalnum()


def test_regenerating_with_the_default_seed_gives_the_committed_bytes():
    assert incar_data.to_jsonl(incar_data.generate()).encode("utf-8") == DATA.read_bytes()


def test_the_command_line_output_does_not_depend_on_hash_randomization(tmp_path):
    out = tmp_path / "incar.jsonl"
    subprocess.run(
        [sys.executable, "-m", "pocketnlu_tools.data.incar.generator", "--out", str(out), "--seed", "0"],
        check=True, capture_output=True, env=dict(os.environ, PYTHONHASHSEED="12345"),
    )
    assert out.read_bytes() == DATA.read_bytes()


def test_the_seed_matters():
    assert incar_data.generate(1) != incar_data.generate(0)


def test_record_format(records):
    keys = {"id", "utt", "annot_utt", "intent", "scenario", "partition"}
    assert all(set(r) == keys for r in records)
    assert [r["id"] for r in records] == list(range(len(records)))
    assert {r["partition"] for r in records} == {"train", "dev", "test"}
    assert 4000 <= len(records) <= 8000


def test_intents_and_domains(records):
    domain_of = {}
    for r in records:
        assert domain_of.setdefault(r["intent"], r["scenario"]) == r["scenario"], r["intent"]
    assert len(domain_of) >= 30
    assert set(domain_of.values()) == DOMAINS
    assert [i for i, d in domain_of.items() if d == "none"] == ["out_of_scope"]
    assert all(SNAKE_CASE.fullmatch(i) for i in domain_of)


def test_balance(records):
    per_intent = Counter(r["intent"] for r in records)
    out_of_scope = per_intent.pop("out_of_scope")
    assert 0.05 <= out_of_scope / len(records) <= 0.08
    assert max(per_intent.values()) <= 1.5 * min(per_intent.values())


def test_splits_are_about_80_10_10_in_every_intent(records):
    counts = {}
    for r in records:
        counts.setdefault(r["intent"], Counter())[r["partition"]] += 1
    for intent, c in counts.items():
        total = sum(c.values())
        assert abs(c["train"] / total - 0.8) < 0.02, intent
        assert abs(c["dev"] / total - 0.1) < 0.02, intent
        assert abs(c["test"] / total - 0.1) < 0.02, intent


@pytest.mark.parametrize("key", [
    lambda text: " ".join(text.lower().split()),  # case and spacing
    incar_data.normalize,  # also punctuation
])
def test_no_text_is_in_two_splits(records, key):
    partition_of = {}
    for r in records:
        assert partition_of.setdefault(key(r["utt"]), r["partition"]) == r["partition"], r["utt"]


def test_annotations_parse_and_match_the_text(records):
    for r in records:
        utt, slots = parse(r["annot_utt"])
        assert utt == r["utt"], r["annot_utt"]
        assert not re.search(r"[\[\]]", utt), r["annot_utt"]
        for slot, value, start, end in slots:
            assert SNAKE_CASE.fullmatch(slot), r["annot_utt"]
            assert value and value == value.strip() and " : " not in value, r["annot_utt"]
            # spans start and end on word boundaries, so a tokenizer never cuts through a value
            assert not cuts_a_word(utt, start) and not cuts_a_word(utt, end), r["annot_utt"]


def test_out_of_scope_has_no_slots(records):
    assert all("[" not in r["annot_utt"] for r in records if r["intent"] == "out_of_scope")


def test_every_intent_has_at_least_8_templates():
    for intent in templates.INTENTS:
        assert len(intent.templates()) >= 8, intent.name


def test_numbers_are_spoken_the_way_people_say_them():
    assert sources.say_number(72) == "seventy two"
    assert sources.say_number(105) == "one hundred five"
    assert sources.say_in_pairs(1420) == "fourteen twenty"
    assert sources.say_in_pairs(2005) == "twenty oh five"
    assert sources.say_in_pairs(1500) == "fifteen hundred"
    assert sources.say_decimal("107.9") == "one oh seven point nine"


def test_the_readme_counts_are_current(records):
    assert incar_data.summary_markdown(records) in README.read_text(encoding="utf-8")
