"""Builds the default in-car model shipped in the package (runtime/pocketnlu/models/incar.pnlu) from
the project's own dataset (pocketnlu_tools/data/incar/incar.jsonl). Rebuilding gives the same bytes.

Usage: python -m pocketnlu_tools.recipes.default_model --output runtime/pocketnlu/models/incar.pnlu
"""
import argparse
import sys
from pathlib import Path

from pocketnlu_tools.data.incar.generator import DATASET
from pocketnlu_tools.data.readers import load_dataset, split_for_training
from pocketnlu_tools.train.pipeline import PackOptions, choose_dead_zones, choose_oos_threshold, pack_nlu, train_nlu
from pocketnlu_tools.pack.writer import write_atomically

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
    parser.add_argument("--output", type=Path, required=True,
                        help="model file to write (the shipped one: runtime/pocketnlu/models/incar.pnlu)")
    args = parser.parse_args(argv)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(args.output, build_default_model(progress=lambda m: print(m, file=sys.stderr)))
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
