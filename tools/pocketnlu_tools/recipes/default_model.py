"""Builds the default in-car model shipped in the package (runtime/pocketnlu/models/incar.pnlu) from
the project's own in-car templates (pocketnlu_tools/data/incar/incar.yaml), with settings,
calibration and the out-of-scope threshold chosen on its hand-written dev set (dev_handwritten.jsonl).
Rebuilding gives the same bytes.

Usage: python -m pocketnlu_tools.recipes.default_model --output runtime/pocketnlu/models/incar.pnlu
"""
import argparse
import sys
from pathlib import Path

from pocketnlu_tools.data.incar import DEV, TEMPLATES
from pocketnlu_tools.trainer import Trainer

# Recorded in the file, so changing it changes the model's bytes.
PROVENANCE = {"dataset": "pocketnlu in-car commands (tools/incar)"}
# Sentences drawn from each intent's templates: 400 gave a better dev slot F1 and out-of-scope recall
# than 200 (0.865 / 0.917 against 0.819 / 0.903), for 50% more training time.
SAMPLES_PER_INTENT = 400
# The slots whose text the device resolves to values (pocketnlu.entities); levels said as words
# ("max", "low") do not resolve and the application reads them as words.
SLOT_KINDS = {"temperature": "temperature", "temperature_delta": "number", "fan_level": "number",
              "volume_level": "percentage", "seat_heat_level": "number", "seat_cooling_level": "number",
              "position": "number", "amount": "percentage", "phone_number": "phone_number"}


# A car must rarely do what it was not asked (issue 14: at most 3% wrong actions), so the threshold
# is the lowest that keeps the dev set's wrong actions at that share; the demo then asks for
# confirmation between it and its own confirmation band (pocketnlu.demo.session).
MAX_WRONG_ACTIONS = 0.03


def default_model_trainer(progress=None) -> Trainer:
    """The fitted trainer of the default model: the Trainer's defaults on the in-car templates,
    with the threshold set for MAX_WRONG_ACTIONS on the hand-written dev set."""
    return Trainer(provenance=PROVENANCE, slot_kinds=SLOT_KINDS, dev=DEV, samples_per_intent=SAMPLES_PER_INTENT,
                   max_wrong_actions=MAX_WRONG_ACTIONS, progress=progress).fit(TEMPLATES)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, required=True,
                        help="model file to write (the shipped one: runtime/pocketnlu/models/incar.pnlu)")
    args = parser.parse_args(argv)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    trainer = default_model_trainer(progress=lambda message: print(message, file=sys.stderr)).save(args.output)
    print(f"wrote {args.output}: test intent accuracy {trainer.report_['compressed']['intent_accuracy']:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
