"""Packs one weight table section (layout: csrc/FORMAT.md, "Weight table")."""
import struct
from dataclasses import dataclass

import numpy as np

from pocketnlu._binding import lib
from pocketnlu_tools.pack.bitpack import pack_bits, pack_fields, pad8
from pocketnlu_tools.pack.mphf import LEVEL_HASHING, build_mphf

TABLE_MAGIC = b"PTBL"
TABLE_HEADER = struct.Struct("<4sIIIIBBBBQQ24x")


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


def _nonzero_rows(values):
    """(shape, indptr, labels, weights) of the nonzero entries of a dense array or a scipy sparse
    matrix, row by row with labels ascending (dense input needs no scipy: the ARM tests pack)."""
    if hasattr(values, "tocsr"):
        rows = values.tocsr(copy=True)
        rows.eliminate_zeros()
        rows.sort_indices()
        return rows.shape, rows.indptr.astype(np.int64), rows.indices, rows.data
    values = np.asarray(values)
    row_index, labels = np.nonzero(values)
    indptr = np.concatenate(([0], np.cumsum(np.count_nonzero(values, axis=1)))).astype(np.int64)
    return values.shape, indptr, labels, values[row_index, labels]


def build_table(keys, values: np.ndarray, bias: np.ndarray, weight_bits: int,
                fingerprint_bits: int = 8, gamma: float = 1.0, seed: int = 0):
    """Pack (keys[i] -> nonzero entries of values[i]) into a table section.

    values: int (n_keys, n_labels) quantized weights, dense or scipy sparse, every row with a
    nonzero entry;
    bias: int32 (n_labels,). Returns (section bytes, TableSizes).
    """
    (n_keys, n_labels), indptr, label_of, weight_of = _nonzero_rows(values)
    if len(keys) != n_keys:
        raise ValueError(f"{len(keys)} keys for {n_keys} weight rows")
    if not 0 <= fingerprint_bits <= lib.PNLU_MAX_FINGERPRINT_BITS:
        raise ValueError(f"fingerprint bits must be between 0 and {lib.PNLU_MAX_FINGERPRINT_BITS}, got {fingerprint_bits}")
    if not 1 <= n_labels <= lib.PNLU_MAX_LABELS:
        raise ValueError(f"{n_labels} labels is out of range 1..{lib.PNLU_MAX_LABELS}")
    if n_keys and not np.diff(indptr).all():
        raise ValueError("every row must hold a nonzero weight (prune empty rows first)")
    limit = 2 ** (weight_bits - 1)
    if len(weight_of) and (weight_of.min() < -limit or weight_of.max() >= limit):
        raise ValueError(f"a weight does not fit in {weight_bits} bits")

    mphf = build_mphf(keys, gamma=gamma, seed=seed)
    by_slot = np.empty(n_keys, dtype=np.int64)
    by_slot[mphf.slots] = np.arange(n_keys)
    # The rows in slot order (row-major pairs, labels ascending within a row).
    row_lengths = np.diff(indptr)[by_slot].astype(np.intp)  # np.repeat counts are intp (32-bit on armhf)
    ordered_starts = np.concatenate(([0], np.cumsum(row_lengths))).astype(np.int64)
    take = np.repeat(indptr[:-1][by_slot] - ordered_starts[:-1], row_lengths) + np.arange(ordered_starts[-1])
    labels = label_of[take].astype(np.int64)
    weights = weight_of[take].astype(np.int64)
    n_pairs = len(labels)
    label_bits = label_bits_for(n_labels)
    row_starts = ordered_starts[:-1]
    start_bits = np.zeros(n_pairs, dtype=bool)
    start_bits[row_starts] = True
    pair_fields = labels.astype(np.uint64) | (
        (weights & (2**weight_bits - 1)).astype(np.uint64) << np.uint64(label_bits))
    fingerprints = mphf.fingerprint_hashes[by_slot] >> np.uint64(64 - fingerprint_bits) \
        if fingerprint_bits else np.zeros(n_keys, dtype=np.uint64)

    header = TABLE_HEADER.pack(TABLE_MAGIC, n_keys, n_labels, len(mphf.level_bits), seed,
                               fingerprint_bits, label_bits, weight_bits, LEVEL_HASHING, n_pairs, len(mphf.bits))
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
