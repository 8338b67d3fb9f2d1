"""`pocketnlu train` on broken datasets: exit status 2, one stderr line naming file:line, and
never a model file, whole or half, nor a temporary file, left behind.

Fixtures: tests/fixtures/broken/ (broken records, wrong encodings, inconsistent BIO tags). An
I- tag after O is not an error: it starts a span, as conlleval does.
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("sklearn")
pytest.importorskip("pycrfsuite")

BROKEN = Path(__file__).resolve().parent / "fixtures" / "broken"

# (dataset, file the error must name, its line, words of the message)
LOCATED = [
    ("bio_tag_count", "bio_tag_count/train/seq.out", 2, "5 tags for 6 tokens"),
    ("bio_bad_tag", "bio_bad_tag/train/seq.out", 3, "bad BIO tag 'E-time'"),
    ("bio_line_count", "bio_line_count/train/label", 3, "has 2 lines but seq.in has 3"),
    ("bio_latin1", "bio_latin1/train/seq.in", 2, "invalid UTF-8 bytes"),
    ("csv_unknown_split.csv", "csv_unknown_split.csv", 4, "unknown split 'holdout'"),
    ("csv_utf16.csv", "csv_utf16.csv", 1, "invalid UTF-8 bytes"),
    ("csv_utf16le.csv", "csv_utf16le.csv", 1, "expected a header row"),
    ("csv_cp1252.csv", "csv_cp1252.csv", 3, "invalid UTF-8 bytes b'\\x92'"),
    ("csv_open_quote.csv", "csv_open_quote.csv", 4, "malformed CSV"),
    ("atis_no_tab.iob", "atis_no_tab.iob", 2, "tab-separated columns"),
    ("atis_bad_tag.iob", "atis_bad_tag.iob", 3, "bad BIO tag 'B-'"),
    ("massive_broken.jsonl", "massive_broken.jsonl", 3, "invalid JSON"),
    ("massive_unknown_partition.jsonl", "massive_unknown_partition.jsonl", 2, "unknown split 'holdout'"),
    ("snips_truncated.json", "snips_truncated.json", 5, "invalid JSON"),
]


def train(data, output, *extra):
    return subprocess.run([sys.executable, "-m", "pocketnlu.cli", "train", str(data), "-o", str(output), *extra],
                          capture_output=True, text=True, timeout=600)


def error_lines(stderr):
    """stderr without the [train] progress lines."""
    return [line for line in stderr.splitlines() if not line.startswith("[train] ")]


@pytest.mark.parametrize("dataset,named,line,message", LOCATED, ids=[case[0] for case in LOCATED])
def test_a_broken_dataset_stops_training_at_its_file_and_line(tmp_path, dataset, named, line, message):
    out_dir = tmp_path / "models"
    out_dir.mkdir()
    output = out_dir / "model.pnlu"
    result = train(BROKEN / dataset, output)
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert result.stderr.splitlines() == error_lines(result.stderr)  # failed before any progress
    [error] = result.stderr.splitlines()
    assert error.startswith("pocketnlu train: error: ")
    assert f"{BROKEN / named}:{line}: " in error
    assert message in error
    assert not output.exists()
    assert os.listdir(out_dir) == []  # no temporary file either


def test_an_unknown_split_folder_is_named(tmp_path):
    result = train(BROKEN / "bio_unknown_split", tmp_path / "model.pnlu")
    assert result.returncode == 2
    [error] = result.stderr.splitlines()
    assert f"{BROKEN / 'bio_unknown_split' / 'holdout'}: unknown split 'holdout'" in error
    assert os.listdir(tmp_path) == []


def test_a_dataset_that_cannot_train_leaves_nothing(tmp_path):
    # Read fine, but one intent cannot train a classifier: the error comes after the progress lines.
    result = train(BROKEN / "csv_one_intent.csv", tmp_path / "model.pnlu")
    assert result.returncode == 2
    [error] = error_lines(result.stderr)
    assert error.startswith("pocketnlu train: error: ") and "two distinct labels" in error
    assert os.listdir(tmp_path) == []


def test_a_failed_training_leaves_an_existing_model_untouched(tmp_path):
    output = tmp_path / "model.pnlu"
    output.write_bytes(b"the previous model")
    result = train(BROKEN / "bio_tag_count", output)
    assert result.returncode == 2
    assert output.read_bytes() == b"the previous model"
    assert os.listdir(tmp_path) == ["model.pnlu"]


def test_an_output_folder_that_does_not_exist(tmp_path):
    output = tmp_path / "missing" / "model.pnlu"
    result = train(BROKEN / "bio_i_after_o", output)
    assert result.returncode == 2
    # Found before training: no progress line comes first.
    lines = result.stderr.splitlines()
    assert [line for line in lines if line.startswith("pocketnlu train: error: ")] == lines[-1:]
    assert "no such folder for the model" in lines[-1] and "Traceback" not in result.stderr
    assert not [line for line in lines if line.startswith("[train]")]
    assert os.listdir(tmp_path) == []


def test_i_after_o_is_a_span_not_an_error(tmp_path):
    from pocketnlu_tools.data.readers import load_dataset

    examples = load_dataset(BROKEN / "bio_i_after_o").splits["train"]
    first = examples[0]  # "play some jazz now" tagged O O I-genre O
    assert [(s.slot, first.text[s.start:s.end]) for s in first.slots] == [("genre", "jazz")]
    # Too small to carve a dev split from: the report says n/a instead of crashing.
    output = tmp_path / "model.pnlu"
    result = train(BROKEN / "bio_i_after_o", output)
    assert result.returncode == 0, result.stderr
    assert "intent accuracy n/a" in result.stdout
    assert os.listdir(tmp_path) == ["model.pnlu"]


def test_a_write_that_fails_midway_leaves_no_half_file(tmp_path, monkeypatch):
    from pocketnlu_tools.pack import writer

    output = tmp_path / "model.pnlu"
    output.write_bytes(b"the previous model")

    def failing_fsync(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(writer.os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="No space left"):
        writer.write_atomically(output, b"PNLU" + bytes(1000))
    assert output.read_bytes() == b"the previous model"
    assert os.listdir(tmp_path) == ["model.pnlu"]


@pytest.mark.parametrize("name, text", [("deep.json", "[" * 100_000 + "]" * 100_000),
                                        ("deep.jsonl", '{"utt": ' + "[" * 100_000 + "]" * 100_000 + "}\n")])
def test_deeply_nested_json_is_a_dataset_error_with_its_line(tmp_path, name, text):
    from pocketnlu_tools.data.readers import DatasetError, load_dataset

    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(DatasetError, match="nested too deeply") as error:
        load_dataset(path)
    assert error.value.line == 1
