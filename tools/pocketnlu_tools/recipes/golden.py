"""Cross-architecture golden files: packed models plus the exact answers the C core gives.

    python -m pocketnlu_tools.recipes.golden --out tests/golden   # (run on x86_64)

Every input (keys, weights, biases, transitions) comes from a splitmix64 generator written
here in plain Python integers, so it is the same on every machine and every Python/numpy
version; the files are packed with the ordinary writer (pack.tables.build_table +
writer.pack_file). tests/test_golden.py then checks, on x86_64, arm64 and armhf alike:

- re-packing every recipe gives byte-identical files (the writer, the MPHF builder and the
  hashing are architecture-independent), and
- opening the committed files and running every case gives exactly the committed answers
  (slots, int64 scores, Viterbi paths: the C core reads explicit little-endian, integer sums).

tests/golden/golden.json:

    {"version": 2,
     "files": {"<file>": {"sha256": ..., "bytes": ..., "recipe": "<name in RECIPES>" | null}},
     "cases": [{"id": ..., "op": "<name in OPS>", "file": "<file>", ...inputs..., "expected": ...}]}

To add cases: add a recipe to RECIPES (a function returning the file's bytes), add an op to OPS
if needed (a function (model_file, case) -> JSON-able answer), list the cases in CASES, rerun
this on x86_64 and commit tests/golden/. Keys in cases are strings, or {"hex": "..."} for byte
strings that are not UTF-8.

`"recipe": null` marks a file committed as an older pocketnlu wrote it (FROZEN): its bytes are
checked by their sha256, and its cases keep the answers of the version that wrote it, carried
over unchanged from the existing manifest by every rerun, so that each later reader is held to
them (old files must parse identically).
"""
import argparse
import hashlib
import json
import platform
import sys
from pathlib import Path

import numpy as np

from pocketnlu._binding import check, ffi, lib
from pocketnlu.modelfile import ModelFile
from pocketnlu.table import WeightTable
from pocketnlu.transitions import Transitions

from pocketnlu_tools.pack.tables import build_table
from pocketnlu_tools.pack.writer import pack_file, write_atomically

GOLDEN_VERSION = 2
# Files (and their cases) as pocketnlu 0.4.0 wrote them, before format version 5: weight tables
# whose MPHF levels rehash the key with seed + level. What each was, by the recipe of that time.
FROZEN = {
    "v1-classifiers.pnlu": "format version 1: recipe_classifiers of pocketnlu 0.4.0",
    "v3-crf-columns.pnlu": "format version 3: recipe_crf_columns of pocketnlu 0.4.0",
}
MASK64 = (1 << 64) - 1
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1


class SplitMix64:
    """Sebastiano Vigna's splitmix64: the same integers everywhere (no numpy, no float)."""

    def __init__(self, seed: int):
        self.state = seed & MASK64

    def next(self) -> int:
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return z ^ (z >> 31)

    def below(self, n: int) -> int:
        return self.next() % n

    def between(self, low: int, high: int) -> int:
        """Uniform-ish in [low, high]."""
        return low + self.below(high - low + 1)


# Feature-like keys: ASCII and multi-byte UTF-8 (2, 3 and 4 bytes), lengths 1..40 so that
# every MurmurHash3 tail length (len % 16) and multi-block keys occur.
ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789=|_-:" + "éßñ" + "中文€" + "😀"


def make_keys(rng: SplitMix64, n: int, prefix: str = "") -> list:
    keys = set()
    while len(keys) < n:
        length = rng.between(1, 40)
        keys.add(prefix + "".join(ALPHABET[rng.below(len(ALPHABET))] for _ in range(length)))
    return sorted(keys)


def make_rows(rng: SplitMix64, n_keys: int, n_labels: int, weight_bits: int, max_per_row: int) -> np.ndarray:
    """(n_keys, n_labels) weights; each row has 1..max_per_row nonzero entries, including the
    extreme values -2^(b-1) and 2^(b-1)-1 (sign extension of packed fields)."""
    low, high = -(2 ** (weight_bits - 1)), 2 ** (weight_bits - 1) - 1
    values = np.zeros((n_keys, n_labels), dtype=np.int64)
    for row in range(n_keys):
        for _ in range(rng.between(1, max_per_row)):
            weight = 0
            while weight == 0:
                choice = rng.below(8)
                weight = low if choice == 0 else high if choice == 1 else rng.between(low, high)
            values[row, rng.below(n_labels)] = weight
    return values


def make_bias(rng: SplitMix64, n_labels: int, extremes: bool) -> np.ndarray:
    bias = [rng.between(-5000, 5000) for _ in range(n_labels)]
    if extremes:  # int32 decoding and int64 accumulation at the edges of the range
        bias[0], bias[-1] = INT32_MIN, INT32_MAX
    return np.array(bias, dtype=np.int64)


def make_transitions(rng: SplitMix64, n_labels: int) -> np.ndarray:
    """Small values, comparable to the state scores, so that paths depend on both; two
    entries at the bottom of the int32 range check the sign of the full 32 bits."""
    values = np.array([[rng.between(-12, 12) for _ in range(n_labels)] for _ in range(n_labels)],
                      dtype=np.int64)
    values[0, 1], values[1, 0] = INT32_MIN, INT32_MIN + 1
    return values.astype(np.int32)


def recipe_classifiers() -> bytes:
    """Two classifier tables: 8-bit weights, 12-bit fingerprints, gamma 1, hash seeds 0 and 7."""
    rng = SplitMix64(20240501)
    domain_keys = make_keys(rng, 150, "d:")
    intent_keys = make_keys(rng, 500, "i:")
    domain, _ = build_table(domain_keys, make_rows(rng, 150, 3, 8, 3), make_bias(rng, 3, False),
                            weight_bits=8, fingerprint_bits=12, gamma=1.0, seed=0)
    intent, _ = build_table(intent_keys, make_rows(rng, 500, 12, 8, 6), make_bias(rng, 12, True),
                            weight_bits=8, fingerprint_bits=12, gamma=1.0, seed=7)
    meta = {"golden": "classifiers", "models": {
        "domain": {"type": "classifier", "table": "domain", "labels": [f"d{j}" for j in range(3)]},
        "intent": {"type": "classifier", "table": "intent", "labels": [f"i{j}" for j in range(12)]}}}
    return pack_file(meta, {"domain": domain, "intent": intent})


CRF_LABELS = 100  # label fields of 7 bits + 4-bit weights: 11-bit pairs straddle 64-bit words


def recipe_crf() -> bytes:
    """A CRF-like table with many labels: 4-bit weights, no fingerprints, gamma 2, seed
    12345, and an int32 transition matrix."""
    rng = SplitMix64(777)
    keys = make_keys(rng, 600, "t:")
    table, _ = build_table(keys, make_rows(rng, 600, CRF_LABELS, 4, 10), make_bias(rng, CRF_LABELS, True),
                           weight_bits=4, fingerprint_bits=0, gamma=2.0, seed=12345)
    meta = {"golden": "crf", "models": {"slots": {
        "type": "crf", "table": "slots", "transitions": "transitions",
        "labels": [f"y{j}" for j in range(CRF_LABELS)]}}}
    return pack_file(meta, {"slots": table}, {"transitions": make_transitions(rng, CRF_LABELS)}, matrix_layout="dense")


def recipe_crf_columns() -> bytes:
    """The same kind of CRF table with its transitions as column lists (format version 3):
    mostly zero, a few long columns (Viterbi's scan path) and many short ones (its top-list
    path), and the two entries at the bottom of the int32 range."""
    rng = SplitMix64(4242)
    keys = make_keys(rng, 400, "c:")
    table, _ = build_table(keys, make_rows(rng, 400, CRF_LABELS, 8, 6), make_bias(rng, CRF_LABELS, False),
                           weight_bits=8, fingerprint_bits=8, gamma=1.0, seed=99)
    transitions = make_transitions(rng, CRF_LABELS)
    for to in range(CRF_LABELS):
        keep = 30 if to % 25 == 0 else to % 7  # columns of 0..6 entries, and four of 30
        for source in range(CRF_LABELS):
            if rng.below(CRF_LABELS) >= keep and (source, to) not in ((0, 1), (1, 0)):
                transitions[source, to] = 0
    meta = {"golden": "crf-columns", "models": {"slots": {
        "type": "crf", "table": "slots", "transitions": "transitions",
        "labels": [f"y{j}" for j in range(CRF_LABELS)]}}}
    return pack_file(meta, {"slots": table}, {"transitions": transitions})


RECIPES = {"classifiers.pnlu": recipe_classifiers, "crf.pnlu": recipe_crf, "crf-columns.pnlu": recipe_crf_columns}


# --- operations: (open ModelFile, case) -> answer ---------------------------------------------


def decode_key(key):
    return bytes.fromhex(key["hex"]) if isinstance(key, dict) else key


def op_lookup(model_file: ModelFile, case: dict):
    table = WeightTable(model_file, case["table"])
    return [int(s) for s in table.lookup([decode_key(k) for k in case["keys"]])]


def op_score(model_file: ModelFile, case: dict):
    table = WeightTable(model_file, case["table"])
    scores, hits = table.score([decode_key(k) for k in case["keys"]], case.get("groups"),
                               add_bias=case.get("add_bias", True))
    return {"scores": [[int(v) for v in row] for row in scores], "hits": [int(h) for h in hits]}


def op_viterbi(model_file: ModelFile, case: dict):
    """State scores of each token's group of keys (no bias), then pnlu_viterbi."""
    table = WeightTable(model_file, case["table"])
    transitions = Transitions(model_file, case["transitions"])
    state, _ = table.score([decode_key(k) for k in case["keys"]], case["groups"], add_bias=False)
    n_tokens, n_labels = state.shape
    if transitions.n_labels != n_labels:
        raise ValueError(f"transitions of {transitions.n_labels} labels for {n_labels}")
    state = np.ascontiguousarray(state, dtype=np.int64)
    work = np.empty(4 * n_labels, dtype=np.int64)
    backptr = np.empty(n_tokens * n_labels, dtype=np.uint16)
    path = np.empty(n_tokens, dtype=np.uint32)
    best = ffi.new("int64_t *")
    check(lib.pnlu_viterbi(ffi.from_buffer("int64_t[]", state), n_tokens, transitions.c_transitions,
                           ffi.from_buffer("int64_t[]", work), ffi.from_buffer("uint16_t[]", backptr),
                           ffi.from_buffer("uint32_t[]", path), best),
          "viterbi")
    return {"labels": [int(y) for y in path], "best_score": int(best[0])}


OPS = {"lookup": op_lookup, "score": op_score, "viterbi": op_viterbi}


def run_case(model_file: ModelFile, case: dict):
    if case["op"] not in OPS:
        raise KeyError(f"case {case['id']!r}: unknown op {case['op']!r} (known: {', '.join(OPS)})")
    return OPS[case["op"]](model_file, case)


# --- the cases --------------------------------------------------------------------------------

UNKNOWN_KEYS = [
    "", "unseen", "température", "中文特征", "naïve|w=1", "😀😀", "w=the|w+1=cat",
    "a" * 15, "b" * 16, "c" * 17, "x" * 31, "y" * 32, "z" * 33, "é" * 40,
    {"hex": "fffe80"}, {"hex": "00"}, {"hex": "c3"},  # not UTF-8: keys are bytes to the C core
]


def sample(rng: SplitMix64, items: list, n: int) -> list:
    chosen = set()
    while len(chosen) < min(n, len(items)):
        chosen.add(rng.below(len(items)))
    return [items[i] for i in sorted(chosen)]


def table_keys(recipe_name: str):
    """The keys each recipe's tables were built from (regenerated, not stored)."""
    if recipe_name == "classifiers.pnlu":
        rng = SplitMix64(20240501)
        return {"domain": make_keys(rng, 150, "d:"), "intent": make_keys(rng, 500, "i:")}
    if recipe_name == "crf-columns.pnlu":
        return {"slots": make_keys(SplitMix64(4242), 400, "c:")}
    rng = SplitMix64(777)
    return {"slots": make_keys(rng, 600, "t:")}


def grouped(groups: list):
    """[[key, ...], ...] -> (flat keys, group offsets)."""
    keys, offsets = [], [0]
    for group in groups:
        keys += group
        offsets.append(len(keys))
    return keys, offsets


def case_list() -> list:
    rng = SplitMix64(99)
    cases = []
    classifiers = table_keys("classifiers.pnlu")
    for name, keys in classifiers.items():
        probes = sample(rng, keys, 24) + UNKNOWN_KEYS + [k + "x" for k in sample(rng, keys, 6)]
        cases.append({"id": f"classifiers/{name}/lookup", "op": "lookup", "file": "classifiers.pnlu",
                      "table": name, "keys": probes})
        known = sample(rng, keys, 40)
        flat, offsets = grouped([known[:10], [], known[10:25] + ["unseen", "température"],
                                 ["unseen", "中文特征"], known[25:] + known[25:30], known[:1]])
        for add_bias in (True, False):
            cases.append({"id": f"classifiers/{name}/score/bias={add_bias}", "op": "score",
                          "file": "classifiers.pnlu", "table": name, "keys": flat, "groups": offsets,
                          "add_bias": add_bias})
    crf_keys = table_keys("crf.pnlu")["slots"]
    probes = sample(rng, crf_keys, 24) + UNKNOWN_KEYS  # no fingerprints: unknown keys hit slots
    cases.append({"id": "crf/slots/lookup", "op": "lookup", "file": "crf.pnlu", "table": "slots", "keys": probes})
    known = sample(rng, crf_keys, 60)
    tokens = [known[4 * t : 4 * t + 4] for t in range(10)] + [[], ["unseen"], known[40:50]]
    flat, offsets = grouped(tokens)
    cases.append({"id": "crf/slots/score", "op": "score", "file": "crf.pnlu", "table": "slots",
                  "keys": flat, "groups": offsets, "add_bias": True})
    cases.append({"id": "crf/slots/viterbi", "op": "viterbi", "file": "crf.pnlu", "table": "slots",
                  "transitions": "transitions", "keys": flat, "groups": offsets})
    flat, offsets = grouped([known[50:53]])
    cases.append({"id": "crf/slots/viterbi/one-token", "op": "viterbi", "file": "crf.pnlu",
                  "table": "slots", "transitions": "transitions", "keys": flat, "groups": offsets})
    column_keys = table_keys("crf-columns.pnlu")["slots"]
    known = sample(rng, column_keys, 90)
    flat, offsets = grouped([known[3 * t : 3 * t + 3] for t in range(30)] + [[], ["unseen"]])
    cases.append({"id": "crf-columns/slots/viterbi", "op": "viterbi", "file": "crf-columns.pnlu",
                  "table": "slots", "transitions": "transitions", "keys": flat, "groups": offsets})
    return cases


def frozen_files_and_cases(out: Path):
    """The FROZEN files' manifest entries and cases, from the manifest in `out`, which must hold
    them (and the files, with the same bytes)."""
    manifest = json.loads((out / "golden.json").read_text(encoding="utf-8"))
    files = {}
    for name in FROZEN:
        entry = manifest["files"].get(name)
        if entry is None or entry["recipe"] is not None:
            raise SystemExit(f"golden: {out / 'golden.json'} does not list {name} as a frozen file")
        if hashlib.sha256((out / name).read_bytes()).hexdigest() != entry["sha256"]:
            raise SystemExit(f"golden: {out / name} differs from its committed sha256")
        files[name] = entry
    return files, [case for case in manifest["cases"] if case["file"] in FROZEN]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="output folder (the tests': tests/golden)")
    parser.add_argument("--any-arch", action="store_true",
                        help="allow producing goldens on a machine other than x86_64")
    args = parser.parse_args(argv)
    if platform.machine() not in ("x86_64", "AMD64") and not args.any_arch:
        parser.error(f"goldens are produced on x86_64 (this is {platform.machine()}); --any-arch overrides")

    args.out.mkdir(parents=True, exist_ok=True)
    files, frozen_cases = frozen_files_and_cases(args.out)
    for name, recipe in RECIPES.items():
        data = recipe()
        write_atomically(args.out / name, data)
        files[name] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data), "recipe": name}
    cases = case_list()
    opened = {}
    try:
        for case in cases:
            if case["file"] not in opened:
                opened[case["file"]] = ModelFile(args.out / case["file"])
            case["expected"] = run_case(opened[case["file"]], case)
    finally:
        for model_file in opened.values():
            model_file.close()
    cases = frozen_cases + cases
    golden = {
        "version": GOLDEN_VERSION,
        "about": "Written by `python -m pocketnlu_tools.recipes.golden` on x86_64; checked by "
                 "tests/test_golden.py on every architecture. Format: tools/pocketnlu_tools/recipes/golden.py.",
        "produced_on": platform.machine(),
        "files": files,
        "cases": cases,
    }
    text = json.dumps(golden, indent=1, ensure_ascii=False, sort_keys=False) + "\n"
    write_atomically(args.out / "golden.json", text.encode("utf-8"))
    total = sum(f["bytes"] for f in files.values()) + len(text.encode("utf-8"))
    print(f"wrote {len(files)} files and {len(cases)} cases to {args.out} ({total} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
