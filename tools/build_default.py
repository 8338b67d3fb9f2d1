"""Builds the default in-car model shipped in the package (runtime/models/incar.pnlu) from the
project's own dataset (tools/incar/incar.jsonl). Rebuilding gives the same bytes.

Usage: python -m pocketnlu_tools.build_default [--output PATH]
"""
import argparse
import sys
from pathlib import Path

import pocketnlu

from .datasets import load_dataset, split_for_training
from .nlu_build import PackOptions, choose_dead_zones, choose_oos_threshold, pack_nlu, train_nlu
from .writer import write_atomically

# Package data on both sides, so this works from a checkout and from an installed package.
DATASET = Path(__file__).resolve().parent / "incar" / "incar.jsonl"
DEFAULT_OUTPUT = Path(pocketnlu.__file__).resolve().parent / "models" / "incar.pnlu"
OPTIONS = PackOptions(weight_bits=8, fingerprint_bits=8, gamma=1.0)


def build_default_model(progress=lambda message: None) -> bytes:
    train, dev, _ = split_for_training(load_dataset(DATASET))
    model = train_nlu(train, dev=dev, progress=progress)
    model.oos_threshold = choose_oos_threshold(model, dev)
    options = choose_dead_zones(model, dev, OPTIONS, progress)
    return pack_nlu(model, options, provenance={"dataset": "pocketnlu in-car commands (tools/incar)",
                                                "train_utterances": len(train)})


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(args.output, build_default_model(progress=lambda m: print(m, file=sys.stderr)))
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
