"""Packs one weight table section (layout: csrc/FORMAT.md, "Weight table")."""
import struct
from dataclasses import dataclass

import numpy as np

from pocketnlu._binding import lib
from pocketnlu_tools.pack.bitpack import pack_bits, pack_fields, pad8
from pocketnlu_tools.pack.mphf import build_mphf

TABLE_MAGIC = b"PTBL"
TABLE_HEADER = struct.Struct("<4sIIIIBBBxQQ24x")


@dataclass
class TableSizes:
    """Bits each encoded component takes, for inspect-style reporting."""

    index: int
    fingerprints: int
    rows: int
    pairs: int
    total_bytes: int


def label_bits_for(n_labels: int) -> int:
    return max(0, (n_labels - 1).bit_length())


def build_table(keys, values: np.ndarray, bias: np.ndarray, weight_bits: int,
                fingerprint_bits: int = 8, gamma: float = 1.0, seed: int = 0):
    """Pack (keys[i] -> nonzero entries of values[i]) into a table section.

    values: int (n_keys, n_labels) quantized weights, dense or scipy sparse, every row with a
    nonzero entry;
    bias: int32 (n_labels,). Returns (section bytes, TableSizes).
    """
    from scipy.sparse import csr_matrix

    values = csr_matrix(values)  # dense or sparse in, rows as sorted nonzero (label, weight) pairs
    values.eliminate_zeros()
    n_keys, n_labels = values.shape
    if len(keys) != n_keys:
        raise ValueError(f"{len(keys)} keys for {n_keys} weight rows")
    if not 0 <= fingerprint_bits <= lib.PNLU_MAX_FINGERPRINT_BITS:
        raise ValueError(f"fingerprint bits must be between 0 and {lib.PNLU_MAX_FINGERPRINT_BITS}, got {fingerprint_bits}")
    if not 1 <= n_labels <= lib.PNLU_MAX_LABELS:
        raise ValueError(f"{n_labels} labels is out of range 1..{lib.PNLU_MAX_LABELS}")
    if n_keys and not np.diff(values.indptr).all():
        raise ValueError("every row must hold a nonzero weight (prune empty rows first)")
    limit = 2 ** (weight_bits - 1)
    if values.nnz and (values.data.min() < -limit or values.data.max() >= limit):
        raise ValueError(f"a weight does not fit in {weight_bits} bits")

    mphf = build_mphf(keys, gamma=gamma, seed=seed)
    by_slot = np.empty(n_keys, dtype=np.int64)
    by_slot[mphf.slots] = np.arange(n_keys)
    ordered = values[by_slot]
    ordered.sort_indices()

    # Row-major: rows in slot order, labels ascending within a row.
    labels = ordered.indices.astype(np.int64)
    weights = ordered.data.astype(np.int64)
    n_pairs = len(labels)
    label_bits = label_bits_for(n_labels)
    row_starts = ordered.indptr[:-1].astype(np.int64)
    start_bits = np.zeros(n_pairs, dtype=bool)
    start_bits[row_starts] = True
    pair_fields = labels.astype(np.uint64) | (
        (weights & (2**weight_bits - 1)).astype(np.uint64) << np.uint64(label_bits))
    fingerprints = mphf.fingerprint_hashes[by_slot] >> np.uint64(64 - fingerprint_bits) \
        if fingerprint_bits else np.zeros(n_keys, dtype=np.uint64)

    header = TABLE_HEADER.pack(TABLE_MAGIC, n_keys, n_labels, len(mphf.level_bits), seed,
                               fingerprint_bits, label_bits, weight_bits, n_pairs, len(mphf.bits))
    index = (np.array(mphf.level_bits, dtype="<u8").tobytes()
             + pack_bits(mphf.bits, slack_word=False)
             + pad8(mphf.rank_samples(lib.PNLU_RANK_BLOCK_BITS).astype("<u4").tobytes()))
    fingerprint_bytes = pack_fields(fingerprints, fingerprint_bits)
    row_bytes = (pad8(np.asarray(bias, dtype="<i4").tobytes())
                 + pack_bits(start_bits, slack_word=True)
                 + pad8(row_starts[::lib.PNLU_SELECT_SAMPLE].astype("<u4").tobytes()))
    pair_bytes = pack_fields(pair_fields, label_bits + weight_bits)
    section = header + index + fingerprint_bytes + row_bytes + pair_bytes
    sizes = TableSizes(index=8 * len(index), fingerprints=8 * len(fingerprint_bytes),
                       rows=8 * len(row_bytes), pairs=8 * len(pair_bytes), total_bytes=len(section))
    return section, sizes
