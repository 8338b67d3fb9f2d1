"""The Python training API: Trainer(**options).fit(data) -> trainer, .save(path), .report_."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

import pocketnlu

pytest.importorskip("sklearn")
pytest.importorskip("pycrfsuite")

from pocketnlu_tools import Example, Slot, Trainer  # noqa: E402

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "datasets" / "massive.jsonl"


def test_fit_returns_the_trainer_and_save_writes_a_model_that_parses(tmp_path):
    trainer = Trainer(fingerprint_bits=12)
    assert trainer.fit(FIXTURE) is trainer
    assert trainer.save(tmp_path / "m.pnlu") is trainer
    assert trainer.report_["output"] == str(tmp_path / "m.pnlu")
    assert (tmp_path / "m.pnlu").read_bytes() == trainer.model_bytes_
    with pocketnlu.open(tmp_path / "m.pnlu") as model:
        assert model.meta["options"]["fingerprint_bits"] == 12
        example = trainer.train_[0]
        assert model.parse(example.text).intent == example.intent


def test_report_is_what_train_json_prints(tmp_path):
    report = Trainer().fit(FIXTURE).save(tmp_path / "api.pnlu").report_
    cli = subprocess.run([sys.executable, "-m", "pocketnlu.cli", "train", str(FIXTURE), "-o", str(tmp_path / "cli.pnlu"),
                          "--json"], capture_output=True, text=True, check=True)
    printed = json.loads(cli.stdout)
    assert printed.keys() == report.keys()
    assert (tmp_path / "cli.pnlu").read_bytes() == (tmp_path / "api.pnlu").read_bytes()
    assert printed["compressed"] == report["compressed"]


def test_fit_takes_a_list_of_examples_and_is_deterministic():
    words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"]
    examples = [Example(f"call {w}", "call", slots=(Slot("contact", 5, 5 + len(w)),)) for w in words]
    examples += [Example(f"play {w} music", "play") for w in words]
    first, second = Trainer().fit(examples), Trainer().fit(examples)
    assert first.model_bytes_ == second.model_bytes_
    assert first.report_["held_out"] == "dev"
    assert first.model_.slots is not None


def test_save_before_fit_and_bad_data_are_refused(tmp_path):
    with pytest.raises(RuntimeError, match="before fit"):
        Trainer().save(tmp_path / "m.pnlu")
    with pytest.raises(TypeError, match="dataset path or a list"):
        Trainer().fit([("call mom", "call")])
    assert not (tmp_path / "m.pnlu").exists()
