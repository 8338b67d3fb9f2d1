"""An NLU model on the device: utterance -> domain, intent, confidence, slots.

Two paths give the same parses. Text of ASCII and Latin-1 letters (features.c_tokenizes: nearly
every utterance a recognizer or a keyboard produces in English or a western European language)
takes the C core's fast path: one call per stage and batch (pnlu_parse_latin1; a flat model has
one stage, a hierarchical one the domain classifier, then one call per domain of the batch) tokenizes and normalizes as pocketnlu.features does, composes and scores the features,
decides, tags and returns the slots as offsets, so Python builds one Parse per utterance and one
SlotValue per slot and nothing per token. Other text takes the general path: Python tokenizes
and normalizes (Unicode case folding, NFKC; pocketnlu.features), the C core composes the feature
keys, hashes, looks them up and scores, and for the slots runs Viterbi; decisions on scores
(confidence, out-of-scope, BIO spans) are made here by the code the host's float reference shares,
so the two cannot drift apart (tests/test_ascii_fast_path.py holds both paths equal). Neither
path imports numpy.
"""
import os
import threading
import weakref
from array import array
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from itertools import accumulate
from datetime import date, datetime
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple, Union

from ._binding import check, ffi, lib
from .errors import CorruptModelError, InputError, ModelClosedError
from .features import (
    MAX_TEXT_CHARS, MAX_TOKENS, FeatureConfig, Token, WordBatch, c_config, c_tokenizes, encode_keys, prepare,
)
from .metadata import ModelSpec, read_nlu_metadata
from .modelfile import ModelFile
from .table import WeightTable
from .transitions import Transitions
from .values import ValueTable

Moment = Union[date, datetime]  # what relative dates count from (pocketnlu.entities.Moment)

OUT_OF_SCOPE = "out_of_scope"  # the intent of an utterance the model does not handle
# Utterances per call of the C core: each has at most MAX_TOKENS words, within PNLU_MAX_WORDS.
BATCH_UTTERANCES = lib.PNLU_MAX_WORDS // MAX_TOKENS
# Integer scores (int64) a classifier computes per call of the C core: a batch is scored this many
# scores at a time (utterances x labels; at least one utterance), so that a model with thousands
# of labels needs 512 KiB of scores, not utterances x labels.
MAX_SCORES_PER_CALL = 1 << 16

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

    def integer_scores(self, batch: WordBatch, utterances: Optional[Sequence[int]] = None):
        """Integer score sums (n, n_labels), a numpy array, of the batch's utterances (default:
        all of them). (For callers that want arrays: numpy is imported here, not on the parse path.)"""
        import numpy as np

        n_labels = self.table.n_labels
        ranges = self._ranges(batch, utterances)
        scores = np.empty((len(ranges) // 2, n_labels), dtype=np.int64)
        into = ffi.from_buffer("int64_t[]", scores)
        for _ in self._score_chunks(batch, ranges, lambda first: into + first * n_labels):
            pass
        return scores

    def decide(self, batch: WordBatch, utterances: Optional[Sequence[int]] = None) -> List[Tuple[str, float]]:
        """(best label, its softmax probability) of each utterance, computed in C
        (pnlu_softmax_best; the host's float models do the same in Python)."""
        n_labels = self.table.n_labels
        ranges = self._ranges(batch, utterances)
        n = len(ranges) // 2
        best = array("I", bytes(4 * n))
        probability = array("d", bytes(8 * n))
        chunk = ffi.new("int64_t[]", min(n, self._rows_per_call()) * n_labels or 1)
        best_at, probability_at = ffi.from_buffer("uint32_t[]", best), ffi.from_buffer("double[]", probability)
        for first, count in self._score_chunks(batch, ranges, lambda first: chunk):
            check(lib.pnlu_softmax_best(chunk, count, n_labels, self.softmax_scale, best_at + first,
                                        probability_at + first),
                  f"classifier {self.name!r}")
        labels = self.labels
        return [(labels[b], p) for b, p in zip(best.tolist(), probability.tolist())]

    def _rows_per_call(self) -> int:
        return max(1, MAX_SCORES_PER_CALL // self.table.n_labels)

    @staticmethod
    def _ranges(batch: WordBatch, utterances: Optional[Sequence[int]]) -> array:
        """(first, last) word of each utterance to score, flat."""
        if utterances is None:
            return batch.ranges
        ranges = array("I")
        for u in utterances:
            ranges += batch.ranges[2 * u:2 * u + 2]
        return ranges

    def _score_chunks(self, batch: WordBatch, ranges: array, scores_at: Callable):
        """Scores the utterances of `ranges`, _rows_per_call() at a time: chunk (first, count) is
        written at scores_at(first), an int64 pointer with room for count x n_labels, then yielded."""
        n = len(ranges) // 2
        rows = self._rows_per_call()
        scratch = batch.scratch()
        c_ranges = ffi.from_buffer("uint32_t[]", ranges)
        for first in range(0, n, rows):
            count = min(rows, n - first)
            check(lib.pnlu_score_utterances(self.table.c_table, batch.c_config, *batch.c_words(), c_ranges + 2 * first,
                                            count, 1, ffi.from_buffer(scratch), len(scratch), scores_at(first),
                                            ffi.NULL),
                  f"classifier {self.name!r}")
            yield first, count


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
        path = array("I", bytes(4 * (last - first)))
        check(lib.pnlu_crf_tag_words(self.table.c_table, self.transitions.c_transitions, batch.c_config,
                                     *batch.c_words(first, last), encoded if intent is not None else ffi.NULL,
                                     len(encoded), ffi.from_buffer(scratch), len(scratch),
                                     ffi.from_buffer("uint32_t[]", path)),
              "slot tagger")
        return [self.labels[i] for i in path.tolist()]


class ParseStage:
    """One C-side stage of the fast path (pnlu_parse_model): a classifier, or a domain's only
    intent, and the slot tagger for the utterances it keeps in scope. Read-only once built, so
    threads share it."""

    def __init__(self, features: FeatureConfig, classifier, slot_tagger: Optional["SlotTagger"],
                 threshold: Optional[float], slot_numbers: Dict[str, int]):
        labels = [classifier] if isinstance(classifier, str) else list(classifier.labels)
        self.labels = labels
        names, offsets = encode_keys(labels)
        self._keep = [names, offsets]  # the struct points into these
        m = ffi.new("pnlu_parse_model *")
        m.features = c_config(features)
        if not isinstance(classifier, str):
            m.classifier = classifier.table.c_table
            m.softmax_scale = classifier.softmax_scale
        m.n_labels = len(labels)
        m.labels = self._pointer("uint8_t[]", names or b"\0")
        m.label_offsets = self._pointer("uint32_t[]", offsets)
        m.tag_label = self._pointer("uint8_t[]", bytes(int(label != OUT_OF_SCOPE) for label in labels))
        m.threshold = -1.0 if threshold is None else threshold
        if slot_tagger is not None:
            m.crf = slot_tagger.table.c_table
            m.transitions = slot_tagger.transitions.c_transitions
            kinds, slots = bytearray(), array("I")
            for tag in slot_tagger.labels:
                kind, _, slot = tag.partition("-")
                kinds.append({"B": 1, "I": 2}.get(kind, 0) if slot else 0)
                slots.append(slot_numbers.setdefault(slot, len(slot_numbers)) if slot else 0)
            m.bio_kind = self._pointer("uint8_t[]", bytes(kinds))
            m.bio_slot = self._pointer("uint32_t[]", slots)
        self.c_model = m

    def _pointer(self, kind: str, data):
        pointer = ffi.new(kind, len(data)) if len(data) else ffi.new(kind, 1)
        ffi.memmove(pointer, data, len(data) * (4 if isinstance(data, array) else 1))
        self._keep.append(pointer)
        return pointer

    def scratch(self, max_words: int, max_word_bytes: int):
        size = lib.pnlu_parse_scratch_bytes(self.c_model, max_words, max_word_bytes)
        if size == 0:
            raise InputError("the parser refused these utterances (a limit of the C core)")
        return ffi.new("uint8_t[]", size), size


def word_bytes_bound(chars: int, latin1: bytes) -> int:
    """The most bytes (UTF-8) the normalized words of `chars` characters of this Latin-1 text take."""
    return chars if latin1.isascii() else lib.PNLU_NORMALIZED_BYTES_PER_CHAR * chars


class Latin1Batch:
    """The words of a batch of utterances that features.c_tokenizes, tokenized and normalized in C
    (pnlu_latin1_words, the same tokens and forms as features.prepare and word_forms)."""

    __slots__ = ("texts", "n", "n_words", "forms", "forms_len", "form_offsets", "token_spans", "utterance_words",
                 "truncated", "max_words", "max_word_bytes", "words_cap", "_blob", "_offsets")

    def __init__(self, texts: Sequence[str]):
        self.texts = texts
        encoded = [text.encode("latin-1") for text in texts]  # one byte per character
        self.n = n = len(texts)
        blob = b"".join(encoded)
        total = len(blob)
        self.words_cap = words_cap = min(total, n * MAX_TOKENS)
        longest = min(max(map(len, encoded), default=0), MAX_TEXT_CHARS)
        self.max_words, self.max_word_bytes = min(longest, MAX_TOKENS), word_bytes_bound(longest, blob)
        self.forms = ffi.new("uint8_t[]", lib.PNLU_FORM_BYTES_PER_CHAR * total + 1)
        self.form_offsets = ffi.new("uint32_t[]", 3 * words_cap + 1)
        self.token_spans = ffi.new("uint32_t[]", 2 * words_cap + 1)
        self.utterance_words = ffi.new("uint32_t[]", 2 * n + 1)
        self.truncated = ffi.new("uint8_t[]", n + 1)
        self._blob = blob
        self._offsets = array("I", accumulate(map(len, encoded), initial=0))

    def c_text(self) -> tuple:
        """(text, text_len, text_offsets, n_texts, max_chars, max_tokens) for pnlu_latin1_words."""
        return (self._blob, len(self._blob), ffi.from_buffer("uint32_t[]", self._offsets), self.n, MAX_TEXT_CHARS,
                MAX_TOKENS)

    def c_outputs(self) -> tuple:
        return (self.forms, lib.PNLU_FORM_BYTES_PER_CHAR * len(self._blob) + 1, self.form_offsets, self.token_spans, self.words_cap,
                self.utterance_words, self.truncated)

    def tokenize(self, digit_classes: bool) -> "Latin1Batch":
        """Tokens and forms alone (pnlu_latin1_words)."""
        n_words = ffi.new("size_t *")
        check(lib.pnlu_latin1_words(*self.c_text(), int(digit_classes), *self.c_outputs(), n_words), "tokenizer")
        self.set_words(n_words[0])
        return self

    def set_words(self, n_words: int) -> None:
        self.n_words = n_words
        self.forms_len = self.form_offsets[3 * n_words]

    def tokens(self, u: int) -> List[Token]:
        text, spans = self.texts[u], self.token_spans
        return [Token(text[spans[2 * w]:spans[2 * w + 1]], spans[2 * w], spans[2 * w + 1])
                for w in range(self.utterance_words[2 * u], self.utterance_words[2 * u + 1])]

    def forms_of(self, u: int) -> List[str]:
        """word_forms of utterance u's tokens: three strings per word."""
        first, last = self.utterance_words[2 * u], self.utterance_words[2 * u + 1]
        offsets = self.form_offsets
        data = ffi.buffer(self.forms, self.forms_len)[:]
        return [data[offsets[k]:offsets[k + 1]].decode("utf-8") for k in range(3 * first, 3 * last)]


_SINGLE_FORMS = lib.PNLU_FORM_BYTES_PER_CHAR * MAX_TEXT_CHARS + 1  # the forms of one utterance
_SINGLE_SPANS = 3 * MAX_TOKENS
_MAX_FAST_BYTES = 1 << 31  # text offsets are uint32: longer texts take the Python path


class _SingleBuffers:
    """One thread's C buffers for parsing one utterance at a time (NLUModel._parse_single)."""

    def __init__(self):
        self.text_offsets = ffi.new("uint32_t[]", 2)
        self.forms = ffi.new("uint8_t[]", _SINGLE_FORMS)
        self.form_offsets = ffi.new("uint32_t[]", 3 * MAX_TOKENS + 1)
        self.token_spans = ffi.new("uint32_t[]", 2 * MAX_TOKENS)
        self.utterance_words = ffi.new("uint32_t[]", 2)
        self.truncated = ffi.new("uint8_t[]", 1)
        self.n_words = ffi.new("size_t *")
        self.best = ffi.new("uint32_t[]", 1)
        self.probability = ffi.new("double[]", 1)
        self.spans = ffi.new("uint32_t[]", _SINGLE_SPANS)
        self.span_offsets = ffi.new("uint32_t[]", 2)
        self.scratch, self.scratch_len, self.scratch_for, self.scratch_stage = None, 0, -1, None


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
        self._local = threading.local()  # each thread's buffers for single parses
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
        self._stages_for = (None, None)  # the fast path's stages are built by the first parse
        self._value_tables = {name: ValueTable(self._file.section_bytes(name), f"{self._file.path}: section {name!r}")
                              for name in sorted({how.table for how in pipeline.slot_values.values() if how.table})}
        self.meta = meta

    def _build_stages(self) -> None:
        """The fast path's C stages: flat, one (intent classifier and slots); hierarchical, the
        domain classifier, then one per domain (its classifier or only intent, and slots). Built
        by the first parse (so opening stays O(1)), again if the stage or tagger is replaced;
        threads racing here build equal stages."""
        stage, tagger, numbers = self.intents_stage, self.slot_tagger, {}
        if stage.domain is None:
            first = ParseStage(self.features, stage.intent, tagger, stage.threshold, numbers)
            domains = None
        else:
            first = ParseStage(self.features, stage.domain, None, None, numbers)
            domains = {domain: ParseStage(self.features, second, tagger, stage.threshold, numbers)
                       for domain, second in stage.domain_intents.items()}
        self._first_stage, self._domain_stages = first, domains
        self._slot_names = sorted(numbers, key=numbers.get)
        self._stages_for = (stage, tagger)

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
        if type(text) is not str:
            text = as_text(text)
        self._enter()
        try:
            return self._parse_single(text, reference_time)
        finally:
            self._leave()

    def _parse_single(self, text: str, reference_time: Optional[Moment] = None) -> Parse:
        """parse without the model's call count: one C call for an utterance of a flat model that
        features.c_tokenizes, into this thread's buffers (nothing allocated per call but the results)."""
        if (self._stages_for[0] is not self.intents_stage or self._stages_for[1] is not self.slot_tagger
                or self._domain_stages is not None or not c_tokenizes(text) or len(text) > _MAX_FAST_BYTES):
            return self._parse_batch([text], reference_time)[0]
        b = getattr(self._local, "buffers", None)
        if b is None:
            b = self._local.buffers = _SingleBuffers()
        blob = text.encode("latin-1")  # one byte per character
        size = len(blob)
        cut = size if size < MAX_TEXT_CHARS else MAX_TEXT_CHARS
        word_bytes = word_bytes_bound(cut, blob)
        stage = self._first_stage
        if word_bytes > b.scratch_for or b.scratch_stage is not stage:  # grows with the longest utterance parsed
            b.scratch, b.scratch_len = stage.scratch(cut if cut < MAX_TOKENS else MAX_TOKENS, word_bytes)
            b.scratch_for, b.scratch_stage = word_bytes, stage
        b.text_offsets[1] = size
        check(lib.pnlu_parse_latin1(stage.c_model, blob, size, b.text_offsets, 1, MAX_TEXT_CHARS, MAX_TOKENS,
                                    b.forms, _SINGLE_FORMS, b.form_offsets, b.token_spans, MAX_TOKENS,
                                    b.utterance_words, b.truncated, b.n_words, b.scratch, b.scratch_len, b.best,
                                    b.probability, b.spans, _SINGLE_SPANS, b.span_offsets), "parser")
        truncated = b.truncated[0] != 0
        if b.utterance_words[0] == b.utterance_words[1]:  # nothing to understand
            return Parse(text, None, OUT_OF_SCOPE, 1.0, [], truncated)
        intent, confidence = stage.labels[b.best[0]], b.probability[0]
        threshold = self.intents_stage.threshold
        if intent == OUT_OF_SCOPE or (threshold is not None and confidence < threshold):
            return Parse(text, None, OUT_OF_SCOPE, confidence, [], truncated)
        slots = []
        found = b.spans
        for j in range(0, 3 * b.span_offsets[1], 3):
            slot, start, end = self._slot_names[found[j]], found[j + 1], found[j + 2]
            value = text[start:end]
            slots.append(SlotValue(slot, value, start, end,
                                   self._resolve(slot, value, reference_time) if self.slot_values else None))
        return Parse(text, self.intents_stage.intent_domains.get(intent), intent, confidence, slots, truncated)

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
        """Utterances that features.c_tokenizes take the C fast path (one call per stage and
        batch), others the Python tokenizer; both give the same parses."""
        in_c = [c_tokenizes(text) for text in texts]
        if sum(map(len, texts)) >= _MAX_FAST_BYTES:
            in_c = [False] * len(texts)
        if all(in_c):
            return self._parse_latin1(texts, reference_time)
        resolve = None
        if self.slot_values:
            resolve = lambda slot: self._resolve(slot.slot, slot.value, reference_time)  # noqa: E731
        if not any(in_c):
            return parse_words(texts, self.features, self.intents_stage, self.slot_tagger, resolve)
        fast = iter(self._parse_latin1([t for t, c in zip(texts, in_c) if c], reference_time))
        slow = iter(parse_words([t for t, c in zip(texts, in_c) if not c], self.features, self.intents_stage,
                                self.slot_tagger, resolve))
        return [next(fast) if c else next(slow) for c in in_c]

    def _parse_latin1(self, texts: List[str], reference_time: Optional[Moment]) -> List[Parse]:
        if self._stages_for[0] is not self.intents_stage or self._stages_for[1] is not self.slot_tagger:
            self._build_stages()
        batch = Latin1Batch(texts)
        n = batch.n
        first = self._first_stage
        scratch, scratch_len = first.scratch(batch.max_words, batch.max_word_bytes)
        best, probability = ffi.new("uint32_t[]", n + 1), ffi.new("double[]", n + 1)
        spans, span_offsets = ffi.new("uint32_t[]", 3 * batch.words_cap + 1), ffi.new("uint32_t[]", n + 1)
        n_words = ffi.new("size_t *")
        check(lib.pnlu_parse_latin1(first.c_model, *batch.c_text(), *batch.c_outputs(), n_words, scratch,
                                    scratch_len, best, probability, spans, 3 * batch.words_cap + 1, span_offsets),
              "parser")
        batch.set_words(n_words[0])
        labels, threshold = first.labels, self.intents_stage.threshold
        words, truncated = batch.utterance_words, batch.truncated
        if self._domain_stages is None:
            intent_domains = self.intents_stage.intent_domains
            decisions = []
            for u in range(n):
                intent, confidence = labels[best[u]], probability[u]
                if intent == OUT_OF_SCOPE or (threshold is not None and confidence < threshold):
                    decisions.append((None, OUT_OF_SCOPE, confidence, None))
                else:
                    decisions.append((intent_domains.get(intent), intent, confidence, u))
            chosen = [(spans, span_offsets)]
        else:
            decisions, chosen = self._by_domain(batch, [labels[best[u]] for u in range(n)], probability, threshold)
        slot_names, resolve = self._slot_names, self.slot_values
        parses = []
        for u, (domain, intent, confidence, at) in enumerate(decisions):
            text = texts[u]
            if words[2 * u] == words[2 * u + 1]:  # nothing to understand
                parses.append(Parse(text, None, OUT_OF_SCOPE, 1.0, [], bool(truncated[u])))
                continue
            slots = []
            if at is not None:
                found, offsets = chosen[at[0]] if isinstance(at, tuple) else chosen[0]
                k = at[1] if isinstance(at, tuple) else at
                for j in range(3 * offsets[k], 3 * offsets[k + 1], 3):
                    slot, start, end = slot_names[found[j]], found[j + 1], found[j + 2]
                    value = text[start:end]
                    slots.append(SlotValue(slot, value, start, end,
                                           self._resolve(slot, value, reference_time) if resolve else None))
            parses.append(Parse(text, domain, intent, confidence, slots, bool(truncated[u])))
        return parses

    def _by_domain(self, batch: Latin1Batch, domains: List[str], domain_probability, threshold):
        """Hierarchical decisions: one pnlu_parse_words call per domain of the batch, over its
        utterances' words, each utterance's domain probability as its prior."""
        n = batch.n
        decisions: list = [None] * n
        chosen = []
        members = defaultdict(list)
        for u, domain in enumerate(domains):
            members[domain].append(u)
        for domain, us in members.items():
            stage = self._domain_stages[domain]
            m = len(us)
            words = array("I")
            for u in us:
                words += array("I", (batch.utterance_words[2 * u], batch.utterance_words[2 * u + 1]))
            prior = array("d", (domain_probability[u] for u in us))
            scratch, scratch_len = stage.scratch(batch.max_words, batch.max_word_bytes)
            best, probability = ffi.new("uint32_t[]", m), ffi.new("double[]", m)
            spans, span_offsets = ffi.new("uint32_t[]", 3 * batch.words_cap + 1), ffi.new("uint32_t[]", m + 1)
            check(lib.pnlu_parse_words(stage.c_model, batch.forms, batch.forms_len, batch.form_offsets, batch.n_words,
                                       batch.token_spans, ffi.from_buffer("uint32_t[]", words), m,
                                       ffi.from_buffer("double[]", prior), scratch, scratch_len, best, probability,
                                       spans, 3 * batch.words_cap + 1, span_offsets), "parser")
            chosen.append((spans, span_offsets))
            for k, u in enumerate(us):
                intent, confidence = stage.labels[best[k]], probability[k]
                if intent == OUT_OF_SCOPE or (threshold is not None and confidence < threshold):
                    decisions[u] = (None, OUT_OF_SCOPE, confidence, None)
                else:
                    decisions[u] = (domain, intent, confidence, (len(chosen) - 1, k))
        return decisions, chosen

    def _resolve(self, slot: str, value: str, reference_time: Optional[Moment]) -> Optional[dict]:
        how = self.slot_values.get(slot)
        if how is None:
            return None
        if how.kind is not None:
            from .entities import resolve as resolve_entity  # imported by the first parse that needs it

            return resolve_entity(how.kind, value, reference_time)
        value = self._value_tables[how.table].lookup(value)
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
