"""A model file rewritten in place while it is mapped (another process writing the same bytes
range: MAP_SHARED mappings see it): the C core bounds every index it reads from the file when
it uses it, so a parse fails with CorruptModelError instead of reading or writing out of its
buffers (issue 17). Each case runs in a fresh interpreter, so a crash fails the test."""
import shutil
import subprocess
import sys

import pytest

from pocketnlu.models import DEFAULT_MODEL

# Run in a subprocess: opens a copy of the default model, parses once, overwrites bytes of its
# transitions section in place (same size) and parses again.
REWRITE_AND_PARSE = """
import struct, sys
import pocketnlu
path, region, fmt, values = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
with pocketnlu.open(path) as model:
    section = model._file.sections[model.meta["models"]["slots"]["transitions"]]
    rows, _, n_nonzero, _ = struct.unpack_from("<IIII", model._file._view, section.offset)
    offset = {"starts": 16 + 4 * 2, "froms": 16 + 4 * (rows + 1)}[region]  # column 2's start, or the first entry
    names = {"rows": rows, "n_nonzero+1": n_nonzero + 1}
    assert model.parse("call mom").intent == "call_contact"
    with open(path, "r+b") as f:
        f.seek(section.offset + offset)
        f.write(struct.pack(fmt, *[names[v] if v in names else int(v) for v in values]))
    try:
        model.parse("call mom to say i am late")
    except pocketnlu.CorruptModelError as error:
        print("corrupt", error)
    else:
        print("parsed")
"""


@pytest.mark.parametrize("region, fmt, values", [
    ("froms", "<64H", ["65535"] * 64),  # far out of every buffer (was SIGSEGV)
    ("froms", "<64H", ["rows"] * 64),  # one past the last label (was silent scratch corruption)
    ("starts", "<I", ["n_nonzero+1"]),  # a column start past the entries
    ("starts", "<II", ["40", "3"]),  # column starts decreasing
])
def test_a_column_list_rewritten_while_mapped_fails_cleanly(tmp_path, region, fmt, values):
    path = tmp_path / "model.pnlu"
    shutil.copy(DEFAULT_MODEL, path)
    result = subprocess.run([sys.executable, "-c", REWRITE_AND_PARSE, str(path), region, fmt, *values],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, f"exit {result.returncode}: {result.stderr[-2000:]}"
    assert result.stdout.startswith("corrupt"), result.stdout
    assert "inconsistent data" in result.stdout
