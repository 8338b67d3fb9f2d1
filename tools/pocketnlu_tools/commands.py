"""`pocketnlu train` and `pocketnlu eval`: datasets in, reports out."""
import os
from typing import Callable, Optional

from pocketnlu.modelfile import ModelFile
from pocketnlu.nlu import open_model

from pocketnlu_tools.data.readers import load_dataset, split_for_training
from pocketnlu_tools.train.evaluate import evaluate
from pocketnlu_tools.train.pipeline import (
    PackOptions, choose_dead_zones, choose_oos_threshold, pack_nlu, train_nlu, uncompressed_bytes,
)
from pocketnlu_tools.pack.writer import write_atomically


def train_command(data, output, data_format=None, weight_bits=8, fingerprint_bits=8, gamma=1.0,
                  dead_zone: Optional[int] = None, oos_threshold: Optional[float] = None, with_slots=True,
                  hierarchical=False,
                  progress: Callable[[str], None] = lambda message: None) -> dict:
    dataset = load_dataset(data, data_format)
    train, dev, test = split_for_training(dataset)
    held_out_name, held_out = ("test", test) if test else ("dev", dev)
    progress(f"{dataset.format} dataset: {len(train)} train, {len(dev)} dev, {len(test)} test utterances")
    model = train_nlu(train, with_slots=with_slots, hierarchical=hierarchical, dev=dev, progress=progress)
    model.oos_threshold = oos_threshold if oos_threshold is not None else choose_oos_threshold(model, dev)
    progress("evaluating the float model")
    float_report = evaluate(model, held_out, measure_latency=False)
    options = PackOptions(weight_bits, fingerprint_bits, gamma, dead_zone or 0)
    if dead_zone is None and dev:
        progress("choosing dead zones on dev")
        options = choose_dead_zones(model, dev, options, progress)
    provenance = {"dataset": os.path.basename(os.path.normpath(str(data))), "format": dataset.format,
                  "train_utterances": len(train)}
    progress("quantizing and packing")
    data_bytes = pack_nlu(model, options, provenance)
    write_atomically(output, data_bytes)
    with open_model(output) as compressed:
        compressed_report = evaluate(compressed, held_out, measure_latency=False)
    with ModelFile(output) as model_file:
        sections = {name: section.length for name, section in model_file.sections.items()}
        dead_zones = model_file.meta["options"]["dead_zones"]
    plain = uncompressed_bytes(model)
    return {"output": str(output), "held_out": held_out_name, "n": len(held_out),
            "float": float_report, "compressed": compressed_report, "file_bytes": len(data_bytes),
            "uncompressed_bytes": plain, "compression_ratio": plain / len(data_bytes),
            "oos_threshold": model.oos_threshold, "sections": sections, "dead_zones": dead_zones,
            "selected_on_dev": model.selection.to_dict()}


def eval_command(model_path, data, data_format=None, split=None) -> dict:
    dataset = load_dataset(data, data_format)
    if split is None:
        split = next(name for name in ("test", "dev", "train") if name in dataset.splits)
    if split not in dataset.splits:
        raise ValueError(f"{data}: no {split!r} split (has {', '.join(dataset.splits)})")
    with open_model(model_path) as model:
        report = evaluate(model, dataset.splits[split])
    return {"split": split, **report}
