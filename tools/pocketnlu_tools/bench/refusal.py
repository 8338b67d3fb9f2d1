"""The oos-held-out-intents block of BENCHMARKS.md: why pocketnlu refuses fewer out-of-scope
requests than the tf-idf LinearSVC peer at equal in-scope accuracy on HINT3 (issue 13), one
factor at a time.

    python -m pocketnlu_tools.bench.refusal [--datasets NAME ...] [--data-root DIR] [--seeds N ...]
        [--write BENCHMARKS.md]

Held-out intents, on HINT3 v2 train only (test is never read): the intents of the in-scope
train utterances are shuffled (seeded) and dealt into HELD_OUT_GROUPS groups; in turn, one
group's utterances are the out-of-scope eval examples and the other intents' utterances are
split per intent (seeded) 80/20 into fit and in-scope eval. `Trainer()` with its defaults fits
on fit, carving its dev from it as it does for HINT3 in the accuracy benchmark; every other
system trains on the same utterances the Trainer trained on (fit without that dev, as the
accuracy benchmark's peers train on train without dev). Each system is scored on eval (in-scope
eval + held-out intents), and every figure is the mean over the folds of every seed (SEEDS:
with four folds one seed's means move by several AUROC points, enough to change which factor
looks largest).

Systems, each one factor from the next:

- pocketnlu compressed: the packed .pnlu opened with `pocketnlu.open_model` (threshold off);
  its confidence (the calibrated max probability), and from its integer per-intent scores the
  top1-top2 margin and the max score;
- pocketnlu float: the same Trainer's float model before quantization (same feature strings,
  the classifier its cross-validation chose), max probability, margin and max score;
- LinearSVC on pocketnlu's binary features (the float model's feature strings, C from the
  accuracy benchmark's grid by stratified cross-validation): the loss alone changes;
- the accuracy benchmark's tf-idf peers (bench/peers.py): LogisticRegression (max probability),
  LinearSVC (max decision score, and its margin).

Metrics: the AUROC of the refusal score (minus the score) separating the held-out intents'
utterances from the in-scope eval ones, and the out-of-scope recall (accuracy.recall_at_in_scope)
at the in-scope accuracy the tf-idf LinearSVC reaches as trained, and at the lowest one any
system reaches as trained in the fold (every system reaches that one, so its mean is over the
same folds for every row).
"""
import os
import platform
import random
import sys
import tempfile
import time
import warnings
from collections import Counter
from pathlib import Path
from typing import Dict, List, Sequence

import numpy as np

from pocketnlu.features import WordBatch, prepare, utterance_features
from pocketnlu.nlu import open_model

from pocketnlu_tools.bench.accuracy import (
    C_GRID, CHAR_NGRAMS, FOLDS, HINT3_OOS_LABEL, LR_SOLVER, hint3_folder, hint3_parser,
    log, parse_hint3_args, recall_at_in_scope, selected,
)
from pocketnlu_tools.bench.markdown import command_line, update_block
from pocketnlu_tools.bench.peers import sklearn_peers
from pocketnlu_tools.bench.weighting import feature_matrix
from pocketnlu_tools.data.readers import Dataset, load_dataset, split_for_training
from pocketnlu_tools.data.records import OUT_OF_SCOPE, Example
from pocketnlu_tools.trainer import Trainer

HELD_OUT_GROUPS = 4
EVAL_FRACTION = 0.2
SEED = 0  # the classifiers' random_state, and the folds' when one seed is asked for
SEEDS = (0, 1, 2)

COMPRESSED = "pocketnlu compressed"
FLOAT = "pocketnlu float"
BINARY_SVC = "LinearSVC, pocketnlu features"
TFIDF_LR = "scikit-learn LogisticRegression"
TFIDF_SVC = "scikit-learn LinearSVC"
PROBABILITY, MARGIN, MAX_SCORE = "max probability", "top1-top2 margin", "max score"
ROWS = ((COMPRESSED, PROBABILITY), (COMPRESSED, MARGIN), (COMPRESSED, MAX_SCORE),
        (FLOAT, PROBABILITY), (FLOAT, MARGIN), (FLOAT, MAX_SCORE),
        (BINARY_SVC, MAX_SCORE), (BINARY_SVC, MARGIN),
        (TFIDF_LR, PROBABILITY), (TFIDF_SVC, MAX_SCORE), (TFIDF_SVC, MARGIN))
# From pocketnlu as it refuses today to the LinearSVC peer, one factor a step.
STEPS = (("compression", "compressed to float", (COMPRESSED, PROBABILITY), (FLOAT, PROBABILITY)),
         ("score rule", "max probability to max score", (FLOAT, PROBABILITY), (FLOAT, MAX_SCORE)),
         ("loss", "logistic to hinge", (FLOAT, MAX_SCORE), (BINARY_SVC, MAX_SCORE)),
         ("features", "pocketnlu's to tf-idf word + char_wb", (BINARY_SVC, MAX_SCORE), (TFIDF_SVC, MAX_SCORE)))


# --- protocol and metrics -----------------------------------------------------------------------


def held_out_intent_folds(examples: Sequence[Example], groups: int = HELD_OUT_GROUPS,
                          eval_fraction: float = EVAL_FRACTION, seed: int = SEED) -> List[dict]:
    """One fold per group of intents: {held_out (its intents), fit, eval (the other intents'
    in-scope eval utterances, then the group's utterances relabelled out of scope)}."""
    intents = sorted({e.intent for e in examples})
    if len(intents) < groups + 1:
        raise ValueError(f"{len(intents)} intents cannot be dealt into {groups} held-out groups "
                         "with some left in scope")
    random.Random(seed).shuffle(intents)
    folds = []
    for group in range(groups):
        held_out = set(intents[group::groups])
        in_scope = Dataset({"train": [e for e in examples if e.intent not in held_out]}, "held-out intents", "")
        fit, in_scope_eval, _ = split_for_training(in_scope, eval_fraction, seed)  # per intent, keeps one in fit
        oos = [Example(e.text, OUT_OF_SCOPE) for e in examples if e.intent in held_out]
        folds.append({"held_out": sorted(held_out), "fit": fit, "eval": in_scope_eval + oos})
    return folds


def top_margin(scores: np.ndarray) -> np.ndarray:
    """Per row: the best score minus the second best."""
    top_two = np.sort(scores, axis=1)[:, -2:]
    return top_two[:, 1] - top_two[:, 0]


def auroc(confidence: Sequence[float], gold: Sequence[str]) -> float:
    """How well low confidence picks out the out-of-scope utterances: the chance that an
    out-of-scope one scores below an in-scope one (ties count half)."""
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score([g == OUT_OF_SCOPE for g in gold], -np.asarray(confidence, dtype=float)))


def in_scope_hits(predicted: Sequence[str], gold: Sequence[str]) -> int:
    return sum(p == g for p, g in zip(predicted, gold) if g != OUT_OF_SCOPE)


def measure(systems: Dict[str, dict], gold: Sequence[str]) -> Dict[tuple, dict]:
    """{(system, rule): auroc; recall at the tf-idf LinearSVC's in-scope accuracy as trained (None
    where the system never reaches it) and recall_common at the lowest any system reaches as
    trained; in-scope accuracy as trained}."""
    hits = {system: in_scope_hits(result["predicted"], gold) for system, result in systems.items()}
    n_in = sum(g != OUT_OF_SCOPE for g in gold)
    figures = {}
    for system, rule in ROWS:
        predicted, confidence = systems[system]["predicted"], systems[system]["scores"][rule]
        figures[system, rule] = {"auroc": auroc(confidence, gold),
                                 "recall": recall_at_in_scope(predicted, confidence, gold, hits[TFIDF_SVC]),
                                 "recall_common": recall_at_in_scope(predicted, confidence, gold, min(hits.values())),
                                 "in_scope_accuracy": hits[system] / n_in}
    return figures


def mean_over_folds(per_fold: Sequence[Dict[tuple, dict]]) -> Dict[tuple, dict]:
    """The folds' mean of each figure; a recall's over the folds where it is defined, with their count."""
    means = {}
    for row in ROWS:
        recalls = [fold[row]["recall"] for fold in per_fold if fold[row]["recall"] is not None]
        means[row] = {"recall": float(np.mean(recalls)) if recalls else None, "recall_folds": len(recalls),
                      "folds": len(per_fold),
                      **{key: float(np.mean([fold[row][key] for fold in per_fold]))
                         for key in ("auroc", "recall_common", "in_scope_accuracy")}}
    return means


# --- the systems --------------------------------------------------------------------------------


def pocketnlu_systems(trainer: Trainer, texts: Sequence[str], workdir: Path) -> Dict[str, dict]:
    """The compressed model as the device opens it, and the float model it was packed from."""
    tokens = [prepare(text)[0] for text in texts]
    path = Path(workdir) / "model.pnlu"
    trainer.save(path)
    with open_model(path) as device:
        device.intents_stage.threshold = None
        parses = device.parse_batch(list(texts))
        integer = device.intents_stage.intent.integer_scores(WordBatch(tokens, device.features)).astype(float)
    path.unlink()
    float_classifier = trainer.model_.stage.intent
    batch = WordBatch(tokens, trainer.model_.features)
    decisions, scores = float_classifier.decide(batch), float_classifier.scores(batch)
    return {COMPRESSED: {"predicted": [p.intent for p in parses],
                         "scores": {PROBABILITY: [p.confidence for p in parses], MARGIN: top_margin(integer),
                                    MAX_SCORE: integer.max(axis=1)}},
            FLOAT: {"predicted": [label for label, _ in decisions],
                    "scores": {PROBABILITY: [p for _, p in decisions], MARGIN: top_margin(scores),
                               MAX_SCORE: scores.max(axis=1)}}}


def binary_svc_system(trainer: Trainer, train: Sequence[Example], texts: Sequence[str]) -> dict:
    """LinearSVC on the float model's binary feature strings, C by stratified cross-validation."""
    from sklearn.model_selection import GridSearchCV, StratifiedKFold
    from sklearn.svm import LinearSVC

    config = trainer.model_.features
    train_groups = [utterance_features(prepare(e.text)[0], config) for e in train]
    vocabulary = {feature: column for column, feature in enumerate(sorted({f for g in train_groups for f in g}))}
    search = GridSearchCV(LinearSVC(random_state=SEED), {"C": list(C_GRID)},
                          cv=StratifiedKFold(FOLDS, shuffle=True, random_state=SEED))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # intents with fewer utterances than folds; liblinear's iteration cap
        search.fit(feature_matrix(train_groups, vocabulary), [e.intent for e in train])
    scores = search.decision_function(feature_matrix([utterance_features(prepare(t)[0], config) for t in texts],
                                                     vocabulary))
    return {"predicted": [str(label) for label in search.classes_[scores.argmax(axis=1)]],
            "scores": {MAX_SCORE: scores.max(axis=1), MARGIN: top_margin(scores)}, "C": search.best_params_["C"]}


def tfidf_systems(train: Sequence[Example], evaluated: Sequence[Example]) -> Dict[str, dict]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # as in the accuracy benchmark
        peers = sklearn_peers(train, evaluated, char_ngrams=CHAR_NGRAMS, c_grid=C_GRID, folds=FOLDS,
                              lr_solver=LR_SOLVER, seed=SEED)
    lr, svc = (next(result for name, result in peers.items() if name.endswith(classifier))
               for classifier in ("LogisticRegression", "LinearSVC"))
    return {TFIDF_LR: {"predicted": lr["predicted"], "scores": {PROBABILITY: lr["confidence"]}, "C": lr["C"]},
            TFIDF_SVC: {"predicted": svc["predicted"],
                        "scores": {MAX_SCORE: svc["confidence"], MARGIN: top_margin(svc["scores"])}, "C": svc["C"]}}


def run_dataset(name: str, data_root: Path, workdir: Path, seeds: Sequence[int] = SEEDS) -> dict:
    started = time.perf_counter()
    dataset = load_dataset(hint3_folder(Path(data_root) / "hint3", name, workdir / name), oos_label=HINT3_OOS_LABEL)
    examples = [e for e in dataset.splits["train"] if not e.out_of_scope]
    per_fold, settings = [], []
    folds = [(seed, number, fold) for seed in seeds
             for number, fold in enumerate(held_out_intent_folds(examples, seed=seed), 1)]
    for seed, number, fold in folds:
        trainer = Trainer().fit(fold["fit"])
        train, texts = trainer.train_, [e.text for e in fold["eval"]]
        systems = pocketnlu_systems(trainer, texts, workdir)
        systems[BINARY_SVC] = binary_svc_system(trainer, train, texts)
        systems.update(tfidf_systems(train, fold["eval"]))
        per_fold.append(measure(systems, [e.intent for e in fold["eval"]]))
        settings.append({FLOAT: selected(trainer), BINARY_SVC: f"C={systems[BINARY_SVC]['C']:g}",
                         TFIDF_LR: f"C={systems[TFIDF_LR]['C']:g}", TFIDF_SVC: f"C={systems[TFIDF_SVC]['C']:g}"})
        log(f"{name}: seed {seed}, fold {number}: {len(fold['held_out'])} intents held out, {len(train)} train, "
            f"{len(fold['eval'])} eval; AUROC "
            + ", ".join(f"{system} {rule}: {per_fold[-1][system, rule]['auroc']:.3f}" for system, rule in ROWS))
    log(f"{name}: done in {time.perf_counter() - started:.0f} s")
    return {"name": name, "utterances": len(examples), "intents": len({e.intent for e in examples}),
            "per_fold": per_fold, "means": mean_over_folds(per_fold), "settings": settings}


# --- rendering ----------------------------------------------------------------------------------


def steps(runs: Sequence[dict], metric: str) -> List[dict]:
    """Each STEPS factor's change in `metric` (a figure every fold has) when its peer's side is
    taken: the mean over the folds, then over the sets, and in how many folds it goes that way."""
    changes = []
    for factor, change_from_to, before, after in STEPS:
        per_run = [[fold[after][metric] - fold[before][metric] for fold in run["per_fold"]] for run in runs]
        change = float(np.mean([np.mean(in_run) for in_run in per_run]))
        same_way = sum(np.sign(d) == np.sign(change) for in_run in per_run for d in in_run)
        changes.append({"factor": factor, "from_to": change_from_to, "change": change, "same_way": int(same_way),
                        "folds": sum(map(len, per_run))})
    return changes


def conclusion(runs: Sequence[dict]) -> str:
    """The factor whose step moves the AUROC most, the one moving the recall at the common level
    most, and what the device's best score rule does against its confidence and the peer."""
    def points(value: float) -> str:
        return f"{100 * value:+.1f}"

    def mean(row: tuple, metric: str) -> float:
        return float(np.mean([run["means"][row][metric] for run in runs]))

    moves = steps(runs, "auroc")
    total = {metric: points(mean((TFIDF_SVC, MAX_SCORE), metric) - mean((COMPRESSED, PROBABILITY), metric))
             for metric in ("auroc", "recall_common")}
    largest = max(moves, key=lambda s: abs(s["change"]))
    recall = max(steps(runs, "recall_common"), key=lambda s: abs(s["change"]))
    device = max((r for r in ROWS if r[0] == COMPRESSED), key=lambda row: mean(row, "auroc"))
    confidence = (COMPRESSED, PROBABILITY)
    over_confidence = {metric: points(mean(device, metric) - mean(confidence, metric))
                       for metric in ("auroc", "recall_common")}
    return (f"Conclusion: the tf-idf LinearSVC's max score against pocketnlu's confidence: AUROC "
            f"{total['auroc']} "
            f"and recall at the common level {total['recall_common']} points; the factor that moves the AUROC most is the {largest['factor']} ({largest['from_to']}): "
            f"{points(largest['change'])} points (mean over the sets; that way in {largest['same_way']} of "
            f"{largest['folds']} folds); the recall at the common level moves most with the {recall['factor']} "
            f"({recall['from_to']}): {points(recall['change'])} points (that way in {recall['same_way']} of "
            f"{recall['folds']} folds). "
            f"On the device the best score is the {device[1]}: AUROC {over_confidence['auroc']} "
            f"and recall at the common level {over_confidence['recall_common']} "
            f"points against its confidence, {points(mean(device, 'auroc') - mean((TFIDF_SVC, MAX_SCORE), 'auroc'))} "
            "AUROC points against the tf-idf LinearSVC's max score.")


def _cells(figures: dict) -> str:
    recall = "—" if figures["recall"] is None else f"{100 * figures['recall']:.1f}"
    if figures["recall"] is not None and figures["recall_folds"] < figures["folds"]:
        recall += f" ({figures['recall_folds']} fold{'s' if figures['recall_folds'] > 1 else ''})"
    return f"{figures['auroc']:.3f} | {recall} | {100 * figures['recall_common']:.1f}"


def render(runs: Sequence[dict], command: str, seconds: float, load: tuple,
           seeds: Sequence[int] = SEEDS) -> str:
    import sklearn

    lines = ["## Out-of-scope detection by held-out intents (HINT3 train)", "",
             f"Command: `{command}` (machine: {platform.machine()}, {os.cpu_count()} cores shared with other jobs, "
             f"load average {load[0]:.1f} at the start and {load[1]:.1f} at the end; Python "
             f"{platform.python_version()}, scikit-learn {sklearn.__version__}; run took {seconds / 60:.1f} min).", "",
             f"HINT3 v2 train only (test never read): for each seed ({', '.join(map(str, seeds))}) the intents are dealt into {HELD_OUT_GROUPS} "
             "groups; "
             "in turn one group's utterances are the out-of-scope eval examples and the other intents' are split "
             f"per intent {100 - 100 * EVAL_FRACTION:.0f}/{100 * EVAL_FRACTION:.0f} into fit and in-scope eval. "
             "`Trainer()` fits on fit (its dev carved from it); every other system trains on the utterances the "
             f"Trainer trained on. Every figure is the mean over the {HELD_OUT_GROUPS} folds of every seed "
             f"({HELD_OUT_GROUPS * len(seeds)} folds a set). "
             "**AUROC**: how well the score, low, separates the held-out intents' utterances from the in-scope "
             "eval ones (0.5 chance, 1 perfect). **recall %**: out-of-scope recall at the in-scope accuracy the "
             "tf-idf LinearSVC reaches as trained (the highest threshold keeping at least as many in-scope "
             "utterances accepted with their intent, the accuracy benchmark's rule; — where the system never "
             "reaches it, the fold count where it does in fewer folds); **recall % common**: the same at the lowest "
             "in-scope accuracy any system reaches as trained in the fold (every row over the same folds). "
             "Systems: **pocketnlu compressed**, the "
             ".pnlu as the device opens it (max probability: its calibrated confidence; margin and max score: "
             "its integer per-intent scores); **pocketnlu float**, the same Trainer's float model before "
             "quantization; **LinearSVC, pocketnlu features**, the float model's binary feature strings with "
             f"LinearSVC (C from {', '.join(f'{c:g}' for c in C_GRID)} by stratified {FOLDS}-fold cross-validation); "
             "**scikit-learn**, the accuracy benchmark's tf-idf peers (word 1-2 + char_wb "
             f"{CHAR_NGRAMS[0]}-{CHAR_NGRAMS[1]} grams, C by cross-validation).", "",
             "| system | score | " + " | ".join(f"{run['name']} AUROC | {run['name']} recall % | "
                                                f"{run['name']} recall % common" for run in runs) + " |",
             "|---|---|" + "---:|---:|---:|" * len(runs)]
    for system, rule in ROWS:
        lines.append(f"| {system} | {rule} | " + " | ".join(_cells(run["means"][system, rule]) for run in runs) + " |")
    systems = list(dict.fromkeys(system for system, _ in ROWS))
    lines += ["", "In-scope accuracy % as trained (no threshold) and the settings chosen in the folds:", "",
              "| system | " + " | ".join(f"{run['name']} ({run['utterances']} utterances, {run['intents']} intents)"
                                       for run in runs) + " |",
              "|---|" + "---:|" * len(runs)]
    for system in systems:
        row = next(r for r in ROWS if r[0] == system)
        cells = []
        for run in runs:
            chosen = Counter(fold[system] for fold in run["settings"] if system in fold)
            settings = "; ".join(f"{setting} x{n}" for setting, n in chosen.most_common())
            cells.append(f"{100 * run['means'][row]['in_scope_accuracy']:.2f}" + (f" ({settings})" if chosen else ""))
        lines.append(f"| {system} | " + " | ".join(cells) + " |")
    lines += ["", "From pocketnlu's confidence to the LinearSVC peer's max score, one factor a step: what taking "
              "the peer's side of each factor changes, in points (AUROC x 100, recall % common), mean over the "
              "sets: " + "; ".join(f"{a['factor']} ({a['from_to']}) {100 * a['change']:+.1f} and "
                                   f"{100 * r['change']:+.1f}"
                                   for a, r in zip(steps(runs, "auroc"), steps(runs, "recall_common"))) + ".",
              "", conclusion(runs)]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = hint3_parser(__doc__.splitlines()[0], "oos-held-out-intents")
    parser.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS), metavar="N",
                        help="each deals the intents into groups and splits fit from eval, its folds averaged "
                             f"with the others' (default: {' '.join(map(str, SEEDS))})")
    args = parse_hint3_args(parser, argv)
    command = command_line("pocketnlu_tools.bench.refusal", argv)
    started, load_start = time.perf_counter(), os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="pocketnlu-refusal-") as directory:
        runs = [run_dataset(name, args.data_root, Path(directory), args.seeds) for name in args.datasets]
    report = render(runs, command, time.perf_counter() - started, (load_start, os.getloadavg()[0]), args.seeds)
    print(report)
    if args.write:
        update_block(args.write, "oos-held-out-intents", report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
