"""Host side of an NLU model: train the float pipeline, then quantize and pack it.

FloatNLU parses with float weights through the same decisions as the device's NLUModel
(pocketnlu.nlu), so comparing the two measures exactly what compression costs.
"""
import time
from dataclasses import dataclass
from typing import Callable, List, Optional, Sequence, Tuple

import numpy as np

from pocketnlu.features import FeatureConfig, Token, WordBatch, encode_keys, prepare, token_features, utterance_features
from pocketnlu.nlu import OUT_OF_SCOPE, IntentStage, Parse, parse_words

from .examples import Example
from .quantize import quantize_rows, quantize_wide, weight_scale
from .table_builder import build_table
from .train import CRFModel, LinearModel, train_classifier, train_crf
from .writer import pack_file

OUTSIDE = "O"


def bio_tags(example: Example, tokens: Sequence[Token]) -> List[str]:
    """BIO tag of each token from the example's character spans: a token starting inside a
    span belongs to it, the first such token is its B- token."""
    tags = [OUTSIDE] * len(tokens)
    for slot in example.slots:
        first = True
        for i, token in enumerate(tokens):
            if slot.start <= token.start < slot.end:
                tags[i] = ("B-" if first else "I-") + slot.slot
                first = False
    return tags


def decide_intent(scores: Sequence[float], labels: Sequence[str]) -> Tuple[str, float]:
    """Most probable label and its softmax probability over real-valued scores: what the
    device computes in C (pnlu_softmax_best), ties to the lowest label."""
    top = max(scores)
    return labels[list(scores).index(top)], 1.0 / float(np.exp(np.asarray(scores) - top).sum())


class FloatClassifier:
    """A float LinearModel with the device Classifier's interface, for IntentStage."""

    def __init__(self, model: LinearModel):
        self.model = model
        self.labels = model.labels

    def scores(self, batch: WordBatch, utterances=None) -> np.ndarray:
        chosen = range(len(batch)) if utterances is None else utterances
        return np.array([self.model.scores(batch.utterance_features(u)) for u in chosen]).reshape(
            len(chosen), len(self.labels))

    def decide(self, batch: WordBatch, utterances=None) -> List[Tuple[str, float]]:
        return [decide_intent(row, self.labels) for row in self.scores(batch, utterances)]


class FloatSlotTagger:
    """A float CRFModel with the device SlotTagger's interface."""

    def __init__(self, model: CRFModel):
        self.model = model

    def tag(self, batch: WordBatch, utterance: int, intent: Optional[str] = None) -> List[str]:
        return self.model.tag(batch.token_features(utterance, intent))


@dataclass
class FloatNLU:
    features: FeatureConfig
    stage: IntentStage  # over FloatClassifiers
    slots: Optional[CRFModel]

    @property
    def oos_threshold(self) -> Optional[float]:
        return self.stage.threshold

    @oos_threshold.setter
    def oos_threshold(self, value: Optional[float]) -> None:
        self.stage.threshold = value

    def parse(self, text: str) -> Parse:
        return self.parse_batch([text])[0]

    def parse_batch(self, texts: Sequence[str]) -> List[Parse]:
        return parse_words(texts, self.features, self.stage, None if self.slots is None else FloatSlotTagger(self.slots))


def _train_classifier(groups, labels, what, progress) -> FloatClassifier:
    started = time.perf_counter()
    model = train_classifier(groups, labels)
    progress(f"{what}: {len(groups)} utterances, {len(model.labels)} labels, {len(model.features)} features kept "
             f"({time.perf_counter() - started:.1f} s)")
    return FloatClassifier(model)


def _train_stage(examples, groups, hierarchical, progress) -> IntentStage:
    intents = [example.intent for example in examples]
    if not hierarchical:
        domains = {e.intent: e.domain for e in examples if e.domain is not None and e.intent != OUT_OF_SCOPE}
        return IntentStage(intent=_train_classifier(groups, intents, "intent classifier", progress),
                           intent_domains=domains)
    if any(example.domain is None for example in examples):
        raise ValueError("a hierarchical model needs a domain on every example")
    domains = [example.domain for example in examples]
    domain_intents = {}
    for domain in sorted(set(domains)):
        members = [i for i, d in enumerate(domains) if d == domain]
        labels = sorted({intents[i] for i in members})
        domain_intents[domain] = labels[0] if len(labels) == 1 else _train_classifier(
            [groups[i] for i in members], [intents[i] for i in members], f"intents of {domain}", progress)
    return IntentStage(domain=_train_classifier(groups, domains, "domain classifier", progress),
                       domain_intents=domain_intents)


def train_nlu(examples: Sequence[Example], features: FeatureConfig = FeatureConfig(), with_slots: bool = True,
              hierarchical: bool = False, progress: Callable[[str], None] = lambda message: None) -> FloatNLU:
    """Float pipeline: a flat intent classifier, or (hierarchical) a domain classifier followed by
    one intent classifier per domain; and a slot CRF when the examples have slots."""
    prepared = [prepare(example.text)[0] for example in examples]
    groups = [utterance_features(tokens, features) for tokens in prepared]
    stage = _train_stage(examples, groups, hierarchical, progress)
    slots = None
    if with_slots and any(example.slots for example in examples):
        started = time.perf_counter()
        in_scope = [(tokens, example) for tokens, example in zip(prepared, examples)
                    if tokens and example.intent != OUT_OF_SCOPE]
        progress(f"slot CRF: {len(in_scope)} utterances")
        # With slot_intent the CRF trains on the labelled intent and runs on the predicted one.
        slots = train_crf([token_features(tokens, features, example.intent if features.slot_intent else None)
                           for tokens, example in in_scope],
                          [bio_tags(example, tokens) for tokens, example in in_scope])
        progress(f"slot CRF: {len(slots.features)} features, {len(slots.labels)} tags "
                 f"({time.perf_counter() - started:.1f} s)")
    return FloatNLU(features, stage, slots)


def choose_oos_threshold(model: FloatNLU, dev: Sequence[Example]) -> Optional[float]:
    """Confidence threshold maximizing the mean of in-scope accuracy and out-of-scope recall
    on dev; None when dev has no out-of-scope examples (then nothing is rejected)."""
    if not any(example.out_of_scope for example in dev) or all(e.out_of_scope for e in dev):
        return None
    saved, model.oos_threshold = model.oos_threshold, None
    parses = model.parse_batch([example.text for example in dev])
    model.oos_threshold = saved
    confidences = np.array([p.confidence for p in parses])
    predicted_oos = np.array([p.intent == OUT_OF_SCOPE for p in parses])
    correct = np.array([p.intent == e.intent for p, e in zip(parses, dev)])
    gold_oos = np.array([e.out_of_scope for e in dev])
    best, best_score = None, -1.0
    for threshold in np.unique(np.concatenate(([0.0], confidences))):
        rejected = predicted_oos | (confidences < threshold)
        in_scope_accuracy = np.mean(correct[~gold_oos] & ~rejected[~gold_oos])
        oos_recall = np.mean(rejected[gold_oos])
        score = (in_scope_accuracy + oos_recall) / 2
        if score > best_score + 1e-12:
            best, best_score = float(threshold), score
    return best or None


@dataclass
class PackOptions:
    weight_bits: int = 8
    fingerprint_bits: int = 8
    gamma: float = 1.0


def _table_for(keys: List[str], weights: np.ndarray, bias: np.ndarray, options: PackOptions):
    """Quantize a float matrix (dropping rows that round to zero) and pack its table."""
    quantized = quantize_rows(weights, options.weight_bits, weight_scale(weights, options.weight_bits))
    kept_keys = [keys[i] for i in quantized.kept]
    section, _ = build_table(kept_keys, quantized.values, quantize_wide(bias, quantized.scale),
                             options.weight_bits, options.fingerprint_bits, options.gamma)
    return section, quantized.scale


def pack_nlu(model: FloatNLU, options: PackOptions = PackOptions(), provenance: Optional[dict] = None) -> bytes:
    """The .pnlu bytes of a trained pipeline. Deterministic: same model, same bytes."""
    tables, matrices, models = {}, {}, {}

    def add_classifier(name: str, classifier: FloatClassifier) -> str:
        float_model = classifier.model
        section, scale = _table_for(float_model.features, float_model.weights, float_model.bias, options)
        tables[f"{name}.table"] = section
        models[name] = {"type": "classifier", "table": f"{name}.table", "labels": float_model.labels, "scale": scale}
        return name

    stage = model.stage
    pipeline = {"features": model.features.to_dict(), "oos_threshold": stage.threshold}
    if stage.domain is None:
        pipeline.update(intent=add_classifier("intent", stage.intent), intent_domains=stage.intent_domains)
    else:
        pipeline["domain"] = add_classifier("domain", stage.domain)
        # Numbered names: section names are short ASCII, domain names need not be.
        pipeline["domain_intents"] = {
            domain: {"intent": second} if isinstance(second, str) else {"model": add_classifier(f"intent.{i}", second)}
            for i, (domain, second) in enumerate(sorted(stage.domain_intents.items()))}
    if model.slots is not None:
        crf = model.slots
        section, scale = _table_for(crf.features, crf.weights, np.zeros(len(crf.labels)), options)
        tables["slots.table"] = section
        matrices["slots.transitions"] = quantize_wide(crf.transitions, scale)
        models["slots"] = {"type": "crf", "table": "slots.table", "transitions": "slots.transitions",
                           "labels": crf.labels, "scale": scale}
        pipeline["slots"] = "slots"
    meta = {"models": models, "pipeline": pipeline, "provenance": provenance or {},
            "options": {"weight_bits": options.weight_bits, "fingerprint_bits": options.fingerprint_bits,
                        "gamma": options.gamma}}
    return pack_file(meta, tables, matrices)


def uncompressed_bytes(model: FloatNLU) -> int:
    """The float model stored plainly: each kept feature string in UTF-8 plus a 4-byte float per
    weight (the classifier's rows are dense over its labels; crfsuite stores only nonzero
    (feature, label) weights), plus biases and CRF transitions."""
    def key_bytes(keys):
        buf, _ = encode_keys(keys)
        return len(buf)

    total = 0
    for classifier in model.stage.classifiers:
        linear = classifier.model
        total += key_bytes(linear.features) + 4 * linear.weights.size + 4 * len(linear.bias)
    if model.slots is not None:
        crf = model.slots
        total += key_bytes(crf.features) + 4 * int(np.count_nonzero(crf.weights)) + 4 * crf.transitions.size
    return total
