"""`Trainer`: a dataset in, a compressed model out.

The one training path: `pocketnlu train`, the default-model recipe, the sweep and the benchmarks
all go through it. In the scikit-learn style: options are keywords of the constructor, `fit`
learns and returns the trainer, learned state is in attributes ending in `_`.

    trainer = Trainer(fingerprint_bits=12).fit("data/assistant.csv")
    trainer.save("assistant.pnlu")
    trainer.report_["compressed"]["intent_accuracy"]
"""
import os
import tempfile
from types import SimpleNamespace
from typing import Callable, Dict, List, Optional, Sequence, Union

from pocketnlu.entities import KINDS
from pocketnlu.modelfile import ModelFile
from pocketnlu.nlu import open_model

from pocketnlu_tools.data.readers import Dataset, load_dataset, split_for_training
from pocketnlu_tools.data.records import OUT_OF_SCOPE, Example
from pocketnlu_tools.pack.writer import write_atomically
from pocketnlu_tools.train.evaluate import evaluate
from pocketnlu_tools.train.pipeline import (
    PackOptions, calibrate, choose_dead_zones, choose_oos_threshold, pack_nlu, threshold_for_recall,
    threshold_for_wrong_actions, train_nlu, uncompressed_bytes,
)

Data = Union[str, os.PathLike, Sequence[Example]]


class Trainer:
    """Trains the float pipeline (settings chosen on the dev split, carved out of train when the
    data has none), sets the out-of-scope threshold, quantizes with per-table dead zones chosen
    on dev, packs, and measures float against compressed on the held-out split (test, else dev).

    Options: `weight_bits` (4..8), `fingerprint_bits` (0..16), `gamma` (MPHF load factor, 1..16),
    `dead_zone` (None: chosen per table on dev), `oos_threshold` (None: chosen on dev when it has
    out-of-scope examples, the best mean of in-scope accuracy and out-of-scope recall),
    `oos_target_recall` (instead: the lowest threshold refusing this share of dev's out-of-scope
    examples), `max_wrong_actions` (instead: the lowest threshold under which at most this share
    of dev's examples are wrong actions: an intent other than theirs, or any intent for out of
    scope), `dev` (a dataset, or Examples, to use as the dev split instead of the data's own:
    settings, calibration, threshold and dead zones are chosen on it; never trained on),
    `user_dev` (a dataset, or Examples, of utterances as users will say them, out-of-scope ones
    included, for data whose dev split is generated, like templates': the intent classifier's
    settings are compared on it, L2 ones too, its dead zone chosen, the confidence calibrated and
    the threshold set on it instead of dev; dev still chooses the slot tagger and its dead zone;
    never trained on), `background` (a dataset, or Examples, whose utterances become
    out-of-scope training and dev examples, for data without any), `slot_kinds` ({slot type:
    built-in entity kind}: the device resolves those slots' text to values, see pocketnlu.entities), `slots`
    (train the slot CRF), `hierarchical` (a domain classifier, then per-domain intent
    classifiers), `data_format` (None: detected), `lists` ({list name: values} for template
    lists the files do not define, like Home Assistant's `name` and `area`), `samples_per_intent`
    (sentences drawn from each intent's templates), `text_column`,
    `label_column` (a CSV's columns, when not named text/sentence/... and intent/label/...),
    `oos_label` (the data's label for out of scope, e.g. HINT3's "NO_NODES_DETECTED"), `provenance` (what the file
    records of its origin; default: the dataset's name and format; the number of training
    utterances is always added), `progress` (a callable taking a message).

    After `fit`: `model_` (the float pipeline), `pack_options_`, `model_bytes_` (the .pnlu file),
    `report_` (what `pocketnlu train --json` prints; "output" is set by `save`), and the splits
    it used, `train_`, `dev_` and `test_` (empty when the data has no test split).
    """

    def __init__(self, *, weight_bits: int = 8, fingerprint_bits: int = 8, gamma: float = 1.0,
                 dead_zone: Optional[int] = None, oos_threshold: Optional[float] = None,
                 oos_target_recall: Optional[float] = None, max_wrong_actions: Optional[float] = None,
                 dev: Optional[Data] = None, user_dev: Optional[Data] = None,
                 background: Optional[Data] = None,
                 slot_kinds: Optional[Dict[str, str]] = None, slots: bool = True,
                 hierarchical: bool = False, data_format: Optional[str] = None, lists: Optional[Dict[str, list]] = None,
                 samples_per_intent: int = 200, text_column: Optional[str] = None, label_column: Optional[str] = None,
                 oos_label: Optional[str] = None, provenance: Optional[dict] = None,
                 progress: Optional[Callable[[str], None]] = None):
        self.weight_bits = weight_bits
        self.fingerprint_bits = fingerprint_bits
        self.gamma = gamma
        self.dead_zone = dead_zone
        self.oos_threshold = oos_threshold
        self.oos_target_recall = oos_target_recall
        self.max_wrong_actions = max_wrong_actions
        self.dev = dev
        self.user_dev = user_dev
        self.background = background
        self.slot_kinds = dict(slot_kinds or {})
        self.slots = slots
        self.hierarchical = hierarchical
        self.data_format = data_format
        self.lists = dict(lists or {})
        self.samples_per_intent = samples_per_intent
        self.text_column, self.label_column, self.oos_label = text_column, label_column, oos_label
        self.provenance = provenance
        self.progress = progress
        check_options(self)

    def _say(self, message: str) -> None:
        if self.progress is not None:
            self.progress(message)

    def fit(self, data: Data) -> "Trainer":
        """Train, compress and measure on `data`: a dataset path in any supported format, or a
        list of Examples (all of them training data; dev is carved out of them)."""
        dataset = self._dataset(data, main=True)
        train, dev, test = split_for_training(dataset)
        if self.dev is not None:  # the data's own dev split (or what was carved) trains instead
            train = train + dev
            dev = [example for split in self._dataset(self.dev).splits.values() for example in split]
        if self.background is not None:
            extra_train, extra_dev = self._background()
            train, dev = train + extra_train, dev + extra_dev
        user_dev = [] if self.user_dev is None else self._user_dev()
        calibration = user_dev or dev
        self.train_, self.dev_, self.test_ = train, dev, test
        held_out_name, held_out = ("test", test) if test else ("dev", dev)
        self._say(f"{dataset.format} dataset: {len(train)} train, {len(dev)} dev, {len(test)} test utterances")
        model = train_nlu(train, with_slots=self.slots, hierarchical=self.hierarchical, dev=dev, user_dev=user_dev,
                          progress=self._say)
        model.slot_values = {**dataset.slot_values, **{slot: {"kind": kind} for slot, kind in self.slot_kinds.items()}}
        calibrate(model, calibration)
        if self.oos_threshold is not None:
            model.oos_threshold = self.oos_threshold
        elif self.oos_target_recall is not None:
            model.oos_threshold = threshold_for_recall(model, calibration, self.oos_target_recall)
        elif self.max_wrong_actions is not None:
            model.oos_threshold = threshold_for_wrong_actions(model, calibration, self.max_wrong_actions)
        else:
            model.oos_threshold = choose_oos_threshold(model, calibration)
        self._say("evaluating the float model")
        float_report = evaluate(model, held_out, measure_latency=False)
        options = PackOptions(self.weight_bits, self.fingerprint_bits, self.gamma, self.dead_zone or 0)
        if self.dead_zone is None and dev:
            self._say("choosing dead zones on dev")
            options = choose_dead_zones(model, dev, options, self._say, user_dev=user_dev)
        provenance = dict(self.provenance if self.provenance is not None else
                          {"dataset": os.path.basename(os.path.normpath(str(dataset.path))), "format": dataset.format})
        provenance["train_utterances"] = len(train)
        self._say("quantizing and packing")
        self.model_bytes_ = pack_nlu(model, options, provenance)
        if self.max_wrong_actions is not None and calibration:
            # A cap on wrong actions is a promise about the device: met on the compressed model's
            # confidences (quantization moves them a little), the file repacked with that threshold.
            model.oos_threshold = None
            with tempfile.TemporaryDirectory(prefix="pocketnlu-threshold-") as directory:
                path = os.path.join(directory, "model.pnlu")
                write_atomically(path, pack_nlu(model, options, provenance))
                with open_model(path) as compressed:
                    unthresholded = SimpleNamespace(parse_batch=compressed.parse_batch, oos_threshold=None)
                    model.oos_threshold = threshold_for_wrong_actions(unthresholded, calibration,
                                                                      self.max_wrong_actions)
            self.model_bytes_ = pack_nlu(model, options, provenance)
        self.model_, self.pack_options_ = model, options
        compressed_report, sections, dead_zones = self._measure_compressed(held_out)
        plain = uncompressed_bytes(model)
        self.report_ = {
            "output": None, "held_out": held_out_name, "n": len(held_out),
            "float": float_report, "compressed": compressed_report, "file_bytes": len(self.model_bytes_),
            "uncompressed_bytes": plain, "compression_ratio": plain / len(self.model_bytes_),
            "oos_threshold": model.oos_threshold,
            "calibrated_on": {"data": "user dev" if user_dev else "dev", "utterances": len(calibration),
                              "out_of_fold_train": 0 if model.out_of_fold is None else len(model.out_of_fold[1]),
                              # intents of user dev utterances the model cannot give: with
                              # max_wrong_actions they count as wrong actions
                              "unknown_intents": sorted({e.intent for e in user_dev if not e.out_of_scope}
                                                        - {e.intent for e in train})},
            "sections": sections, "dead_zones": dead_zones,
            "selected_on_dev": model.selection.to_dict()}
        return self

    def save(self, path) -> "Trainer":
        """Write the model file atomically (a reader sees the old file or the new, never a part)."""
        if not hasattr(self, "model_bytes_"):
            raise RuntimeError("Trainer.save before fit")
        write_atomically(path, self.model_bytes_)
        self.report_["output"] = str(path)
        return self

    def _background(self):
        """The background utterances as out-of-scope examples (no slots), split 90/10 into train
        and dev by the dev carving the datasets use."""
        examples = [Example(example.text, OUT_OF_SCOPE) for split in self._dataset(self.background).splits.values()
                    for example in split]
        if not examples:
            raise ValueError("the background data has no utterances")
        train, dev, _ = split_for_training(Dataset({"train": examples}, "background", "background"))
        self._say(f"background: {len(train)} train, {len(dev)} dev out-of-scope utterances")
        return train, dev

    def _user_dev(self) -> List[Example]:
        """The user dev utterances: every split of the user dev data, slots dropped (it judges
        intents, domains and confidence only)."""
        examples = [Example(example.text, example.intent, example.domain)
                    for split in self._dataset(self.user_dev).splits.values() for example in split]
        if not examples:
            raise ValueError("the user dev data has no utterances")
        self._say(f"user dev: {len(examples)} utterances, {sum(e.out_of_scope for e in examples)} out of scope")
        return examples

    def _dataset(self, data: Data, main: bool = False) -> Dataset:
        """The data to train on (`main`: read with the format and column options), or the dev or
        background data (detected as they are)."""
        if isinstance(data, (str, os.PathLike)):
            if not main:
                return load_dataset(data)
            return load_dataset(data, self.data_format, self.lists, text_column=self.text_column,
                                label_column=self.label_column, oos_label=self.oos_label,
                                samples_per_intent=self.samples_per_intent)
        examples: List[Example] = list(data)
        if not all(isinstance(example, Example) for example in examples):
            raise TypeError("Trainer.fit takes a dataset path or a list of pocketnlu_tools.Example")
        return Dataset({"train": examples}, "examples", "examples")

    def _measure_compressed(self, held_out: Sequence[Example]):
        """The packed model as the device opens it: held-out metrics, section sizes, dead zones."""
        with tempfile.TemporaryDirectory(prefix="pocketnlu-train-") as directory:
            path = os.path.join(directory, "model.pnlu")
            write_atomically(path, self.model_bytes_)
            with open_model(path) as compressed:
                report = evaluate(compressed, held_out, measure_latency=False)
            with ModelFile(path) as model_file:
                sections = {name: section.length for name, section in model_file.sections.items()}
                dead_zones = model_file.meta["options"]["dead_zones"]
        return report, sections, dead_zones



def check_options(trainer: Trainer) -> None:
    """Every option's range, checked before any data is read (ValueError naming the option)."""
    def need(ok: bool, message: str) -> None:
        if not ok:
            raise ValueError(message)

    need(trainer.weight_bits in range(4, 9), f"weight_bits must be 4..8, not {trainer.weight_bits!r}")
    need(trainer.fingerprint_bits in range(0, 17), f"fingerprint_bits must be 0..16, not {trainer.fingerprint_bits!r}")
    need(isinstance(trainer.gamma, (int, float)) and 1.0 <= trainer.gamma <= 16.0,
         f"gamma must be 1..16, not {trainer.gamma!r}")
    limit = 2 ** (trainer.weight_bits - 1) - 1
    need(trainer.dead_zone is None or trainer.dead_zone in range(0, limit),
         f"dead_zone must be 0..{limit - 1} at {trainer.weight_bits}-bit weights, not {trainer.dead_zone!r}")
    need(trainer.oos_threshold is None or 0.0 <= trainer.oos_threshold <= 1.0,
         f"oos_threshold must be a confidence in [0, 1], not {trainer.oos_threshold!r}")
    need(trainer.oos_target_recall is None or 0.0 < trainer.oos_target_recall <= 1.0,
         f"oos_target_recall must be in (0, 1], not {trainer.oos_target_recall!r}")
    need(isinstance(trainer.samples_per_intent, int) and trainer.samples_per_intent >= 1,
         f"samples_per_intent must be a positive integer, not {trainer.samples_per_intent!r}")
    need(trainer.max_wrong_actions is None or 0.0 <= trainer.max_wrong_actions < 1.0,
         f"max_wrong_actions must be in [0, 1), not {trainer.max_wrong_actions!r}")
    thresholds = [name for name in ("oos_threshold", "oos_target_recall", "max_wrong_actions")
                  if getattr(trainer, name) is not None]
    need(len(thresholds) <= 1, f"give one of oos_threshold, oos_target_recall, max_wrong_actions, not {' and '.join(thresholds)}")
    for slot, kind in trainer.slot_kinds.items():
        need(kind in KINDS, f"slot_kinds: {slot} is bound to {kind!r}, not one of {', '.join(KINDS)}")
