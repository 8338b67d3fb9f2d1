"""An NLU model on the device: utterance -> domain, intent, confidence, slots.

Python extracts features (pocketnlu.features); the C core does the rest in one call per model
and utterance (hashing, MPHF lookup, fingerprints, weight decoding, scoring) plus one Viterbi
call for the slots. Decisions on scores (confidence, out-of-scope, BIO spans) live here and are
shared with the host's float reference, so the two cannot drift apart.
"""
import threading
from array import array
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from itertools import accumulate
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from ._binding import check, ffi, lib
from .errors import CorruptModelError, InputError, ModelClosedError
from .features import FeatureConfig, Token, prepare, token_features, utterance_features
from .modelfile import ModelFile
from .table import WeightTable, encode_keys

OUT_OF_SCOPE = "out_of_scope"


@dataclass(frozen=True)
class SlotValue:
    slot: str
    value: str
    start: int
    end: int


@dataclass(frozen=True)
class Parse:
    text: str
    domain: Optional[str]
    intent: str
    confidence: float
    slots: List[SlotValue] = field(default_factory=list)
    truncated: bool = False  # the input was longer than the limits and was cut

    def to_dict(self) -> dict:
        return asdict(self)




def bio_spans(tokens: Sequence[Token], tags: Sequence[str], text: str) -> List[SlotValue]:
    """Slots from BIO tags: B-x starts a span, I-x continues a span of x (an I-x after
    anything else starts one, as conlleval does)."""
    spans: List[SlotValue] = []
    current: Optional[Tuple[str, int, int]] = None
    for token, tag in zip(tokens, tags):
        kind, _, slot = tag.partition("-")
        if kind == "I" and current and current[0] == slot:
            current = (slot, current[1], token.end)
            continue
        if current:
            spans.append(SlotValue(current[0], text[current[1]:current[2]], current[1], current[2]))
            current = None
        if kind in ("B", "I") and slot:
            current = (slot, token.start, token.end)
    if current:
        spans.append(SlotValue(current[0], text[current[1]:current[2]], current[1], current[2]))
    return spans


def decide_intent(scores: np.ndarray, labels: Sequence[str], threshold: Optional[float]) -> Tuple[str, float]:
    """Most probable intent and its softmax probability over the real-valued scores, or out of
    scope when that probability is under the threshold."""
    best = int(scores.argmax())
    confidence = 1.0 / float(np.exp(scores - scores[best]).sum())
    if threshold is not None and confidence < threshold:
        return OUT_OF_SCOPE, confidence
    return labels[best], confidence


def as_text(text) -> str:
    """Accept str, or bytes that must be UTF-8."""
    if isinstance(text, str):
        return text
    if isinstance(text, (bytes, bytearray)):
        try:
            return bytes(text).decode("utf-8")
        except UnicodeDecodeError as error:
            raise InputError(f"utterance is not valid UTF-8 (byte {error.start})") from None
    raise InputError(f"utterance must be str or UTF-8 bytes, not {type(text).__name__}")


def finish_parse(text, tokens, truncated, decision, slot_tagger, features) -> Parse:
    """The Parse of one utterance given its intent decision; slots only for an in-scope intent."""
    if not tokens:  # nothing to understand
        return Parse(text, None, OUT_OF_SCOPE, 1.0, [], truncated)
    domain, intent, confidence = decision
    slots = []
    if slot_tagger is not None and intent != OUT_OF_SCOPE:
        slots = bio_spans(tokens, slot_tagger.tag(token_features(tokens, features)), text)
    return Parse(text, domain, intent, confidence, slots, truncated)


class Classifier:
    """A linear classifier: one C call scores a batch of feature groups."""

    def __init__(self, model_file: ModelFile, name: str, spec: dict):
        self.name = name
        self.table = WeightTable(model_file, spec["table"])
        self.labels = list(spec["labels"])
        self.scale = float(spec["scale"])
        if len(self.labels) != self.table.n_labels:
            raise CorruptModelError(f"{model_file.path}: model {name!r} has {len(self.labels)} labels "
                                    f"but its table has {self.table.n_labels}")

    def scores(self, feature_groups: Sequence[Sequence[str]]) -> np.ndarray:
        """Real-valued scores (n_groups, n_labels): the integer sums times the weights' scale."""
        keys = [feature for group in feature_groups for feature in group]
        scores, _ = self.table.score(keys, array("I", accumulate(map(len, feature_groups), initial=0)))
        return self.scale * scores



class IntentStage:
    """Chooses (domain, intent, confidence) for groups of utterance features: flat (one intent
    classifier), or hierarchical (a domain classifier, then that domain's intent classifier).

    Classifiers are anything with `labels` and `scores(groups) -> (n_groups, n_labels)` real
    scores: the device's C-backed Classifier, or the host's float models, so both decide alike.
    """

    def __init__(self, intent=None, intent_domains=None, domain=None, domain_intents=None,
                 threshold: Optional[float] = None):
        self.intent = intent  # flat
        self.intent_domains: Dict[str, str] = dict(intent_domains or {})
        self.domain = domain  # hierarchical: domain -> classifier, or the domain's only intent (str)
        self.domain_intents = dict(domain_intents or {})
        self.threshold = threshold

    @property
    def classifiers(self) -> list:
        if self.domain is None:
            return [self.intent]
        return [self.domain] + [c for c in self.domain_intents.values() if not isinstance(c, str)]

    def classify(self, groups: Sequence[Sequence[str]]) -> List[Tuple[Optional[str], str, float]]:
        if self.domain is None:
            decisions = []
            for scores in self.intent.scores(groups):
                intent, confidence = decide_intent(scores, self.intent.labels, None)
                decisions.append((self.intent_domains.get(intent), intent, confidence))
        else:
            decisions = self._classify_by_domain(groups)
        return [(None, OUT_OF_SCOPE, confidence)
                if intent == OUT_OF_SCOPE or (self.threshold is not None and confidence < self.threshold)
                else (domain, intent, confidence) for domain, intent, confidence in decisions]

    def _classify_by_domain(self, groups):
        decisions = [None] * len(groups)
        members = defaultdict(list)  # one scoring call per domain for a batch
        for i, scores in enumerate(self.domain.scores(groups)):
            domain, confidence = decide_intent(scores, self.domain.labels, None)
            members[domain].append((i, confidence))
        for domain, chosen in members.items():
            second = self.domain_intents[domain]
            if isinstance(second, str):
                for i, confidence in chosen:
                    decisions[i] = (domain, second, confidence)
                continue
            for (i, confidence), scores in zip(chosen, second.scores([groups[i] for i, _ in chosen])):
                intent, intent_confidence = decide_intent(scores, second.labels, None)
                decisions[i] = (domain, intent, confidence * intent_confidence)
        return decisions


class SlotTagger:
    """A linear-chain CRF: state scores in one C call, then Viterbi in C."""

    def __init__(self, model_file: ModelFile, name: str, spec: dict):
        self.table = WeightTable(model_file, spec["table"])
        self.labels = list(spec["labels"])
        rows, cols, transitions = model_file.matrix(spec["transitions"])
        if not (rows == cols == len(self.labels) == self.table.n_labels):
            raise CorruptModelError(f"{model_file.path}: slot model {name!r} labels, table and transitions disagree")
        self._transitions = model_file.c_pointer(transitions)

    def tag(self, token_feature_lists: Sequence[Sequence[str]]) -> List[str]:
        n_tokens = len(token_feature_lists)
        if n_tokens == 0:
            return []
        buf, key_offsets = encode_keys([feature for features in token_feature_lists for feature in features])
        token_offsets = array("I", accumulate(map(len, token_feature_lists), initial=0))
        n_labels = len(self.labels)
        state = np.empty(n_tokens * n_labels, dtype=np.int64)
        work = np.empty(2 * n_labels, dtype=np.int64)
        backpointers = np.empty(n_tokens * n_labels, dtype=np.uint16)
        path = np.empty(n_tokens, dtype=np.uint32)
        check(lib.pnlu_crf_tag(self.table.c_table, self._transitions, ffi.from_buffer(buf), len(buf),
                               ffi.from_buffer("uint32_t[]", key_offsets), len(key_offsets) - 1,
                               ffi.from_buffer("uint32_t[]", token_offsets), n_tokens,
                               ffi.from_buffer("int64_t[]", state), ffi.from_buffer("int64_t[]", work),
                               ffi.from_buffer("uint16_t[]", backpointers), ffi.from_buffer("uint32_t[]", path)),
              "slot tagger")
        return [self.labels[i] for i in path]


class NLUModel:
    """A packed assistant: open with pocketnlu.open(path), use as a context manager."""

    def __init__(self, path):
        self._file = ModelFile(path)
        # Calls in flight, so that close() from another thread unmaps only after they finish.
        self._lock = threading.Lock()
        self._active = 0
        self._closing = False
        try:
            self._load(self._file.meta)
        except BaseException:
            self._file.close()
            raise

    def _load(self, meta: dict) -> None:
        path = self._file.path
        try:
            pipeline = meta["pipeline"]
            models = meta["models"]
            self.features = FeatureConfig.from_dict(pipeline["features"])
            classifier = lambda name: Classifier(self._file, name, models[name])
            threshold = pipeline.get("oos_threshold")
            threshold = None if threshold is None else float(threshold)
            if "domain" in pipeline:
                self.intents_stage = IntentStage(
                    domain=classifier(pipeline["domain"]), threshold=threshold,
                    domain_intents={domain: classifier(second["model"]) if "model" in second else second["intent"]
                                    for domain, second in pipeline["domain_intents"].items()})
            else:
                self.intents_stage = IntentStage(intent=classifier(pipeline["intent"]), threshold=threshold,
                                                 intent_domains=pipeline.get("intent_domains", {}))
            slots = pipeline.get("slots")
            self.slot_tagger = SlotTagger(self._file, slots, models[slots]) if slots else None
        except (KeyError, TypeError, ValueError) as error:
            if isinstance(error, CorruptModelError):
                raise
            raise CorruptModelError(f"{path}: metadata does not describe an NLU pipeline ({error!r})") from None
        self.meta = meta

    @property
    def path(self) -> str:
        return self._file.path

    @property
    def intents(self) -> List[str]:
        stage = self.intents_stage
        if stage.domain is None:
            return list(stage.intent.labels)
        return sorted({i for c in stage.domain_intents.values() for i in ([c] if isinstance(c, str) else c.labels)})

    def parse(self, text) -> Parse:
        return self.parse_batch([text])[0]

    def parse_batch(self, texts: Sequence) -> List[Parse]:
        texts = [as_text(text) for text in texts]
        self._enter()
        try:
            return self._parse_batch(texts)
        finally:
            self._leave()

    def _parse_batch(self, texts: List[str]) -> List[Parse]:
        prepared = [prepare(text) for text in texts]
        decisions = self.intents_stage.classify([utterance_features(tokens, self.features) for tokens, _ in prepared])
        return [finish_parse(text, tokens, truncated, decision, self.slot_tagger, self.features)
                for text, (tokens, truncated), decision in zip(texts, prepared, decisions)]

    @property
    def byte_size(self) -> int:
        """Bytes of the mapped file."""
        return self._file.file_bytes

    @property
    def closed(self) -> bool:
        return self._closing

    def _enter(self) -> None:
        with self._lock:
            if self._closing:
                raise ModelClosedError(f"{self.path}: the model is closed")
            self._active += 1

    def _leave(self) -> None:
        with self._lock:
            self._active -= 1
            unmap = self._closing and self._active == 0
        if unmap:
            self._file.close()

    def close(self) -> None:
        """Refuse new calls; unmap once the calls in flight (other threads) have returned."""
        with self._lock:
            if self._closing:
                return
            self._closing = True
            unmap = self._active == 0
        if unmap:
            self._file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def open_model(path) -> NLUModel:
    return NLUModel(path)
