"""The one private door to the C core: ``ffi``, ``lib`` and the status-to-exception map."""
from . import errors
from ._core import ffi, lib

EXPECTED_ABI_VERSION = 8

if lib.pnlu_abi_version() != EXPECTED_ABI_VERSION:
    raise ImportError(
        f"pocketnlu C core ABI {lib.pnlu_abi_version()} does not match the Python "
        f"binding ({EXPECTED_ABI_VERSION}); reinstall pocketnlu"
    )

_STATUS = {
    lib.PNLU_E_ARGUMENT: (errors.InputError, "inconsistent arguments to the C core"),
    lib.PNLU_E_TRUNCATED: (errors.TruncatedFileError, "shorter than its own header says"),
    lib.PNLU_E_MAGIC: (errors.BadMagicError, "does not start with the weight-table magic"),
    lib.PNLU_E_HEADER: (errors.CorruptModelError, "header field out of range or inconsistent"),
    lib.PNLU_E_SIZE: (errors.CorruptModelError, "length differs from the layout its header implies"),
    lib.PNLU_E_CORRUPT: (errors.CorruptModelError, "inconsistent data found while reading it"),
    lib.PNLU_E_LIMIT: (errors.LimitError, "input exceeds a limit of the C core"),
}


def check(status: int, context: str) -> None:
    """Raise the exception for a C status code; `context` names what was being read."""
    if status == lib.PNLU_OK:
        return
    kind, message = _STATUS.get(status, (errors.PocketNLUError, f"unknown status {status}"))
    raise kind(f"{context}: {message}")
