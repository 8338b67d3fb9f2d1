"""The in-car block of BENCHMARKS.md: the shipped in-car model on its generated test split and on the
hand-written development set, with the measures that say whether a driver can trust it.

    python -m pocketnlu_tools.bench.incar [--model MODEL] [--write BENCHMARKS.md]
"""
import argparse
import platform

from pocketnlu.models import DEFAULT_MODEL
from pocketnlu.nlu import OUT_OF_SCOPE, open_model

from pocketnlu_tools.bench.markdown import update_block
from pocketnlu_tools.data.incar import DEV, TEMPLATES, missing_function_requests
from pocketnlu_tools.data.readers import load_dataset
from pocketnlu_tools.recipes.default_model import SAMPLES_PER_INTENT
from pocketnlu_tools.train.evaluate import evaluate

# (report key, row name, target as the issue states it, higher is better)
MEASURES = (
    ("in_scope_accuracy", "in-scope intent accuracy", ">= 93%", True),
    ("slot_f1", "slot F1 (exact span and type)", ">= 85%", True),
    ("full_frame_accuracy", "full frame (intent and every slot right, in scope)", ">= 85%", True),
    ("oos_recall", "out-of-scope recall", ">= 90%", True),
    ("wrong_action_rate", "wrong action (an in-scope intent other than the one asked)", "<= 3%", False),
    ("missing_functions_refused", "car functions the model lacks (boot, locks, engine, lights...), refused",
     ">= 90%", True),
    ("refusal_rate", "in-scope commands wrongly refused", "<= 5%", False),
    ("expected_calibration_error", "expected calibration error of the confidence", "<= 0.05", False),
)


def measure(model_path) -> dict:
    # The test split of the expansion the model was trained on (the same samples per intent).
    sets = {"generated test split": load_dataset(TEMPLATES, samples_per_intent=SAMPLES_PER_INTENT).splits["test"],
            "hand-written dev set": load_dataset(DEV).splits["dev"]}
    missing = missing_function_requests()
    with open_model(model_path) as model:
        reports = {name: evaluate(model, examples) for name, examples in sets.items()}
        asked = [example.text for example in sets["hand-written dev set"] if example.text in missing]
        reports["hand-written dev set"]["missing_functions_refused"] = (
            sum(parse.intent == OUT_OF_SCOPE for parse in model.parse_batch(asked)) / len(asked))
    return reports


def render(reports: dict, model_path) -> str:
    names = list(reports)
    sizes = ", ".join(f"{name} ({reports[name]['n']} utterances)" for name in names)
    lines = [f"## In-car model: {sizes}", "",
             f"Command: `python -m pocketnlu_tools.bench.incar --write BENCHMARKS.md` (machine: {platform.machine()}; "
             f"model `{model_path}`). The dev set chose the model's settings, calibration and out-of-scope "
             "threshold, so its figures are optimistic; the project's own held-out in-car set decides.", "",
             "| measure | " + " | ".join(names) + " | target |", "|---|" + "---:|" * len(names) + "---:|"]
    for key, title, target, _ in MEASURES:
        cells = []
        for name in names:
            value = reports[name].get(key)
            cells.append("n/a" if value is None else f"{value:.3f}" if key == "expected_calibration_error"
                         else f"{100 * value:.1f}%")
        lines.append(f"| {title} | " + " | ".join(cells) + f" | {target} |")
    lines += ["", "Accuracy of the parses kept when the least confident are refused (hand-written dev set): " + ", ".join(
        f"{point['coverage']:.0%} kept {100 * point['accuracy']:.1f}%"
        for point in reports["hand-written dev set"]["rejection_curve"]) + "."]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(DEFAULT_MODEL), help="model (default: the shipped in-car model)")
    parser.add_argument("--write", metavar="BENCHMARKS.md", help="replace this benchmark's block in the file")
    args = parser.parse_args(argv)
    report = render(measure(args.model), "runtime/pocketnlu/models/incar.pnlu" if args.model == str(DEFAULT_MODEL)
                    else args.model)
    print(report)
    if args.write:
        update_block(args.write, "incar", report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
