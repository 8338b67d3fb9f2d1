"""Value tables (section kind 6, format version 4): a slot's spoken values -> canonical values.

A template list with `in`/`out` pairs ("AC" -> "air_conditioning") is packed as one table per
slot. Keys are the spoken values as `value_key` writes them (the words as the features normalize
them, punctuation dropped), so "A.C.", "ac" and "AC" find the same entry; values are the
canonical values as JSON. Layout: csrc/FORMAT.md, "Value-table sections". The section is checked
in full when the model opens (O(entries), a few hundred for real lists) and read in place.
"""
import json
import re
import struct
from bisect import bisect_left

from .errors import CorruptModelError
from .features import normalize, tokenize

_JOINERS = re.compile(r"[.'\u2019]")
_SEPARATORS = re.compile(r"[^\w\s.'\u2019]|_")
MAGIC = b"PVAL"
HEADER = struct.Struct("<4sIII")  # magic, n_entries, string_bytes, reserved
MAX_ENTRIES = 1 << 20


def value_key(text: str) -> str:
    """The lookup key of a spoken value: its words as the features normalize them, with dots and
    apostrophes dropped ("A.C." ~ "AC", "mum's" ~ "mums") and other punctuation as spaces
    ("air-con" ~ "air con")."""
    words = " ".join(normalize(token.text) for token in tokenize(text))
    return " ".join(_JOINERS.sub("", _SEPARATORS.sub(" ", words)).split())


class ValueTable:
    """Sorted (key, canonical value) entries of one slot, read in place from a mapped section."""

    def __init__(self, data: memoryview, context: str):
        if len(data) < HEADER.size:
            raise CorruptModelError(f"{context}: value table shorter than its header")
        magic, n, string_bytes, reserved = HEADER.unpack_from(data, 0)
        if magic != MAGIC or reserved != 0:
            raise CorruptModelError(f"{context}: not a value table (bad magic or reserved field)")
        if n > MAX_ENTRIES:
            raise CorruptModelError(f"{context}: {n} entries, over the limit of {MAX_ENTRIES}")
        offsets_end = HEADER.size + 4 * (2 * n + 1)
        if len(data) != offsets_end + string_bytes:
            raise CorruptModelError(f"{context}: value table is {len(data)} bytes, its header implies "
                                    f"{offsets_end + string_bytes}")
        offsets = struct.unpack_from(f"<{2 * n + 1}I", data, HEADER.size)
        if offsets[0] != 0 or offsets[2 * n] != string_bytes or any(
                offsets[i] > offsets[i + 1] for i in range(2 * n)):
            raise CorruptModelError(f"{context}: value table offsets are not increasing within the strings")
        strings = bytes(data[offsets_end:])
        try:
            self._keys = [strings[offsets[2 * i]:offsets[2 * i + 1]].decode("utf-8") for i in range(n)]
            self._values = [json.loads(strings[offsets[2 * i + 1]:offsets[2 * i + 2]].decode("utf-8"))
                            for i in range(n)]
        except (UnicodeDecodeError, ValueError, RecursionError) as error:
            raise CorruptModelError(f"{context}: value table entry is not UTF-8 JSON ({error})") from None
        if any(self._keys[i] >= self._keys[i + 1] for i in range(n - 1)):
            raise CorruptModelError(f"{context}: value table keys are not strictly increasing")

    def __len__(self) -> int:
        return len(self._keys)

    def lookup(self, text: str):
        """The canonical value of a spoken value, or None when the list has no such entry."""
        key = value_key(text)
        i = bisect_left(self._keys, key)
        return self._values[i] if i < len(self._keys) and self._keys[i] == key else None
