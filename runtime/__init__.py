"""pocketnlu: offline language understanding from one memory-mapped model file."""
from .errors import (
    BadMagicError, ChecksumError, CorruptModelError, InputError, LimitError, ModelFormatError,
    PocketNLUError, TruncatedFileError, UnsupportedVersionError,
)
from .modelfile import FORMAT_VERSION
from .nlu import NLUModel, Parse, SlotValue
from .nlu import open_model as open

__version__ = "0.1.0"
