"""The training-scale block of BENCHMARKS.md: training time and peak memory as the number of
intents grows, on synthetic data of many intents with few utterances each (an FAQ bot, a
catalogue of commands).

    python -m pocketnlu_tools.bench.scale [--intents 1000,10000] [--write BENCHMARKS.md]

Each intent is told apart by three invented words of its own, two of which every utterance
uses, among shared verbs and fillers ("show please lobersto zorkanim"); two utterances per
intent train, a third is the test. Each size trains in a child process (`pocketnlu train
DATA -o M.pnlu --json`), whose wall-clock time and peak resident memory are measured.
"""
import argparse
import csv
import json
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List

from pocketnlu_tools.bench.markdown import update_block

COMMAND = "python -m pocketnlu_tools.bench.scale --write BENCHMARKS.md"
SIZES = (1000, 10000)
TRAIN_PER_INTENT = 2
SYLLABLES = ["ka", "lo", "mi", "ren", "sto", "vak", "ber", "tin", "do", "sha", "gru", "pel", "zor", "nim", "qua", "fet"]
VERBS = ["show", "open", "set", "find", "play", "book", "cancel", "check", "tell me", "turn on", "start", "list"]
FILLERS = ["please", "the", "my", "a", "for me", "now", "today", "again", "some"]


def write_dataset(folder: Path, n_intents: int, seed: int = 0) -> None:
    """train.csv (TRAIN_PER_INTENT utterances per intent) and test.csv (one) in folder."""
    rng = random.Random(seed)
    words = sorted({"".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))) for _ in range(4 * n_intents)})
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "train.csv", "w", newline="") as train, open(folder / "test.csv", "w", newline="") as test:
        writers = {"train": csv.writer(train), "test": csv.writer(test)}
        for writer in writers.values():
            writer.writerow(["text", "intent"])
        for intent in range(n_intents):
            own = rng.sample(words, 3)
            for number in range(TRAIN_PER_INTENT + 1):
                text = [rng.choice(VERBS), rng.choice(FILLERS)] + rng.sample(own, 2)
                if rng.random() < 0.5:
                    text.append(rng.choice(FILLERS))
                writers["train" if number < TRAIN_PER_INTENT else "test"].writerow([" ".join(text), f"intent_{intent:05d}"])


def measure(n_intents: int, workdir: Path) -> Dict[str, float]:
    """Train on a dataset of n_intents in a child process: seconds, peak RSS, test accuracy, bytes."""
    data = workdir / f"intents_{n_intents}"
    write_dataset(data, n_intents)
    model = workdir / f"intents_{n_intents}.pnlu"
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "pocketnlu.cli", "train", str(data), "-o", str(model), "--json"],
                            capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    report = json.loads(result.stdout)
    return {"intents": n_intents, "utterances": TRAIN_PER_INTENT * n_intents, "seconds": seconds,
            # ru_maxrss of children is the largest child so far: exact for growing sizes.
            "peak_mib": max(peak_kib, before) / 1024, "accuracy": report["compressed"]["intent_accuracy"],
            "float_accuracy": report["float"]["intent_accuracy"], "file_bytes": report["file_bytes"]}


def render(rows: List[Dict[str, float]]) -> str:
    lines = ["## Training scale: many intents, few utterances each", "",
             f"Command: `{COMMAND}` (machine: {platform.machine()}, Python {platform.python_version()}). "
             "Synthetic data (see the module): each intent has three invented words of its own; two utterances "
             "per intent train, a third is the test. `pocketnlu train DATA -o M.pnlu` in a child process, with its "
             "defaults; past labels x utterances = 20 million, each intent's binary problem trains on its "
             "positives and 2,000 sampled negatives (pocketnlu_tools/train/models.py).", "",
             "| intents | training utterances | train s | peak RSS MiB | test intent % (compressed / float) | file bytes |",
             "|---:|---:|---:|---:|---|---:|"]
    for row in rows:
        lines.append(f"| {row['intents']:,} | {row['utterances']:,} | {row['seconds']:.0f} | {row['peak_mib']:.0f} | "
                     f"{100 * row['accuracy']:.1f} / {100 * row['float_accuracy']:.1f} | {row['file_bytes']:,} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--intents", default=",".join(map(str, SIZES)), help="comma-separated sizes, growing")
    parser.add_argument("--write", metavar="BENCHMARKS.md", help="replace this benchmark's block in the file")
    args = parser.parse_args(argv)
    sizes = sorted(int(size) for size in args.intents.split(","))
    with tempfile.TemporaryDirectory(prefix="pocketnlu-scale-") as workdir:
        rows = []
        for size in sizes:
            rows.append(measure(size, Path(workdir)))
            print(rows[-1], flush=True)
    text = render(rows)
    print(text)
    if args.write:
        update_block(args.write, "training-scale", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
