"""Fingerprints: an unknown feature adds a weight only when its b-bit fingerprint collides."""
import numpy as np
import pytest

from conftest import random_keys, random_rows
from pocketnlu.modelfile import ModelFile
from pocketnlu.table import WeightTable
from pocketnlu_tools.pack.tables import build_table
from pocketnlu_tools.pack.writer import pack_file, write_atomically

N_KEYS = 50_000
UNKNOWN = [f"unseen|{i}" for i in range(1_000_000)]


def open_table(tmp_path, fingerprint_bits, gamma=1.0):
    keys = random_keys(N_KEYS, seed=5)
    section, _ = build_table(keys, random_rows(N_KEYS, 2), np.zeros(2), 8, fingerprint_bits, gamma)
    path = tmp_path / f"fp{fingerprint_bits}.pnlu"
    write_atomically(path, pack_file({}, {"t": section}))
    model_file = ModelFile(path)
    return model_file, WeightTable(model_file, "t"), keys


@pytest.mark.parametrize("bits", [4, 8, 12])
def test_false_accept_rate_is_two_to_the_minus_b(tmp_path, bits):
    model_file, table, keys = open_table(tmp_path, bits)
    with model_file:
        rate = float(np.mean(table.lookup(UNKNOWN) >= 0))
        assert np.all(table.lookup(keys) >= 0)
    expected = 2.0**-bits
    assert expected / 2 <= rate <= expected * 2, (rate, expected)


def test_without_fingerprints_unknown_keys_land_on_some_slot(tmp_path):
    # Documented behaviour for b = 0: the MPHF alone cannot tell an unknown key from a known
    # one, so nearly every unknown key is sent to some slot (all but those that meet a 0
    # bit at every level).
    model_file, table, _ = open_table(tmp_path, 0)
    with model_file:
        assert np.mean(table.lookup(UNKNOWN[:100_000]) >= 0) > 0.99


def test_unknown_features_add_nothing_to_scores(tmp_path):
    model_file, table, keys = open_table(tmp_path, 16)
    with model_file:
        known, _ = table.score(keys[:10])
        mixed, hits = table.score(keys[:10] + UNKNOWN[:1000])
    assert np.array_equal(known, mixed)
    assert hits[0] == 10
