"""A model inside every other limit could cost O(labels^2) per token (65,535 CRF labels with long
columns: 25 s for "call mom"). The CRF's label count and the cost of a Viterbi step are limits of
the format (pnlu.h, csrc/FORMAT.md): a reader refuses a file over them when it opens it, and the
writer refuses to write one (issue 17)."""
import random

import numpy as np
import pytest

import pocketnlu
from pocketnlu._binding import ffi, lib
from pocketnlu.errors import CorruptModelError
from pocketnlu.modelfile import KIND_COLUMNS, KIND_MATRIX16, ModelFile
from pocketnlu.models import DEFAULT_MODEL
from pocketnlu.transitions import Transitions
from pocketnlu_tools.bench.mutate_files import Section, decode, encode, set_labels, uniform_columns
from pocketnlu_tools.pack.writer import columns_section, matrix_section

MAX_LABELS, MAX_WORK = lib.PNLU_MAX_CRF_LABELS, lib.PNLU_MAX_VITERBI_WORK


def transitions_file(tmp_path, kind, data):
    """A file holding only these transitions (section "trans")."""
    path = tmp_path / "transitions.pnlu"
    path.write_bytes(encode(3, [Section(b"meta", 1, b"{}"), Section(b"trans", kind, data)]))
    return path


def section(layout, rows, per_column=None):
    """(kind, bytes) of transitions with `rows` labels: column lists of `per_column` entries each,
    or a dense int16 matrix."""
    if layout == "dense":
        return KIND_MATRIX16, np.array([rows, rows], "<u4").tobytes() + np.ones((rows, rows), "<i2").tobytes()
    return KIND_COLUMNS, uniform_columns(rows, per_column)


def opens(path):
    with ModelFile(path) as model_file:
        return Transitions(model_file, "trans").n_labels


def test_the_limits_are_what_the_format_says():
    assert (MAX_LABELS, MAX_WORK) == (4096, 1 << 20)
    assert lib.PNLU_VITERBI_TOP == 16  # the cost of a step (FORMAT.md) counts it


@pytest.mark.parametrize("layout, rows, per_column, limit", [
    ("columns", MAX_LABELS + 1, 1, "4097 labels, over PNLU_MAX_CRF_LABELS = 4096"),
    ("columns", 65535, 1, "PNLU_MAX_CRF_LABELS"),
    ("columns", MAX_LABELS, 16, "over 4096 labels costs over PNLU_MAX_VITERBI_WORK"),  # long columns
    ("columns", 721, 721, "PNLU_MAX_VITERBI_WORK"),  # every column full
    ("dense", 1025, None, "over 1025 labels costs over PNLU_MAX_VITERBI_WORK"),
])
def test_transitions_over_a_limit_are_refused_at_open(tmp_path, layout, rows, per_column, limit):
    with pytest.raises(CorruptModelError, match=limit):
        opens(transitions_file(tmp_path, *section(layout, rows, per_column)))


@pytest.mark.parametrize("layout, rows, per_column", [
    ("columns", MAX_LABELS, 15),  # the most labels, every column short
    ("columns", 720, 720),  # every column full: 2 * 720^2 + 16 * 720 <= 2^20
    ("dense", 1024, None),
])
def test_transitions_at_the_limits_open_and_decode(tmp_path, layout, rows, per_column):
    # At most 128 x 2^20 steps: about 0.2 s on a laptop (no timing asserted: machines are shared).
    with ModelFile(transitions_file(tmp_path, *section(layout, rows, per_column))) as model_file:
        tr = Transitions(model_file, "trans").c_transitions
        n_labels, n_tokens = tr.n_labels, 128  # pocketnlu.features.MAX_TOKENS
        state = np.arange(n_tokens * n_labels, dtype=np.int64) % 97
        path = ffi.new("uint32_t[]", n_tokens)
        assert lib.pnlu_viterbi(ffi.from_buffer("int64_t[]", state), n_tokens, tr, ffi.new("int64_t[]", 4 * n_labels),
                                ffi.new("uint16_t[]", n_tokens * n_labels), path, ffi.NULL) == lib.PNLU_OK
        assert all(label < n_labels for label in path)


def test_the_attack_model_is_refused_at_open_not_run(tmp_path):
    """The in-car model with 65,535 slot labels (metadata, table and transitions agreeing) and 16
    entries in every column: parsing "call mom" took 25 s."""
    version, sections = decode(DEFAULT_MODEL.read_bytes())
    set_labels(random.Random(0), sections, "slots", 65535, uniform_columns(65535, 16))
    path = tmp_path / "attack.pnlu"
    path.write_bytes(encode(version, sections))
    with pytest.raises(CorruptModelError, match="PNLU_MAX_CRF_LABELS"):
        pocketnlu.open(path)


def test_a_crf_at_the_label_limit_still_parses(tmp_path):
    version, sections = decode(DEFAULT_MODEL.read_bytes())
    set_labels(random.Random(0), sections, "slots", MAX_LABELS, uniform_columns(MAX_LABELS, 2))
    path = tmp_path / "wide.pnlu"
    path.write_bytes(encode(version, sections))
    with pocketnlu.open(path) as model:
        assert model.parse("call mom").intent == "call_contact"


@pytest.mark.parametrize("write, values, limit", [
    (columns_section, np.eye(MAX_LABELS + 1, dtype=np.int32), "PNLU_MAX_CRF_LABELS"),
    (columns_section, np.ones((721, 721), dtype=np.int32), "PNLU_MAX_VITERBI_WORK"),
    (matrix_section, np.ones((1025, 1025), dtype=np.int32), "PNLU_MAX_VITERBI_WORK"),
], ids=["columns-labels", "columns-work", "dense-work"])
def test_the_writer_refuses_what_readers_refuse(write, values, limit):
    with pytest.raises(ValueError, match=limit):
        write(values)


def test_the_writer_writes_what_readers_accept():
    kind, data = columns_section(np.eye(MAX_LABELS, dtype=np.int32))
    assert lib.pnlu_transitions_columns(ffi.new("pnlu_transitions *"), data, len(data)) == lib.PNLU_OK
    kind, data = columns_section(np.ones((720, 720), dtype=np.int32))
    assert lib.pnlu_transitions_columns(ffi.new("pnlu_transitions *"), data, len(data)) == lib.PNLU_OK
    assert matrix_section(np.ones((1024, 1024), dtype=np.int32))[0] == KIND_MATRIX16
