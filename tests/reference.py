"""An independent pure-Python/numpy reader of weight-table sections, with mmh3 for hashing.

It re-implements the lookup of csrc/table.c from the format description alone, so tests
can check that the C core and the spec agree.
"""
import struct

import mmh3
import numpy as np

HEADER = struct.Struct("<4sIIIIBBBBQQ24x")
MASK64 = (1 << 64) - 1
LEVELS_RESEEDED, LEVELS_DERIVED = 0, 1


def fmix64(k: int) -> int:
    """MurmurHash3's 64-bit finalizer."""
    k ^= k >> 33
    k = (k * 0xFF51AFD7ED558CCD) & MASK64
    k ^= k >> 33
    k = (k * 0xC4CEB9FE1A85EC53) & MASK64
    return k ^ (k >> 33)


def _words(data, offset, n_words):
    return np.frombuffer(data, dtype="<u8", count=n_words, offset=offset)


def _bits(words):
    return np.unpackbits(words.view(np.uint8), bitorder="little").astype(bool)


def _fields(bits, width, count):
    if width == 0:
        return np.zeros(count, dtype=np.int64)
    chunks = bits[: width * count].reshape(count, width).astype(np.int64)
    return (chunks << np.arange(width)).sum(axis=1)


class ReferenceTable:
    def __init__(self, data: bytes):
        (magic, self.n_keys, self.n_labels, self.n_levels, self.seed, self.fp_bits, self.label_bits,
         self.weight_bits, self.level_hashing, self.n_pairs, index_bits) = HEADER.unpack_from(data, 0)
        assert magic == b"PTBL" and self.level_hashing in (LEVELS_RESEEDED, LEVELS_DERIVED)
        pos = HEADER.size
        self.level_bits = list(np.frombuffer(data, "<u8", self.n_levels, pos).astype(int))
        pos += 8 * self.n_levels
        self.index = _bits(_words(data, pos, index_bits // 64))
        pos += index_bits // 8
        pos += -(-4 * (index_bits // 512 + 1) // 8) * 8  # rank samples: recomputed from the bits
        fp_words = -(-self.n_keys * self.fp_bits // 64) + 1
        self.fingerprints = _fields(_bits(_words(data, pos, fp_words)), self.fp_bits, self.n_keys)
        pos += 8 * fp_words
        self.bias = np.frombuffer(data, "<i4", self.n_labels, pos).astype(np.int64)
        pos += -(-4 * self.n_labels // 8) * 8
        start_words = -(-self.n_pairs // 64) + 1
        starts = np.flatnonzero(_bits(_words(data, pos, start_words))[: self.n_pairs])
        pos += 8 * start_words
        pos += -(-4 * (-(-self.n_keys // 64)) // 8) * 8  # select samples: recomputed
        width = self.label_bits + self.weight_bits
        pair_words = -(-self.n_pairs * width // 64) + 1
        fields = _fields(_bits(_words(data, pos, pair_words)), width, self.n_pairs)
        labels = fields & ((1 << self.label_bits) - 1)
        raw = fields >> self.label_bits
        sign = 1 << (self.weight_bits - 1)
        weights = (raw ^ sign) - sign
        ends = np.append(starts[1:], self.n_pairs)
        self.rows = [list(zip(labels[s:e], weights[s:e])) for s, e in zip(starts, ends)]
        self.ones_before = np.cumsum(self.index) - self.index

    def level_hash(self, key: bytes, h1: int, h2: int, level: int) -> int:
        """(h1, h2): the key's MurmurHash3 under the table's seed."""
        if level == 0:
            return h1
        if self.level_hashing == LEVELS_DERIVED:
            return fmix64((h1 + level * h2) & MASK64)
        return mmh3.hash64(key, self.seed + level, x64arch=True, signed=False)[0]

    def slot(self, key: bytes) -> int:
        start = 0
        h1, h2 = mmh3.hash64(key, self.seed, x64arch=True, signed=False)
        fingerprint_hash = h2
        for level, size in enumerate(self.level_bits):
            pos = start + (((self.level_hash(key, h1, h2, level) & 0xFFFFFFFF) * size) >> 32)
            if self.index[pos]:
                slot = int(self.ones_before[pos])
                if self.fp_bits and self.fingerprints[slot] != fingerprint_hash >> (64 - self.fp_bits):
                    return -1
                return slot
            start += size
        return -1

    def score(self, keys):
        scores = self.bias.copy()
        for key in keys:
            slot = self.slot(key)
            if slot >= 0:
                for label, weight in self.rows[slot]:
                    scores[label] += weight
        return scores
