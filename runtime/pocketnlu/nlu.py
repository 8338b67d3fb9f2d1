"""An NLU model on the device: utterance -> domain, intent, confidence, slots.

Python tokenizes and normalizes (pocketnlu.features); the C core does the rest in one call per
model and batch: composing the feature keys, hashing, MPHF lookup, fingerprints, weight
decoding, scoring, and for the slots Viterbi. Decisions on scores (confidence, out-of-scope, BIO
spans) live here and are shared with the host's float reference, so the two cannot drift apart.
"""
import os
import threading
import weakref
from array import array
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np

from ._binding import check, ffi, lib
from .errors import CorruptModelError, InputError, ModelClosedError
from .entities import Moment
from .entities import resolve as resolve_entity
from .features import MAX_TOKENS, FeatureConfig, Token, WordBatch, prepare
from .metadata import ModelSpec, read_nlu_metadata
from .modelfile import ModelFile
from .table import WeightTable
from .transitions import Transitions
from .values import ValueTable

OUT_OF_SCOPE = "out_of_scope"  # the intent of an utterance the model does not handle
# Utterances per call of the C core: each has at most MAX_TOKENS words, within PNLU_MAX_WORDS.
BATCH_UTTERANCES = lib.PNLU_MAX_WORDS // MAX_TOKENS

Text = Union[str, bytes, bytearray]  # an utterance: str, or bytes that must be UTF-8


@dataclass(frozen=True)
class SlotValue:
    """A slot found in an utterance: its type and its text, ``text[start:end]`` of the parsed text
    (character offsets), and `resolved`: what the text means when the model binds the slot to a
    built-in kind (``{"kind": "temperature", "value": 72, "unit": "fahrenheit"}``, see
    pocketnlu.entities) or to a template list (``{"kind": "list", "list": "hvac", "value":
    "air_conditioning"}``); None when it is not bound or the text does not resolve."""

    slot: str
    value: str
    start: int
    end: int
    resolved: Optional[dict] = None


@dataclass(frozen=True)
class Parse:
    """What a model understood of one utterance. `intent` is OUT_OF_SCOPE (and `domain` None) when
    the utterance matches no intent or its confidence is under the model's threshold."""

    text: str
    domain: Optional[str]
    intent: str
    confidence: float  # probability of the intent (of the domain times the intent, hierarchical)
    slots: List[SlotValue] = field(default_factory=list)
    truncated: bool = False  # the input was longer than the limits and was cut

    def to_dict(self) -> dict:
        """JSON-ready: keys text, domain, intent, confidence, slots (a list of dicts), truncated."""
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


def as_text(text: Text) -> str:
    """Accept str, or bytes that must be UTF-8."""
    if isinstance(text, str):
        return text
    if isinstance(text, (bytes, bytearray)):
        try:
            return bytes(text).decode("utf-8")
        except UnicodeDecodeError as error:
            raise InputError(f"utterance is not valid UTF-8 (byte {error.start})") from None
    raise InputError(f"utterance must be str or UTF-8 bytes, not {type(text).__name__}")


def parse_words(texts: Sequence[str], features: FeatureConfig, stage, slot_tagger,
                resolve: Optional[Callable[[SlotValue], Optional[dict]]] = None) -> List[Parse]:
    """Parses of texts by an IntentStage and a slot tagger (device or host float models alike):
    tokens, one WordBatch for the batch, intents, then slots for each in-scope utterance, each
    slot with resolve(slot) as its resolved value."""
    prepared = [prepare(text) for text in texts]
    batch = WordBatch([tokens for tokens, _ in prepared], features)
    parses = []
    for u, (text, (tokens, truncated), decision) in enumerate(zip(texts, prepared, stage.classify(batch))):
        if not tokens:  # nothing to understand
            parses.append(Parse(text, None, OUT_OF_SCOPE, 1.0, [], truncated))
            continue
        domain, intent, confidence = decision
        slots = []
        if slot_tagger is not None and intent != OUT_OF_SCOPE:
            slots = bio_spans(tokens, slot_tagger.tag(batch, u, intent if features.slot_intent else None), text)
            if resolve is not None:
                slots = [SlotValue(s.slot, s.value, s.start, s.end, resolve(s)) for s in slots]
        parses.append(Parse(text, domain, intent, confidence, slots, truncated))
    return parses


class Classifier:
    """A linear classifier: one C call scores a batch of feature groups."""

    def __init__(self, model_file: ModelFile, spec: ModelSpec):
        self.name = spec.name
        self.table = WeightTable(model_file, spec.table)
        self.labels = spec.labels
        self.softmax_scale = spec.scale / spec.temperature  # the calibrated confidence
        if len(self.labels) != self.table.n_labels:
            raise CorruptModelError(f"{model_file.path}: model {self.name!r} has {len(self.labels)} labels "
                                    f"but its table has {self.table.n_labels}")

    def integer_scores(self, batch: WordBatch, utterances: Optional[Sequence[int]] = None) -> np.ndarray:
        """Integer score sums (n, n_labels) of the batch's utterances (default: all of them)."""
        if utterances is None:
            ranges = batch.ranges
        else:
            ranges = array("I")
            for u in utterances:
                ranges += batch.ranges[2 * u:2 * u + 2]
        n = len(ranges) // 2
        scores = np.empty((n, self.table.n_labels), dtype=np.int64)
        scratch = batch.scratch()
        check(lib.pnlu_score_utterances(self.table.c_table, batch.c_config, *batch.c_words(),
                                        ffi.from_buffer("uint32_t[]", ranges), n, 1,
                                        ffi.from_buffer(scratch), len(scratch), ffi.from_buffer("int64_t[]", scores),
                                        ffi.NULL),
              f"classifier {self.name!r}")
        return scores

    def decide(self, batch: WordBatch, utterances: Optional[Sequence[int]] = None) -> List[Tuple[str, float]]:
        """(best label, its softmax probability) of each utterance, computed in C
        (pnlu_softmax_best; the host's float models do the same in Python)."""
        scores = self.integer_scores(batch, utterances)
        best = np.empty(len(scores), dtype=np.uint32)
        probability = np.empty(len(scores))
        check(lib.pnlu_softmax_best(ffi.from_buffer("int64_t[]", scores), len(scores), self.table.n_labels,
                                    self.softmax_scale, ffi.from_buffer("uint32_t[]", best),
                                    ffi.from_buffer("double[]", probability)),
              f"classifier {self.name!r}")
        labels = self.labels
        return [(labels[b], p) for b, p in zip(best.tolist(), probability.tolist())]


class IntentStage:
    """Chooses (domain, intent, confidence) for the utterances of a WordBatch: flat (one intent
    classifier), or hierarchical (a domain classifier, then that domain's intent classifier).

    Classifiers are anything with `labels` and `decide(batch, utterances=None)` giving (label,
    probability) per utterance of a WordBatch: the device's C-backed Classifier, or the host's
    float models, so both decide alike.
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

    def classify(self, batch: WordBatch) -> List[Tuple[Optional[str], str, float]]:
        if self.domain is None:
            decisions = [(self.intent_domains.get(intent), intent, confidence)
                         for intent, confidence in self.intent.decide(batch)]
        else:
            decisions = self._classify_by_domain(batch)
        return [(None, OUT_OF_SCOPE, confidence)
                if intent == OUT_OF_SCOPE or (self.threshold is not None and confidence < self.threshold)
                else (domain, intent, confidence) for domain, intent, confidence in decisions]

    def _classify_by_domain(self, batch: WordBatch):
        decisions = [None] * len(batch)
        members = defaultdict(list)  # one scoring call per domain for a batch
        for i, (domain, confidence) in enumerate(self.domain.decide(batch)):
            members[domain].append((i, confidence))
        for domain, chosen in members.items():
            second = self.domain_intents[domain]
            if isinstance(second, str):
                for i, confidence in chosen:
                    decisions[i] = (domain, second, confidence)
                continue
            for (i, confidence), (intent, intent_confidence) in zip(chosen, second.decide(batch, [i for i, _ in chosen])):
                decisions[i] = (domain, intent, confidence * intent_confidence)
        return decisions


class SlotTagger:
    """A linear-chain CRF: feature keys, state scores and Viterbi in one C call."""

    def __init__(self, model_file: ModelFile, spec: ModelSpec):
        self.table = WeightTable(model_file, spec.table)
        self.labels = spec.labels
        self.transitions = Transitions(model_file, spec.transitions)
        if not (self.transitions.n_labels == len(self.labels) == self.table.n_labels):
            raise CorruptModelError(f"{model_file.path}: slot model {spec.name!r} labels, table and transitions "
                                    "disagree")

    def tag(self, batch: WordBatch, utterance: int, intent: Optional[str] = None) -> List[str]:
        """BIO tags of an utterance's words (intent: the classifier's, for slot_intent models)."""
        first, last = batch.words(utterance)
        if first == last:
            return []
        encoded = intent.encode("utf-8", "surrogatepass") if intent is not None else b""
        scratch = batch.scratch(first, last, encoded, len(self.labels))
        path = np.empty(last - first, dtype=np.uint32)
        check(lib.pnlu_crf_tag_words(self.table.c_table, self.transitions.c_transitions, batch.c_config,
                                     *batch.c_words(first, last), encoded if intent is not None else ffi.NULL,
                                     len(encoded), ffi.from_buffer(scratch), len(scratch),
                                     ffi.from_buffer("uint32_t[]", path)),
              "slot tagger")
        return [self.labels[i] for i in path.tolist()]


class NLUModel:
    """A packed assistant, mapped from its file: open with ``pocketnlu.open(path)``, use as a
    context manager. Safe to use from many threads; after `close` every call raises
    ModelClosedError (calls in flight in other threads finish first, then the file is unmapped).
    """

    def __init__(self, path: Union[str, "os.PathLike[str]"]):
        self._file = ModelFile(path)
        # Calls in flight, so that close() from another thread unmaps only after they finish.
        self._lock = threading.Lock()
        _OPEN_MODELS.add(self)
        self._active = 0
        self._closing = False
        try:
            self._load(self._file.meta)
        except BaseException:
            self._file.close()
            raise

    def _load(self, meta: dict) -> None:
        try:
            models, pipeline = read_nlu_metadata(meta, self._file.sections)
        except CorruptModelError as error:
            raise CorruptModelError(f"{self._file.path}: metadata: {error}") from None
        self.features = pipeline.features
        classifier = lambda spec: Classifier(self._file, spec)
        if pipeline.domain is not None:
            self.intents_stage = IntentStage(
                domain=classifier(models[pipeline.domain]), threshold=pipeline.oos_threshold,
                domain_intents={domain: second if isinstance(second, str) else classifier(second)
                                for domain, second in pipeline.domain_intents.items()})
        else:
            self.intents_stage = IntentStage(intent=classifier(models[pipeline.intent]),
                                             threshold=pipeline.oos_threshold, intent_domains=pipeline.intent_domains)
        self.slot_tagger = SlotTagger(self._file, models[pipeline.slots]) if pipeline.slots else None
        self.slot_values = pipeline.slot_values
        self._value_tables = {name: ValueTable(self._file.section_bytes(name), f"{self._file.path}: section {name!r}")
                              for name in sorted({how.table for how in pipeline.slot_values.values() if how.table})}
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

    def parse(self, text: Text, reference_time: Optional[Moment] = None) -> Parse:
        """Domain, intent, confidence and slots of one utterance (str, or UTF-8 bytes). Raises
        InputError for anything else; never for what the text says. `reference_time` (a date or
        datetime; default: now) is what relative dates ("tomorrow") resolve against."""
        return self.parse_batch([text], reference_time)[0]

    def parse_batch(self, texts: Sequence[Text], reference_time: Optional[Moment] = None) -> List[Parse]:
        """Parses of several utterances, cheaper per utterance than one call each. A batch of any
        size is parsed in chunks the C core can take in one call."""
        if isinstance(texts, (str, bytes, bytearray)) or not isinstance(texts, Iterable):
            raise InputError(f"parse_batch takes a sequence of utterances, not {type(texts).__name__} "
                             "(parse takes one)")
        texts = [as_text(text) for text in texts]
        self._enter()
        try:
            return [parse for start in range(0, len(texts), BATCH_UTTERANCES)
                    for parse in self._parse_batch(texts[start:start + BATCH_UTTERANCES], reference_time)]
        finally:
            self._leave()

    def _parse_batch(self, texts: List[str], reference_time: Optional[Moment] = None) -> List[Parse]:
        resolve = None
        if self.slot_values:
            resolve = lambda slot: self._resolve(slot, reference_time)  # noqa: E731
        return parse_words(texts, self.features, self.intents_stage, self.slot_tagger, resolve)

    def _resolve(self, slot: SlotValue, reference_time: Optional[Moment]) -> Optional[dict]:
        how = self.slot_values.get(slot.slot)
        if how is None:
            return None
        if how.kind is not None:
            return resolve_entity(how.kind, slot.value, reference_time)
        value = self._value_tables[how.table].lookup(slot.value)
        return None if value is None else {"kind": "list", "list": how.list, "value": value}

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


_OPEN_MODELS: "weakref.WeakSet[NLUModel]" = weakref.WeakSet()


def _after_fork_in_child() -> None:
    """A child forked while another thread held a model's lock would block on it forever: every
    model gets a new lock (its count of calls in flight is kept: a store's hold is one of them)."""
    for model in list(_OPEN_MODELS):
        model._lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def open_model(path: Union[str, "os.PathLike[str]"]) -> NLUModel:
    """Map a .pnlu file (O(1) in its size: only the header, section table and metadata are read)
    and check it; raises a ModelFormatError subclass naming the problem. Also ``pocketnlu.open``."""
    return NLUModel(path)
