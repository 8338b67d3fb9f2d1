"""pocketnlu: offline language understanding from one memory-mapped model file.

    import pocketnlu

    with pocketnlu.open("model.pnlu") as model:
        result = model.parse("navigate to the airport")
        result.intent, result.confidence, [(s.slot, s.value) for s in result.slots]

The device needs only this package and cffi's backend; training is in `pocketnlu_tools`.
"""
from .errors import (
    BadMagicError, ChecksumError, CorruptModelError, InputError, LimitError, ModelClosedError, ModelFormatError,
    PocketNLUError, TruncatedFileError, UnsupportedVersionError,
)
from .modelfile import FORMAT_VERSION
from .models import DEFAULT_MODEL
from .nlu import OUT_OF_SCOPE, NLUModel, Parse, SlotValue, open_model
from .store import ModelStore

__version__ = "0.4.0"  # the one place it is written (pyproject.toml reads it)

open = open_model  # pocketnlu.open(path), as io.open opens files

__all__ = [
    "BadMagicError", "ChecksumError", "CorruptModelError", "DEFAULT_MODEL", "FORMAT_VERSION", "InputError",
    "LimitError", "ModelClosedError", "ModelFormatError", "ModelStore", "NLUModel", "OUT_OF_SCOPE", "Parse",
    "PocketNLUError", "SlotValue", "TruncatedFileError", "UnsupportedVersionError", "__version__", "open",
]
