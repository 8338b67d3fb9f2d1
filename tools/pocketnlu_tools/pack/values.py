"""Packs a value-table section (layout: csrc/FORMAT.md, "Value-table sections"; reader:
pocketnlu.values)."""
import json
import struct

from pocketnlu.values import HEADER, MAGIC, value_key


def value_section(entries: dict) -> bytes:
    """The bytes of a value-table section for {spoken value: canonical value} (host side; keys are
    made with value_key, so two spellings of one key must agree on its value)."""
    table = {}
    for spoken, canonical in entries.items():
        key = value_key(spoken)
        if not key:
            raise ValueError(f"list value {spoken!r} has no words to match")
        if table.get(key, canonical) != canonical:
            raise ValueError(f"list value {spoken!r} means both {table[key]!r} and {canonical!r}")
        table[key] = canonical
    keys = sorted(table)
    strings, offsets = bytearray(), [0]
    for key in keys:
        strings += key.encode("utf-8")
        offsets.append(len(strings))
        strings += json.dumps(table[key], ensure_ascii=False, sort_keys=True).encode("utf-8")
        offsets.append(len(strings))
    return HEADER.pack(MAGIC, len(keys), len(strings), 0) + struct.pack(f"<{len(offsets)}I", *offsets) + bytes(strings)
