"""The independent phrase list (tests/entities/phrases_en.jsonl, written from the value spec
without seeing the resolver): at least 98% resolved exactly, and no exception on any line."""
import datetime as dt
import json
from pathlib import Path

import pytest

from pocketnlu.entities import resolve

PHRASES = [json.loads(line) for line in
           (Path(__file__).resolve().parent / "entities" / "phrases_en.jsonl").read_text(encoding="utf-8").splitlines()]
TARGET = 0.98


def resolved(phrase: dict):
    reference = phrase.get("reference_date")
    return resolve(phrase["kind"], phrase["text"], dt.date.fromisoformat(reference) if reference else None)


def same(got, expected) -> bool:
    """Equal values of equal JSON types (72 is not 72.0)."""
    return json.dumps(got, sort_keys=True) == json.dumps(expected, sort_keys=True)


def test_the_list_is_large_and_covers_every_kind():
    kinds = {phrase["kind"] for phrase in PHRASES}
    assert len(PHRASES) >= 400 and kinds == {"number", "ordinal", "percentage", "temperature", "duration", "time",
                                              "date", "phone_number"}


def test_at_least_98_percent_resolve_exactly():
    wrong = [(p["kind"], p["text"], p["expected"], resolved(p)) for p in PHRASES if not same(resolved(p), p["expected"])]
    assert 1 - len(wrong) / len(PHRASES) >= TARGET, "\n".join(map(str, wrong))


@pytest.mark.parametrize("phrase", PHRASES, ids=lambda p: f"{p['kind']}:{p['text']}")
def test_no_phrase_raises(phrase):
    resolved(phrase)  # every line, including the ones expected to be None
