"""BBHash minimal perfect hash construction (Limasset et al. 2017), host side.

Level i holds a bit array of about gamma * (keys still unplaced) bits, rounded up to a
multiple of 64. Every key is hashed once, MurmurHash3_x64_128 (seed base) giving (h1, h2);
level i's position of a key comes from the C core's level hash of (h1, h2) (csrc/FORMAT.md,
"Lookup"); a key that lands alone on a position sets that bit and is placed; colliding keys
move on to level i + 1. A key's slot is the rank of its bit over all levels concatenated, so
slots are exactly 0..N-1. The device-side lookup is pnlu_table_lookup in csrc/table.c.
"""
from dataclasses import dataclass
from typing import List, Sequence

import numpy as np

from pocketnlu._binding import check, ffi, lib
from pocketnlu.features import encode_keys

MAX_KEYS = 0xFFFFFFFF
# The level hashing build_mphf uses (tables written since format version 5).
LEVEL_HASHING = lib.PNLU_LEVELS_DERIVED


class MPHFBuildError(ValueError):
    """The key set cannot be indexed (duplicates, too many keys, bad options)."""


class DuplicateKeyError(MPHFBuildError):
    def __init__(self, duplicates: Sequence[bytes], count: int):
        shown = ", ".join(repr(d) for d in duplicates[:5])
        more = f" and {count - 5} more" if count > 5 else ""
        super().__init__(f"{count} duplicate key(s): {shown}{more}")
        self.duplicates = list(duplicates)


def hash_keys(keys: List[bytes], seed: int) -> np.ndarray:
    """MurmurHash3_x64_128 of every key with `seed`: array (n, 2) of (h1, h2)."""
    buf, offsets = encode_keys(keys)
    out = np.empty((len(keys), 2), dtype=np.uint64)
    check(lib.pnlu_hash_batch(ffi.from_buffer(buf), len(buf), ffi.from_buffer("uint32_t[]", offsets),
                              len(keys), seed & 0xFFFFFFFF, ffi.from_buffer("uint64_t[]", out)),
          "hash_keys")
    return out


def level_hashes(hashes: np.ndarray, level: int) -> np.ndarray:
    """The C core's hash of MPHF level `level` for keys whose MurmurHash3 is `hashes` (n, 2)."""
    hashes = np.ascontiguousarray(hashes, dtype=np.uint64)
    out = np.empty(len(hashes), dtype=np.uint64)
    check(lib.pnlu_level_hash_batch(ffi.from_buffer("uint64_t[]", hashes), len(hashes), level,
                                    ffi.from_buffer("uint64_t[]", out)),
          "level_hashes")
    return out


def level_position(level_hash: np.ndarray, level_bits: int) -> np.ndarray:
    """The C core's range reduction: (low 32 bits of the level hash * level_bits) >> 32."""
    return ((level_hash & np.uint64(0xFFFFFFFF)) * np.uint64(level_bits)) >> np.uint64(32)


@dataclass
class MPHF:
    """A built index: level sizes, the concatenated level bits, and each key's slot."""

    seed: int
    gamma: float
    level_bits: List[int]
    bits: np.ndarray  # bool, all levels concatenated
    slots: np.ndarray  # slot of keys[i], a permutation of 0..N-1
    fingerprint_hashes: np.ndarray  # h2 of the hash of keys[i]

    @property
    def n_keys(self) -> int:
        return len(self.slots)

    def rank_samples(self, block_bits: int = 512) -> np.ndarray:
        """Ones before each block of `block_bits` bits (one more entry than full blocks)."""
        ones_before = np.concatenate(([0], np.cumsum(self.bits, dtype=np.uint64)))
        return ones_before[np.arange(0, len(self.bits) + 1, block_bits)][: len(self.bits) // block_bits + 1]


def build_mphf(keys: Sequence, gamma: float = 1.0, seed: int = 0) -> MPHF:
    """Index `keys` (str or bytes, distinct). Deterministic: same keys and options, same bits."""
    if not 1.0 <= gamma <= 16.0:
        raise MPHFBuildError(f"gamma must be between 1 and 16, got {gamma}")
    encoded = [k.encode("utf-8", "surrogatepass") if isinstance(k, str) else bytes(k) for k in keys]
    n = len(encoded)
    if n > MAX_KEYS:
        raise MPHFBuildError(f"{n} keys is over the limit of {MAX_KEYS}")
    _reject_duplicates(encoded)

    positions = np.zeros(n, dtype=np.uint64)  # global bit position of each placed key
    hashes = hash_keys(encoded, seed)
    level_sizes: List[int] = []
    level_arrays = []
    start = 0
    unplaced = np.arange(n)
    while len(unplaced):
        level = len(level_sizes)
        if level == lib.PNLU_MAX_LEVELS:
            raise MPHFBuildError(f"{len(unplaced)} keys still collide after {lib.PNLU_MAX_LEVELS} levels")
        size = max(64, -(-int(np.ceil(gamma * len(unplaced))) // 64) * 64)
        if size > lib.PNLU_MAX_LEVEL_BITS:
            raise MPHFBuildError(f"level {level} would need {size} bits, over {lib.PNLU_MAX_LEVEL_BITS}")
        # intp, not int64: np.bincount refuses int64 on 32-bit platforms (armhf).
        pos = level_position(level_hashes(hashes[unplaced], level), size).astype(np.intp)
        alone = np.bincount(pos, minlength=size)[pos] == 1
        bits = np.zeros(size, dtype=bool)
        bits[pos[alone]] = True
        positions[unplaced[alone]] = start + pos[alone]
        level_sizes.append(size)
        level_arrays.append(bits)
        start += size
        unplaced = unplaced[~alone]

    all_bits = np.concatenate(level_arrays) if level_arrays else np.zeros(0, dtype=bool)
    ones_before = np.cumsum(all_bits, dtype=np.int64) - all_bits
    slots = ones_before[positions.astype(np.int64)] if n else np.zeros(0, dtype=np.int64)
    return MPHF(seed, gamma, level_sizes, all_bits, slots, hashes[:, 1].copy())


def _reject_duplicates(encoded: List[bytes]) -> None:
    if len(set(encoded)) == len(encoded):
        return
    seen, duplicates = set(), {}
    for key in encoded:
        if key in seen:
            duplicates.setdefault(key, None)
        seen.add(key)
    raise DuplicateKeyError(list(duplicates), len(duplicates))
