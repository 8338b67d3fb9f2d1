"""Structure-aware mutation fuzzing of .pnlu model files (csrc/FORMAT.md).

    python -m pocketnlu_tools.bench.mutate_files [MODEL] [--count N] [--seconds S] [--seed S]
                                                 [--jobs J] [--timeout T] [--keep DIR] [--mode M]
    python -m pocketnlu_tools.bench.mutate_files --replay FILE [FILE ...] [--over MODEL] [--mode M]

Decodes MODEL (default: the shipped model) into its header, section table and sections, and
within them the metadata JSON, the weight tables' header fields (their level hashing too) and
regions, column lists and dense matrices; changes fields with meaning (counts, offsets, lengths, label counts, column
starts, from labels, JSON values and types, a model's label count across its metadata, table
and transitions), resizing what depends on them so that the change gets past the length checks;
encodes the file again with valid CRCs (header and sections, so the change reaches the code
behind the checksums). Then, in a pool of worker processes, it opens the file and parses probe
utterances (an NLU model), or opens every table and transitions section and looks up, scores and
decodes with them (any other model file, e.g. tests' tiny model). A share of the mutants of the
original's size are instead written over a copy of the original after it is opened, as another
process can do to a mapped file: only the checks the C core makes where it reads stand then.

Each file is rejected cleanly (a pocketnlu.ModelFormatError), parsed, or a defect: any other
exception, a crash (a signal), a hang (over --timeout seconds) or over MEMORY_LIMIT bytes of
address space (a MemoryError). File i depends only on (MODEL, --seed, i), whatever --jobs: a
defect is reproduced with `--seed S --first i --count 1 --keep DIR`, then `--replay DIR/FILE`
(with `--over MODEL` if the run said it was written in place). Prints one line per defect
class, then `mutate: N files, A rejected cleanly, B parsed, C defects`; exits 1 on any defect.
tests/test_mutate_files.py runs it for a bounded count in CI.
"""
import argparse
import json
import os
import random
import select
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import zlib
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import List, Tuple

import numpy as np

import pocketnlu
from pocketnlu import ModelFormatError
from pocketnlu._binding import check, ffi, lib
from pocketnlu.modelfile import (
    ALIGNMENT, COLUMNS_HEADER, FORMAT_VERSION, HEADER, KIND_COLUMNS, KIND_MATRIX, KIND_MATRIX16, KIND_META, KIND_TABLE,
    KIND_VALUES, MAGIC, MATRIX_HEADER, SECTION, ModelFile, header_crc, parse_layout,
)
from pocketnlu.models import DEFAULT_MODEL
from pocketnlu.table import WeightTable
from pocketnlu.transitions import Transitions

MEMORY_LIMIT = 2 << 30  # address space of a worker: a file that makes a parse allocate more is a defect
IN_PLACE = 0.3  # of the mutants of the original's size: written over it while it is open
MAX_RESIZED_BYTES = 8 << 20  # a mutation never grows a section past this (keeps files quick to write)
# Label counts at the edges of the CRF limits: every column full fits the Viterbi work up to 720
# labels, a dense matrix up to 1024 (csrc/FORMAT.md, column lists).
LABEL_COUNTS = [1, 2, 16, 720, 721, 1024, 1025, lib.PNLU_MAX_CRF_LABELS, lib.PNLU_MAX_CRF_LABELS + 1,
                lib.PNLU_MAX_LABELS]
TABLE_HEADER = struct.Struct("<4sIIIIBBBBQQ24s")  # FORMAT.md struct table_header
TABLE_FIELDS = ("magic", "n_keys", "n_labels", "n_levels", "hash_seed", "fingerprint_bits", "label_bits",
                "weight_bits", "level_hashing", "n_pairs", "index_bits", "reserved")
PROBES = ["call mom", "set the temperature to seventy two degrees", "navigate to the airport", "play the next song",
          "turn the fan up to level 3", "", "a", "order me a pizza", "héllo 中文 ﷺ", "72 72.5 -1 0x1f",
          " ".join(["word"] * 300)]


# ---- the file's structure -------------------------------------------------------------------


@dataclass
class Section:
    name: bytes
    kind: int
    data: bytes


def decode(data: bytes) -> Tuple[int, List[Section]]:
    version, entries = parse_layout(memoryview(data), len(data))
    return version, [Section(e.name.encode(), e.kind, data[e.offset:e.offset + e.length]) for e in entries]


def encode(version: int, sections: List[Section]) -> bytearray:
    """A file of these sections, in this order, 64-byte aligned, with valid CRCs: unlike the
    writer, it writes whatever the sections hold."""
    out = bytearray(HEADER.size + SECTION.size * len(sections))
    for i, section in enumerate(sections):
        out += bytes(-len(out) % ALIGNMENT)
        SECTION.pack_into(out, HEADER.size + i * SECTION.size, section.name[:40], section.kind & 0xFFFFFFFF, 0,
                          len(out), len(section.data))
        out += section.data
    HEADER.pack_into(out, 0, MAGIC, version & 0xFFFFFFFF, len(sections), len(out), HEADER.size, ALIGNMENT, 0)
    return fix_crcs(out)


def fix_crcs(data: bytearray) -> bytearray:
    """Recompute every section CRC (of the bytes its entry points to, where they exist) and the
    header CRC, whatever the header and entries now say."""
    if len(data) < HEADER.size:
        return data
    n = min(struct.unpack_from("<I", data, 12)[0], (len(data) - HEADER.size) // SECTION.size)
    for i in range(n):
        at = HEADER.size + i * SECTION.size
        _, _, _, offset, length = SECTION.unpack_from(data, at)
        if offset + length <= len(data):
            struct.pack_into("<I", data, at + 44, zlib.crc32(data[offset:offset + length]))
    table_end = HEADER.size + SECTION.size * struct.unpack_from("<I", data, 12)[0]
    if table_end <= len(data):
        struct.pack_into("<I", data, 36, header_crc(bytes(data[:table_end])))
    return data


def table_regions(fields: dict) -> List[Tuple[str, int]]:
    """(name, bytes) of each part of a weight-table section laid out as its header says."""
    words = lambda bits: -(-bits // 64)
    round8 = lambda n: -(-n // 8) * 8
    n_keys, n_pairs, index_bits = fields["n_keys"], fields["n_pairs"], fields["index_bits"]
    return [("header", TABLE_HEADER.size), ("level_bits", 8 * fields["n_levels"]), ("index", index_bits // 8),
            ("rank_samples", round8(4 * (index_bits // 512 + 1))),
            ("fingerprints", 8 * (words(n_keys * fields["fingerprint_bits"]) + 1)),
            ("bias", round8(4 * fields["n_labels"])), ("row_starts", 8 * (words(n_pairs) + 1)),
            ("select_samples", round8(4 * -(-n_keys // 64))),
            ("pairs", 8 * (words(n_pairs * (fields["label_bits"] + fields["weight_bits"])) + 1))]


def columns_regions(rows: int, n_nonzero: int) -> List[Tuple[str, int]]:
    return [("header", COLUMNS_HEADER.size), ("starts", 4 * (rows + 1)), ("froms", 2 * n_nonzero),
            ("pad", (2 * n_nonzero) % 4), ("values", 4 * n_nonzero)]


def split(data: bytes, regions) -> dict:
    parts, at = {}, 0
    for name, size in regions:
        parts[name] = data[at:at + size]
        at += size
    return parts


def relayout(rng, data: bytes, old_regions, new_regions) -> bytes:
    """The section laid out anew: each region keeps its old bytes, cut or extended (with zeros or
    random bytes) to its new size; unchanged if that would make it over MAX_RESIZED_BYTES."""
    if sum(size for _, size in new_regions) > MAX_RESIZED_BYTES:
        return data
    old = split(data, old_regions)
    out = bytearray()
    for name, size in new_regions:
        part = old.get(name, b"")[:size]
        fill = size - len(part)
        out += part + (bytes(fill) if rng.random() < 0.5 else rng.randbytes(fill))
    return bytes(out)


# ---- mutations ------------------------------------------------------------------------------


def interesting(rng, old: int, bits: int) -> int:
    """A value a field of `bits` bits is likely to mishandle: edges, powers of two, neighbours of old."""
    top = (1 << bits) - 1
    return rng.choice([0, 1, 2, 3, 7, 8, 15, 16, 17, 63, 64, 65, 127, 128, 255, 256, 4095, 4096, 4097,
                       lib.PNLU_MAX_LABELS, lib.PNLU_MAX_LABELS + 1, top >> 1, (top >> 1) + 1, top,
                       old + 1, old - 1, old * 2, old // 2, old + rng.randint(-70, 70), rng.getrandbits(bits)]) & top


DEEP = "<nested 100000 deep>"  # stands for a value too deep for json.dumps, put in after it


def mutate_meta(rng, data: bytes, sections: List[Section]) -> bytes:
    try:
        meta = json.loads(data)
    except (ValueError, RecursionError):
        return rng.randbytes(8) + data
    spots = []  # (container, key) of every value in the tree

    def walk(node):
        for key in (node if isinstance(node, dict) else range(len(node))):
            spots.append((node, key))
            if isinstance(node[key], (dict, list)):
                walk(node[key])

    if isinstance(meta, (dict, list)):
        walk(meta)
    if not spots:
        return json.dumps(rng.choice([[], 0, "x", None])).encode()
    container, key = rng.choice(spots)
    old = container[key]
    names = [s.name.decode("latin-1") for s in sections]
    choice = rng.randrange(12)
    if choice == 0 and isinstance(container, dict):
        del container[key]
    elif choice == 1 and isinstance(container, dict):
        container[key + "\u0000" if rng.random() < 0.3 else "unknown_key"] = old
    elif choice == 2:
        container[key] = rng.choice(names)  # a reference to a section, maybe of the wrong kind
    elif choice == 3 and isinstance(old, list):
        container[key] = old[:rng.randrange(len(old) + 1)] if rng.random() < 0.5 else old + old[:3]
    elif choice == 4 and isinstance(old, (int, float)) and not isinstance(old, bool):
        container[key] = rng.choice([-1, 0, 2**31, 2**32, 2**63, 2**64, 1e308, -1e308, float("nan"), float("inf"),
                                     0.5, -old, old + 1])
    elif choice == 5 and isinstance(old, str):
        container[key] = rng.choice(["", old * 50, old + "\ud800", "\x00", "B-" + old, "I-", "O", "crf",
                                     "classifier", old.upper()])
    elif choice == 6:
        container[key] = [old]
    elif choice == 7:
        container[key] = {"k": old}
    elif choice == 8:
        container[key] = DEEP if rng.random() < 0.3 else [[[]]]
    else:
        container[key] = rng.choice([None, True, False, 0, -1, 1.5, "", "x", [], {}, 65536, 2**40])
    text = json.dumps(meta, sort_keys=rng.random() < 0.9, separators=(",", ":"), ensure_ascii=rng.random() < 0.5)
    return text.replace(json.dumps(DEEP), "[" * 100_000 + "]" * 100_000).encode("utf-8", "surrogatepass")


def mutate_table(rng, data: bytes, sections) -> bytes:
    if len(data) < TABLE_HEADER.size:
        return data + rng.randbytes(TABLE_HEADER.size - len(data))
    fields = dict(zip(TABLE_FIELDS, TABLE_HEADER.unpack_from(data)))
    regions = table_regions(fields)
    if rng.random() < 0.5:  # a header field, and the layout it implies
        name = rng.choice(TABLE_FIELDS[1:])
        if name == "reserved":
            fields[name] = rng.randbytes(24)
        elif name == "level_hashing" and rng.random() < 0.7:
            # the other scheme (same layout: past every length check, keys land elsewhere), or none
            fields[name] = rng.choice([lib.PNLU_LEVELS_RESEEDED, lib.PNLU_LEVELS_DERIVED, lib.PNLU_LEVELS_DERIVED + 1])
        else:
            bits = 64 if name in ("n_pairs", "index_bits") else 8 if name in TABLE_FIELDS[5:9] else 32
            fields[name] = interesting(rng, fields[name], bits)
        header = TABLE_HEADER.pack(*(fields[f] for f in TABLE_FIELDS))
        data = header + data[TABLE_HEADER.size:]
        return relayout(rng, data, regions, table_regions(fields)) if rng.random() < 0.8 else data
    if rng.random() < 0.2 and fields["n_levels"]:  # a level's size, keeping index_bits their sum or not
        level = rng.randrange(fields["n_levels"])
        at = TABLE_HEADER.size + 8 * level
        if at + 8 <= len(data):
            old = struct.unpack_from("<Q", data, at)[0]
            new = rng.choice([0, 64, old + 64, old - 64, old + 1, 2**32 - 64, 2**32, interesting(rng, old, 64)])
            data = bytearray(data)
            struct.pack_into("<Q", data, at, new & (2**64 - 1))
            if rng.random() < 0.7:
                fields["index_bits"] = (fields["index_bits"] - old + new) % 2**64
                data[:TABLE_HEADER.size] = TABLE_HEADER.pack(*(fields[f] for f in TABLE_FIELDS))
                return relayout(rng, bytes(data), regions, table_regions(fields))
            return bytes(data)
    # A region's contents: words set to edge values (samples, pairs, bias), or bits flipped.
    at = 0
    spans = []
    for name, size in regions:
        if size and name != "header":
            spans.append((at, min(at + size, len(data))))
        at += size
    spans = [(a, b) for a, b in spans if b > a]
    if not spans:
        return data
    start, end = rng.choice(spans)
    return poke(rng, data, start, end)


def poke(rng, data: bytes, start: int, end: int) -> bytes:
    """data with a few words or bits of [start, end) changed."""
    data = bytearray(data)
    for _ in range(rng.choice([1, 1, 2, 4])):
        width = rng.choice([1, 2, 4, 8])
        if end - start < width:
            width = 1
        at = rng.randrange(start, end - width + 1)
        if rng.random() < 0.5:
            data[at] ^= 1 << rng.randrange(8)
        else:
            old = int.from_bytes(data[at:at + width], "little")
            data[at:at + width] = interesting(rng, old, 8 * width).to_bytes(width, "little")
    return bytes(data)


def mutate_columns(rng, data: bytes, sections) -> bytes:
    if len(data) < COLUMNS_HEADER.size:
        return data + bytes(COLUMNS_HEADER.size - len(data))
    rows, cols, n_nonzero, reserved = COLUMNS_HEADER.unpack_from(data)
    regions = columns_regions(rows, n_nonzero)
    parts = split(data, regions)
    choice = rng.randrange(6)
    if choice == 0:  # a count, and the layout it implies
        field = rng.randrange(4)
        counts = [rows, cols, n_nonzero, reserved]
        counts[field] = interesting(rng, counts[field], 32)
        if field == 0 and rng.random() < 0.7:
            counts[1] = counts[0]  # still square
        new_regions = columns_regions(counts[0], counts[2])
        data = COLUMNS_HEADER.pack(*counts) + data[COLUMNS_HEADER.size:]
        return relayout(rng, data, regions, new_regions) if rng.random() < 0.8 else data
    if choice == 1:  # columns made long: the cost of a Viterbi step
        return hostile_columns(rng, rows)
    region = {2: "starts", 3: "froms", 4: "froms", 5: "values"}[choice]
    start = sum(size for name, size in regions[:[n for n, _ in regions].index(region)])
    width = {"starts": 4, "froms": 2, "values": 4}[region]
    count = len(parts[region]) // width
    if not count:
        return data
    data = bytearray(data)
    for _ in range(rng.choice([1, 1, 2, 8])):
        at = start + width * rng.randrange(count)
        old = int.from_bytes(data[at:at + width], "little")
        if region == "froms" and rng.random() < 0.4:
            # out of range, repeated, unordered
            new = rng.choice([rows, rows - 1, lib.PNLU_MAX_LABELS, 0, old + 1, old - 1])
        elif region == "starts" and rng.random() < 0.4:
            new = rng.choice([n_nonzero, n_nonzero + 1, old + 16, old - 1, 2**32 - 1])
        else:
            new = interesting(rng, old, 8 * width)
        data[at:at + width] = (new % (1 << 8 * width)).to_bytes(width, "little")
    return bytes(data)


def hostile_columns(rng, rows: int) -> bytes:
    """Valid column lists with long columns, or many labels: what makes a Viterbi step expensive
    (real models have short columns)."""
    rows = rows if rng.random() < 0.5 and rows <= lib.PNLU_MAX_LABELS else rng.choice(LABEL_COUNTS)
    per_column = min(rows, rng.choice([0, 1, 15, 16, 17, 64, 256, rows]))
    while 6 * rows * per_column > MAX_RESIZED_BYTES:
        per_column //= 2
    return uniform_columns(rows, per_column, rng.getrandbits(32))


def uniform_columns(rows: int, per_column: int, seed: int = 0) -> bytes:
    """Column lists of `rows` labels with `per_column` entries (value 1) in every column."""
    spacing = rows // max(per_column, 1)  # entry j of column y is j * spacing + a random offset of y
    offsets = np.random.default_rng(seed).integers(0, spacing, size=(rows, 1))
    froms = np.arange(per_column) * spacing + offsets
    n_nonzero = rows * per_column
    return (COLUMNS_HEADER.pack(rows, rows, n_nonzero, 0) + (np.arange(rows + 1) * per_column).astype("<u4").tobytes()
            + froms.astype("<u2").tobytes() + bytes((2 * n_nonzero) % 4) + np.ones(n_nonzero, "<i4").tobytes())


VALUES_HEADER = struct.Struct("<4sIII")  # FORMAT.md value-table sections: magic, n_entries, string_bytes, reserved


def values_regions(n_entries: int, string_bytes: int) -> List[Tuple[str, int]]:
    return [("header", VALUES_HEADER.size), ("offsets", 4 * (2 * n_entries + 1)), ("strings", string_bytes)]


def mutate_values(rng, data: bytes, sections) -> bytes:
    """A value table's counts (and the layout they imply), one of its string offsets, or its
    strings (keys and JSON values)."""
    if len(data) < VALUES_HEADER.size:
        return data + bytes(VALUES_HEADER.size - len(data))
    magic, n_entries, string_bytes, reserved = VALUES_HEADER.unpack_from(data)
    regions = values_regions(n_entries, string_bytes)
    choice = rng.randrange(3)
    if choice == 0:
        counts = [n_entries, string_bytes, reserved]
        field = rng.randrange(3)
        counts[field] = interesting(rng, counts[field], 32)
        data = VALUES_HEADER.pack(magic, *counts) + data[VALUES_HEADER.size:]
        return relayout(rng, data, regions, values_regions(counts[0], counts[1])) if rng.random() < 0.8 else data
    start = VALUES_HEADER.size + (0 if choice == 1 else regions[1][1])
    end = min(len(data), start + (regions[1][1] if choice == 1 else string_bytes))
    return poke(rng, data, start, end) if end > start else data


def mutate_matrix(rng, data: bytes, sections, width: int) -> bytes:
    if len(data) < MATRIX_HEADER.size:
        return data + bytes(MATRIX_HEADER.size - len(data))
    rows, cols = MATRIX_HEADER.unpack_from(data)
    if rng.random() < 0.5:
        rows = interesting(rng, rows, 32)
        cols = rows if rng.random() < 0.7 else interesting(rng, cols, 32)
        size = MATRIX_HEADER.size + width * rows * cols
        body = data[MATRIX_HEADER.size:]
        if size <= MAX_RESIZED_BYTES and rng.random() < 0.8:
            body = (body * (size // max(len(body), 1) + 1))[:size - MATRIX_HEADER.size]
        return MATRIX_HEADER.pack(rows, cols) + body
    return poke(rng, data, MATRIX_HEADER.size, len(data)) if len(data) > MATRIX_HEADER.size else data


def resize_labels(rng, sections: List[Section]) -> None:
    """A model's label count changed consistently in the metadata, its table and (a CRF) its
    transitions, now hostile: what gets a hostile label count or long columns past the checks
    that compare them, to the scoring and Viterbi of a parse."""
    try:
        models = json.loads(next(s for s in sections if s.name == b"meta").data)["models"]
        name, spec = rng.choice(sorted(models.items()))
        n_labels = rng.choice(LABEL_COUNTS + [len(spec["labels"]) + 1])
        set_labels(rng, sections, name, n_labels, hostile_columns(rng, n_labels))
    except (StopIteration, KeyError, TypeError, ValueError, IndexError, AttributeError, RecursionError,
            struct.error):
        return  # an earlier change took what this needs


def set_labels(rng, sections: List[Section], model: str, n_labels: int, transitions: bytes) -> None:
    """The model's labels (metadata) and its table's label count (resized) set to n_labels, and a
    CRF's transitions to `transitions` (column lists), in place. The sections must be a valid NLU model's."""
    by_name = {s.name.decode("latin-1"): s for s in sections}
    meta = json.loads(by_name["meta"].data)
    spec = meta["models"][model]
    spec["labels"] = (spec["labels"] + [f"B-x{i}" for i in range(n_labels)])[:n_labels]
    by_name["meta"].data = json.dumps(meta, sort_keys=True, separators=(",", ":")).encode()
    table = by_name[spec["table"]]
    fields = dict(zip(TABLE_FIELDS, TABLE_HEADER.unpack_from(table.data)))
    regions = table_regions(fields)
    fields.update(n_labels=n_labels, label_bits=max(fields["label_bits"], (n_labels - 1).bit_length()))
    data = TABLE_HEADER.pack(*(fields[f] for f in TABLE_FIELDS)) + table.data[TABLE_HEADER.size:]
    table.data = relayout(rng, data, regions, table_regions(fields))
    if "transitions" in spec:
        by_name[spec["transitions"]].kind, by_name[spec["transitions"]].data = KIND_COLUMNS, transitions


def swap_layout(section: Section) -> None:
    """Transitions as the other layout, same values (column lists <-> dense int32 or int16), in
    place: the dense path of Viterbi, reached from an NLU model. Unchanged if they do not decode
    (column lists the reader refuses) or the dense matrix would be over MAX_RESIZED_BYTES."""
    if len(section.data) < 4 or 4 * struct.unpack_from("<I", section.data)[0] ** 2 > MAX_RESIZED_BYTES:
        return
    try:
        if section.kind == KIND_COLUMNS:
            if lib.pnlu_transitions_columns(ffi.new("pnlu_transitions *"), section.data, len(section.data)):
                return
            rows, _, n_nonzero, _ = COLUMNS_HEADER.unpack_from(section.data)
            parts = split(section.data, columns_regions(rows, n_nonzero))
            matrix = np.zeros((rows, rows), dtype=np.int64)
            starts = np.frombuffer(parts["starts"], "<u4")
            to_labels = np.repeat(np.arange(rows), np.diff(starts).astype(np.intp))  # repeat counts are intp: 32 bits on armhf
            matrix[np.frombuffer(parts["froms"], "<u2"), to_labels] = np.frombuffer(parts["values"], "<i4")
            section.kind = KIND_MATRIX16 if np.abs(matrix).max(initial=0) < 1 << 15 else KIND_MATRIX
            section.data = MATRIX_HEADER.pack(rows, rows) + matrix.astype("<i2" if section.kind == KIND_MATRIX16
                                                                          else "<i4").tobytes()
        else:
            rows, cols = MATRIX_HEADER.unpack_from(section.data)
            matrix = np.frombuffer(section.data, "<i2" if section.kind == KIND_MATRIX16 else "<i4",
                                   rows * cols, MATRIX_HEADER.size).reshape(rows, cols)
            to_labels, from_labels = np.nonzero(matrix.T)
            starts = np.searchsorted(to_labels, np.arange(cols + 1)).astype("<u4")
            section.kind = KIND_COLUMNS
            section.data = (COLUMNS_HEADER.pack(rows, cols, len(from_labels), 0) + starts.tobytes()
                            + from_labels.astype("<u2").tobytes() + bytes((2 * len(from_labels)) % 4)
                            + matrix.T[to_labels, from_labels].astype("<i4").tobytes())
    except (ValueError, IndexError, struct.error, MemoryError):
        pass


def mutate_sections(rng, sections: List[Section]) -> None:
    """One change to the list of sections or to one section's bytes, in place."""
    choice = rng.random()
    if choice < 0.05:
        return resize_labels(rng, sections)
    transitions = [s for s in sections if s.kind in (KIND_COLUMNS, KIND_MATRIX, KIND_MATRIX16)]
    if choice < 0.1 and transitions:
        return swap_layout(rng.choice(transitions))
    if choice < 0.6:
        section = rng.choice(sections)
        mutate = {KIND_META: mutate_meta, KIND_TABLE: mutate_table, KIND_COLUMNS: mutate_columns,
                  KIND_VALUES: mutate_values, KIND_MATRIX: lambda r, d, s: mutate_matrix(r, d, s, 4),
                  KIND_MATRIX16: lambda r, d, s: mutate_matrix(r, d, s, 2)}.get(section.kind)
        if mutate:
            section.data = mutate(rng, section.data, sections)
        return
    i = rng.randrange(len(sections))
    section = sections[i]
    if choice < 0.65:
        section.kind = rng.choice([0, 1, 2, 3, 4, 5, 6, 2**32 - 1])
    elif choice < 0.7:
        section.name = rng.choice([s.name for s in sections] + [b"", b"x" * 40, b"meta\x01", b"\xff"])
    elif choice < 0.75:
        del sections[i]
    elif choice < 0.8:
        sections.insert(rng.randrange(len(sections) + 1), Section(section.name + b"2", section.kind, section.data))
    elif choice < 0.85:
        j = rng.randrange(len(sections))
        sections[i], sections[j] = sections[j], sections[i]
    elif choice < 0.9:
        section.data = rng.choice(sections).data  # another section's bytes
    elif choice < 0.95:
        cut = rng.choice([1, 4, 8, 64, len(section.data) // 2])
        section.data = section.data[:-cut] if rng.random() < 0.5 else section.data + bytes(cut)
    elif section.data:
        section.data = poke(rng, section.data, 0, len(section.data))


def mutate_layout(rng, data: bytearray) -> bytearray:
    """One change to the header or a section-table entry (offsets, lengths, counts, version)."""
    n = struct.unpack_from("<I", data, 12)[0]
    fields = [(8, 4), (12, 4), (16, 8), (24, 8), (32, 4), (40, 8)]  # version, n_sections, bytes, table, alignment
    for i in range(n):
        at = HEADER.size + i * SECTION.size
        fields += [(at + 40, 4), (at + 48, 8), (at + 56, 8)]  # kind, offset, length
    choice = rng.random()
    if choice < 0.1:
        return data[:rng.randrange(len(data))]
    if choice < 0.2:
        return data + bytes(rng.choice([1, 8, 64]))
    at, width = rng.choice(fields)
    old = int.from_bytes(data[at:at + width], "little")
    new = old + rng.choice([-64, 64, -1, 1]) if rng.random() < 0.4 else interesting(rng, old, 8 * width)
    data[at:at + width] = (new % (1 << 8 * width)).to_bytes(width, "little")
    return data


def mutant(original: bytes, seed: int, index: int) -> bytes:
    """File `index` of the run with this seed: one to a few changes to the decoded file, encoded
    with valid CRCs (and once in 20 with one left stale)."""
    rng = random.Random(f"{seed}:{index}")
    version, sections = decode(original)
    n_changes = 1 + (rng.random() < 0.3) + (rng.random() < 0.1)
    layout = rng.random() < 0.15
    for _ in range(n_changes - layout):
        if sections:
            mutate_sections(rng, sections)
    if rng.random() < 0.05:
        version = rng.choice([0, 1, 2, 4, FORMAT_VERSION])  # 4: too old for derived level hashing
    data = encode(version, sections)
    if layout:
        data = fix_crcs(mutate_layout(rng, data))
    if rng.random() < 0.05 and len(data) > HEADER.size:
        data[rng.randrange(HEADER.size, len(data))] ^= 1  # a stale CRC: --verify and the reader's own checks
    return bytes(data)


# ---- opening and parsing, in worker processes -----------------------------------------------


def exercise(path: str, mode: str, rewrite: str = "") -> None:
    """What a device does with a model: open it and parse (nlu), or open every table and
    transitions section and look up, score and decode with them (sections). With `rewrite` (a
    file of the same size), its bytes are written over the file in place once it is open, as
    another process could while it is mapped: then only the C core's checks at use stand."""
    def overwrite():
        if rewrite:
            with open(rewrite, "rb") as new, open(path, "r+b") as f:
                f.write(new.read())

    if mode == "nlu":
        with pocketnlu.open(path) as model:
            model.parse(PROBES[0])
            overwrite()
            for text in PROBES:
                model.parse(text)
            model.parse_batch(PROBES)
        return
    keys = [f"k{i}" for i in range(64)] + ["w=call", "w=mom", "", "é中" * 20]
    with ModelFile(path) as model_file:
        tables = [WeightTable(model_file, name) for name, s in model_file.sections.items() if s.kind == KIND_TABLE]
        transitions = [Transitions(model_file, name).c_transitions for name, s in model_file.sections.items()
                       if s.kind in (KIND_COLUMNS, KIND_MATRIX, KIND_MATRIX16)]
        overwrite()
        for table in tables:
            table.lookup(keys)
            table.score(keys, [0, 10, 10, len(keys)])
        for tr in transitions:
            n_tokens, n_labels = 5, tr.n_labels
            state = np.arange(n_tokens * n_labels, dtype=np.int64) % 7
            check(lib.pnlu_viterbi(ffi.from_buffer("int64_t[]", state), n_tokens, tr,
                                   ffi.new("int64_t[]", 4 * n_labels), ffi.new("uint16_t[]", n_tokens * n_labels),
                                   ffi.new("uint32_t[]", n_tokens), ffi.NULL), "transitions")


def outcome(path: str, mode: str, rewrite: str = "") -> dict:
    try:
        exercise(path, mode, rewrite)
    except ModelFormatError as error:
        return {"outcome": "rejected", "detail": type(error).__name__}
    except Exception as error:  # a defect: name it by its type and where it was raised
        frame = traceback.extract_tb(error.__traceback__)[-1]
        where = f"{os.path.basename(frame.filename)}:{frame.lineno} in {frame.name}"
        return {"outcome": "defect", "detail": f"{type(error).__name__} at {where}: {str(error)[:200]}"}
    return {"outcome": "parsed", "detail": ""}


def worker(mode: str) -> None:
    """Reads lines "PATH" or "PATH\tREWRITE" and answers each with one JSON line (outcome)."""
    import resource

    if "asan" not in os.environ.get("LD_PRELOAD", ""):  # AddressSanitizer maps terabytes of shadow
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    print("ready", flush=True)
    for line in sys.stdin:
        path, _, rewrite = line.rstrip("\n").partition("\t")
        print(json.dumps(outcome(path, mode, rewrite)), flush=True)


class Worker:
    """A worker process, restarted after a crash or a hang."""

    def __init__(self, mode: str, timeout: float):
        self.mode, self.timeout, self.process = mode, timeout, None

    def run(self, path: str, rewrite: str = "") -> dict:
        """The outcome of exercise(path, mode, rewrite) in the worker."""
        if self.process is None:
            command = [sys.executable, "-m", "pocketnlu_tools.bench.mutate_files", "--worker", self.mode]
            self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                            stderr=subprocess.DEVNULL, text=True)
            if self._answer(60) != "ready":
                return self._died("worker did not start")
        self.process.stdin.write(f"{path}\t{rewrite}\n")
        self.process.stdin.flush()
        answer = self._answer(self.timeout)
        if answer is None:
            return self._died(f"hang (over {self.timeout} s)")
        if not answer:
            return self._died("crash")
        return json.loads(answer)

    def _answer(self, timeout: float):
        """The next line, "" at end of file, None after timeout seconds."""
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        return self.process.stdout.readline().rstrip("\n") if ready else None

    def _died(self, what: str) -> dict:
        self.process.kill()
        status = self.process.wait()
        self.process = None
        if what == "crash":
            what = f"crash (signal {-status})" if status < 0 else f"crash (exit status {status})"
        return {"outcome": "defect", "detail": what}

    def close(self) -> None:
        if self.process is not None:
            self.process.stdin.close()
            self.process.wait()


# ---- the run --------------------------------------------------------------------------------


def model_mode(path: str) -> str:
    """nlu if the file opens as an NLU model, else sections."""
    try:
        pocketnlu.open(path).close()
        return "nlu"
    except pocketnlu.ModelFormatError:
        return "sections"


def run(model: str, mode: str, count: int, seconds: float, seed: int, first: int, jobs: int, timeout: float,
        keep: str):
    """Counts of outcomes (and of files written in place) and {defect class: [file indexes]} of
    files first .. first + count - 1 (fewer if `seconds` run out), made and tried by `jobs`
    threads, each with its worker. A share of the mutants of the original's size (IN_PLACE) are
    written over a copy of the original once it is open, instead of being opened."""
    original = open(model, "rb").read()
    deadline = time.monotonic() + seconds if seconds else float("inf")
    counts = {"rejected": 0, "parsed": 0, "defect": 0, "in place": 0}
    defects = defaultdict(list)
    lock = threading.Lock()
    indexes = iter(range(first, first + count))
    scratch = tempfile.mkdtemp(prefix="pnlu-mutate-")

    def loop(path: str) -> None:
        worker = Worker(mode, timeout)
        try:
            while time.monotonic() < deadline:
                with lock:
                    index = next(indexes, None)
                if index is None:
                    return
                data = mutant(original, seed, index)
                in_place = len(data) == len(original) and random.Random(f"{seed}:{index}:in place").random() < IN_PLACE
                with open(path, "wb") as f:
                    f.write(data)
                if in_place:
                    shutil.copy(model, path + ".open")
                result = worker.run(path + ".open", path) if in_place else worker.run(path)
                with lock:
                    counts[result["outcome"]] += 1
                    counts["in place"] += in_place
                    if result["outcome"] == "defect":
                        defects[("written in place (replay --over MODEL): " if in_place else "")
                                + result["detail"]].append(index)
                        if keep:
                            os.makedirs(keep, exist_ok=True)
                            shutil.copy(path, os.path.join(keep, f"defect-{seed}-{index}.pnlu"))
        finally:
            worker.close()

    try:
        with ThreadPoolExecutor(jobs) as pool:
            for future in [pool.submit(loop, os.path.join(scratch, f"{j}.pnlu")) for j in range(jobs)]:
                future.result()  # a bug of the harness itself is raised here
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return counts, defects


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", nargs="?", default=str(DEFAULT_MODEL))
    parser.add_argument("--count", type=int, default=1000, help="files to make (default 1000)")
    parser.add_argument("--seconds", type=float, default=0, help="stop after this long (default: no limit)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--first", type=int, default=0, help="index of the first file (to reproduce one)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--timeout", type=float, default=10, help="seconds a file may take (default 10)")
    parser.add_argument("--keep", help="copy each defect's file into this folder")
    parser.add_argument("--mode", choices=["nlu", "sections"],
                        help="parse (nlu) or use tables and transitions (sections); default: nlu if MODEL opens "
                             "as an NLU model (and for --replay)")
    parser.add_argument("--replay", nargs="+", metavar="FILE", help="try these files, one by one")
    parser.add_argument("--over", metavar="MODEL", help="with --replay: write each FILE over a copy of MODEL once "
                                                        "it is open (a defect found in place)")
    parser.add_argument("--worker", choices=["nlu", "sections"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker)
        return 0
    if args.replay:
        failed = False
        for path in args.replay:
            replayer = Worker(args.mode or "nlu", args.timeout)
            if args.over:
                with tempfile.TemporaryDirectory() as scratch:
                    shutil.copy(args.over, os.path.join(scratch, "open.pnlu"))
                    result = replayer.run(os.path.join(scratch, "open.pnlu"), os.path.abspath(path))
            else:
                result = replayer.run(os.path.abspath(path))
            replayer.close()
            print(f"{path}: {result['outcome']} {result['detail']}")
            failed |= result["outcome"] == "defect"
        return int(failed)
    mode = args.mode or model_mode(args.model)
    counts, defects = run(args.model, mode, args.count, args.seconds, args.seed, args.first, args.jobs, args.timeout,
                          args.keep)
    print(f"{args.model} ({mode}), seed {args.seed}: {counts['in place']} files written in place while open")
    for detail, indexes in sorted(defects.items(), key=lambda item: -len(item[1])):
        print(f"defect ({len(indexes)} files, e.g. --first {indexes[0]} --count 1): {detail}")
    files = counts["rejected"] + counts["parsed"] + counts["defect"]
    print(f"mutate: {files} files, {counts['rejected']} rejected cleanly, {counts['parsed']} parsed, "
          f"{counts['defect']} defects")
    return int(counts["defect"] > 0)


if __name__ == "__main__":
    sys.exit(main())
