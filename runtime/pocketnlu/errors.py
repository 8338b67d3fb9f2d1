"""Every exception pocketnlu raises, under one base class, PocketNLUError. Problems with a model
file's bytes (ModelFormatError) and with a caller's input (InputError) are also ValueErrors."""


class PocketNLUError(Exception):
    """Base of every pocketnlu error."""


class ModelFormatError(PocketNLUError, ValueError):
    """A model file is not a valid pocketnlu model; the message names the problem."""


class BadMagicError(ModelFormatError):
    """The bytes are not a pocketnlu model (or not a weight table where one was expected)."""


class UnsupportedVersionError(ModelFormatError):
    """The file was written by a newer (or unknown) version of the format."""


class TruncatedFileError(ModelFormatError):
    """The file or a section is shorter than its header says."""


class CorruptModelError(ModelFormatError):
    """A header field, a section or table data is inconsistent."""


class ChecksumError(CorruptModelError):
    """A section's bytes do not match its recorded CRC-32."""


class InputError(PocketNLUError, ValueError):
    """A caller's input cannot be processed."""


class LimitError(InputError):
    """An input exceeds a documented limit."""


class ModelClosedError(PocketNLUError):
    """The model was closed (or evicted from its store) before this call."""


class UsageError(PocketNLUError):
    """A command-line argument is wrong, or a command needs an extra that is not installed."""


class VoiceUnavailable(PocketNLUError):
    """Speech recognition or the microphone cannot be used; the message says what to install."""


class AudioFormatError(InputError):
    """An audio file is not 16 kHz mono 16-bit PCM WAV."""
