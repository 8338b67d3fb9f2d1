"""Writes a .pnlu file: header, section table, 64-byte aligned sections (csrc/FORMAT.md)."""
import json
import os
import tempfile
import zlib
from typing import Sequence, Tuple

import numpy as np

from pocketnlu._binding import lib
from pocketnlu.transitions import check_section
from pocketnlu.modelfile import (
    ALIGNMENT, COLUMNS_HEADER, HEADER, KIND_COLUMNS, KIND_MATRIX, KIND_MATRIX16, KIND_META, KIND_TABLE,
    MAGIC, MATRIX_HEADER, SECTION, header_crc, section_since,
)

MAX_NAME_BYTES = SECTION.size - 24


def matrix_section(values: np.ndarray):
    """(kind, bytes) of a dense integer matrix: int16 values when they all fit, else int32."""
    rows, cols = values.shape
    values = np.asarray(values)
    fits16 = values.size == 0 or (values.min() >= -(1 << 15) and values.max() < (1 << 15))
    kind, dtype = (KIND_MATRIX16, "<i2") if fits16 else (KIND_MATRIX, "<i4")
    data = MATRIX_HEADER.pack(rows, cols) + np.ascontiguousarray(values, dtype=dtype).tobytes()
    if rows == cols:  # CRF transitions: within the limits the reader checks (a ValueError naming them)
        check_section(kind, data)
    return kind, data


def columns_section(values: np.ndarray):
    """(kind, bytes) of a square int32 matrix as column lists of its nonzero entries."""
    values = np.asarray(values)
    rows, cols = values.shape
    if rows != cols or not 1 <= rows <= lib.PNLU_MAX_LABELS:
        raise ValueError(f"column lists need a square matrix of 1..{lib.PNLU_MAX_LABELS} rows, got {rows}x{cols}")
    if values.min() < -(1 << 31) or values.max() >= (1 << 31):
        raise ValueError("a value does not fit in int32")
    to_labels, from_labels = np.nonzero(values.T)  # column-major: by `to`, then increasing `from`
    starts = np.searchsorted(to_labels, np.arange(cols + 1)).astype("<u4")
    froms = from_labels.astype("<u2").tobytes()
    data = (COLUMNS_HEADER.pack(rows, cols, len(from_labels), 0) + starts.tobytes() + froms
            + bytes(len(froms) % 4) + values.T[to_labels, from_labels].astype("<i4").tobytes())
    check_section(KIND_COLUMNS, data)  # within the limits the reader checks (a ValueError naming them)
    return KIND_COLUMNS, data


def meta_section(meta: dict) -> bytes:
    """Canonical JSON (sorted keys, no whitespace) so that rebuilding gives the same bytes."""
    return json.dumps(meta, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def pack_file(meta: dict, tables: dict, matrices: dict = None, matrix_layout: str = "columns") -> bytes:
    """The bytes of a model file: metadata first, then tables and matrices in name order.
    Matrices are stored as column lists, or with matrix_layout="dense" as the dense kinds that
    format versions 1 and 2 have. The file gets the oldest format version that has all its
    section kinds (and the tables' level hashing), so older readers can read whatever they can
    understand."""
    encode = {"columns": columns_section, "dense": matrix_section}[matrix_layout]
    sections = [("meta", KIND_META, meta_section(meta))]
    # A table is its bytes (a weight table), or (kind, bytes) for other kinds of table section.
    sections += [(name, *(data if isinstance(data, tuple) else (KIND_TABLE, data))) for name, data in sorted(tables.items())]
    sections += [(name, *encode(m)) for name, m in sorted((matrices or {}).items())]
    return pack_sections(sections)


def pack_sections(sections: Sequence[Tuple[str, int, bytes]]) -> bytes:
    """The bytes of a model file holding these (name, kind, data) sections, in this order, each
    64-byte aligned, with their CRC-32s and the header's."""
    version = max(section_since(kind, data) for _, kind, data in sections)
    for name, _, _ in sections:
        encoded = name.encode("ascii")
        if not encoded or len(encoded) > MAX_NAME_BYTES or not name.isprintable():
            raise ValueError(f"section name {name!r} must be 1..{MAX_NAME_BYTES} printable ASCII bytes")

    offset = _align(HEADER.size + SECTION.size * len(sections))
    entries, body = [], bytearray()
    for name, kind, data in sections:
        body += bytes(offset - HEADER.size - SECTION.size * len(sections) - len(body))
        entries.append(SECTION.pack(name.encode("ascii"), kind, zlib.crc32(data), offset, len(data)))
        body += data
        offset = _align(offset + len(data))
    file_bytes = HEADER.size + SECTION.size * len(sections) + len(body)
    head = HEADER.pack(MAGIC, version, len(sections), file_bytes, HEADER.size, ALIGNMENT, 0) + b"".join(entries)
    head = HEADER.pack(MAGIC, version, len(sections), file_bytes, HEADER.size, ALIGNMENT,
                       header_crc(head)) + b"".join(entries)
    return head + bytes(body)


def write_atomically(path, data: bytes) -> None:
    """Write to a temporary file beside `path`, fsync, rename over it: readers that have
    the old file mapped keep it intact, and a failure never leaves a half-written model."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".pnlu-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _align(n: int) -> int:
    return -(-n // ALIGNMENT) * ALIGNMENT
