"""Command-line hardening: output targets, option checks before any data is read, a closed
standard error, terminal escaping, SIGTERM, and a truncated CRF model from python-crfsuite."""
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import pocketnlu
from pocketnlu.cli import terminal_safe

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "datasets" / "massive.jsonl"
needs_training = pytest.mark.skipif(
    any(__import__("importlib").util.find_spec(m) is None for m in ("sklearn", "pycrfsuite")),
    reason="needs the train extra")


def cli(*args, **kwargs):
    return subprocess.run([sys.executable, "-m", "pocketnlu.cli", *map(str, args)], capture_output=True, text=True,
                          **kwargs)


@needs_training
@pytest.mark.parametrize("target, message", [("/dev/null", "not a regular file"),
                                             ("{data}", "is the dataset"),
                                             ("{tmp}/no/such/folder/m.pnlu", "no such folder")])
def test_train_refuses_outputs_it_must_not_replace_before_training(tmp_path, target, message):
    data = tmp_path / "data.jsonl"
    data.write_bytes(FIXTURE.read_bytes())
    result = cli("train", data, "-o", target.format(data=data, tmp=tmp_path))
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert "[train]" not in result.stderr  # refused before reading the data
    assert data.read_bytes() == FIXTURE.read_bytes()


@needs_training
@pytest.mark.parametrize("option, message", [(("--gamma", "0"), "gamma must be 1..16"),
                                             (("--oos-threshold", "5"), "oos-threshold must be a confidence"),
                                             (("--oos-target-recall", "0"), "oos-target-recall must be in"),
                                             (("--max-wrong-actions", "1.5"), "max-wrong-actions must be in"),
                                             (("--max-wrong-actions", "0.1", "--oos-threshold", "0.5"), "give one of"),
                                             (("--dead-zone", "200"), "dead-zone must be"),
                                             (("--slot-kind", "temperature=kelvin"), "not one of"),
                                             (("--slot-kind", "temperature"), "takes SLOT=KIND")])
def test_options_are_checked_before_any_data_is_read(tmp_path, option, message):
    result = cli("train", tmp_path / "missing-data.csv", "-o", tmp_path / "m.pnlu", *option)
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert not (tmp_path / "m.pnlu").exists()


@needs_training
def test_missing_user_dev_data_stops_before_training(tmp_path):
    data = Path(__file__).resolve().parent / "fixtures" / "datasets" / "massive.jsonl"
    result = cli("train", data, "-o", tmp_path / "m.pnlu", "--user-dev", tmp_path / "missing.csv")
    assert result.returncode == 2 and "missing.csv: no such file or folder" in result.stderr, result.stderr
    assert "intent classifier" not in result.stderr and not (tmp_path / "m.pnlu").exists()


@needs_training
def test_a_closed_standard_error_does_not_stop_training(tmp_path):
    """`pocketnlu train ... 2>&1 | grep -m1 x`: progress lines meet a closed pipe."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run([sys.executable, "-m", "pocketnlu.cli", "train", str(FIXTURE), "-o",
                                 str(tmp_path / "m.pnlu")], stdout=subprocess.PIPE, stderr=write_end, text=True)
    finally:
        os.close(write_end)
    assert result.returncode == 0
    assert "wrote" in result.stdout and pocketnlu.open(tmp_path / "m.pnlu").intents


@needs_training
def test_sigterm_removes_the_temporary_files(tmp_path):
    env = dict(os.environ, TMPDIR=str(tmp_path))
    process = subprocess.Popen([sys.executable, "-m", "pocketnlu.cli", "train", str(FIXTURE), "-o",
                                str(tmp_path / "m.pnlu")], stderr=subprocess.PIPE, text=True, env=env)
    for line in process.stderr:  # wait until training has started (and made its temporary files)
        if "slot CRF" in line or "dead zone" in line:
            break
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=120)
    assert process.returncode in (128 + signal.SIGTERM, 0)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("pocketnlu-")) == []


def test_control_characters_are_escaped_for_the_terminal():
    assert terminal_safe("a\x1b[31mred\x9b\u202eb\nc\td") == "a\\u001b[31mred\\u009b\\u202eb\nc\td"
    result = cli("parse", pocketnlu.DEFAULT_MODEL, "call \x1b]0;owned\x07 mom")
    assert result.returncode == 0 and "\x1b" not in result.stdout and "\\u001b" in result.stdout
    json_result = cli("parse", "--json", pocketnlu.DEFAULT_MODEL, "call \x9b mom")
    assert json.loads(json_result.stdout)["text"] == "call \x9b mom"  # still valid JSON, same text


def test_parse_batch_refuses_a_string_and_none():
    with pocketnlu.open(pocketnlu.DEFAULT_MODEL) as model:
        for bad in ("call mom", b"call mom", None, 5):
            with pytest.raises(pocketnlu.InputError, match="sequence of utterances"):
                model.parse_batch(bad)
        assert len(model.parse_batch(["call mom"] * 3)) == 3


@needs_training
def test_a_truncated_crfsuite_model_is_an_error_not_a_crash(tmp_path):
    from pocketnlu_tools.train.models import load_crfsuite

    import pycrfsuite
    trainer = pycrfsuite.Trainer(verbose=False)
    trainer.append(pycrfsuite.ItemSequence([["w=a"], ["w=b"]]), ["X", "Y"])
    path = tmp_path / "m.crfsuite"
    trainer.train(str(path))
    assert load_crfsuite(str(path)).labels
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(OSError, match="truncated model"):
        load_crfsuite(str(path))
    path.write_bytes(b"")
    with pytest.raises(OSError, match="no valid model"):
        load_crfsuite(str(path))
