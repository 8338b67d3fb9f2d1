"""Host side of an NLU model: train the float pipeline, then quantize and pack it.

FloatNLU parses with float weights through the same decisions as the device's NLUModel
(pocketnlu.nlu), so comparing the two measures exactly what compression costs.
"""
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np

from pocketnlu.features import FeatureConfig, Token, prepare, token_features, utterance_features
from pocketnlu.nlu import OUT_OF_SCOPE, Parse, bio_spans, decide_intent
from pocketnlu.table import encode_keys

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


@dataclass
class FloatNLU:
    features: FeatureConfig
    intent: LinearModel
    slots: Optional[CRFModel]
    intent_domains: Dict[str, str] = field(default_factory=dict)
    oos_threshold: Optional[float] = None

    def parse(self, text: str) -> Parse:
        tokens, truncated = prepare(text)
        if not tokens:
            return Parse(text, None, OUT_OF_SCOPE, 1.0, [], truncated)
        scores = self.intent.scores(utterance_features(tokens, self.features))
        intent, confidence = decide_intent(scores, self.intent.labels, self.oos_threshold)
        slots = []
        if self.slots is not None and intent != OUT_OF_SCOPE:
            slots = bio_spans(tokens, self.slots.tag(token_features(tokens, self.features)), text)
        return Parse(text, self.intent_domains.get(intent), intent, confidence, slots, truncated)

    def parse_batch(self, texts: Sequence[str]) -> List[Parse]:
        return [self.parse(text) for text in texts]


def train_nlu(examples: Sequence[Example], features: FeatureConfig = FeatureConfig(), with_slots: bool = True,
              progress: Callable[[str], None] = lambda message: None) -> FloatNLU:
    prepared = [prepare(example.text)[0] for example in examples]
    started = time.perf_counter()
    progress(f"intent classifier: {len(examples)} utterances, {len({e.intent for e in examples})} intents")
    intent = train_classifier([utterance_features(tokens, features) for tokens in prepared],
                              [example.intent for example in examples])
    progress(f"intent classifier: {len(intent.features)} features kept ({time.perf_counter() - started:.1f} s)")
    slots = None
    if with_slots and any(example.slots for example in examples):
        started = time.perf_counter()
        in_scope = [(tokens, example) for tokens, example in zip(prepared, examples)
                    if tokens and example.intent != OUT_OF_SCOPE]
        progress(f"slot CRF: {len(in_scope)} utterances")
        slots = train_crf([token_features(tokens, features) for tokens, _ in in_scope],
                          [bio_tags(example, tokens) for tokens, example in in_scope])
        progress(f"slot CRF: {len(slots.features)} features, {len(slots.labels)} tags "
                 f"({time.perf_counter() - started:.1f} s)")
    domains = {example.intent: example.domain for example in examples
               if example.domain is not None and example.intent != OUT_OF_SCOPE}
    return FloatNLU(features, intent, slots, domains)


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
    section, scale = _table_for(model.intent.features, model.intent.weights, model.intent.bias, options)
    tables["intent.table"] = section
    models["intent"] = {"type": "classifier", "table": "intent.table", "labels": model.intent.labels, "scale": scale}
    pipeline = {"features": model.features.to_dict(), "intent": "intent", "oos_threshold": model.oos_threshold,
                "intent_domains": model.intent_domains}
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

    intent = model.intent
    total = key_bytes(intent.features) + 4 * intent.weights.size + 4 * len(intent.bias)
    if model.slots is not None:
        crf = model.slots
        total += key_bytes(crf.features) + 4 * int(np.count_nonzero(crf.weights)) + 4 * crf.transitions.size
    return total
