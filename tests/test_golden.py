"""Cross-architecture goldens (tests/golden/, written on x86_64 by pocketnlu_tools/recipes/golden.py).

On every architecture (x86_64 natively, arm64 and armhf under deploy/test-arm.sh):
- re-packing each recipe gives the committed bytes (the file format is architecture-independent);
- the committed files give exactly the committed slots, int64 scores and Viterbi paths, the
  frozen ones (format versions 1 and 3, as pocketnlu 0.4.0 wrote them) those of that version.
"""
import hashlib
import json
from pathlib import Path

import pytest

from pocketnlu._binding import lib
from pocketnlu.modelfile import FORMAT_VERSION, KIND_COLUMNS, KIND_TABLE, ModelFile
from pocketnlu.table import WeightTable
from pocketnlu_tools.recipes import golden as make_golden

GOLDEN = Path(__file__).resolve().parent / "golden"
MANIFEST = json.loads((GOLDEN / "golden.json").read_text(encoding="utf-8"))
FILES = MANIFEST["files"]
CASES = MANIFEST["cases"]


def test_manifest_is_a_known_version_and_small():
    assert MANIFEST["version"] == make_golden.GOLDEN_VERSION
    total = sum(p.stat().st_size for p in GOLDEN.iterdir() if p.is_file())
    assert total < 200_000, f"goldens are {total} bytes; keep them small"
    assert {case["file"] for case in CASES} <= set(FILES)
    assert len({case["id"] for case in CASES}) == len(CASES), "case ids must be unique"


@pytest.mark.parametrize("name", sorted(FILES))
def test_committed_file_matches_its_checksum(name):
    data = (GOLDEN / name).read_bytes()
    assert len(data) == FILES[name]["bytes"]
    assert hashlib.sha256(data).hexdigest() == FILES[name]["sha256"]


@pytest.mark.parametrize("name", sorted(n for n, f in FILES.items() if f.get("recipe")))
def test_repacking_gives_the_committed_bytes(name):
    data = make_golden.RECIPES[FILES[name]["recipe"]]()
    committed = (GOLDEN / name).read_bytes()
    if data != committed:
        first = next((i for i, (a, b) in enumerate(zip(data, committed)) if a != b), min(len(data), len(committed)))
        pytest.fail(f"{name}: re-packed file differs from the committed one at byte {first} "
                    f"({len(data)} vs {len(committed)} bytes)")


@pytest.fixture(scope="module")
def opened():
    files = {}
    yield lambda name: files.setdefault(name, ModelFile(GOLDEN / name))
    for model_file in files.values():
        model_file.close()


def test_frozen_files_are_older_versions_and_recipes_the_current_one(opened):
    """The frozen files are what old files look like (levels reseeded, format 1-4), and they keep
    the answers of the version that wrote them (test_case_gives_the_committed_answer)."""
    assert set(make_golden.FROZEN) == {name for name, f in FILES.items() if f["recipe"] is None}
    for name in FILES:
        model_file = opened(name)
        hashing = {WeightTable(model_file, s.name).level_hashing
                   for s in model_file.sections.values() if s.kind == KIND_TABLE}
        if name in make_golden.FROZEN:
            assert model_file.format_version < 5 and hashing == {lib.PNLU_LEVELS_RESEEDED}, name
        else:
            assert model_file.format_version == FORMAT_VERSION and hashing == {lib.PNLU_LEVELS_DERIVED}, name
    assert {case["file"] for case in CASES} == set(FILES)


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_case_gives_the_committed_answer(case, opened):
    model_file = opened(case["file"])
    model_file.verify()
    assert make_golden.run_case(model_file, case) == case["expected"]


class _UnsignedMmh3:
    """mmh3 5.3.1 returns *signed* halves for hash64(key, seed, True, False) (positional
    signed=False is not honoured; the keyword form is), which tests/reference.py relies on.
    Mask to unsigned 64-bit whatever the mmh3 version."""

    def __init__(self, mmh3):
        self._mmh3 = mmh3

    def hash64(self, key, seed, *args, **kwargs):
        return tuple(h & 0xFFFFFFFFFFFFFFFF for h in self._mmh3.hash64(key, seed, x64arch=True))


def test_lookups_and_scores_agree_with_the_reference_reader(opened, monkeypatch):
    """The committed answers also follow from the format spec alone (tests/reference.py)."""
    mmh3 = pytest.importorskip("mmh3")
    import reference
    from reference import ReferenceTable

    monkeypatch.setattr(reference, "mmh3", _UnsignedMmh3(mmh3))

    for case in CASES:
        if case["op"] not in ("lookup", "score"):
            continue
        ref = ReferenceTable(bytes(opened(case["file"]).section_bytes(case["table"])))
        keys = [make_golden.decode_key(k) for k in case["keys"]]
        keys = [k.encode("utf-8") if isinstance(k, str) else k for k in keys]
        if case["op"] == "lookup":
            assert [ref.slot(k) for k in keys] == case["expected"], case["id"]
        elif case.get("add_bias", True):
            groups = case["groups"]
            expected = [[int(v) for v in ref.score(keys[a:b])] for a, b in zip(groups, groups[1:])]
            assert expected == case["expected"]["scores"], case["id"]


@pytest.mark.parametrize("shift", [1, 2, 3, 4, 5, 6, 7])
def test_sections_at_unaligned_addresses_give_the_same_answers(shift, opened):
    """Mapped sections are 64-byte aligned, but the C core must not rely on it: every load of
    file data goes through memcpy (armhf faults on unaligned LDRD/LDM). Copy each table and
    the transitions to an address `shift` bytes past an 8-byte boundary and rerun the cases."""
    import numpy as np

    from pocketnlu._binding import check, ffi, lib
    from pocketnlu.features import encode_keys

    keep = []

    def unaligned(data):
        buf = bytearray(8 + shift + len(data))
        base = ffi.from_buffer("uint8_t[]", buf)
        start = (-int(ffi.cast("uintptr_t", base)) % 8) + shift
        buf[start : start + len(data)] = data
        keep.append((buf, base))
        assert int(ffi.cast("uintptr_t", base + start)) % 8 == shift % 8
        return base + start

    for case in CASES:
        if case["op"] not in ("lookup", "score", "viterbi"):
            continue
        section = bytes(opened(case["file"]).section_bytes(case["table"]))
        table = ffi.new("pnlu_table *")
        check(lib.pnlu_table_init(table, unaligned(section), len(section)), case["id"])
        buf, offsets = encode_keys([make_golden.decode_key(k) for k in case["keys"]])
        offsets = np.asarray(offsets, dtype=np.uint32)
        n = len(offsets) - 1
        if case["op"] == "lookup":
            slots = np.empty(n, dtype=np.int64)
            check(lib.pnlu_table_lookup(table, ffi.from_buffer(buf), len(buf), ffi.from_buffer("uint32_t[]", offsets),
                                        n, ffi.from_buffer("int64_t[]", slots)), case["id"])
            assert slots.tolist() == case["expected"], case["id"]
            continue
        groups = np.asarray(case["groups"], dtype=np.uint32)
        scores = np.empty((len(groups) - 1, table.n_labels), dtype=np.int64)
        add_bias = case.get("add_bias", True) if case["op"] == "score" else False
        check(lib.pnlu_table_score(table, ffi.from_buffer(buf), len(buf), ffi.from_buffer("uint32_t[]", offsets), n,
                                   ffi.from_buffer("uint32_t[]", groups), len(groups) - 1, int(add_bias),
                                   ffi.from_buffer("int64_t[]", scores), ffi.NULL), case["id"])
        if case["op"] == "score":
            assert scores.tolist() == case["expected"]["scores"], case["id"]
            continue
        transitions = ffi.new("pnlu_transitions *")
        model_file = opened(case["file"])
        if model_file.sections[case["transitions"]].kind == KIND_COLUMNS:
            data = bytes(model_file.section_bytes(case["transitions"]))
            check(lib.pnlu_transitions_columns(transitions, unaligned(data), len(data)), case["id"])
        else:
            rows, _, values, width = model_file.matrix(case["transitions"])
            check(lib.pnlu_transitions_dense(transitions, unaligned(bytes(values)), len(values), rows, width),
                  case["id"])
        n_tokens, n_labels = scores.shape
        path = np.empty(n_tokens, dtype=np.uint32)
        best = ffi.new("int64_t *")
        check(lib.pnlu_viterbi(ffi.from_buffer("int64_t[]", scores), n_tokens, transitions,
                               ffi.from_buffer("int64_t[]", np.empty(4 * n_labels, np.int64)),
                               ffi.from_buffer("uint16_t[]", np.empty(n_tokens * n_labels, np.uint16)),
                               ffi.from_buffer("uint32_t[]", path), best), case["id"])
        assert {"labels": path.tolist(), "best_score": best[0]} == case["expected"], case["id"]
