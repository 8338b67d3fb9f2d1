"""Accuracy against the plain linear peers: pocketnlu's compressed model (Trainer defaults) beside
scikit-learn tf-idf + LogisticRegression and + LinearSVC, fastText (.bin and quantized .ftz) and,
where there are slots, python-crfsuite, trained and scored on the same splits in one run.

    python -m pocketnlu_tools.bench.accuracy [--datasets NAME ...] [--data-root DIR] [--write BENCHMARKS.md]

Datasets (under --data-root, default ../shared/data beside the checkout; nothing is copied into
the repository): jointbert_snips, jointbert_atis, the three HINT3 v2 sets (hint3_curekart,
hint3_powerplay11, hint3_sofmattress; out of scope is "NO_NODES_DETECTED", in test only) and
"assistant", SNIPS + ATIS + the in-car templates merged into one intent set (no slots). HINT3
has no out-of-scope training examples, so pocketnlu is also trained with SNIPS's train
utterances as background (`Trainer(background=...)`), and every system's out-of-scope recall
is compared at equal in-scope accuracy. Every setting is chosen on train or dev, never on test.
"""
import argparse
import csv
import math
import os
import platform
import sys
import tempfile
import time
import warnings
from dataclasses import replace
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from types import SimpleNamespace
from typing import Dict, List, Optional, Sequence

import numpy as np

from pocketnlu.nlu import open_model

from pocketnlu_tools.bench.markdown import command_line, update_block
from pocketnlu_tools.bench.peers import crfsuite_peer, fasttext_peers, sklearn_peers
from pocketnlu_tools.data.incar import TEMPLATES
from pocketnlu_tools.data.readers import load_dataset
from pocketnlu_tools.data.records import OUT_OF_SCOPE, Example
from pocketnlu_tools.pack.writer import write_atomically
from pocketnlu_tools.train.calibration import expected_calibration_error
from pocketnlu_tools.train.pipeline import choose_oos_threshold
from pocketnlu_tools.trainer import Trainer

DEFAULT_DATA_ROOT = Path(__file__).resolve().parents[3].parent / "shared" / "data"
HINT3_SETS = ("curekart", "powerplay11", "sofmattress")
HINT3_OOS_LABEL = "NO_NODES_DETECTED"
DATASETS = ("jointbert_snips", "jointbert_atis") + tuple(f"hint3_{name}" for name in HINT3_SETS) + ("assistant",)
MERGED_SOURCES = ("snips", "atis", "incar")
# The scikit-learn peers: word 1-2 grams and char_wb 2-5 grams, C from this grid by 5-fold CV on train.
CHAR_NGRAMS = (2, 5)
C_GRID = (0.1, 1.0, 10.0, 100.0)
FOLDS = 5
LR_SOLVER = "newton-cg"  # lbfgs stops early at high C on these features and takes longer


def display(name: str) -> str:
    """A system's name in the tables: the scikit-learn peers without their features (the legend
    gives them)."""
    for classifier in ("LogisticRegression", "LinearSVC"):
        if name.startswith("scikit-learn") and name.endswith(f"+ {classifier}"):
            return f"scikit-learn {classifier}"
    return name


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "(not installed)"


def threshold_text(threshold: Optional[float], dev_has_oos: bool) -> str:
    if threshold is not None:
        return f"threshold {threshold:.3f}"
    return "threshold none (chosen on dev)" if dev_has_oos else "no threshold (no out of scope in dev)"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- data -------------------------------------------------------------------------------------


def clean_csv_rows(rows: Sequence[Sequence[str]], where: str = "csv") -> List[List[str]]:
    """The rows without the columns whose header is blank (HINT3 powerplay11's train file has an
    unnamed third column of annotator notes, "Earlier was WITHDRAWAL_INTRO", which the reader
    refuses as an unknown column). The header and every row must have the same width."""
    header = list(rows[0]) if rows else []
    keep = [i for i, name in enumerate(header) if name.strip()]
    cleaned = []
    for number, row in enumerate(rows, 1):
        if len(row) != len(header):
            raise ValueError(f"{where}: row {number} has {len(row)} fields, the header {len(header)}")
        cleaned.append([row[i] for i in keep])
    return cleaned


def hint3_parser(description: str, block: str) -> argparse.ArgumentParser:
    """The options of a benchmark over the HINT3 train splits: --datasets, --data-root, --write."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--datasets", nargs="+", choices=HINT3_SETS, default=list(HINT3_SETS), metavar="NAME",
                        help=f"HINT3 sets to run (default: all of {', '.join(HINT3_SETS)})")
    parser.add_argument("--data-root", type=Path, default=DEFAULT_DATA_ROOT,
                        help=f"the shared datasets (default: {DEFAULT_DATA_ROOT})")
    parser.add_argument("--write", metavar="BENCHMARKS.md", help=f"replace the '{block}' block in the file")
    return parser


def parse_hint3_args(parser: argparse.ArgumentParser, argv=None) -> argparse.Namespace:
    """hint3_parser's arguments; stops with a usage error when there is no HINT3 data."""
    args = parser.parse_args(argv)
    if not (args.data_root / "hint3").is_dir():
        parser.error(f"no HINT3 data under {args.data_root}")
    return args


def hint3_folder(hint3_root: Path, name: str, folder: Path) -> Path:
    """A folder the csv reader takes: train.csv and test.csv linked to HINT3 v2's files, or a
    cleaned copy where the file has unnamed columns."""
    folder.mkdir(parents=True, exist_ok=True)
    for split in ("train", "test"):
        source = Path(hint3_root) / "dataset" / "v2" / split / f"{name}_{split}.csv"
        target = folder / f"{split}.csv"
        with open(source, newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle, strict=True))
        if rows and any(not column.strip() for column in rows[0]):
            with open(target, "w", newline="", encoding="utf-8") as handle:
                csv.writer(handle).writerows(clean_csv_rows(rows, str(source)))
        else:
            target.symlink_to(source.resolve())
    return folder


def clashing_intents(sources: Dict[str, Dict[str, List[Example]]]) -> set:
    """The intent names (out_of_scope aside) found in more than one source ({source: splits})."""
    owners: Dict[str, set] = {}
    for source, splits in sources.items():
        for examples in splits.values():
            for example in examples:
                owners.setdefault(example.intent, set()).add(source)
    return {intent for intent, names in owners.items() if len(names) > 1 and intent != OUT_OF_SCOPE}


def merge_datasets(sources: Dict[str, Dict[str, List[Example]]], slots: bool = False) -> Dict[str, List[Example]]:
    """One dataset from several ({source: splits}), each split the union of theirs. An intent
    name found in more than one source becomes "<source>_<intent>" (out_of_scope stays one
    class). Without `slots` the examples lose their slots."""
    clashes = clashing_intents(sources)
    merged: Dict[str, List[Example]] = {}
    for source, splits in sources.items():
        for split, examples in splits.items():
            for example in examples:
                intent = f"{source}_{example.intent}" if example.intent in clashes else example.intent
                merged.setdefault(split, []).append(
                    replace(example, intent=intent, slots=example.slots if slots else ()))
    return merged


def write_csv_splits(splits: Dict[str, List[Example]], folder: Path) -> Path:
    """train.csv, dev.csv and test.csv (text, intent, domain) the csv reader reads back."""
    folder.mkdir(parents=True, exist_ok=True)
    for split, examples in splits.items():
        with open(folder / f"{split}.csv", "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["text", "intent", "domain"])
            writer.writerows([example.text, example.intent, example.domain or ""] for example in examples)
    return folder


def prepare_datasets(names: Sequence[str], root: Path, workdir: Path) -> Dict[str, dict]:
    """{name: Trainer.fit data and options, the background when it needs one, a description}."""
    root = Path(root)
    snips_train = None
    specs = {}
    for name in names:
        if name.startswith("jointbert_"):
            specs[name] = {"data": root / name, "options": {}, "about": f"`{name}` (BIO folders)"}
        elif name.startswith("hint3_"):
            short = name[len("hint3_"):]
            if snips_train is None:
                snips_train = load_dataset(root / "jointbert_snips").splits["train"]
            specs[name] = {"data": hint3_folder(root / "hint3", short, workdir / name),
                           "options": {"oos_label": HINT3_OOS_LABEL},
                           "background": snips_train,
                           "about": f"HINT3 v2 `{short}` (out of scope: {HINT3_OOS_LABEL}, in test only; "
                                    "dev carved from train)"}
        elif name == "assistant":
            sources = {"snips": load_dataset(root / "jointbert_snips").splits,
                       "atis": load_dataset(root / "jointbert_atis").splits,
                       "incar": load_dataset(TEMPLATES).splits}
            merged, clashes = merge_datasets(sources, slots=False), sorted(clashing_intents(sources))
            specs[name] = {"data": write_csv_splits(merged, workdir / name), "options": {"slots": False},
                           "about": "SNIPS + ATIS (jointbert) + the in-car templates, each keeping its "
                                    "train/dev/test split, merged without slots"
                                    + (f"; intents renamed for clashes: {', '.join(clashes)}" if clashes else
                                       "; no intent names clash")}
        else:
            raise ValueError(f"unknown dataset {name!r}; expected one of {', '.join(DATASETS)}")
    return specs


# --- scoring ----------------------------------------------------------------------------------


def refusals(predicted: Sequence[str], confidence: Sequence[float], threshold: Optional[float]) -> List[bool]:
    """Per decision: refused as out of scope (predicted so, or under `threshold`)?"""
    return [p == OUT_OF_SCOPE or (threshold is not None and c < threshold) for p, c in zip(predicted, confidence)]


def operating_point(predicted: Sequence[str], confidence: Sequence[float], gold: Sequence[str],
                    threshold: Optional[float] = None, probabilities: bool = True) -> dict:
    """Scores of raw decisions (label, confidence) when those under `threshold` are refused as out
    of scope: intent_accuracy; in_scope_accuracy, in_scope_hits and oos_recall when gold has out
    of scope; ece (None unless `confidence` is a probability) over every example."""
    refused = refusals(predicted, confidence, threshold)
    final = [OUT_OF_SCOPE if r else p for p, r in zip(predicted, refused)]
    correct = [f == g for f, g in zip(final, gold)]
    point = {"intent_accuracy": float(np.mean(correct)) if gold else None, "in_scope_accuracy": None,
             "in_scope_hits": None, "oos_recall": None,
             "ece": expected_calibration_error(confidence, correct) if probabilities and gold else None}
    in_scope = [i for i, g in enumerate(gold) if g != OUT_OF_SCOPE]
    oos = [i for i, g in enumerate(gold) if g == OUT_OF_SCOPE]
    if oos:
        point["in_scope_hits"] = sum(correct[i] for i in in_scope)
        point["in_scope_accuracy"] = point["in_scope_hits"] / len(in_scope) if in_scope else None
        point["oos_recall"] = float(np.mean([refused[i] for i in oos]))
    return point


def recall_at_in_scope(predicted: Sequence[str], confidence: Sequence[float], gold: Sequence[str],
                       hits: int) -> Optional[float]:
    """Out-of-scope recall at the highest threshold under which at least `hits` in-scope examples
    are still accepted with their intent; None when fewer than `hits` are right at any threshold."""
    right = sorted((c for p, c, g in zip(predicted, confidence, gold) if g != OUT_OF_SCOPE and p == g), reverse=True)
    if hits > len(right):
        return None
    threshold = right[hits - 1] if hits > 0 else math.inf
    oos = [p == OUT_OF_SCOPE or c < threshold for p, c, g in zip(predicted, confidence, gold) if g == OUT_OF_SCOPE]
    return float(np.mean(oos)) if oos else None


class _Decided:
    """Decisions made beforehand, in the shape choose_oos_threshold reads (parse_batch and an
    oos_threshold), so peers' thresholds are chosen by pocketnlu's own rule."""

    def __init__(self, texts, predicted, confidence):
        self.oos_threshold = None
        self._parses = {t: SimpleNamespace(intent=p, confidence=c) for t, p, c in zip(texts, predicted, confidence)}

    def parse_batch(self, texts):
        return [self._parses[text] for text in texts]


def dev_threshold(dev: Sequence[Example], predicted, confidence) -> Optional[float]:
    """pocketnlu's rule (best mean of in-scope accuracy and out-of-scope recall on dev) for
    decisions already made; None when dev has no out-of-scope examples."""
    return choose_oos_threshold(_Decided([e.text for e in dev], predicted, confidence), dev)


def pocketnlu_system(name: str, trainer: Trainer, seconds: float, test: Sequence[Example], workdir: Path) -> dict:
    """The packed model as the device opens it: its report's figures, and its raw decisions on
    test (threshold off) for the comparisons at equal in-scope accuracy."""
    report = trainer.report_["compressed"]
    path = Path(workdir) / "model.pnlu"
    write_atomically(path, trainer.model_bytes_)
    with open_model(path) as model:
        model.intents_stage.threshold = None
        parses = model.parse_batch([e.text for e in test])
    path.unlink()
    predicted, confidence = [p.intent for p in parses], [p.confidence for p in parses]
    threshold = trainer.report_["oos_threshold"]
    check = operating_point(predicted, confidence, [e.intent for e in test], threshold)
    if abs(check["intent_accuracy"] - report["intent_accuracy"]) > 1e-9:
        log(f"warning: {name}: batch decisions give intent accuracy {check['intent_accuracy']:.4f}, "
            f"its report {report['intent_accuracy']:.4f}")
    return {"name": name, "kind": "pocketnlu", "predicted": predicted, "confidence": confidence,
            "threshold": threshold, "probabilities": True, "intent_accuracy": report["intent_accuracy"],
            "in_scope_accuracy": report.get("in_scope_accuracy"), "in_scope_hits": check["in_scope_hits"],
            "oos_recall": report.get("oos_recall"), "ece": report["expected_calibration_error"],
            "float_intent_accuracy": trainer.report_["float"]["intent_accuracy"],
            "slot_f1": report["slot_f1"], "bytes": len(trainer.model_bytes_), "train_seconds": seconds,
            "chosen": selected(trainer)}


def selected(trainer: Trainer) -> str:
    """What pocketnlu chose on dev for its intent classifier (and its slot CRF)."""
    chosen = trainer.report_["selected_on_dev"]
    low, high = chosen["features"]["char_ngrams"]
    options = chosen["classifier"]
    text = f"char {low}-{high}, {options.get('penalty', 'l1').upper()} C={options.get('C', '?')}"
    if chosen.get("intents_chosen_by") == "cross-validation":
        text += " (by cross-validation)"
    if trainer.model_.slots is not None:
        text += f", slot context {chosen['features']['utterance_context']}"
    if any(e.out_of_scope for e in trainer.train_ + trainer.dev_ + trainer.test_):
        text += ", " + threshold_text(trainer.report_["oos_threshold"], any(e.out_of_scope for e in trainer.dev_))
    return text


def peer_systems(train, dev, test, workdir: Path) -> List[dict]:
    """The intent peers on train, scored on test at a threshold chosen on dev (when dev has out
    of scope; otherwise none: they refuse only by predicting a trained out_of_scope class)."""
    scored = list(test) + (list(dev) if any(e.out_of_scope for e in dev) else [])
    log(f"  scikit-learn peers (C from {C_GRID} by {FOLDS}-fold CV on {len(train)} train utterances)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ATIS has intents with fewer than 5 examples; liblinear's iteration cap
        results = sklearn_peers(train, scored, char_ngrams=CHAR_NGRAMS, c_grid=C_GRID, folds=FOLDS,
                                lr_solver=LR_SOLVER, seed=0)
    log("  fastText peers")
    results.update(fasttext_peers(train, scored, workdir))
    systems = []
    gold = [e.intent for e in test]
    run_has_oos = any(e.out_of_scope for e in list(train) + list(dev) + list(test))
    for name, result in results.items():
        predicted, confidence = result["predicted"][:len(test)], result["confidence"][:len(test)]
        threshold = None
        if len(scored) > len(test):
            threshold = dev_threshold(dev, result["predicted"][len(test):], result["confidence"][len(test):])
        point = operating_point(predicted, confidence, gold, threshold, result["probabilities"])
        chosen = [f"C={result['C']:g}"] if "C" in result else []
        if run_has_oos:
            chosen.append(threshold_text(threshold, len(scored) > len(test)))
        systems.append({"name": name, "kind": "peer", "predicted": predicted, "confidence": confidence,
                        "threshold": threshold, "probabilities": result["probabilities"], **point,
                        "slot_f1": None, "bytes": result["bytes"], "train_seconds": result["train_seconds"],
                        "chosen": ", ".join(chosen)})
    return systems


def run_dataset(name: str, spec: dict, workdir: Path) -> dict:
    """Train and score every system on one dataset; the rows of its table."""
    started = time.perf_counter()
    progress = lambda message: log(f"  {message}")  # noqa: E731
    log(f"{name}: pocketnlu")
    trainer = Trainer(progress=progress, **spec["options"])
    fitted = time.perf_counter()
    trainer.fit(spec["data"])
    seconds = time.perf_counter() - fitted
    train, dev, test = trainer.train_, trainer.dev_, trainer.test_
    if not test:
        raise ValueError(f"{name}: no test split")
    systems = [pocketnlu_system("pocketnlu", trainer, seconds, test, workdir)]
    model, slots = trainer.model_, trainer.model_.slots is not None
    background = None
    if spec.get("background") is not None and any(e.out_of_scope for e in test) and not any(
            e.out_of_scope for e in train + dev):
        background = spec["background"]
        log(f"{name}: pocketnlu + background ({len(background)} utterances)")
        with_background = Trainer(progress=progress, background=background, **spec["options"])
        fitted = time.perf_counter()
        with_background.fit(spec["data"])
        systems.append(pocketnlu_system("pocketnlu + background", with_background, time.perf_counter() - fitted,
                                        test, workdir))
        del with_background
    systems += peer_systems(train, dev, test, workdir)
    if slots:
        log(f"{name}: python-crfsuite")
        for peer, result in crfsuite_peer(train, test, model.features, workdir).items():
            systems.append({"name": peer, "kind": "slots", "slot_f1": result["slot_f1"], "bytes": result["bytes"],
                            "train_seconds": result["train_seconds"], "chosen": ""})
    intents = sorted({e.intent for e in train + dev + test if not e.out_of_scope})
    return {"name": name, "about": spec["about"], "n_train": len(train), "n_dev": len(dev), "n_test": len(test),
            "n_oos": sum(e.out_of_scope for e in test), "oos_in_train": any(e.out_of_scope for e in train),
            "intents": len(intents), "slots": slots, "gold": [e.intent for e in test],
            "background": len(background) if background is not None else None, "systems": systems,
            "seconds": time.perf_counter() - started}


# --- comparisons and rendering ----------------------------------------------------------------


def matched_levels(run: dict) -> List[dict]:
    """The in-scope accuracies the systems reach as trained (each once, highest first), and each
    intent system's out-of-scope recall at each: {hits, accuracy, at (system names), recall}."""
    systems = [s for s in run["systems"] if s["kind"] != "slots" and s["in_scope_hits"] is not None]
    n_in = run["n_test"] - run["n_oos"]
    levels: Dict[int, List[str]] = {}
    for system in systems:
        levels.setdefault(system["in_scope_hits"], []).append(system["name"])
    return [{"hits": hits, "accuracy": hits / n_in, "at": names,
             "recall": {s["name"]: recall_at_in_scope(s["predicted"], s["confidence"], run["gold"], hits)
                        for s in systems}}
            for hits, names in sorted(levels.items(), reverse=True)]


BOOTSTRAP_RESAMPLES = 2000


def correct_flags(system: dict, gold: Sequence[str], in_scope: bool = False) -> np.ndarray:
    """Per test utterance: is the system's final decision (its threshold applied) right? Only
    the in-scope utterances with `in_scope`."""
    refused = refusals(system["predicted"], system["confidence"], system["threshold"])
    flags = [(OUT_OF_SCOPE if r else p) == g for p, r, g in zip(system["predicted"], refused, gold)
             if not in_scope or g != OUT_OF_SCOPE]
    return np.array(flags, dtype=float)


def in_scope_ece(system: dict, gold: Sequence[str]) -> Optional[float]:
    """Expected calibration error over the in-scope test utterances alone (None without
    probabilities, or when every utterance is in scope: then it is the ECE column's)."""
    if not system.get("probabilities") or OUT_OF_SCOPE not in gold:
        return None
    members = [i for i, g in enumerate(gold) if g != OUT_OF_SCOPE]
    right = correct_flags(system, gold, in_scope=True)
    return expected_calibration_error([system["confidence"][i] for i in members], right.astype(bool).tolist())


def paired_interval(ours: np.ndarray, theirs: np.ndarray, resamples: int = BOOTSTRAP_RESAMPLES,
                    seed: int = 0) -> tuple:
    """95% paired bootstrap interval of mean(ours) - mean(theirs): the test utterances resampled
    with replacement, both systems scored on the same resample."""
    picks = np.random.default_rng(seed).integers(0, len(ours), size=(resamples, len(ours)))
    differences = (ours - theirs)[picks].mean(axis=1)
    return tuple(np.percentile(differences, [2.5, 97.5]))


# the targets: compressed within 0.3 points of float intent accuracy, and a file at most
# a tenth of fastText's quantized .ftz
COMPRESSION_TOLERANCE = 0.003


def shortfalls(run: dict) -> List[str]:
    """Where each pocketnlu row is below the best peer, and by how much."""
    ours = [s for s in run["systems"] if s["kind"] == "pocketnlu"]
    peers = [s for s in run["systems"] if s["kind"] == "peer"]
    slot_peers = [s for s in run["systems"] if s["kind"] == "slots"]
    lines = []
    for system in ours:
        def below(key, title, higher=True, among=peers):
            scored = [p for p in among if p.get(key) is not None]
            if system.get(key) is None or not scored:
                return
            best = (max if higher else min)(scored, key=lambda p: p[key])
            gap = system[key] - best[key] if higher else best[key] - system[key]
            if gap < -1e-12:
                amount = f"{100 * -gap:.2f} points" if key != "ece" else f"{-gap:.3f}"
                value = (lambda v: f"{v:.3f}") if key == "ece" else (lambda v: f"{100 * v:.2f}%")
                line = (f"{run['name']}, {system['name']}: {title} {value(system[key])} against "
                        f"{value(best[key])} ({display(best['name'])}), {amount} {'below' if higher else 'worse'}")
                if key in ("intent_accuracy", "in_scope_accuracy"):
                    in_scope = key == "in_scope_accuracy"
                    low, high = paired_interval(correct_flags(system, run["gold"], in_scope),
                                                correct_flags(best, run["gold"], in_scope))
                    line += (f" (paired bootstrap 95% interval of the difference {100 * low:+.2f} to "
                             f"{100 * high:+.2f} points{': not distinguishable on this test set' if high > 0 else ''})")
                lines.append(line)

        below("intent_accuracy", "intent accuracy")
        if run["n_oos"]:
            below("in_scope_accuracy", "in-scope accuracy")
        below("ece", "calibration error", higher=False)
        below("slot_f1", "slot F1", among=slot_peers)
        lost = system.get("float_intent_accuracy", system["intent_accuracy"]) - system["intent_accuracy"]
        if lost > COMPRESSION_TOLERANCE + 1e-12:
            lines.append(f"{run['name']}, {system['name']}: compressed intent accuracy {_pct(system['intent_accuracy'])}% "
                         f"against the float model's {_pct(system['float_intent_accuracy'])}%, {100 * lost:.2f} "
                         f"points lost (target: within {100 * COMPRESSION_TOLERANCE:.1f})")
        ftz = next((p for p in peers if p["name"] == "fastText quantized (.ftz)"), None)
        if ftz is not None and system["bytes"] > ftz["bytes"] / 10:
            lines.append(f"{run['name']}, {system['name']}: file {system['bytes']:,} bytes, more than a tenth of "
                         f"the .ftz's {ftz['bytes']:,}")
        if peers and system["bytes"] > min(p["bytes"] for p in peers):
            smallest = min(peers, key=lambda p: p["bytes"])
            lines.append(f"{run['name']}, {system['name']}: file {system['bytes']:,} bytes, "
                         f"{system['bytes'] / smallest['bytes']:.1f}x {display(smallest['name'])}'s {smallest['bytes']:,}")
        fasttext = next((p for p in peers if p["name"] == "fastText"), None)
        if fasttext is not None:
            rival = fasttext["train_seconds"] + sum(p["train_seconds"] for p in slot_peers if run["slots"])
            if system["train_seconds"] > rival:
                what = "fastText + python-crfsuite" if run["slots"] and slot_peers else "fastText"
                lines.append(f"{run['name']}, {system['name']}: training {system['train_seconds']:.0f} s against "
                             f"{rival:.0f} s for {what} ({system['train_seconds'] / max(rival, 1e-9):.1f}x)")
        if run["n_oos"]:
            gaps, levels = [], matched_levels(run)
            for level in levels:
                mine = level["recall"][system["name"]]
                theirs = [(level["recall"][p["name"]], p["name"]) for p in peers
                          if level["recall"].get(p["name"]) is not None]
                if not theirs:
                    continue
                best, who = max(theirs)
                if mine is None or mine < best - 1e-12:
                    gaps.append((best - (mine or 0.0), level, mine, best, who))
            if gaps:
                where = "; ".join(f"at {100 * level['accuracy']:.1f}%: "
                                  f"{'—' if mine is None else f'{100 * mine:.1f}'} against {100 * best:.1f} ({display(who)})"
                                  for _, level, mine, best, who in gaps)
                lines.append(f"{run['name']}, {system['name']}: out-of-scope recall % at equal in-scope accuracy "
                             f"below the best peer at {len(gaps)} of {len(levels)} levels ({where})")
    return lines


def _pct(value) -> str:
    return "n/a" if value is None else f"{100 * value:.2f}"


def render_legend() -> str:
    """The 'accuracy' block: what every dataset's block ('accuracy-NAME', render_run) measures."""
    lines = [
        "## Accuracy against the plain linear peers",
        "",
        "One block per dataset follows, each written by the command it names (`--datasets NAME` reruns one). "
        "In each, every system is trained on the same train split and scored on the same test split, in one run. "
        "pocketnlu is `Trainer()` with its defaults (its settings, calibration, out-of-scope threshold and dead "
        "zones chosen on dev; the compressed .pnlu is scored); the peers train on the same train utterances "
        "(not on dev). Legend:",
        "",
        "- **intent %**: test utterances given their intent (out-of-scope ones count as right when refused); "
        "**in-scope %**: in-scope utterances accepted with their intent; **OOS recall %**: out-of-scope "
        "utterances refused. **float intent %**: pocketnlu's float model before quantization and packing, on the "
        "same test split (the compressed model should lose at most 0.3 points).",
        "- **threshold**: pocketnlu's is chosen on dev when dev has out-of-scope examples (the best mean of "
        "in-scope accuracy and out-of-scope recall), else there is none; the peers' by the same rule on the "
        "same dev, on their largest probability (LogisticRegression, fastText) or decision score (LinearSVC). "
        "Without one, a system refuses only by predicting a trained out_of_scope class.",
        f"- **scikit-learn**: tf-idf of word 1-2 grams and char_wb {CHAR_NGRAMS[0]}-{CHAR_NGRAMS[1]} grams "
        f"(sublinear tf), C from {', '.join(f'{c:g}' for c in C_GRID)} by stratified {FOLDS}-fold "
        f"cross-validation on train (tf-idf refit in each fold; LogisticRegression multinomial, solver {LR_SOLVER}, "
        "warm-started along the grid), then fit on all of train; "
        "**fastText**: supervised, word bigrams, 25 epochs, lr 0.5, then quantized (.ftz, retrained, qnorm); "
        "**python-crfsuite**: the slot tagger alone, on pocketnlu's token features without the intent.",
        "- **ECE**: expected calibration error (15 bins) of the confidence in the decision, over all test "
        "utterances; pocketnlu's from its report (temperature-scaled on dev, and also on the out-of-fold "
        "scores of its cross-validation where that chose the intent classifier), the peers' from their "
        "probabilities; LinearSVC has none. **ECE in scope**: the same over the in-scope test utterances alone "
        "(data with out-of-scope test utterances), which separates calibration on the intents from confidence "
        "on requests the model was never taught to refuse.",
        "- **bytes**: the model file (.pnlu: intents and slots together; fastText .bin/.ftz; python-crfsuite's "
        "model; the pickled scikit-learn pipeline). **train s**: wall-clock seconds on this shared machine: "
        "pocketnlu's whole `Trainer.fit` (candidate models compared on dev, calibration, dead zones, packing and "
        "its own test evaluation); scikit-learn's includes its C search; the .ftz's the .bin's training too.",
        "- **At equal in-scope accuracy** (data with out-of-scope test utterances): each column is an "
        "in-scope accuracy one system reaches as trained; a cell is a system's out-of-scope recall at the "
        "highest confidence threshold that keeps at least that in-scope accuracy. These thresholds are set "
        "on test labels: they compare operating points (at a peer's in-scope accuracy, is pocketnlu's "
        "recall at or above the peer's?), they are not thresholds one could deploy. — : the system does not "
        "reach that in-scope accuracy at any threshold.",
        "- **Where pocketnlu is below the best peer**: intent and in-scope accuracy, calibration, slot F1, size, "
        "training time, out-of-scope recall at equal in-scope accuracy.",
    ]
    return "\n".join(lines)


def render_run(run: dict, command: str, load: tuple) -> str:
    """One dataset's block: its command and machine, the systems' table, the operating points and
    where pocketnlu is below the best peer."""
    lines = [f"### {run['name']}", "",
             f"Command: `{command}` (machine: {platform.machine()}, {os.cpu_count()} cores shared with other jobs, "
             f"load average {load[0]:.1f} at the start and {load[1]:.1f} at the end; Python "
             f"{platform.python_version()}, scikit-learn {_version('scikit-learn')}, fasttext-wheel "
             f"{_version('fasttext-wheel')}, python-crfsuite {_version('python-crfsuite')}).", ""]
    lines += [f"{run['about']}: {run['n_train']:,} train, {run['n_dev']:,} dev, {run['n_test']:,} test utterances "
              f"({run['n_oos']:,} out of scope), {run['intents']} intents"
              + (", slots" if run["slots"] else "")
              + (f"; background: SNIPS's {run['background']:,} train utterances as out of scope, split 90/10 "
                 "into train and dev" if run["background"] else "") + f" ({run['seconds']:.0f} s).", "",
              "| system | intent % | float intent % | in-scope % | OOS recall % | ECE | ECE in scope | slot F1 "
              "| bytes | train s | chosen on train/dev |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for s in run["systems"]:
        ece = "n/a" if s.get("ece") is None else f"{s['ece']:.3f}"
        inner = None if s["kind"] == "slots" else in_scope_ece(s, run["gold"])
        ece += " | " + ("n/a" if inner is None else f"{inner:.3f}")
        f1 = "n/a" if s.get("slot_f1") is None else f"{s['slot_f1']:.4f}"
        lines.append(f"| {display(s['name'])} | {_pct(s.get('intent_accuracy'))} | {_pct(s.get('float_intent_accuracy'))} "
                     f"| {_pct(s.get('in_scope_accuracy'))} "
                     f"| {_pct(s.get('oos_recall'))} | {ece} | {f1} | {s['bytes']:,} | {s['train_seconds']:.1f} "
                     f"| {s['chosen']} |")
    if run["n_oos"]:
        levels = matched_levels(run)
        names = [s["name"] for s in run["systems"] if s["kind"] != "slots"]
        lines += ["", "Out-of-scope recall % at equal in-scope accuracy:", "",
                  "| system | " + " | ".join(f"at {100 * lv['accuracy']:.1f}% ({', '.join(map(display, lv['at']))})"
                                            for lv in levels) + " |",
                  "|---|" + "---:|" * len(levels)]
        for name in names:
            cells = ["—" if lv["recall"][name] is None else f"{100 * lv['recall'][name]:.1f}" for lv in levels]
            lines.append(f"| {display(name)} | " + " | ".join(cells) + " |")
    lines += ["", "Where pocketnlu is below the best peer:", ""]
    lines += [f"- {line}" for line in shortfalls(run)] or ["- nowhere"]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", choices=DATASETS, default=list(DATASETS), metavar="NAME",
                        help=f"which to run, in this order (default: all of {', '.join(DATASETS)})")
    parser.add_argument("--data-root", type=Path, default=DEFAULT_DATA_ROOT,
                        help=f"the shared datasets (default: {DEFAULT_DATA_ROOT})")
    parser.add_argument("--write", metavar="BENCHMARKS.md", help="replace the 'accuracy' block (the legend) and each dataset's 'accuracy-NAME' block in the file")
    args = parser.parse_args(argv)
    command = command_line("pocketnlu_tools.bench.accuracy", argv)
    runs = []
    with tempfile.TemporaryDirectory(prefix="pocketnlu-accuracy-") as directory:
        workdir = Path(directory)
        specs = prepare_datasets(args.datasets, args.data_root, workdir / "data")
        for name in args.datasets:
            load_start = os.getloadavg()[0]
            with tempfile.TemporaryDirectory(dir=directory) as scratch:  # fastText's .bin is large: one at a time
                runs.append(run_dataset(name, specs[name], Path(scratch)))
            log(f"{name}: done in {runs[-1]['seconds']:.0f} s")
            block = render_run(runs[-1], command, (load_start, os.getloadavg()[0]))
            print(block + "\n")
            if args.write:  # each block as its dataset finishes: a later failure loses nothing measured
                update_block(args.write, "accuracy", render_legend())
                update_block(args.write, f"accuracy-{name}", block)
    print("Summary: where pocketnlu is below the best peer", file=sys.stderr)
    for line in [line for run in runs for line in shortfalls(run)] or ["nowhere"]:
        print(f"  {line}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
