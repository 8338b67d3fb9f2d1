"""CRF label transitions of a mapped model, as the C core's pnlu_transitions for Viterbi."""
import struct

from ._binding import check, ffi, lib
from .errors import CorruptModelError
from .modelfile import KIND_COLUMNS, MATRIX_HEADER, MATRIX_VALUE_BYTES, ModelFile


class Transitions:
    """Column lists (format version 3) or a dense matrix (versions 1 and 2), read in place.

    Column lists are checked in full here (O(labels + nonzero entries)); a dense matrix only
    needs its length checked. Both must be within the limits that bound a parse's work.
    """

    def __init__(self, model_file: ModelFile, name: str):
        self._transitions = ffi.new("pnlu_transitions *")
        context = f"{model_file.path}: transitions {name!r}"
        section = model_file.sections.get(name)
        if section is not None and section.kind == KIND_COLUMNS:
            view = model_file.section_bytes(name)
            check_status(lib.pnlu_transitions_columns(self._transitions, model_file.c_pointer(view), len(view)),
                         context, header_rows(view))
            return
        rows, cols, values, width = model_file.matrix(name)
        pointer = model_file.c_pointer(values)  # first: an unregistered view kept the file from closing (BufferError)
        if not 1 <= rows == cols <= lib.PNLU_MAX_LABELS:
            raise CorruptModelError(f"{context}: a {rows}x{cols} matrix is not square with 1..{lib.PNLU_MAX_LABELS} labels")
        check_status(lib.pnlu_transitions_dense(self._transitions, pointer, len(values), rows, width), context, rows)

    @property
    def n_labels(self) -> int:
        return self._transitions.n_labels

    @property
    def c_transitions(self):
        """The `pnlu_transitions *` for calls into the C core."""
        return self._transitions


def header_rows(section) -> int:
    """The first field of a transitions section of either kind (rows), 0 if it is too short."""
    return struct.unpack_from("<I", section)[0] if len(section) >= 4 else 0


def check_status(status: int, context: str, rows: int) -> None:
    """Raise for a status of pnlu_transitions_columns or pnlu_transitions_dense on a section of
    `rows` labels. A file over the CRF limits is a CorruptModelError naming the limit: the
    file's problem, not the caller's."""
    if status != lib.PNLU_E_LIMIT:
        check(status, context)
        return
    if rows > lib.PNLU_MAX_CRF_LABELS:
        problem = f"{rows} labels, over PNLU_MAX_CRF_LABELS = {lib.PNLU_MAX_CRF_LABELS}"
    else:
        problem = f"a Viterbi step over {rows} labels costs over PNLU_MAX_VITERBI_WORK = {lib.PNLU_MAX_VITERBI_WORK}"
    raise CorruptModelError(f"{context}: {problem} (csrc/FORMAT.md, column lists: limits)")


def check_section(kind: int, data: bytes) -> None:
    """Raise the error a reader raises for `data` as a transitions section of this kind (columns,
    matrix or matrix16): writers check what they write with it."""
    transitions, rows = ffi.new("pnlu_transitions *"), header_rows(data)
    if kind == KIND_COLUMNS:
        status = lib.pnlu_transitions_columns(transitions, data, len(data))
    else:
        values = data[MATRIX_HEADER.size:]
        status = lib.pnlu_transitions_dense(transitions, values, len(values), rows, MATRIX_VALUE_BYTES[kind])
    check_status(status, "transitions", rows)
