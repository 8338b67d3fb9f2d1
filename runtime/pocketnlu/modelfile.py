"""The .pnlu container: header, section table, metadata, read in place through mmap.

Opening validates the header and the section table only (O(1) in the file size: no
weight is parsed or copied); `verify()` checks every section's CRC-32 on request.
Layout and version history: csrc/FORMAT.md.
"""
import json
import mmap
import os
import stat
import struct
import zlib
from dataclasses import dataclass

from ._binding import ffi, lib
from .errors import (
    BadMagicError,
    ChecksumError,
    CorruptModelError,
    TruncatedFileError,
    UnsupportedVersionError,
)

MAGIC = b"PNLU\r\n\x1a\n"  # like PNG's: catches text-mode and 7-bit transfers
FORMAT_VERSION = 5
ALIGNMENT = 64
HEADER = struct.Struct("<8sIIQQII24x")  # magic, version, n_sections, file_bytes, table offset, alignment, crc
SECTION = struct.Struct("<40sIIQQ")  # name, kind, crc32, offset, length
MAX_SECTIONS = 4096
MAX_META_BYTES = 16 << 20
HEADER_CRC_OFFSET = 36  # where the header's own CRC-32 sits (zeroed while computing it)

KIND_META = 1
KIND_TABLE = 2
KIND_MATRIX = 3  # int32 values
KIND_MATRIX16 = 4  # int16 values (format version 2)
KIND_COLUMNS = 5  # a square matrix as column lists of its nonzero entries (format version 3)
KIND_VALUES = 6  # a slot's spoken values -> canonical values (format version 4)
KIND_NAMES = {KIND_META: "meta", KIND_TABLE: "table", KIND_MATRIX: "matrix", KIND_MATRIX16: "matrix16",
              KIND_COLUMNS: "columns", KIND_VALUES: "values"}
# The first format version that has each kind.
KIND_SINCE = {KIND_META: 1, KIND_TABLE: 1, KIND_MATRIX: 1, KIND_MATRIX16: 2, KIND_COLUMNS: 3, KIND_VALUES: 4}
TABLE_LEVEL_HASHING_AT = 23  # byte of a weight table's header that says how its MPHF levels hash
# The first format version that has each level hashing of weight tables.
LEVEL_HASHING_SINCE = {lib.PNLU_LEVELS_RESEEDED: 1, lib.PNLU_LEVELS_DERIVED: 5}
LEVEL_HASHING_NAMES = {lib.PNLU_LEVELS_RESEEDED: "reseeded", lib.PNLU_LEVELS_DERIVED: "derived"}
MATRIX_VALUE_BYTES = {KIND_MATRIX: 4, KIND_MATRIX16: 2}
MATRIX_HEADER = struct.Struct("<II")  # rows, cols; little-endian values follow
COLUMNS_HEADER = struct.Struct("<IIII")  # rows, cols, n_nonzero, reserved; then the lists


@dataclass(frozen=True)
class Section:
    name: str
    kind: int
    crc32: int
    offset: int
    length: int


def section_since(kind: int, data: bytes) -> int:
    """The first format version that can hold this section: its kind's, or for a weight table
    that of its level hashing, whichever is later."""
    since = KIND_SINCE[kind]
    if kind == KIND_TABLE and len(data) > TABLE_LEVEL_HASHING_AT:
        since = max(since, LEVEL_HASHING_SINCE[data[TABLE_LEVEL_HASHING_AT]])
    return since


def header_crc(header_and_table: bytes) -> int:
    data = bytearray(header_and_table)
    data[HEADER_CRC_OFFSET : HEADER_CRC_OFFSET + 4] = bytes(4)
    return zlib.crc32(data)


def parse_layout(data, file_bytes: int):
    """Validate header and section table of `data` (a buffer of `file_bytes` bytes).

    Returns (format_version, sections in file order). Raises a ModelFormatError naming
    the first problem found.
    """
    if file_bytes < HEADER.size:
        raise TruncatedFileError(f"file is {file_bytes} bytes, shorter than the {HEADER.size}-byte header")
    magic, version, n_sections, declared_bytes, table_offset, alignment, crc = HEADER.unpack_from(data, 0)
    if magic != MAGIC:
        raise BadMagicError("not a pocketnlu model (bad magic bytes)")
    if version > FORMAT_VERSION:
        raise UnsupportedVersionError(
            f"format version {version} is newer than this reader supports ({FORMAT_VERSION}); upgrade pocketnlu"
        )
    if version == 0:
        raise UnsupportedVersionError("format version 0 does not exist")
    if declared_bytes > file_bytes:
        raise TruncatedFileError(f"file is {file_bytes} bytes but its header says {declared_bytes}")
    if declared_bytes < file_bytes:
        raise CorruptModelError(f"file is {file_bytes} bytes but its header says {declared_bytes} (trailing data)")
    if alignment != ALIGNMENT:
        raise CorruptModelError(f"section alignment is {alignment}, expected {ALIGNMENT}")
    if not 1 <= n_sections <= MAX_SECTIONS:
        raise CorruptModelError(f"section count {n_sections} is out of range 1..{MAX_SECTIONS}")
    if table_offset != HEADER.size:
        raise CorruptModelError(f"section table offset {table_offset} is not {HEADER.size}")
    table_end = table_offset + n_sections * SECTION.size
    if table_end > file_bytes:
        raise TruncatedFileError(f"section table ({n_sections} entries) runs past the end of the file")
    if header_crc(data[:table_end]) != crc:
        raise CorruptModelError("header checksum mismatch (header or section table damaged)")

    sections = []
    names = set()
    previous_end = table_end
    for i in range(n_sections):
        raw_name, kind, crc32, offset, length = SECTION.unpack_from(data, table_offset + i * SECTION.size)
        name = _section_name(raw_name, i)
        where = f"section {i} ({name!r})"
        if name in names:
            raise CorruptModelError(f"{where}: duplicate section name")
        if kind not in KIND_NAMES:
            raise CorruptModelError(f"{where}: unknown section kind {kind}")
        if KIND_SINCE[kind] > version:
            raise CorruptModelError(f"{where}: a {KIND_NAMES[kind]} section in a format version {version} file")
        if offset % ALIGNMENT:
            raise CorruptModelError(f"{where}: offset {offset} is not aligned to {ALIGNMENT} bytes")
        if offset < previous_end:
            raise CorruptModelError(f"{where}: offset {offset} overlaps the previous section or the header")
        if offset + length > file_bytes:
            raise TruncatedFileError(
                f"{where}: bytes {offset}..{offset + length} run past the end of the file ({file_bytes} bytes)"
            )
        names.add(name)
        previous_end = offset + length
        sections.append(Section(name, kind, crc32, offset, length))
    return version, sections


def _section_name(raw: bytes, index: int) -> str:
    name, _, padding = raw.partition(b"\0")
    if not name or padding.strip(b"\0") or not name.isascii() or not name.decode().isprintable():
        raise CorruptModelError(f"section {index}: name is not NUL-padded printable ASCII")
    return name.decode()


class ModelFile:
    """A read-only mapping of a .pnlu file with its validated sections and metadata."""

    def __init__(self, path):
        self.path = os.fspath(path)
        # O_NONBLOCK: a FIFO (or a device) named as a model must not block the opening thread.
        with os.fdopen(os.open(self.path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)), "rb") as f:
            status = os.fstat(f.fileno())
            if not stat.S_ISREG(status.st_mode):
                raise CorruptModelError(f"{self.path}: not a regular file")
            size = status.st_size
            if size < HEADER.size:
                raise TruncatedFileError(
                    f"{self.path}: file is {size} bytes, shorter than the {HEADER.size}-byte header"
                )
            self._map = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        self._exports = []
        self._views = []  # every view handed out: released at close, so the map can always close
        try:
            self._view = memoryview(self._map)
            try:
                self.format_version, sections = parse_layout(self._view, size)
                self.sections = {s.name: s for s in sections}
                self.meta = self._read_meta()
            except (CorruptModelError, TruncatedFileError, BadMagicError, UnsupportedVersionError) as e:
                raise type(e)(f"{self.path}: {e}") from None
        except BaseException:
            self.close()
            raise
        self.file_bytes = size

    def _read_meta(self) -> dict:
        section = self.sections.get("meta")
        if section is None or section.kind != KIND_META:
            raise CorruptModelError("no metadata section")
        if section.length > MAX_META_BYTES:
            raise CorruptModelError(f"metadata section is {section.length} bytes, over {MAX_META_BYTES}")
        data = bytes(self.section_bytes("meta"))
        if zlib.crc32(data) != section.crc32:  # it is read in full anyway: a flipped bit is caught here
            raise ChecksumError("section 'meta' checksum mismatch")
        try:
            meta = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as e:
            raise CorruptModelError(f"metadata is not valid UTF-8 JSON ({type(e).__name__}: {e})") from None
        if not isinstance(meta, dict):
            raise CorruptModelError("metadata is not a JSON object")
        return meta

    def section_bytes(self, name: str, kind: int = None) -> memoryview:
        """The bytes of a section, in place (no copy)."""
        section = self.sections.get(name)
        if section is None:
            raise CorruptModelError(f"{self.path}: no section named {name!r}")
        if kind is not None and section.kind != kind:
            raise CorruptModelError(
                f"{self.path}: section {name!r} is a {KIND_NAMES[section.kind]}, expected a {KIND_NAMES[kind]}"
            )
        return self._handed_out(self._view[section.offset : section.offset + section.length])

    def _handed_out(self, view: memoryview) -> memoryview:
        self._views.append(view)
        return view

    def matrix(self, name: str):
        """A matrix section as (rows, cols, memoryview of its value bytes, bytes per value)."""
        section = self.sections.get(name)
        if section is None or section.kind not in MATRIX_VALUE_BYTES:
            raise CorruptModelError(f"{self.path}: no matrix section named {name!r}")
        if section.length < MATRIX_HEADER.size:
            raise TruncatedFileError(f"{self.path}: matrix section {name!r} is shorter than its header")
        rows, cols = MATRIX_HEADER.unpack_from(self._view, section.offset)
        width = MATRIX_VALUE_BYTES[section.kind]
        expected = MATRIX_HEADER.size + width * rows * cols
        if section.length != expected:
            raise CorruptModelError(
                f"{self.path}: matrix section {name!r} is {section.length} bytes, expected {expected} for {rows}x{cols}"
            )
        start = section.offset + MATRIX_HEADER.size
        return rows, cols, self._handed_out(self._view[start : section.offset + section.length]), width

    def c_pointer(self, view: memoryview):
        """A C pointer to `view` (a part of this file), valid until close()."""
        pointer = ffi.from_buffer("uint8_t[]", view)
        self._exports.append((view, pointer))
        return pointer

    def verify(self) -> None:
        """Check every section's CRC-32; raise ChecksumError naming the first bad one."""
        for section in self.sections.values():
            with self._view[section.offset : section.offset + section.length] as view:  # released here, not kept
                crc = zlib.crc32(view)
            if crc != section.crc32:
                raise ChecksumError(f"{self.path}: section {section.name!r} checksum mismatch")

    @property
    def closed(self) -> bool:
        return self._map is None

    def close(self) -> None:
        """Unmap the file; every C pointer into it becomes invalid."""
        if getattr(self, "_map", None) is None:
            return
        for view, pointer in getattr(self, "_exports", ()):
            ffi.release(pointer)
            view.release()
        self._exports = []
        for view in getattr(self, "_views", ()):  # a view still referenced (a traceback's) is cut off
            view.release()
        self._views = []
        view = getattr(self, "_view", None)
        if view is not None:
            view.release()
        self._map.close()
        self._map = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
