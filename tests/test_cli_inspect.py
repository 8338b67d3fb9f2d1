"""`pocketnlu inspect`: report, JSON keys, verification, and one-line errors on bad files."""
import json
import subprocess
import sys

import pytest


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "pocketnlu.cli", *map(str, args)],
                          capture_output=True, text=True, timeout=120)


def test_inspect_json(tiny_model):
    path, keys, values = tiny_model
    result = run_cli("inspect", path, "--json", "--verify")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["format_version"] == 5  # its table's MPHF levels are derived from one hash
    assert [t["level_hashing"] for t in report["tables"]] == ["derived"]
    assert report["file_bytes"] == path.stat().st_size
    assert report["n_features"] == len(keys)
    assert report["n_weights"] == int((values != 0).sum())
    assert report["fingerprint_bits"] == 8 and report["weight_bits"] == 8
    assert 2.0 < report["index_bits_per_key"] < 12.0  # tiny sets pay for 64-bit level rounding
    assert [(s["name"], s["kind"]) for s in report["sections"]] == [
        ("meta", "meta"), ("t", "table"), ("trans", "columns")]
    assert all(s["offset"] % 64 == 0 for s in report["sections"])
    assert report["checksums_ok"] is True


def test_inspect_text(tiny_model):
    result = run_cli("inspect", tiny_model[0])
    assert result.returncode == 0
    assert "format version 5" in result.stdout and "bits/key" in result.stdout


@pytest.mark.parametrize("damage, message", [
    (lambda data: data[:100], "header says"),
    (lambda data: b"NOTAMODEL" + data[9:], "bad magic"),
    (lambda data: b"", "shorter than"),
])
def test_bad_file_exits_2_with_one_line(tiny_model, tmp_path, damage, message):
    bad = tmp_path / "bad.pnlu"
    bad.write_bytes(damage(tiny_model[0].read_bytes()))
    result = run_cli("inspect", bad)
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and message in result.stderr
    assert "Traceback" not in result.stderr


def test_checksum_failure_exits_2(tiny_model, tmp_path):
    data = bytearray(tiny_model[0].read_bytes())
    data[-10] ^= 0xFF  # inside the last (matrix) section
    bad = tmp_path / "flipped.pnlu"
    bad.write_bytes(bytes(data))
    assert run_cli("inspect", bad).returncode == 0
    result = run_cli("inspect", bad, "--verify")
    assert result.returncode == 2 and "checksum mismatch" in result.stderr


def test_missing_file_exits_2(tmp_path):
    result = run_cli("inspect", tmp_path / "absent.pnlu")
    assert result.returncode == 2 and "No such file" in result.stderr
