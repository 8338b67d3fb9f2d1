"""The feature-weighting block of BENCHMARKS.md: does tf-idf weighting or per-utterance L2
normalization, as the scikit-learn peers do, make pocketnlu's features generalize better?

    python -m pocketnlu_tools.bench.weighting [--datasets NAME ...] [--data-root DIR] [--write BENCHMARKS.md]

Measured by stratified cross-validation on the in-scope training utterances of the HINT3 sets
(test is never read), the regime where the compressed model trails the peers on test. Each
variant trains the same one-vs-rest L2 logistic regression as pocketnlu's few-per-intent
candidates (liblinear, balanced class weights, intercept scaling 10) on pocketnlu's feature
strings, and differs only in the feature values:

- binary: 1 for every feature the utterance has (what the device scores today);
- L2-normalized: binary divided by the square root of the number of features (per utterance);
- tf-idf: smoothed idf from the fold's training utterances, then L2-normalized (scikit-learn's
  TfidfVectorizer with binary counts).

Each variant reports its best cross-validated accuracy over the same settings (char n-gram
ranges and C values), beside the tf-idf LogisticRegression and LinearSVC peers of the accuracy
benchmark (word 1-2 and char_wb 2-5 grams, their C chosen by inner cross-validation on each
fold's training part), scored on the same folds.
"""
import os
import platform
import sys
import tempfile
import time
import warnings
from dataclasses import replace
from pathlib import Path
from typing import Dict, List, Sequence

import numpy as np

from pocketnlu.features import prepare, utterance_features

from pocketnlu_tools.bench.accuracy import (
    C_GRID, CHAR_NGRAMS, FOLDS, HINT3_OOS_LABEL, LR_SOLVER, display, hint3_folder,
    hint3_parser, log, parse_hint3_args,
)
from pocketnlu_tools.bench.markdown import command_line, update_block
from pocketnlu_tools.bench.peers import sklearn_peers
from pocketnlu_tools.data.readers import load_dataset
from pocketnlu_tools.train.pipeline import SELECTION_BASE

VARIANTS = ("binary", "L2-normalized", "tf-idf")
NGRAM_RANGES = ((2, 5), (4, 5))  # pocketnlu's candidates' char n-grams
VARIANT_C = (1.0, 10.0, 100.0)


def feature_matrix(groups: Sequence[Sequence[str]], vocabulary: Dict[str, int]):
    """Binary utterances x features (features outside `vocabulary` dropped, as the device drops
    features it has no weights for)."""
    from scipy.sparse import csr_matrix

    rows, columns = [], []
    for row, group in enumerate(groups):
        for feature in set(group):
            column = vocabulary.get(feature)
            if column is not None:
                rows.append(row)
                columns.append(column)
    return csr_matrix((np.ones(len(rows)), (rows, columns)), shape=(len(groups), len(vocabulary)))


def weighted(train, held_out, variant: str):
    """The two binary matrices with `variant`'s feature values (idf from `train` alone)."""
    from scipy.sparse import diags
    from sklearn.preprocessing import normalize

    if variant == "binary":
        return train, held_out
    if variant == "tf-idf":
        frequency = np.asarray(train.sum(axis=0)).ravel()
        idf = diags(np.log((1 + train.shape[0]) / (1 + frequency)) + 1)
        train, held_out = train @ idf, held_out @ idf
    return normalize(train), normalize(held_out)


def _classifier(C: float):
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier

    return OneVsRestClassifier(LogisticRegression(solver="liblinear", penalty="l2", dual=True, C=C,
                                                  class_weight="balanced", intercept_scaling=10.0))


def run_dataset(name: str, data_root: Path, workdir: Path) -> dict:
    from sklearn.model_selection import StratifiedKFold

    started = time.perf_counter()
    dataset = load_dataset(hint3_folder(Path(data_root) / "hint3", name, workdir / name), oos_label=HINT3_OOS_LABEL)
    examples = [e for split, items in dataset.splits.items() if split != "test" for e in items if not e.out_of_scope]
    labels = np.array([e.intent for e in examples])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # intents with fewer utterances than folds
        folds = list(StratifiedKFold(FOLDS, shuffle=True, random_state=0).split(examples, labels))
    prepared = [prepare(e.text)[0] for e in examples]
    results: Dict[str, dict] = {}
    for low_high in NGRAM_RANGES:
        config = replace(SELECTION_BASE, char_ngrams=low_high)
        groups = [utterance_features(tokens, config) for tokens in prepared]
        matrices = []
        for train_part, held_out in folds:
            vocabulary: Dict[str, int] = {}
            for i in train_part:
                for feature in groups[i]:
                    vocabulary.setdefault(feature, len(vocabulary))
            matrices.append((feature_matrix([groups[i] for i in train_part], vocabulary),
                             feature_matrix([groups[i] for i in held_out], vocabulary)))
        for variant in VARIANTS:
            for C in VARIANT_C:
                right = 0
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # liblinear's iteration cap on a few labels
                    for (train_part, held_out), (train_x, held_x) in zip(folds, matrices):
                        train_x, held_x = weighted(train_x, held_x, variant)
                        model = _classifier(C).fit(train_x, labels[train_part])
                        right += int((model.predict(held_x) == labels[held_out]).sum())
                accuracy = right / len(examples)
                setting = f"char {low_high[0]}-{low_high[1]}, C={C:g}"
                log(f"{name}: {variant}, {setting}: {accuracy:.4f}")
                if variant not in results or accuracy > results[variant]["accuracy"]:
                    results[variant] = {"accuracy": accuracy, "setting": setting}
    peer_right: Dict[str, int] = {}
    for train_part, held_out in folds:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            peers = sklearn_peers([examples[i] for i in train_part], [examples[i] for i in held_out],
                                  char_ngrams=CHAR_NGRAMS, c_grid=C_GRID, folds=FOLDS, lr_solver=LR_SOLVER, seed=0)
        for peer, result in peers.items():
            peer_right[peer] = peer_right.get(peer, 0) + round(result["intent_accuracy"] * len(held_out))
    for peer, right in peer_right.items():
        results[display(peer)] = {"accuracy": right / len(examples), "setting": "C by inner cross-validation"}
    log(f"{name}: done in {time.perf_counter() - started:.0f} s")
    return {"name": name, "utterances": len(examples), "intents": len(set(labels)), "results": results}


def render(runs: List[dict], command: str, seconds: float) -> str:
    systems = list(VARIANTS) + [name for name in runs[0]["results"] if name not in VARIANTS]
    lines = ["## Feature weighting: binary features against tf-idf and per-utterance normalization", "",
             f"Command: `{command}` (machine: {platform.machine()}, {os.cpu_count()} cores; run took "
             f"{seconds / 60:.1f} min).", "",
             f"Intent accuracy % by stratified {FOLDS}-fold cross-validation on the in-scope training utterances "
             "(HINT3 v2 train; test never read). The first three rows train one-vs-rest L2 logistic regression "
             "on pocketnlu's feature strings and differ only in the feature values (binary as on the device; "
             "divided by the utterance's L2 norm; tf-idf then L2-normalized), each at its best of char "
             f"{' and '.join(f'{a}-{b}' for a, b in NGRAM_RANGES)} and C in {', '.join(f'{c:g}' for c in VARIANT_C)}; "
             "the peers are the accuracy benchmark's tf-idf pipelines, scored on the same folds.", "",
             "| features | " + " | ".join(f"{run['name']} ({run['utterances']}, {run['intents']} intents)"
                                         for run in runs) + " |",
             "|---|" + "---:|" * len(runs)]
    for system in systems:
        cells = []
        for run in runs:
            result = run["results"].get(system)
            cells.append("n/a" if result is None else f"{100 * result['accuracy']:.2f} ({result['setting']})")
        lines.append(f"| {system} | " + " | ".join(cells) + " |")
    best_variant = {run["name"]: max(VARIANTS, key=lambda v: run["results"][v]["accuracy"]) for run in runs}
    lines += ["", "Best of the three feature values per set: "
              + ", ".join(f"{name}: {variant}" for name, variant in best_variant.items()) + "."]
    return "\n".join(lines)


def main(argv=None) -> int:
    args = parse_hint3_args(hint3_parser(__doc__.splitlines()[0], "feature-weighting"), argv)
    command = command_line("pocketnlu_tools.bench.weighting", argv)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="pocketnlu-weighting-") as directory:
        runs = [run_dataset(name, args.data_root, Path(directory)) for name in args.datasets]
    report = render(runs, command, time.perf_counter() - started)
    print(report)
    if args.write:
        update_block(args.write, "feature-weighting", report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
