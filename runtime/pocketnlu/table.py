"""A weight table of a mapped model, queried through the C core in batched calls."""
from ._binding import check, ffi, lib
from .features import encode_keys
from .errors import CorruptModelError
from .modelfile import KIND_TABLE, LEVEL_HASHING_SINCE, ModelFile

HEADER_BITS_PER_LEVEL = 64  # each level's size is recorded as one uint64


class WeightTable:
    """(feature string -> quantized per-label weights), keys stored only as an MPHF."""

    def __init__(self, model_file: ModelFile, name: str):
        self.name = name
        view = model_file.section_bytes(name, KIND_TABLE)
        self._table = ffi.new("pnlu_table *")
        check(lib.pnlu_table_init(self._table, model_file.c_pointer(view), len(view)),
              f"{model_file.path}: table {name!r}")
        if LEVEL_HASHING_SINCE[self._table.level_hashing] > model_file.format_version:
            raise CorruptModelError(f"{model_file.path}: table {name!r}: level hashing {self._table.level_hashing} "
                                    f"in a format version {model_file.format_version} file")
        self.byte_size = len(view)

    @property
    def c_table(self):
        """The `pnlu_table *` for calls into the C core."""
        return self._table

    @property
    def n_keys(self) -> int:
        return self._table.n_keys

    @property
    def n_labels(self) -> int:
        return self._table.n_labels

    @property
    def n_pairs(self) -> int:
        """Stored nonzero weights."""
        return self._table.n_pairs

    @property
    def n_levels(self) -> int:
        return self._table.n_levels

    @property
    def level_hashing(self) -> int:
        """How the MPHF levels hash a key: lib.PNLU_LEVELS_RESEEDED or lib.PNLU_LEVELS_DERIVED."""
        return self._table.level_hashing

    @property
    def fingerprint_bits(self) -> int:
        return self._table.fingerprint_bits

    @property
    def weight_bits(self) -> int:
        return self._table.weight_bits

    @property
    def index_bits(self) -> int:
        """Bits of the MPHF: level bit arrays, their sizes and rank samples."""
        t = self._table
        rank_sample_bits = 32 * (t.index_bits // 512 + 1)
        return t.index_bits + rank_sample_bits + HEADER_BITS_PER_LEVEL * t.n_levels

    # lookup and score return numpy arrays: host-side and test APIs, so numpy is imported by
    # them, never on the device's parse path.

    def lookup(self, keys):
        """Slot of each key in [0, n_keys), or -1 where the table does not hold the key (a numpy array)."""
        import numpy as np

        buf, offsets = encode_keys(keys)
        slots = np.empty(len(offsets) - 1, dtype=np.int64)
        check(lib.pnlu_table_lookup(self._table, ffi.from_buffer(buf), len(buf),
                                    ffi.from_buffer("uint32_t[]", offsets), len(slots),
                                    ffi.from_buffer("int64_t[]", slots)),
              f"table {self.name!r}")
        return slots

    def score(self, keys, group_offsets=None, add_bias=True):
        """Integer scores (n_groups, n_labels) summing the weights of each group of keys.

        `group_offsets` (n_groups + 1 indexes into keys) defaults to one group of all keys.
        Returns (scores, hits), numpy arrays: hits[g] counts the group's keys the table holds.
        """
        import numpy as np

        buf, offsets = encode_keys(keys)
        n_keys = len(offsets) - 1
        if group_offsets is None:
            group_offsets = np.array([0, n_keys], dtype=np.uint32)
        else:
            group_offsets = np.ascontiguousarray(group_offsets, dtype=np.uint32)
        n_groups = len(group_offsets) - 1
        scores = np.empty((n_groups, self.n_labels), dtype=np.int64)
        hits = np.empty(n_groups, dtype=np.uint32)
        check(lib.pnlu_table_score(self._table, ffi.from_buffer(buf), len(buf),
                                   ffi.from_buffer("uint32_t[]", offsets), n_keys,
                                   ffi.from_buffer("uint32_t[]", group_offsets), n_groups,
                                   int(bool(add_bias)),
                                   ffi.from_buffer("int64_t[]", scores),
                                   ffi.from_buffer("uint32_t[]", hits)),
              f"table {self.name!r}")
        return scores, hits
