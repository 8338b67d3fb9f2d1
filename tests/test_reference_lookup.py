"""The C core's lookup and scoring agree with tests/reference.py, a pure-Python/numpy reader
written from csrc/FORMAT.md with mmh3 for hashing, under both level hashings."""
import numpy as np
import pytest

from conftest import random_keys, random_rows
from pocketnlu._binding import lib
from pocketnlu.modelfile import TABLE_LEVEL_HASHING_AT, ModelFile
from pocketnlu.table import WeightTable
from pocketnlu_tools.pack.tables import build_table
from pocketnlu_tools.pack.writer import pack_file, write_atomically

pytest.importorskip("mmh3")
from reference import ReferenceTable  # noqa: E402


@pytest.mark.parametrize("level_hashing", [lib.PNLU_LEVELS_DERIVED, lib.PNLU_LEVELS_RESEEDED])
@pytest.mark.parametrize("weight_bits, fingerprint_bits, gamma, n_labels", [
    (8, 8, 1.0, 7), (4, 12, 2.0, 3), (6, 0, 1.0, 1), (2, 16, 1.5, 120), (8, 4, 3.0, 2),
])
def test_c_core_matches_the_reference(tmp_path, weight_bits, fingerprint_bits, gamma, n_labels, level_hashing):
    """The writer's tables (derived levels) and, with the header byte switched, the same bits read
    with the levels of format versions 1-4 (keys then land elsewhere, but both readers agree)."""
    keys = random_keys(3000, seed=weight_bits + n_labels)
    values = random_rows(len(keys), n_labels, weight_bits=weight_bits, seed=fingerprint_bits)
    bias = np.arange(n_labels) * 1000 - 7
    section, _ = build_table(keys, values, bias, weight_bits, fingerprint_bits, gamma, seed=11)
    native = section[TABLE_LEVEL_HASHING_AT] == level_hashing
    section = bytearray(section)
    section[TABLE_LEVEL_HASHING_AT] = level_hashing
    section = bytes(section)
    path = tmp_path / "m.pnlu"
    write_atomically(path, pack_file({}, {"t": section}))
    reference = ReferenceTable(section)
    probes = keys[:500] + [f"unknown-{i}" for i in range(500)]
    with ModelFile(path) as model_file:
        table = WeightTable(model_file, "t")
        slots = table.lookup(probes)
        scores, _ = table.score(probes, [0, 250, 500, 1000])
    assert list(slots) == [reference.slot(k.encode()) for k in probes]
    expected = [reference.score([k.encode() for k in probes[a:b]]) for a, b in ((0, 250), (250, 500), (500, 1000))]
    assert np.array_equal(scores, np.array(expected))
    if not native:
        return
    # The reference decodes the rows the builder was given.
    for key, row in zip(keys[:200], values[:200]):
        decoded = dict(reference.rows[reference.slot(key.encode())])
        assert decoded == {label: int(w) for label, w in enumerate(row) if w}
