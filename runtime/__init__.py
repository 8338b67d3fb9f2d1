"""pocketnlu: offline language understanding from one memory-mapped model file."""
from .errors import (
    BadMagicError, ChecksumError, CorruptModelError, InputError, LimitError, ModelFormatError,
    PocketNLUError, TruncatedFileError, UnsupportedVersionError,
)
from .modelfile import FORMAT_VERSION

__version__ = "0.1.0"
