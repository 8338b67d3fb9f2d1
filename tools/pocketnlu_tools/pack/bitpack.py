"""Little-endian bit packing shared by the table builder: arrays of 64-bit words."""
import numpy as np


def pack_bits(bits: np.ndarray, slack_word: bool) -> bytes:
    """Bool array -> 64-bit LE words (bit i of the array is bit i%64 of word i//64).

    With `slack_word`, one zero word follows, so the C reader may always load the word
    after the one holding a field's last bit.
    """
    n_words = (len(bits) + 63) // 64 + (1 if slack_word else 0)
    padded = np.zeros(n_words * 64, dtype=np.uint8)
    padded[: len(bits)] = bits
    return np.packbits(padded, bitorder="little").tobytes()


def pack_fields(values: np.ndarray, width: int) -> bytes:
    """Unsigned integers of `width` bits each, packed back to back, plus a slack word."""
    values = np.asarray(values, dtype=np.uint64)
    if width == 0:
        return pack_bits(np.zeros(0, dtype=bool), slack_word=True)
    if len(values) and int(values.max()) >> width:
        raise ValueError(f"a value does not fit in {width} bits")
    shifts = np.arange(width, dtype=np.uint64)
    bits = ((values[:, None] >> shifts) & np.uint64(1)).astype(np.uint8).ravel()
    return pack_bits(bits, slack_word=True)


def pad8(data: bytes) -> bytes:
    return data + bytes(-len(data) % 8)
