"""The RELIABILITY block of BENCHMARKS.md: fuzzing, sanitizers and the hostile-input matrix.

    python -m pocketnlu_tools.bench.reliability --write BENCHMARKS.md

runs the hostile-input matrix below through the public API (`pocketnlu.open(...).parse`) and the
command line (`python -m pocketnlu.cli parse MODEL TEXT --json`) with the shipped model, times each
case, and reads the summaries that deploy/fuzz.sh (build/fuzz*/summary.json) and
deploy/test-sanitizers.sh (build/sanitizers/summary.json) wrote; numbers can be given instead
(--fuzz-executions, --sanitizers). tests/test_hostile_input.py asserts on the same matrix.
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from pocketnlu.models import DEFAULT_MODEL

REPO = Path.cwd()  # run from the checkout: fuzz and sanitizer summaries are under build/
MIB = 1 << 20
# Linux refuses a single command-line argument over 128 KiB (MAX_ARG_STRLEN, E2BIG): the CLI cases
# stay under it; the 1 MB cases go through the API only.
CLI_ARG_BYTES = 120_000

# Crashes the fuzzers found, all fixed; each has a test in tests/test_fuzz_regressions.py and its
# input in csrc/fuzz/corpus/<harness>/.
FIXED_CRASHES = [
    ("fuzz_table", "crash-da39a3ee (empty input)",
     "`pnlu_table_score` on a table whose `pnlu_table_init` had failed (zeroed) divided by "
     "`n_labels == 0`: SIGFPE", "returns `PNLU_E_ARGUMENT` when `n_labels == 0`"),
    ("fuzz_hash", "crash-c3f5b9e8 (one empty key, no key bytes)",
     "`pnlu_hash_batch` (and lookup, score, `pnlu_murmur3_x64_128`) with `keys == NULL`, "
     "`keys_len == 0`, which the API allows, computed `NULL + 0`: undefined behaviour (UBSan)",
     "an empty buffer stands in for NULL"),
]


@dataclass(frozen=True)
class Case:
    name: str
    description: str
    make: Callable[[], object]
    error: bool = False  # True: must raise InputError
    truncated: Optional[bool] = False  # expected Parse.truncated (None: either)


def _combining_worst() -> str:
    # Alternating combining classes 230 and 220 make NFKC's canonical reordering work hardest.
    return "a" + "\u0301\u0316" * 2000


HOSTILE_CASES = [
    Case("empty", "empty string", lambda: ""),
    Case("whitespace", "whitespace only (ASCII and Unicode spaces, line separators), 1000 chars",
         lambda: " \t\n\r\x0b\x0c\u00a0\u2003\u2028\u3000" * 100),
    Case("1mb", "1 MiB of ordinary words", lambda: ("set the temperature to 72 degrees in the back " * 30000)[:MIB],
         truncated=True),
    Case("invalid_utf8", "bytes that are not UTF-8 (0xFF 0xFE)", lambda: b"turn on the \xff\xfe radio", error=True),
    Case("truncated_utf8", "bytes ending inside a UTF-8 sequence", lambda: b"play music \xe2\x82", error=True),
    Case("encoded_surrogate", "a UTF-8-encoded surrogate (CESU-8), as bytes", lambda: b"play \xed\xa0\xbd\xed\xb5\x8e",
         error=True),
    Case("not_text", "neither str nor bytes (an int)", lambda: 42, error=True),
    Case("lone_surrogates", "str holding lone surrogates", lambda: "play \ud800 music \udfff by \udc80abba"),
    Case("control_nul", "control characters, ANSI escapes and NUL", lambda: "play\x00music\x01\x07\x1b[31m\x7f\x9f now\x00"),
    Case("emoji", "emoji, skin tones, ZWJ sequences, flags",
         lambda: "play 🎵 by 👨\u200d👩\u200d👧 🇫🇷 and set temp to 72°F 👍🏽"),
    Case("combining", "combining marks, and one word of 4000 alternating ones (NFKC reordering)",
         lambda: "pla\u0301y mu\u0308sic " + _combining_worst()),
    Case("nfkc_expansion", "4000 x U+FDFA (NFKC expands each to 18 characters)", lambda: "\ufdfa" * 4000),
    Case("rtl", "right-to-left text with bidi overrides",
         lambda: "\u202eplay music\u202c \u0634\u063a\u0644 \u0627\u0644\u0645\u0648\u0633\u064a\u0642\u0649 "
                 "\u05e2\u05d1\u05e8\u05d9\u05ea \u200f"),
    Case("long_token", "one 1 MiB token (no spaces)", lambda: "a" * MIB, truncated=True),
    Case("token_at_limit", "one 4000-character token", lambda: "x" * 4000),
    Case("million_tokens", "a million one-letter tokens", lambda: "a " * 1_000_000, truncated=True),
    Case("million_punct", "a million punctuation tokens", lambda: "! " * 1_000_000, truncated=True),
]

# (name, description, argument bytes, expected exit status). No NUL case: an argument cannot
# hold NUL (execve), and the API case covers it.
CLI_CASES = [
    ("empty", "empty argument", lambda: b"", 0),
    ("whitespace", "whitespace only", lambda: " \t\n\u00a0\u3000".encode() * 20, 0),
    ("120kb", f"{CLI_ARG_BYTES // 1000} kB of words (the kernel's limit for one argument is 128 KiB)",
     lambda: (b"turn up the heat in the back seat " * 4000)[:CLI_ARG_BYTES], 0),
    ("invalid_utf8", "bytes that are not UTF-8", lambda: b"turn on the \xff\xfe radio", 2),
    ("encoded_surrogate", "a UTF-8-encoded lone surrogate", lambda: b"play \xed\xa0\x80 music", 2),
    ("control", "control characters and ANSI escapes", lambda: b"play\x01\x07\x1b[31m\x7f music", 0),
    ("emoji_combining", "emoji and combining marks", lambda: "play 🎵 mu\u0308sic 👨\u200d👩\u200d👧".encode(), 0),
    ("rtl", "right-to-left text with bidi overrides", lambda: "\u202eplay\u202c \u05e2\u05d1\u05e8\u05d9\u05ea".encode(), 0),
    ("long_token", f"one {CLI_ARG_BYTES // 1000} kB token", lambda: b"a" * CLI_ARG_BYTES, 0),
    ("many_tokens", f"{CLI_ARG_BYTES // 2} one-letter tokens", lambda: b"a " * (CLI_ARG_BYTES // 2), 0),
]


def run_api_case(model, case: Case, repeats: int = 3) -> dict:
    """Parse one case; returns the outcome ("result" or the error's class), the median time of
    `repeats` calls and the peak Python memory (tracemalloc) of one more."""
    from pocketnlu.errors import PocketNLUError

    text = case.make()

    def parse():
        try:
            return {"outcome": "result", "parse": model.parse(text)}
        except PocketNLUError as error:
            return {"outcome": type(error).__name__, "message": str(error)}

    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        outcome = parse()
        times.append(time.perf_counter() - start)
    tracemalloc.start()  # a separate call: tracing slows Python down several times
    parse()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    outcome.update(seconds=sorted(times)[len(times) // 2], peak_bytes=peak)
    return outcome


def cli_command(model_path, argument: bytes):
    return [sys.executable, "-m", "pocketnlu.cli", "parse", os.fsencode(str(model_path)), argument, "--json"]


def run_cli_case(model_path, argument: bytes) -> dict:
    start = time.perf_counter()
    result = subprocess.run(cli_command(model_path, argument), capture_output=True, timeout=120)
    return {"exit": result.returncode, "stdout": result.stdout, "stderr": result.stderr,
            "seconds": time.perf_counter() - start}


def describe_api(outcome: dict) -> str:
    if outcome["outcome"] != "result":
        return f"`{outcome['outcome']}`: {outcome['message']}"
    parse = outcome["parse"]
    shown = ", ".join(f"{s.slot}={s.value!r}" for s in parse.slots[:2])
    more = ", ..." if len(parse.slots) > 2 else ""
    slots = f"{len(parse.slots)} slot(s) ({shown}{more})" if parse.slots else "no slots"
    note = ", truncated" if parse.truncated else ""
    return f"{parse.intent} ({parse.confidence:.2f}), {slots}{note}".replace("|", "\\|")


def describe_cli(outcome: dict) -> str:
    if outcome["exit"] == 0:
        lines = outcome["stdout"].decode("utf-8").splitlines()
        data = json.loads(lines[0])
        note = ", truncated" if data["truncated"] else ""
        return f"exit 0, JSON: {data['intent']}, {len(data['slots'])} slot(s){note}"
    message = outcome["stderr"].decode("utf-8", "replace").strip()
    return f"exit {outcome['exit']}: `{message}`"


def hostile_matrix(model_path=DEFAULT_MODEL):
    import pocketnlu

    rows_api, rows_cli = [], []
    with pocketnlu.open(model_path) as model:
        model.parse("warm up")  # first call pays for lazy imports
        for case in HOSTILE_CASES:
            rows_api.append((case, run_api_case(model, case)))
    for name, description, make, expected in CLI_CASES:
        rows_cli.append((name, description, expected, run_cli_case(model_path, make())))
    return rows_api, rows_cli


def _load_json(path):
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None


def fuzz_runs(paths):
    runs = []
    for path in paths:
        summary = _load_json(path)
        if summary:
            runs.append((str(Path(path).relative_to(REPO)) if Path(path).is_relative_to(REPO) else str(path), summary))
    return runs


def render(rows_api, rows_cli, fuzz, sanitizers, fuzz_executions=None) -> str:
    from pocketnlu.features import MAX_TEXT_CHARS, MAX_TOKENS

    lines = ["## Reliability", "",
             "Command: `python -m pocketnlu_tools.bench.reliability --write BENCHMARKS.md` "
             f"(machine: {os.uname().machine}, {os.cpu_count()} cores, Python {sys.version.split()[0]}).", ""]
    lines += ["### Fuzzing (libFuzzer, ASan + UBSan)", "",
              "Harnesses `csrc/fuzz/fuzz_table.c` (a weight-table section: init, lookup, score, Viterbi, with "
              "cross-checks and a brute-force Viterbi), `csrc/fuzz/fuzz_hash.c` (MurmurHash3 against an "
              "independent implementation, `pnlu_hash_batch` offsets) and `csrc/fuzz/fuzz_features.c` (the feature "
              "composer on arbitrary bytes and configs: keys, scoring, CRF tagging). CI: `bash deploy/fuzz.sh` (60 s per harness); "
              "release: `bash deploy/fuzz.sh 3600`.", ""]
    if fuzz:
        lines += ["| run | clang | seconds per harness | fuzz_table executions | fuzz_hash executions | "
                  "fuzz_features executions | crashes |",
                  "|---|---|---:|---:|---:|---:|---:|"]
        for name, summary in fuzz:
            harnesses = summary.get("harnesses", {})
            counts = [f"{harnesses.get(h, {}).get('executions', 0):,}"
                      for h in ("fuzz_table", "fuzz_hash", "fuzz_features")]
            seconds = summary.get("seconds_per_harness")
            label = f"`deploy/fuzz.sh {seconds}`, {Path(name).parent}/"
            lines.append(f"| {label} | {summary.get('clang')} | {seconds} | "
                         f"{' | '.join(counts)} | {summary.get('crashes')} |")
        total = sum(summary.get("total_executions", 0) for _, summary in fuzz)
        lines += ["", f"Executions in the runs above: {total:,}."]
    if fuzz_executions is not None:
        lines += ["", f"Executions reported by hand: {fuzz_executions:,}."]
    lines += ["", f"Crashes found and fixed: {len(FIXED_CRASHES)} (regression tests in "
              "`tests/test_fuzz_regressions.py`, inputs kept in `csrc/fuzz/corpus/`):", ""]
    lines += [f"- {harness}, {where}: {what}; now {fix}." for harness, where, what, fix in FIXED_CRASHES]
    lines += ["", "### Sanitizers", ""]
    if sanitizers:
        lines.append(f"`bash deploy/test-sanitizers.sh` (gcc {sanitizers.get('compiler')}, "
                     "`-fsanitize=address,undefined -fno-sanitize-recover=undefined`, `PYTHONMALLOC=malloc`): "
                     f"**{sanitizers.get('result', '?').upper()}**, pytest {sanitizers.get('pytest')}, "
                     f"{sanitizers.get('corpus_inputs')} fuzz corpus inputs replayed, "
                     f"{sanitizers.get('reports')} sanitizer reports.")
    else:
        lines.append("No sanitizer summary found (run `bash deploy/test-sanitizers.sh`).")
    lines += ["", "### Hostile utterances", "",
              f"Model `runtime/pocketnlu/models/incar.pnlu`. Inputs are cut to {MAX_TEXT_CHARS} characters and "
              f"{MAX_TOKENS} tokens (`truncated=True`). API: `pocketnlu.open(path).parse(text)`, one call, "
              "median time of 3 calls and peak Python memory (tracemalloc) of one.", "",
              "| case | input | outcome | ms | peak KiB |", "|---|---|---|---:|---:|"]
    for case, outcome in rows_api:
        lines.append(f"| {case.name} | {case.description} | {describe_api(outcome)} | "
                     f"{1000 * outcome['seconds']:.1f} | {outcome['peak_bytes'] / 1024:.0f} |")
    lines += ["", "CLI: `python -m pocketnlu.cli parse MODEL TEXT --json` (time includes starting Python).", "",
              "| case | argument | outcome | ms |", "|---|---|---|---:|"]
    for name, description, _, outcome in rows_cli:
        lines.append(f"| {name} | {description} | {describe_cli(outcome)} | {1000 * outcome['seconds']:.0f} |")
    worst = max(rows_api, key=lambda row: row[1]["seconds"])
    lines += ["", f"Slowest API case: {worst[0].name}, {1000 * worst[1]['seconds']:.1f} ms; every case's work is "
              "bounded by the character and token limits, whatever the input's length."]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", metavar="BENCHMARKS.md", help="replace the reliability block of this file")
    parser.add_argument("--model", default=str(DEFAULT_MODEL))
    parser.add_argument("--fuzz-summary", action="append",
                        help="summary.json of deploy/fuzz.sh (repeatable; default build/fuzz*/summary.json)")
    parser.add_argument("--fuzz-executions", type=int, help="executions of a fuzz run without a summary file")
    parser.add_argument("--sanitizer-summary", default=str(REPO / "build" / "sanitizers" / "summary.json"))
    parser.add_argument("--sanitizers", choices=["pass", "fail"], help="sanitizer result without a summary file")
    args = parser.parse_args(argv)

    rows_api, rows_cli = hostile_matrix(args.model)
    fuzz = fuzz_runs(args.fuzz_summary or sorted(glob.glob(str(REPO / "build" / "fuzz*" / "summary.json"))))
    sanitizers = _load_json(args.sanitizer_summary)
    if args.sanitizers:
        sanitizers = dict(sanitizers or {}, result=args.sanitizers)
    text = render(rows_api, rows_cli, fuzz, sanitizers, args.fuzz_executions)
    failures = [case.name for case, outcome in rows_api if (outcome["outcome"] != "result") != case.error]
    failures += [name for name, _, expected, outcome in rows_cli if outcome["exit"] != expected]
    if args.write:
        from pocketnlu_tools.bench.markdown import update_block

        update_block(args.write, "reliability", text)
        print(f"wrote the reliability block of {args.write}")
    else:
        print(text)
    if failures:
        print(f"unexpected outcomes: {', '.join(failures)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
