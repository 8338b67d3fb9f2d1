"""Inputs found by fuzzing the C core (deploy/fuzz.sh, csrc/fuzz/), replayed through the ffi.

Each crash the fuzzer found has a test here and stays in csrc/fuzz/corpus/<harness>/ as
crash-<sha1>. The whole committed corpus is also replayed through the binding, so
deploy/test-sanitizers.sh runs it against the ASan/UBSan build of the extension.
"""
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from pocketnlu._binding import ffi, lib

CORPUS = Path(__file__).resolve().parents[1] / "csrc" / "fuzz" / "corpus"
# The keys csrc/fuzz/fuzz_table.c looks up (the seed tables of tools/pocketnlu_tools/recipes/fuzz_seeds.py hold them).
HARNESS_KEYS = [f"k{i}".encode() for i in range(64)] + [
    b"b", b"w=play", b"w=the", b"sh=x", b"w-1=<s>", b"w+1=</s>", b""]
TABLE_ERRORS = {lib.PNLU_E_TRUNCATED, lib.PNLU_E_MAGIC, lib.PNLU_E_HEADER, lib.PNLU_E_SIZE}


def corpus_files(harness):
    folder = CORPUS / harness
    return sorted(folder.iterdir()) if folder.is_dir() else []


def in_subprocess(code: str) -> str:
    """Run code in a fresh interpreter: a regression that crashes fails this test, not the run."""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, f"exit {result.returncode}: {result.stderr[-2000:]}"
    return result.stdout.strip()


def buffers(keys):
    offsets = np.zeros(len(keys) + 1, dtype=np.uint32)
    np.cumsum([len(k) for k in keys], out=offsets[1:])
    return b"".join(keys), offsets


# --- crashes found by the fuzzer ------------------------------------------------------------


def test_scoring_a_table_whose_init_failed_is_refused_not_a_division_by_zero():
    # fuzz_table crash-da39a3ee... (the empty input): pnlu_table_init rejects it and leaves the
    # table zeroed; pnlu_table_score on that table then divided by n_labels == 0 (SIGFPE) in its
    # overflow check. It now returns PNLU_E_ARGUMENT.
    crash = CORPUS / "fuzz_table" / "crash-da39a3ee5e6b4b0d3255bfef95601890afd80709"
    assert crash.read_bytes() == b""
    out = in_subprocess(
        "from pocketnlu._binding import ffi, lib\n"
        "t = ffi.new('pnlu_table *')\n"
        "init = lib.pnlu_table_init(t, ffi.new('uint8_t[1]'), 0)\n"
        "keys = b'w=play'\n"
        "score = lib.pnlu_table_score(t, keys, len(keys), ffi.new('uint32_t[]', [0, 6]), 1,\n"
        "                             ffi.new('uint32_t[]', [0, 1]), 1, 1, ffi.new('int64_t[4]'), ffi.NULL)\n"
        "slots = ffi.new('int64_t[1]')\n"
        "lookup = lib.pnlu_table_lookup(t, keys, len(keys), ffi.new('uint32_t[]', [0, 6]), 1, slots)\n"
        "print(init, score, lookup, slots[0])\n")
    assert out.split() == [str(lib.PNLU_E_TRUNCATED), str(lib.PNLU_E_ARGUMENT), str(lib.PNLU_OK), "-1"]


def test_hash_batch_of_empty_keys_without_a_key_buffer():
    # fuzz_hash crash-c3f5b9e8...: one empty key and keys == NULL with keys_len == 0 (allowed by
    # the API) computed NULL + 0, undefined behaviour that UBSan reports (and murmur3 did the same
    # for a NULL key of length 0). Both now stand in an empty buffer for NULL.
    crash = (CORPUS / "fuzz_hash" / "crash-c3f5b9e8ece68aa991b8c5cfa9e61d5fce33dd40").read_bytes()
    seed, mode, count = struct.unpack_from("<IBB", crash)
    assert (mode & 1, count, crash[6:]) == (1, 1, b"\0")  # one key of length 0, no key bytes
    out = in_subprocess(
        "from pocketnlu._binding import ffi, lib\n"
        f"seed = {seed}\n"
        "out = ffi.new('uint64_t[2]')\n"
        "batch = lib.pnlu_hash_batch(ffi.NULL, 0, ffi.new('uint32_t[]', [0, 0]), 1, seed, out)\n"
        "single = ffi.new('uint64_t[2]')\n"
        "lib.pnlu_murmur3_x64_128(ffi.NULL, 0, seed, single)\n"
        "empty = ffi.new('uint64_t[2]')\n"
        "lib.pnlu_murmur3_x64_128(b'', 0, seed, empty)\n"
        "print(batch, out[0] == empty[0] and out[1] == empty[1], single[0] == empty[0] and single[1] == empty[1])\n")
    assert out.split() == [str(lib.PNLU_OK), "True", "True"]


def test_lookup_and_score_of_no_keys_without_a_key_buffer(tiny_model):
    from pocketnlu.modelfile import ModelFile
    from pocketnlu.table import WeightTable

    with ModelFile(tiny_model[0]) as model_file:
        table = WeightTable(model_file, "t")
        slots = ffi.new("int64_t[1]")
        assert lib.pnlu_table_lookup(table._table, ffi.NULL, 0, ffi.new("uint32_t[]", [0]), 0, slots) == lib.PNLU_OK
        scores = np.empty(table.n_labels, dtype=np.int64)
        hits = ffi.new("uint32_t[1]", [7])
        status = lib.pnlu_table_score(table._table, ffi.NULL, 0, ffi.new("uint32_t[]", [0]), 0,
                                      ffi.new("uint32_t[]", [0, 0]), 1, 1, ffi.from_buffer("int64_t[]", scores), hits)
        assert status == lib.PNLU_OK and hits[0] == 0
        assert scores.tolist() == [1, -2, 3, 0, 7]  # the bias alone


# --- the whole committed corpus through the binding ------------------------------------------


def test_the_committed_corpus_is_small_and_holds_every_crash():
    files = corpus_files("fuzz_table") + corpus_files("fuzz_hash")
    assert files, "csrc/fuzz/corpus is empty"
    assert sum(f.stat().st_size for f in files) < 2 * 1024 * 1024
    assert {f.name for f in files if f.name.startswith("crash-")} >= {
        "crash-da39a3ee5e6b4b0d3255bfef95601890afd80709", "crash-c3f5b9e8ece68aa991b8c5cfa9e61d5fce33dd40"}


def replay_table(data: bytes):
    """What fuzz_table.c does, through the binding; returns the init status."""
    buf = ffi.new("uint8_t[]", max(len(data), 1))
    ffi.memmove(buf, data, len(data))
    table = ffi.new("pnlu_table *")
    status = lib.pnlu_table_init(table, buf, len(data))
    keys, offsets = buffers(HARNESS_KEYS)
    c_offsets = ffi.from_buffer("uint32_t[]", offsets)
    if status != lib.PNLU_OK:
        assert status in TABLE_ERRORS
        slots = np.empty(len(HARNESS_KEYS), dtype=np.int64)
        assert lib.pnlu_table_lookup(table, keys, len(keys), c_offsets, len(HARNESS_KEYS),
                                     ffi.from_buffer("int64_t[]", slots)) == lib.PNLU_OK
        assert (slots == -1).all()
        return status
    n_labels, n_tokens = table.n_labels, 4
    groups = np.linspace(0, len(HARNESS_KEYS), n_tokens + 1).astype(np.uint32)
    scores = np.empty((n_tokens, n_labels), dtype=np.int64)
    hits = np.empty(n_tokens, dtype=np.uint32)
    slots = np.empty(len(HARNESS_KEYS), dtype=np.int64)
    lookup = lib.pnlu_table_lookup(table, keys, len(keys), c_offsets, len(HARNESS_KEYS),
                                   ffi.from_buffer("int64_t[]", slots))
    score = lib.pnlu_table_score(table, keys, len(keys), c_offsets, len(HARNESS_KEYS),
                                 ffi.from_buffer("uint32_t[]", groups), n_tokens, 0,
                                 ffi.from_buffer("int64_t[]", scores), ffi.from_buffer("uint32_t[]", hits))
    assert lookup in (lib.PNLU_OK, lib.PNLU_E_CORRUPT) and score in (lib.PNLU_OK, lib.PNLU_E_CORRUPT)
    if score == lib.PNLU_OK:
        assert lookup == lib.PNLU_OK and ((slots >= -1) & (slots < table.n_keys)).all()
        assert hits.tolist() == [int((slots[a:b] >= 0).sum()) for a, b in zip(groups[:-1], groups[1:])]
        if n_labels <= 64:
            values = (np.arange(n_labels * n_labels, dtype="<i4") % 7 - 3).tobytes()
            transitions = ffi.new("pnlu_transitions *")
            assert lib.pnlu_transitions_dense(transitions, values, len(values), n_labels, 4) == lib.PNLU_OK
            path = np.empty(n_tokens, dtype=np.uint32)
            best = ffi.new("int64_t *")
            assert lib.pnlu_viterbi(ffi.from_buffer("int64_t[]", scores), n_tokens, transitions,
                                    ffi.new("int64_t[]", 4 * n_labels), ffi.new("uint16_t[]", n_tokens * n_labels),
                                    ffi.from_buffer("uint32_t[]", path), best) == lib.PNLU_OK
            assert (path < n_labels).all()
    return status


def test_table_corpus_replays_cleanly():
    statuses = [replay_table(f.read_bytes()) for f in corpus_files("fuzz_table")]
    assert statuses and lib.PNLU_OK in statuses  # the corpus holds valid tables, not only rejects


def test_hash_corpus_replays_cleanly():
    mmh3 = pytest.importorskip("mmh3")
    checked = 0
    for file in corpus_files("fuzz_hash"):
        data = file.read_bytes()
        seed = struct.unpack_from("<I", data)[0] if len(data) >= 4 else 0
        out = ffi.new("uint64_t[2]")
        lib.pnlu_murmur3_x64_128(data, len(data), seed, out)
        assert out[0] | out[1] << 64 == mmh3.hash128(data, seed, signed=False)
        if len(data) < 6 or not data[4] & 1:
            continue
        count = data[5] % 33
        lengths = list(data[6 : 6 + count]) + [0] * max(0, 6 + count - len(data))
        keys = data[6 + count :]
        offsets = np.concatenate(([0], np.cumsum(lengths))).astype(np.uint32)
        batch = np.empty((count, 2), dtype=np.uint64)
        status = lib.pnlu_hash_batch(keys, len(keys), ffi.from_buffer("uint32_t[]", offsets), count, seed,
                                     ffi.from_buffer("uint64_t[]", batch))
        if offsets[-1] > len(keys):
            assert status == lib.PNLU_E_ARGUMENT
            continue
        assert status == lib.PNLU_OK
        for i in range(count):
            key = keys[offsets[i] : offsets[i + 1]]
            assert int(batch[i, 0]) | int(batch[i, 1]) << 64 == mmh3.hash128(key, seed, signed=False)
        checked += 1
    assert checked
