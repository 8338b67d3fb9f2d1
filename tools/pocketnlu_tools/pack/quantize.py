"""Linear quantization of float weights to signed `bits`-bit integers, with zero pruning.

Symmetric around zero (so zero stays exactly zero and tiny weights round to it):
q = round(w / scale), scale = max|w| / (2^(bits-1) - 1). A dead zone of d steps also drops
every weight with |q| <= d (d = 0: only those that round to zero); dropped entries cost nothing
in the file. Biases and CRF transitions are few, so they keep the same scale but are stored as
int32 without clipping or dead zone.
"""
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from pocketnlu._binding import lib

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

MIN_BITS, MAX_BITS = lib.PNLU_MIN_WEIGHT_BITS, lib.PNLU_MAX_WEIGHT_BITS
INT32_MAX = 2**31 - 1


@dataclass
class QuantizedRows:
    """Quantized weight matrix: per-feature rows, with all-zero rows dropped."""

    kept: np.ndarray  # indexes of kept rows in the float matrix
    values: "np.ndarray | csr_matrix"  # int8 (len(kept), n_labels), sparse when the weights were
    scale: float
    bits: int


def weight_scale(weights, bits: int) -> float:
    """max |w| / (2^(bits-1) - 1) of a dense array or scipy sparse matrix (1.0 when all are zero)."""
    if not MIN_BITS <= bits <= MAX_BITS:
        raise ValueError(f"weight bits must be between {MIN_BITS} and {MAX_BITS}, got {bits}")
    stored = weights.data if hasattr(weights, "tocsr") else np.asarray(weights)
    peak = float(np.max(np.abs(stored))) if stored.size else 0.0
    return peak / (2 ** (bits - 1) - 1) if peak > 0 else 1.0


def quantize_rows(weights, bits: int, scale: float = None, dead_zone: int = 0) -> QuantizedRows:
    """Quantize a dense array (a CRF's weights) or a scipy sparse matrix (a classifier's: only
    its stored weights are touched)."""
    if scale is None:
        scale = weight_scale(weights, bits)
    limit = 2 ** (bits - 1) - 1
    if not 0 <= dead_zone < limit:
        raise ValueError(f"a dead zone of {dead_zone} steps is outside 0..{limit - 1} at {bits} bits")
    if hasattr(weights, "tocsr"):
        values = weights.tocsr(copy=True)
        quantized = np.clip(np.rint(values.data / scale), -limit, limit)
        quantized[np.abs(quantized) <= dead_zone] = 0
        values.data = quantized
        values = values.astype(np.int8)
        values.eliminate_zeros()
        kept = np.flatnonzero(np.diff(values.indptr))
        return QuantizedRows(kept, values[kept], scale, bits)
    values = np.clip(np.rint(weights / scale), -limit, limit).astype(np.int8)
    values[np.abs(values) <= dead_zone] = 0
    kept = np.flatnonzero(values.any(axis=1))
    return QuantizedRows(kept, values[kept], scale, bits)


def quantize_wide(values: np.ndarray, scale: float) -> np.ndarray:
    """Biases or transitions in the weights' scale, as int32."""
    q = np.rint(np.asarray(values, dtype=np.float64) / scale)
    if np.any(np.abs(q) > INT32_MAX):
        raise ValueError("a bias or transition is too large for int32 at this weight scale")
    return q.astype(np.int32)
