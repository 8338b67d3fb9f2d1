"""The entities block of BENCHMARKS.md: what built-in entity resolution costs a parse, how well the
independent phrase list resolves, and whether numbers said in words are tagged as well as digits.

    python -m pocketnlu_tools.bench.entities --phrases tests/entities/phrases_en.jsonl [--write BENCHMARKS.md]
"""
import argparse
import datetime as dt
import json
import platform
import re
import statistics
import time
from pathlib import Path

from pocketnlu.entities import resolve
from pocketnlu.models import DEFAULT_MODEL
from pocketnlu.nlu import open_model

from pocketnlu_tools.bench.markdown import update_block
from pocketnlu_tools.data.incar import TEMPLATES
from pocketnlu_tools.data.readers import load_dataset
from pocketnlu_tools.recipes.default_model import SAMPLES_PER_INTENT
from pocketnlu_tools.train.evaluate import slot_counts

ROUNDS = 7  # interleaved rounds of the same utterances with and without resolution
DIGITS = re.compile(r"\d")


def resolution_cost(model, texts):
    """Median per-utterance parse time (us) with the model's slot resolution and without it,
    measured in alternating rounds so that machine noise hits both alike."""
    bindings = model.slot_values
    with_values, without = [], []
    for _ in range(ROUNDS):
        for store, resolving in ((with_values, bindings), (without, {})):
            model.slot_values = resolving
            for text in texts:
                started = time.perf_counter()
                model.parse(text)
                store.append(time.perf_counter() - started)
    model.slot_values = bindings
    return statistics.median(with_values) * 1e6, statistics.median(without) * 1e6


def spoken_against_digits(model, examples):
    """Slot F1 of the numeric slots (bound to a kind) over utterances whose numbers are digits and
    over those whose numbers are words."""
    numeric = {slot for slot, how in model.slot_values.items() if how.kind is not None}
    counts = {"digits": [0, 0, 0], "words": [0, 0, 0]}
    for example in examples:
        gold = [s for s in example.slots if s.slot in numeric]
        if not gold:
            continue
        style = "digits" if any(DIGITS.search(example.text[s.start:s.end]) for s in gold) else "words"
        predicted = [s for s in model.parse(example.text).slots if s.slot in numeric]
        for i, n in enumerate(slot_counts(predicted, gold)):
            counts[style][i] += n
    result = {}
    for style, (tp, n_predicted, n_gold) in counts.items():
        precision, recall = (tp / n_predicted if n_predicted else 0.0), (tp / n_gold if n_gold else 0.0)
        result[style] = (2 * precision * recall / (precision + recall) if precision + recall else 0.0, n_gold)
    return result


def phrase_accuracy(path: Path):
    phrases = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    right = 0
    for phrase in phrases:
        reference = phrase.get("reference_date")
        got = resolve(phrase["kind"], phrase["text"], dt.date.fromisoformat(reference) if reference else None)
        right += json.dumps(got, sort_keys=True) == json.dumps(phrase["expected"], sort_keys=True)
    return right, len(phrases)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phrases", type=Path, required=True, help="the phrase list (tests/entities/phrases_en.jsonl)")
    parser.add_argument("--write", metavar="BENCHMARKS.md", help="replace this benchmark's block in the file")
    args = parser.parse_args(argv)
    test = load_dataset(TEMPLATES, samples_per_intent=SAMPLES_PER_INTENT).splits["test"]
    with open_model(DEFAULT_MODEL) as model:
        every = [e.text for e in test]
        bound = [e.text for e in test if any(s.slot in model.slot_values for s in e.slots)]
        with_values, without = resolution_cost(model, every)
        bound_with, bound_without = resolution_cost(model, bound)
        styles = spoken_against_digits(model, test)
    right, total = phrase_accuracy(args.phrases)
    report = "\n".join([
        "## Built-in entities", "",
        f"Command: `python -m pocketnlu_tools.bench.entities --phrases {args.phrases} --write BENCHMARKS.md` "
        f"(machine: {platform.machine()}, Python {platform.python_version()}; in-car model "
        "`runtime/pocketnlu/models/incar.pnlu` on its generated test split).", "",
        "| measure | value | target |", "|---|---:|---:|",
        f"| independent phrase list resolved exactly | {right} of {total} ({100 * right / total:.1f}%) | >= 98% |",
        f"| median parse of the test split ({len(every)} utterances): with resolution | {with_values:.1f} us | |",
        f"| the same, resolution off | {without:.1f} us | |",
        f"| resolution's share of the median parse | {100 * (with_values - without) / without:+.1f}% | < 10% |",
        f"| only the utterances with a bound slot ({len(bound)}): with / without resolution | "
        f"{bound_with:.1f} / {bound_without:.1f} us ({100 * (bound_with - bound_without) / bound_without:+.1f}%) | |",
        f"| numeric slots' F1, numbers as digits ({styles['digits'][1]} slots) | {styles['digits'][0]:.3f} | |",
        f"| numeric slots' F1, numbers as words ({styles['words'][1]} slots) | {styles['words'][0]:.3f} | as digits |",
    ])
    print(report)
    if args.write:
        update_block(args.write, "entities", report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
