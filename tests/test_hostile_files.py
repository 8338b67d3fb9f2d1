"""Hostile model files: every damage is rejected with a clear ModelFormatError, or, where
the damage cannot be seen in O(1), lookups stay in bounds."""
import struct

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pocketnlu.errors import (
    BadMagicError, ChecksumError, CorruptModelError, ModelFormatError, TruncatedFileError,
    UnsupportedVersionError,
)
from pocketnlu.modelfile import FORMAT_VERSION, HEADER, SECTION, ModelFile, header_crc
from pocketnlu.table import WeightTable
from pocketnlu.transitions import Transitions

from conftest import write_tiny_model

TABLE_HEADER = struct.Struct("<4sIIIIBBBBQQ24x")


def open_all(path):
    """Open the file and every table in it, as a model would."""
    model_file = ModelFile(path)
    try:
        for name, section in model_file.sections.items():
            if section.kind == 2:
                WeightTable(model_file, name)
        Transitions(model_file, "trans")
    finally:
        model_file.close()


def sections_of(data):
    n = struct.unpack_from("<I", data, 12)[0]
    return [SECTION.unpack_from(data, HEADER.size + i * SECTION.size) for i in range(n)]


def with_fixed_crc(data: bytearray) -> bytes:
    n = struct.unpack_from("<I", data, 12)[0]
    struct.pack_into("<I", data, 36, header_crc(bytes(data[: HEADER.size + n * SECTION.size])))
    return bytes(data)


def edit_entry(data, index, **fields):
    data = bytearray(data)
    at = HEADER.size + index * SECTION.size
    name, kind, crc, offset, length = SECTION.unpack_from(data, at)
    values = dict(name=name, kind=kind, crc=crc, offset=offset, length=length)
    values.update(fields)
    SECTION.pack_into(data, at, values["name"], values["kind"], values["crc"], values["offset"], values["length"])
    return with_fixed_crc(data)


def edit_table_header(data, **fields):
    data = bytearray(data)
    entry = next(e for e in sections_of(data) if e[0].rstrip(b"\0") == b"t")
    at = entry[3]
    names = ["magic", "n_keys", "n_labels", "n_levels", "seed", "fp_bits", "label_bits", "weight_bits",
             "level_hashing", "n_pairs", "index_bits"]
    values = dict(zip(names, TABLE_HEADER.unpack_from(data, at)))
    values.update(fields)
    TABLE_HEADER.pack_into(data, at, *(values[n] for n in names))
    return bytes(data)


def rejects(tmp_path, data, error=ModelFormatError, match=None):
    path = tmp_path / "hostile.pnlu"
    path.write_bytes(data)
    with pytest.raises(error, match=match):
        open_all(path)


def test_the_untouched_file_opens(tiny_model):
    open_all(tiny_model[0])


def test_bad_magic(tiny_model, tmp_path):
    data = bytearray(tiny_model[0].read_bytes())
    data[0:4] = b"GGUF"
    rejects(tmp_path, bytes(data), BadMagicError, "bad magic")


def test_future_version(tiny_model, tmp_path):
    data = bytearray(tiny_model[0].read_bytes())
    struct.pack_into("<I", data, 8, FORMAT_VERSION + 1)
    rejects(tmp_path, with_fixed_crc(data), UnsupportedVersionError, "newer")


@pytest.fixture
def dense_model(tmp_path):
    """The tiny model with its transitions as writers before format version 3 packed them: an
    int16 matrix (version 2)."""
    return write_tiny_model(tmp_path / "dense.pnlu", matrix_layout="dense")


def test_a_section_kind_newer_than_the_files_version(tiny_model, dense_model, tmp_path):
    data = bytearray(tiny_model[0].read_bytes())  # version 5, with column lists
    struct.pack_into("<I", data, 8, 2)
    rejects(tmp_path, with_fixed_crc(data), CorruptModelError, "columns section in a format version 2 file")
    data = bytearray(dense_model[0].read_bytes())  # with an int16 matrix (version 2)
    struct.pack_into("<I", data, 8, 1)
    rejects(tmp_path, with_fixed_crc(data), CorruptModelError, "matrix16 section in a format version 1 file")


def test_derived_level_hashing_needs_format_version_5(tiny_model, tmp_path):
    data = bytearray(tiny_model[0].read_bytes())
    assert struct.unpack_from("<I", data, 8)[0] == 5  # its table's levels are derived from one hash
    struct.pack_into("<I", data, 8, 4)
    rejects(tmp_path, with_fixed_crc(data), CorruptModelError, "level hashing 1 in a format version 4 file")


def test_older_files_with_dense_matrices_still_open(dense_model, tmp_path):
    # A version 2 file: the int16 matrix, and the table with the levels of versions 1-4.
    data = bytearray(edit_table_header(dense_model[0].read_bytes(), level_hashing=0))
    struct.pack_into("<I", data, 8, 2)
    path = tmp_path / "version2.pnlu"
    path.write_bytes(with_fixed_crc(data))
    open_all(path)
    with ModelFile(path) as model_file:
        assert model_file.format_version == 2
        assert Transitions(model_file, "trans").n_labels == 5


def test_version_zero(tiny_model, tmp_path):
    data = bytearray(tiny_model[0].read_bytes())
    struct.pack_into("<I", data, 8, 0)
    rejects(tmp_path, with_fixed_crc(data), UnsupportedVersionError)


@pytest.mark.parametrize("size", [0, 1, 8, 63])
def test_shorter_than_the_header(tmp_path, tiny_model, size):
    rejects(tmp_path, tiny_model[0].read_bytes()[:size], TruncatedFileError, "shorter than")


def test_truncated_at_every_section_boundary_and_mid_section(tiny_model, tmp_path):
    data = tiny_model[0].read_bytes()
    cuts = {HEADER.size, HEADER.size + SECTION.size, len(data) - 1}
    for _, _, _, offset, length in sections_of(data):
        cuts |= {offset, offset + 1, offset + length // 2, offset + length - 1}
    for cut in sorted(cuts):
        rejects(tmp_path, data[:cut], TruncatedFileError)


def test_truncated_file_with_a_consistent_header(tiny_model, tmp_path):
    # The header is rewritten to claim the shorter size: the sections then run past the end.
    data = tiny_model[0].read_bytes()
    cut = bytearray(data[: sections_of(data)[1][3] + 10])
    struct.pack_into("<Q", cut, 16, len(cut))
    rejects(tmp_path, with_fixed_crc(cut), TruncatedFileError, "past the end")


def test_trailing_garbage(tiny_model, tmp_path):
    rejects(tmp_path, tiny_model[0].read_bytes() + b"\0" * 64, CorruptModelError, "trailing")


def test_offset_past_the_end(tiny_model, tmp_path):
    data = tiny_model[0].read_bytes()
    rejects(tmp_path, edit_entry(data, 2, offset=(len(data) // 64 + 10) * 64), TruncatedFileError, "past the end")


def test_length_past_the_end(tiny_model, tmp_path):
    data = tiny_model[0].read_bytes()
    rejects(tmp_path, edit_entry(data, 1, length=2**63), TruncatedFileError, "past the end")


def test_misaligned_section(tiny_model, tmp_path):
    data = tiny_model[0].read_bytes()
    offset = sections_of(data)[1][3]
    rejects(tmp_path, edit_entry(data, 1, offset=offset + 8), CorruptModelError, "aligned")


def test_overlapping_sections(tiny_model, tmp_path):
    data = tiny_model[0].read_bytes()
    rejects(tmp_path, edit_entry(data, 2, offset=sections_of(data)[1][3]), CorruptModelError, "overlaps")


def test_section_count_too_large(tiny_model, tmp_path):
    data = bytearray(tiny_model[0].read_bytes())
    struct.pack_into("<I", data, 12, 2**32 - 1)
    rejects(tmp_path, bytes(data), CorruptModelError, "section count")


def test_header_damage_is_caught_by_its_checksum(tiny_model, tmp_path):
    data = bytearray(tiny_model[0].read_bytes())
    data[HEADER.size + 3] ^= 0x20  # a section name
    rejects(tmp_path, bytes(data), CorruptModelError, "header checksum")


def test_unknown_section_kind(tiny_model, tmp_path):
    rejects(tmp_path, edit_entry(tiny_model[0].read_bytes(), 1, kind=99), CorruptModelError, "kind")


def test_metadata_not_json(tiny_model, tmp_path):
    data = bytearray(tiny_model[0].read_bytes())
    offset = sections_of(data)[0][3]
    data[offset] = 0xFF
    rejects(tmp_path, bytes(data), CorruptModelError, "metadata")


def test_checksum_mismatch_with_verification(tiny_model, tmp_path):
    data = bytearray(tiny_model[0].read_bytes())
    _, _, _, offset, length = sections_of(data)[1]
    data[offset + length - 20] ^= 0x01  # table payload: invisible to the O(1) checks
    path = tmp_path / "flipped.pnlu"
    path.write_bytes(bytes(data))
    open_all(path)
    with ModelFile(path) as model_file, pytest.raises(ChecksumError, match="'t' checksum"):
        model_file.verify()


@pytest.mark.parametrize("fields, message", [
    (dict(magic=b"XTBL"), "weight-table magic"),
    (dict(n_labels=0), "header"),
    (dict(label_bits=1), "header"),
    (dict(weight_bits=9), "header"),
    (dict(weight_bits=1), "header"),
    (dict(fp_bits=17), "header"),
    (dict(n_levels=65), "header"),
    (dict(n_levels=0), "header"),
    (dict(n_pairs=2**64 - 1), "header"),  # n_pairs * pair width would overflow
    (dict(n_keys=2**32 - 1), "header"),
    (dict(n_keys=2**32 - 1, n_labels=65535, n_pairs=(2**32 - 1) * 65535), "header"),
    (dict(index_bits=2**63), "header"),
    (dict(n_pairs=299), "header"),  # fewer pairs than keys
    (dict(level_hashing=2), "header"),  # no such scheme
])
def test_inconsistent_table_header(tiny_model, tmp_path, fields, message):
    rejects(tmp_path, edit_table_header(tiny_model[0].read_bytes(), **fields), ModelFormatError, message)


def test_table_length_differs_from_its_layout(tiny_model, tmp_path):
    data = tiny_model[0].read_bytes()
    _, _, _, offset, length = sections_of(data)[1]
    rejects(tmp_path, edit_entry(data, 1, length=length - 8), TruncatedFileError, "shorter")
    rejects(tmp_path, edit_entry(data, 1, length=length + 8), CorruptModelError, "length differs")


def test_matrix_values_must_fill_the_section(dense_model, tmp_path):
    data = bytearray(dense_model[0].read_bytes())
    _, _, _, offset, _ = sections_of(data)[2]
    struct.pack_into("<II", data, offset, 5, 6)  # 5x6 int16 values need 4 bytes more than 5x5 hold
    rejects(tmp_path, bytes(data), CorruptModelError, "expected 68 for 5x6")


def test_matrix_dimensions_overflow(dense_model, tmp_path):
    data = bytearray(dense_model[0].read_bytes())
    _, _, _, offset, _ = sections_of(data)[2]
    struct.pack_into("<II", data, offset, 2**32 - 1, 2**32 - 1)
    rejects(tmp_path, bytes(data), CorruptModelError, "matrix")


# The tiny model's 5x5 transitions as column lists: 24 nonzero entries, 4 or 5 per column.
COLUMNS = dict(header=0, starts=16, froms=40, values=88, length=184)


def edit_columns(data, fmt, at, *values):
    data = bytearray(data)
    _, _, _, offset, length = sections_of(data)[2]
    assert length == COLUMNS["length"]
    struct.pack_into(fmt, data, offset + at, *values)
    return bytes(data)


@pytest.mark.parametrize("fmt, at, values, error, message", [
    ("<II", 0, (5, 6), CorruptModelError, "header"),  # not square
    ("<II", 0, (0, 0), CorruptModelError, "header"),
    ("<II", 0, (70000, 70000), CorruptModelError, "header"),  # from labels are uint16
    ("<I", 8, (26,), CorruptModelError, "header"),  # more entries than the matrix has
    ("<I", 8, (23,), CorruptModelError, "length differs"),
    ("<I", 12, (1,), CorruptModelError, "header"),  # reserved
    ("<I", COLUMNS["starts"], (1,), CorruptModelError, "inconsistent data"),  # first start
    ("<I", COLUMNS["starts"] + 20, (23,), CorruptModelError, "inconsistent data"),  # last start
    ("<I", COLUMNS["starts"] + 8, (0,), CorruptModelError, "inconsistent data"),  # starts decrease
    ("<I", COLUMNS["starts"] + 8, (2**32 - 1,), CorruptModelError, "inconsistent data"),  # past the entries
    ("<H", COLUMNS["froms"], (5,), CorruptModelError, "inconsistent data"),  # no such label
    ("<H", COLUMNS["froms"], (65535,), CorruptModelError, "inconsistent data"),
    ("<HH", COLUMNS["froms"], (1, 1), CorruptModelError, "inconsistent data"),  # repeated
    ("<HH", COLUMNS["froms"], (1, 0), CorruptModelError, "inconsistent data"),  # not increasing
])
def test_inconsistent_column_lists(tiny_model, tmp_path, fmt, at, values, error, message):
    rejects(tmp_path, edit_columns(tiny_model[0].read_bytes(), fmt, at, *values), error, message)


def test_column_lists_shorter_than_their_header(tiny_model, tmp_path):
    data = tiny_model[0].read_bytes()
    rejects(tmp_path, edit_entry(data, 2, length=12), TruncatedFileError, "shorter")
    rejects(tmp_path, edit_entry(data, 2, length=COLUMNS["length"] - 4), CorruptModelError, "length differs")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(flips=st.lists(st.tuples(st.integers(0, 10**9), st.integers(0, 7)), min_size=1, max_size=8))
def test_random_bit_flips_fail_cleanly_or_stay_in_bounds(tiny_model, tmp_path, flips):
    path, keys, _ = tiny_model
    data = bytearray(path.read_bytes())
    for position, bit in flips:
        data[position % len(data)] ^= 1 << bit
    damaged = tmp_path / "flipped.pnlu"
    damaged.write_bytes(bytes(data))
    try:
        model_file = ModelFile(damaged)
    except ModelFormatError:
        return
    with model_file:
        try:
            table = WeightTable(model_file, "t")
        except ModelFormatError:
            return
        probe = keys[:50] + [f"unknown {i}" for i in range(50)]
        try:
            slots = table.lookup(probe)
            scores, hits = table.score(probe, [0, 50, 100])
        except ModelFormatError:
            return
        assert np.all((slots >= -1) & (slots < table.n_keys))
        assert np.all(hits <= 50)
        assert np.all(np.abs(scores) < 2**40)
