"""Structure-aware mutation fuzzing of model files (pocketnlu_tools.bench.mutate_files), for a
bounded count in CI: every mutant is rejected cleanly (a ModelFormatError) or parsed; none
crashes, hangs or raises anything else."""
import re
import struct
import subprocess
import sys

import pytest

import pocketnlu
from pocketnlu import CorruptModelError
from pocketnlu._binding import lib
from pocketnlu.modelfile import KIND_TABLE, KIND_VALUES, TABLE_LEVEL_HASHING_AT
from pocketnlu.models import DEFAULT_MODEL
from pocketnlu_tools.bench.mutate_files import decode, encode, mutant, outcome, swap_layout

from conftest import write_tiny_model

SUMMARY = re.compile(r"^mutate: (\d+) files, (\d+) rejected cleanly, (\d+) parsed, (\d+) defects$", re.M)


def mutate(*args, timeout=300):
    result = subprocess.run([sys.executable, "-m", "pocketnlu_tools.bench.mutate_files", *map(str, args)],
                            capture_output=True, text=True, timeout=timeout)
    summary = SUMMARY.search(result.stdout)
    assert summary, result.stdout + result.stderr[-2000:]
    return result.returncode, [int(n) for n in summary.groups()], result.stdout


def test_decoding_and_encoding_give_back_the_writers_bytes(tiny_model):
    for data in (tiny_model[0].read_bytes(), DEFAULT_MODEL.read_bytes()):
        assert bytes(encode(*decode(data))) == data


def test_a_mutant_depends_only_on_the_seed_and_its_index():
    data = DEFAULT_MODEL.read_bytes()
    assert mutant(data, 5, 11) == mutant(data, 5, 11) != mutant(data, 5, 12)
    assert len({mutant(data, 0, i) for i in range(50)}) > 35  # a few changes undo themselves


def test_anything_but_a_model_format_error_is_a_defect(tmp_path):
    assert outcome(str(tmp_path / "missing.pnlu"), "nlu")["outcome"] == "defect"  # FileNotFoundError
    (tmp_path / "junk.pnlu").write_bytes(b"junk" * 100)
    assert outcome(str(tmp_path / "junk.pnlu"), "nlu") == {"outcome": "rejected", "detail": "BadMagicError"}


def test_mutants_switch_a_tables_level_hashing_and_the_files_version(tmp_path):
    """The mutator reaches the field that says how MPHF levels hash (format version 5): the other
    scheme, which passes every length check and reads other levels, one past the last, and
    version 4 files whose derived tables must be refused."""
    data = DEFAULT_MODEL.read_bytes()
    seen, versions = set(), set()
    for index in range(3000):
        try:
            version, sections = decode(mutant(data, 3, index))
        except pocketnlu.ModelFormatError:  # a mutant of the header or section table
            continue
        versions.add(version)
        seen |= {s.data[TABLE_LEVEL_HASHING_AT] for s in sections
                 if s.kind == KIND_TABLE and len(s.data) > TABLE_LEVEL_HASHING_AT}
    assert {lib.PNLU_LEVELS_RESEEDED, lib.PNLU_LEVELS_DERIVED, lib.PNLU_LEVELS_DERIVED + 1} <= seen
    assert 4 in versions


@pytest.mark.parametrize("model", ["tiny", "default"])
def test_a_few_hundred_mutants_fail_cleanly_or_parse(tmp_path, model):
    path = write_tiny_model(tmp_path / "tiny.pnlu")[0] if model == "tiny" else DEFAULT_MODEL
    status, (files, rejected, parsed, defects), stdout = mutate(path, "--count", 400, "--seed", 17, "--jobs", 2,
                                                                "--keep", tmp_path / "defects")
    assert (status, defects) == (0, 0), stdout
    assert files == rejected + parsed == 400
    assert rejected > 100 and parsed > 20  # the mutations reach past the checks, not only into them


# --- defects the mutator found ---------------------------------------------------------------


def test_a_dense_matrix_that_is_not_square_is_refused_not_a_buffer_error(tmp_path):
    # mutate_files tiny-dense --seed 0 --first 34: a 63x0 int16 matrix. Transitions raised
    # CorruptModelError with a view into the mapping alive in its traceback, so closing the file
    # failed with BufferError ("cannot close exported pointers exist") instead.
    version, sections = decode(DEFAULT_MODEL.read_bytes())
    transitions = next(s for s in sections if s.name == b"slots.transitions")
    swap_layout(transitions)  # the same values as a dense matrix
    rows = struct.unpack_from("<I", transitions.data)[0]
    transitions.data = struct.pack("<II", rows + 1, rows - 1) + transitions.data[8:8 + 2 * (rows + 1) * (rows - 1)]
    path = tmp_path / "dense.pnlu"
    path.write_bytes(encode(version, sections))
    with pytest.raises(CorruptModelError, match="not square"):
        pocketnlu.open(path)


def test_a_bad_value_table_is_refused_not_a_buffer_error(tmp_path):
    # mutate_files --seed 0 --first 15 (the default model): a value table 8 bytes longer than its
    # header says. ValueTable raised CorruptModelError with the section's view alive in its
    # traceback, so closing the file failed with BufferError. Needs ModelFile to release the views
    # it hands out when it closes (runtime/pocketnlu/modelfile.py).
    version, sections = decode(DEFAULT_MODEL.read_bytes())
    values = [s for s in sections if s.kind == KIND_VALUES]
    if not values:
        pytest.skip("the default model has no value table")
    values[0].data += bytes(8)
    path = tmp_path / "values.pnlu"
    path.write_bytes(encode(version, sections))
    with pytest.raises(CorruptModelError, match="value table"):
        pocketnlu.open(path)
