"""MurmurHash3_x64_128 in the C core against published vectors and the mmh3 package."""
import random
import struct

import pytest

from pocketnlu._binding import ffi, lib
from pocketnlu_tools.pack.mphf import hash_keys


def c_hash(key: bytes, seed: int) -> bytes:
    out = ffi.new("uint64_t[2]")
    lib.pnlu_murmur3_x64_128(key, len(key), seed, out)
    return struct.pack("<QQ", out[0], out[1])


def test_smhasher_verification_value():
    # SMHasher's VerificationTest (src/KeysetTest.cpp): hash keys {}, {0}, {0,1}, ... with
    # seed 256 - len, hash the concatenated digests with seed 0; the first 4 bytes of the
    # result, little-endian, are 0x6384BA69 for MurmurHash3_x64_128 (src/main.cpp).
    digests = b"".join(c_hash(bytes(range(n)), 256 - n) for n in range(256))
    assert struct.unpack("<I", c_hash(digests, 0)[:4])[0] == 0x6384BA69


def test_known_answers_from_mmh3_documentation():
    # mmh3's README and tests/test_mmh3.py: hash128 as an unsigned little-endian integer.
    assert int.from_bytes(c_hash(b"foo", 0), "little") == 168394135621993849475852668931176482145
    assert int.from_bytes(c_hash(b"foo", 42), "little") == 215966891540331383248189432718888555506


def test_agrees_with_mmh3_on_random_keys():
    mmh3 = pytest.importorskip("mmh3")
    rng = random.Random(7)
    for _ in range(2000):
        key = bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 70)))
        seed = rng.getrandbits(32)
        assert c_hash(key, seed) == mmh3.hash_bytes(key, seed, True)


def test_unaligned_keys_hash_the_same():
    buffer = bytearray(b"xxxxxxx" + b"an unaligned key of some length")
    aligned = c_hash(bytes(buffer[7:]), 3)
    for shift in range(1, 8):
        view = ffi.from_buffer(buffer) + (7 - shift)
        out = ffi.new("uint64_t[2]")
        moved = b"x" * shift + bytes(buffer[7:])
        lib.pnlu_murmur3_x64_128(ffi.from_buffer(moved) + shift, len(buffer) - 7, 3, out)
        assert struct.pack("<QQ", out[0], out[1]) == aligned
        del view


def test_batch_matches_single_calls():
    keys = [b"", b"a", b"play the song", "température".encode(), b"x" * 100]
    batch = hash_keys(keys, 11)
    for key, (h1, h2) in zip(keys, batch):
        assert c_hash(key, 11) == struct.pack("<QQ", int(h1), int(h2))
