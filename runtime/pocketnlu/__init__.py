"""pocketnlu: offline language understanding from one memory-mapped model file."""
from .errors import (
    BadMagicError, ChecksumError, CorruptModelError, InputError, LimitError, ModelClosedError, ModelFormatError,
    PocketNLUError, TruncatedFileError, UnsupportedVersionError,
)
from .modelfile import FORMAT_VERSION
from .nlu import NLUModel, Parse, SlotValue
from .nlu import open_model as open
from .store import ModelStore

__version__ = "0.3.0"
