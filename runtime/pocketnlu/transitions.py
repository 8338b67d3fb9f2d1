"""CRF label transitions of a mapped model, as the C core's pnlu_transitions for Viterbi."""
from ._binding import check, ffi, lib
from .errors import CorruptModelError
from .modelfile import KIND_COLUMNS, ModelFile

class Transitions:
    """Column lists (format version 3) or a dense matrix (versions 1 and 2), read in place.

    Column lists are checked in full here (O(labels + nonzero entries)); a dense matrix only
    needs its length checked.
    """

    def __init__(self, model_file: ModelFile, name: str):
        self._transitions = ffi.new("pnlu_transitions *")
        context = f"{model_file.path}: transitions {name!r}"
        section = model_file.sections.get(name)
        if section is not None and section.kind == KIND_COLUMNS:
            view = model_file.section_bytes(name)
            check(lib.pnlu_transitions_columns(self._transitions, model_file.c_pointer(view), len(view)), context)
            return
        rows, cols, values, width = model_file.matrix(name)
        if not 1 <= rows == cols <= lib.PNLU_MAX_LABELS:
            raise CorruptModelError(f"{context}: a {rows}x{cols} matrix is not square with 1..{lib.PNLU_MAX_LABELS} labels")
        check(lib.pnlu_transitions_dense(self._transitions, model_file.c_pointer(values), len(values), rows, width),
              context)

    @property
    def n_labels(self) -> int:
        return self._transitions.n_labels

    @property
    def c_transitions(self):
        """The `pnlu_transitions *` for calls into the C core."""
        return self._transitions
