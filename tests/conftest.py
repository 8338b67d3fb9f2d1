import random
from pathlib import Path

import numpy as np
import pytest

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def random_keys(n, seed=0, prefix=""):
    """n distinct random feature-like strings (ASCII and some multi-byte UTF-8)."""
    rng = random.Random(seed)
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789=|_-é中"
    keys = set()
    while len(keys) < n:
        keys.add(prefix + "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 24))))
    return sorted(keys)


def random_rows(n, n_labels, weight_bits=8, density=0.3, seed=0):
    """(n, n_labels) quantized weights, each row with at least one nonzero entry."""
    rng = np.random.default_rng(seed)
    limit = 2 ** (weight_bits - 1) - 1
    values = rng.integers(-limit, limit + 1, size=(n, n_labels))
    values[rng.random((n, n_labels)) > density] = 0
    empty = ~values.any(axis=1)
    values[empty, rng.integers(0, n_labels, size=empty.sum())] = 1
    return values


def write_tiny_model(path, matrix_layout="columns"):
    """A small packed model file with one table "t" and one 5x5 matrix "trans" (one zero entry);
    returns (path, keys, values)."""
    from pocketnlu_tools.pack.tables import build_table
    from pocketnlu_tools.pack.writer import pack_file, write_atomically

    keys = random_keys(300, seed=1)
    values = random_rows(len(keys), 5, seed=1)
    section, _ = build_table(keys, values, np.array([1, -2, 3, 0, 7]), weight_bits=8, fingerprint_bits=8)
    transitions = np.arange(25, dtype=np.int32).reshape(5, 5) - 12
    write_atomically(path, pack_file({"name": "tiny"}, {"t": section}, {"trans": transitions}, matrix_layout))
    return path, keys, values


@pytest.fixture
def tiny_model(tmp_path):
    """write_tiny_model as the current writer packs it (format version 5: column lists, derived
    level hashing)."""
    return write_tiny_model(tmp_path / "tiny.pnlu")
