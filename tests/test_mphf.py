"""MPHF construction (tools/mphf.py) and lookup (C core): bijection, determinism, edge cases."""
import numpy as np
import pytest

from conftest import random_keys, random_rows
from pocketnlu_tools.pack.mphf import DuplicateKeyError, MPHFBuildError, build_mphf
from pocketnlu_tools.pack.tables import build_table


def is_bijection(slots, n):
    return len(slots) == n and np.array_equal(np.sort(slots), np.arange(n))


@pytest.mark.parametrize("gamma, n", [(1.0, 1_000_000), (2.0, 1_000_000), (1.5, 100_000), (5.0, 100_000)])
def test_bijection_up_to_a_million_keys(gamma, n):
    keys = [f"k{i}".encode() for i in range(n)]
    mphf = build_mphf(keys, gamma=gamma)
    assert is_bijection(mphf.slots, len(keys))
    assert mphf.bits.sum() == len(keys)


@pytest.mark.parametrize("gamma", [1.0, 2.0])
def test_c_lookup_is_a_bijection_and_matches_the_builder(gamma, tmp_path):
    from pocketnlu.modelfile import ModelFile
    from pocketnlu.table import WeightTable
    from pocketnlu_tools.pack.writer import pack_file, write_atomically

    keys = random_keys(20_000, seed=3)
    section, _ = build_table(keys, random_rows(len(keys), 3), np.zeros(3), 8, 8, gamma)
    write_atomically(tmp_path / "m.pnlu", pack_file({}, {"t": section}))
    with ModelFile(tmp_path / "m.pnlu") as mf:
        slots = WeightTable(mf, "t").lookup(keys)
    assert is_bijection(slots, len(keys))
    assert np.array_equal(slots, build_mphf(keys, gamma=gamma).slots)


def test_bits_per_key_at_gamma_one():
    mphf = build_mphf([f"f={i}" for i in range(200_000)], gamma=1.0)
    bits = len(mphf.bits) + 32 * len(mphf.rank_samples()) + 64 * len(mphf.level_bits)
    assert bits / mphf.n_keys <= 3.1


def test_build_is_deterministic():
    keys = random_keys(5000, seed=4)
    a, b = build_mphf(keys, gamma=1.3), build_mphf(list(keys), gamma=1.3)
    assert a.level_bits == b.level_bits
    assert np.array_equal(a.bits, b.bits) and np.array_equal(a.slots, b.slots)
    section_a, _ = build_table(keys, random_rows(5000, 4), np.zeros(4), 8, 8, 1.3)
    section_b, _ = build_table(keys, random_rows(5000, 4), np.zeros(4), 8, 8, 1.3)
    assert section_a == section_b


def test_seed_changes_the_index():
    keys = random_keys(1000)
    assert not np.array_equal(build_mphf(keys, seed=0).slots, build_mphf(keys, seed=9).slots)


def test_duplicates_are_reported():
    with pytest.raises(DuplicateKeyError) as error:
        build_mphf(["a", "b", "a", "c", "b", "b"])
    assert error.value.duplicates == [b"a", b"b"]
    assert "2 duplicate key(s)" in str(error.value)


def test_str_and_bytes_of_the_same_key_are_duplicates():
    with pytest.raises(DuplicateKeyError):
        build_mphf(["é", "é".encode()])


@pytest.mark.parametrize("n", [0, 1, 2, 3, 63, 64, 65])
def test_tiny_key_sets(n):
    mphf = build_mphf([f"key{i}" for i in range(n)])
    assert is_bijection(mphf.slots, n)
    assert (n == 0) == (len(mphf.level_bits) == 0)


def test_pathological_keys_terminate():
    # Keys sharing long prefixes, the empty key, and keys differing in one byte.
    keys = [b""] + [b"a" * i for i in range(1, 300)] + [bytes([i]) for i in range(256) if i != 97]
    assert is_bijection(build_mphf(keys).slots, len(keys))


@pytest.mark.parametrize("gamma", [0.5, 0.99, 17, float("nan")])
def test_bad_gamma_is_refused(gamma):
    with pytest.raises(MPHFBuildError):
        build_mphf(["a", "b"], gamma=gamma)
