"""`pocketnlu train` and `pocketnlu eval`: the host's commands, added to the device's command line
(pocketnlu.cli) when this package is installed. Datasets in, reports out."""
import argparse
import json
import sys
import tempfile
from pathlib import Path

from pocketnlu.cli import emit
from pocketnlu.errors import UsageError

from pocketnlu_tools.data.readers import FORMATS


def add_commands(commands) -> None:
    """Add `train` and `eval` to the subparsers of `pocketnlu`'s argument parser."""
    train = commands.add_parser("train", help="train, compress and pack a model from a dataset")
    train.add_argument("data", help="dataset file or folder")
    train.add_argument("-o", "--output", required=True, help="model file to write (.pnlu)")
    train.add_argument("--format", choices=FORMATS, help="dataset format (detected when omitted)")
    train.add_argument("--weight-bits", type=int, default=8, choices=range(4, 9), metavar="{4..8}",
                       help="bits per quantized weight (default 8)")
    train.add_argument("--fingerprint-bits", type=int, default=8, choices=range(0, 17), metavar="{0..16}",
                       help="fingerprint bits per feature; unknown features pass with probability 2^-b (default 8)")
    train.add_argument("--gamma", type=float, default=1.0, help="MPHF load factor, 1..16 (default 1)")
    train.add_argument("--dead-zone", type=int, metavar="STEPS",
                       help="drop weights within STEPS quantization steps of zero, in every table (default: "
                            "chosen per table on the dev split: the best dev score, ties to the widest)")
    train.add_argument("--oos-threshold", type=float, help="confidence under which an utterance is out of scope "
                       "(default: chosen on the dev split when it has out-of-scope examples)")
    train.add_argument("--oos-target-recall", type=float, metavar="R",
                       help="instead: the lowest threshold that refuses a share R of dev's out-of-scope examples")
    train.add_argument("--max-wrong-actions", type=float, metavar="R",
                       help="instead: the lowest threshold under which at most a share R of dev's utterances get "
                            "a wrong intent (or any intent when out of scope)")
    train.add_argument("--user-dev", metavar="DATA",
                       help="utterances as users will say them (labelled, out-of-scope ones too), for data whose dev "
                            "split is generated, like templates: the intent classifier is chosen, the confidence "
                            "calibrated and the threshold set on them instead of the dev split; never trained on")
    train.add_argument("--background", metavar="DATA",
                       help="a dataset whose utterances become out-of-scope training and dev examples "
                            "(for data without any)")
    train.add_argument("--slot-kind", action="append", default=[], metavar="SLOT=KIND",
                       help="resolve SLOT's text as a built-in entity (number, ordinal, percentage, temperature, "
                            "duration, time, date, phone_number) on the device; repeatable")
    train.add_argument("--list", action="append", default=[], metavar="NAME=FILE", dest="lists",
                       help="values of a template list the files do not define (Home Assistant's run-time lists, "
                            "such as name and area): one per line, or spoken<TAB>canonical; repeatable")
    train.add_argument("--samples-per-intent", type=int, default=200, metavar="N",
                       help="sentences drawn from each intent's templates (default 200)")
    _add_column_options(train)
    train.add_argument("--no-slots", action="store_true", help="train the intent classifier only")
    train.add_argument("--hierarchical", action="store_true",
                       help="a domain classifier, then one intent classifier per domain (data with domains)")
    train.add_argument("--json", action="store_true", help="machine-readable output")
    train.set_defaults(run=_train)

    evaluate = commands.add_parser("eval", help="intent accuracy, slot F1 and latency of a model on a dataset")
    evaluate.add_argument("model", help="path to a .pnlu file")
    evaluate.add_argument("data", help="dataset file or folder")
    evaluate.add_argument("--format", choices=FORMATS, help="dataset format (detected when omitted)")
    evaluate.add_argument("--split", help="split to evaluate (default: test, else dev, else train)")
    evaluate.add_argument("--errors", type=int, default=0, metavar="N", help="also list the first N misparsed utterances")
    _add_column_options(evaluate)
    evaluate.add_argument("--json", action="store_true", help="machine-readable output")
    evaluate.set_defaults(run=_eval)


def _add_column_options(command) -> None:
    command.add_argument("--text-column", help="a CSV's text column, when not text, sentence, utterance, query or question")
    command.add_argument("--label-column", help="a CSV's label column, when not intent, label, category or class")
    command.add_argument("--oos-label", metavar="LABEL",
                         help="the data's label for out-of-scope utterances (e.g. HINT3's NO_NODES_DETECTED)")


def _columns(args) -> dict:
    return {"text_column": args.text_column, "label_column": args.label_column, "oos_label": args.oos_label}


def _require_training_libraries() -> None:
    """The host side (training, datasets) needs the `train` extra."""
    try:
        import sklearn  # noqa: F401
        import pycrfsuite  # noqa: F401
    except ImportError as error:
        raise UsageError(f"this command needs the training extra ({error.name} is missing): "
                         "pip install 'pocketnlu[train]'") from None


def _progress(message: str) -> None:
    """Progress on standard error; a closed one (`2>&1 | grep -m1 x`) must not stop training."""
    try:
        print(f"[train] {message}", file=sys.stderr, flush=True)
    except (BrokenPipeError, ValueError):  # ValueError: stderr was closed
        pass


def _train(args: argparse.Namespace) -> int:
    _require_training_libraries()
    from pocketnlu_tools.trainer import Trainer

    try:  # every option is checked before any data is read
        trainer = Trainer(weight_bits=args.weight_bits, fingerprint_bits=args.fingerprint_bits, gamma=args.gamma,
                          dead_zone=args.dead_zone, oos_threshold=args.oos_threshold,
                          oos_target_recall=args.oos_target_recall, max_wrong_actions=args.max_wrong_actions,
                          user_dev=args.user_dev, background=args.background,
                          slot_kinds=_pairs("--slot-kind", "SLOT=KIND", args.slot_kind),
                          lists=_lists(args.lists), samples_per_intent=args.samples_per_intent, **_columns(args),
                          slots=not args.no_slots, hierarchical=args.hierarchical, data_format=args.format,
                          progress=_progress)
    except ValueError as error:
        raise UsageError(str(error).replace("_", "-")) from None
    check_output(args.output, args.data)
    report = trainer.fit(args.data).save(args.output).report_
    emit(json.dumps(report, indent=2) if args.json else format_train_report(report))
    return 0


def check_output(output, data) -> None:
    """Before any training: the model may only replace a regular file that is not the dataset,
    in a folder where a file can be created."""
    output, data = Path(output), Path(data)
    if output.exists() or output.is_symlink():
        if not output.is_file():
            raise UsageError(f"{output}: not a regular file; refusing to replace it with a model")
        if data.exists() and (output.resolve() == data.resolve() or data.resolve() in output.resolve().parents):
            raise UsageError(f"{output}: is the dataset being trained on; refusing to replace it")
    folder = output.parent if str(output.parent) else Path(".")
    if not folder.is_dir():
        raise UsageError(f"{folder}: no such folder for the model")
    try:
        tempfile.TemporaryFile(dir=folder).close()
    except OSError as error:
        raise UsageError(f"{folder}: cannot write the model there ({error.strerror})") from None


def _pairs(option: str, form: str, pairs) -> dict:
    found = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name or not value:
            raise UsageError(f"{option} takes {form}, not {pair!r}")
        found[name] = value
    return found


def _lists(pairs) -> dict:
    from pocketnlu_tools.data.templates import read_list_file

    return {name: read_list_file(path) for name, path in _pairs("--list", "NAME=FILE", pairs).items()}


def format_train_report(report: dict) -> str:
    def metrics(m):
        slot = "n/a" if m.get("slot_f1") is None else f"{m['slot_f1']:.4f}"
        # None when the held-out split is empty (a dataset too small to carve a dev split from).
        intent = "n/a" if m.get("intent_accuracy") is None else f"{m['intent_accuracy']:.4f}"
        line = f"intent accuracy {intent}, slot F1 {slot}"
        if "oos_recall" in m:
            line += f", out-of-scope recall {m['oos_recall']:.4f}"
        return line

    calibrated = report["calibrated_on"]
    lines = [f"wrote {report['output']}",
             f"held-out split: {report['held_out']} ({report['n']} utterances)",
             f"  float:      {metrics(report['float'])}",
             f"  compressed: {metrics(report['compressed'])}",
             f"calibration and out-of-scope threshold chosen on {calibrated['data']} "
             f"({calibrated['utterances']} utterances"
             + (f"; the calibration also on {calibrated['out_of_fold_train']} training utterances scored out of fold"
                if calibrated["out_of_fold_train"] else "")
             + f"): threshold {'none' if report['oos_threshold'] is None else format(report['oos_threshold'], '.3f')}",
             f"size: {report['file_bytes']} bytes compressed, {report['uncompressed_bytes']} bytes as a plain "
             f"float model ({report['compression_ratio']:.1f}x smaller)",
             "dead zones (quantization steps): " + ", ".join(f"{name} {steps}" for name, steps in
                                                            sorted(report["dead_zones"].items()))]
    lines += [f"  {name:<20} {size:>10} bytes" for name, size in report["sections"].items()]
    if calibrated["unknown_intents"]:
        lines.append(f"warning: the {calibrated['data']} has intents the training data lacks, which the model can "
                     f"never give: {', '.join(calibrated['unknown_intents'])}")
    return "\n".join(lines)


def eval_report(model_path, data, data_format=None, split=None, errors: int = 0, **columns) -> dict:
    """What `pocketnlu eval` prints: the model's metrics on one split of a dataset."""
    from pocketnlu.nlu import open_model

    from pocketnlu_tools.data.readers import load_dataset
    from pocketnlu_tools.train.evaluate import evaluate

    dataset = load_dataset(data, data_format, **columns)
    if split is None:
        split = next(name for name in ("test", "dev", "train") if name in dataset.splits)
    if split not in dataset.splits:
        raise ValueError(f"{data}: no {split!r} split (has {', '.join(dataset.splits)})")
    with open_model(model_path) as model:
        report = evaluate(model, dataset.splits[split], errors=errors)
    return {"split": split, **report}


def _eval(args: argparse.Namespace) -> int:
    _require_training_libraries()
    report = eval_report(args.model, args.data, data_format=args.format, split=args.split, errors=args.errors,
                         **_columns(args))
    emit(json.dumps(report, indent=2) if args.json else format_eval_report(report))
    return 0


def format_eval_report(report: dict) -> str:
    lines = []
    for key, value in report.items():
        if key == "rejection_curve":
            lines.append("accuracy when refusing the least confident: " + ", ".join(
                f"{point['coverage']:.0%} kept {point['accuracy']:.4f}" for point in value))
        elif key == "errors":
            lines.append(f"errors (first {len(value)}):")
            lines += [_format_error(error) for error in value]
        else:
            lines.append(f"{key}: {value:.4f}" if isinstance(value, float) else f"{key}: {value}")
    return "\n".join(lines)


def _format_error(error: dict) -> str:
    line = f"  {error['text']!r}: {error['intent']} -> {error['predicted']} ({error['confidence']:.2f})"
    if error["slots"] != error["predicted_slots"]:
        line += f"; slots {error['slots']} -> {error['predicted_slots']}"
    return line
