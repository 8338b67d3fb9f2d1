"""The device's parse path needs cffi alone: importing pocketnlu, opening a model and parsing
(single, batch, store, the `parse` command) never import numpy or the host package. Each check
runs in a fresh interpreter, so modules other tests imported do not count."""
import subprocess
import sys

import pytest

SCRIPT = r"""
import sys
import pocketnlu
from pocketnlu import ModelStore
with pocketnlu.open(pocketnlu.DEFAULT_MODEL) as model:
    model.parse("set the temperature to seventy two degrees")
    model.parse(b"call mum")
    model.parse("Stra\u00dfe \u201cnavigate\u201d to the airport!")  # the Python path for non-ASCII text
    model.parse_batch(["open the window halfway", "", "play the next song please"])
with ModelStore(1 << 20) as store:
    store.parse(str(pocketnlu.DEFAULT_MODEL), "turn up the fan")
from pocketnlu.cli import main
main(["parse", str(pocketnlu.DEFAULT_MODEL), "what is the tyre pressure", "--json"])
banned = sorted(m for m in sys.modules if m.split(".")[0] in ("numpy", "pocketnlu_tools"))
print("BANNED", banned)
"""


def test_import_open_and_parse_do_not_import_numpy():
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "BANNED []" in result.stdout, result.stdout


def test_import_alone_is_light():
    code = "import sys, pocketnlu; print(sorted(m for m in sys.modules if m.split('.')[0] in " \
           "('numpy', 'pocketnlu_tools') or m.startswith('pocketnlu.entities')))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("argv", [["--help"], ["train", "--help"]])
def test_the_cli_still_lists_host_commands_when_asked(argv):
    result = subprocess.run([sys.executable, "-m", "pocketnlu.cli", *argv], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "train" in result.stdout
