"""Tokens and feature strings, shared by training (host) and inference (device).

The models are linear over binary string features, so this module *is* the model's input
definition: the host trains on exactly the strings the device computes per utterance, and the
FeatureConfig that produced them is stored in the model file.

The work is split by what each language does well. Python tokenizes and normalizes (Unicode
case folding, NFKC, digit classes and shapes: one set of "forms" per word). The C core
(csrc/features.c) composes the feature keys from the forms: the host asks it for the keys as
strings to train on (utterance_features, token_features), the device has it hash and score them
in the same call (pocketnlu.nlu), so no per-feature Python work happens on the device and the
two sides cannot disagree on a key. For text of ASCII and Latin-1 letters (``c_tokenizes``) the
device also tokenizes and normalizes in C (csrc/tokenize.c, the same rules as below restricted to
those characters, proven equal to this module by tests/test_ascii_fast_path.py); this module
remains the definition and the path for other text.

Tokenization (``tokenize``):
  * Text is split at Unicode whitespace into chunks. A chunk's interior is never split, so words
    with internal punctuation stay whole: "don't", "what's", "o'hare", "r&b", "top-20",
    "13:22:09", "3/26/2023", "72°f". Apostrophes inside words are kept because SNIPS and ATIS
    tokenize contractions that way and a contraction is a good feature by itself.
  * Punctuation that never belongs to a word is split off a chunk's edges, a run of one character
    per token: opening brackets and quotes (and "¿") at the start; closing brackets and quotes and
    , ; ! ? at the end; a final run of periods unless it is the single period of an abbreviation
    ("st.", "p.m.", "j."). So "Set the temp to 72°F, please!" gives
    set | the | temp | to | 72°F | , | please | !
  * Kept at the edges on purpose, because the datasets keep them there: ":" ("star trek:"),
    "-", "'" and "’" ("workin’", "'80s"), "¡" ("¡fiesta"), "…".
  * Over SNIPS and ATIS (tokens joined by single spaces) this reproduces the dataset tokens except
    for the three SNIPS utterances that keep double quotes on words ('"jethro"', '“chirping”',
    '12"'), where the quotes come out as tokens of their own.

Normalization (``normalize``, applied to every word before it becomes a feature):
  * Unicode NFKC, then case folding, then NFKC again (so "ﬁ" -> "fi", "Ⅻ" -> "xii",
    "…" -> "...", "Straße" -> "strasse"); curly apostrophes become "'" and dashes become "-",
    so "I’m" and "i'm" share features. ASCII text takes a fast path (lower() only).
  * Case is not a feature: the training corpora and speech recognizers produce lowercase text.
  * Digits: a word with a digit keeps its own feature ("w=72") and also gets a digit-class
    feature with every digit mapped to 0 ("d=00", "d=00:00", "d=0/00/0000"), which generalizes
    over numbers, times and dates never seen in training.

Bounds: ``prepare`` cuts the text to MAX_TEXT_CHARS characters and MAX_TOKENS tokens and says
whether it did, so the work and memory per utterance are bounded on the device.

Empty input gives no tokens and no features (``utterance_features`` returns []): a classifier
then scores only its bias, and callers treat an empty utterance as out of scope.
"""
from __future__ import annotations

import re
import unicodedata
from array import array
from dataclasses import asdict, dataclass, fields
from functools import lru_cache
from itertools import accumulate
from typing import List, NamedTuple, Optional, Sequence, Tuple

from ._binding import check, ffi, lib
from .errors import InputError

# Version of the feature definitions below; stored with every FeatureConfig so a model built by a
# newer extractor is rejected instead of silently scoring different strings.
#   1: tokens; word n-grams and prefixes, digit classes, char n-grams; CRF window, bigrams,
#      affixes, shape.
#   2: CRF utterance words (utterance_context) and optional intent (slot_intent).
FEATURES_VERSION = 2
# Fields added by each version, with the value that makes the older extractor's features.
_ADDED_FIELDS = {2: {"utterance_context": 0, "slot_intent": False}}

MAX_TEXT_CHARS = 4096
MAX_TOKENS = 128

BOS = "<s>"
EOS = "</s>"

_CHUNK = re.compile(r"\S+")
_OPENING = frozenset("\"“„«‹([{¿")
_CLOSING = frozenset("\"”»›)]},;!?")
# Single-period abbreviations common in commands (street and place names, titles); any stem that
# contains a period ("p.m", "u.s") or is a single letter (an initial) also keeps its period.
_ABBREVIATIONS = frozenset(
    ["st", "mt", "ft", "dr", "mr", "mrs", "ms", "jr", "sr", "vs", "etc", "ave", "blvd", "rd"]
)
_EDGE_PUNCTUATION = _CLOSING | {"."}
_FOLD = str.maketrans(
    {"’": "'", "‘": "'", "ʼ": "'", "′": "'", "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-", "−": "-"}
)
_ASCII_DIGITS_TO_ZERO = str.maketrans("123456789", "000000000")
# What csrc/tokenize.c takes: ASCII and the Latin-1 letters U+00C0..U+00FF but the signs x and /
# (U+00D7, U+00F7), whose NFKC and case folding is one mapping each. The rest of Latin-1 (no-break
# space, guillemets, superscripts, fractions, ordinal indicators, micro sign: NFKC changes them or
# the tokenizer splits them off) takes the Python path.
_C_TOKENIZED = re.compile("[\x00-\x7f\xc0-\xd6\xd8-\xf6\xf8-\xff]*")


class Token(NamedTuple):
    """A token and its place in the original text: text[start:end] == token.text.
    (A named tuple: cheap to create, and tokenizing runs once per utterance on the device.)"""

    text: str
    start: int
    end: int


def _split_chunk(text: str, start: int, end: int, out: List[Token]) -> None:
    """Append the tokens of the whitespace-free chunk text[start:end] to out."""
    while start < end and text[start] in _OPENING:
        run_end = start + 1
        while run_end < end and text[run_end] == text[start]:
            run_end += 1
        out.append(Token(text[start:run_end], start, run_end))
        start = run_end
    trailing: List[Token] = []
    while end > start:
        char = text[end - 1]
        run_start = end - 1
        while run_start > start and text[run_start - 1] == char:
            run_start -= 1
        if char == "." and end - run_start == 1 and _is_abbreviation(text[start:run_start]):
            break
        if char != "." and char not in _CLOSING:
            break
        trailing.append(Token(text[run_start:end], run_start, end))
        end = run_start
    if end > start:
        out.append(Token(text[start:end], start, end))
    out.extend(reversed(trailing))


def _is_abbreviation(stem: str) -> bool:
    return "." in stem or (len(stem) == 1 and stem.isalpha()) or stem.lower() in _ABBREVIATIONS


def _tokenize(text: str, max_chars: int, max_tokens: int) -> Tuple[List[Token], bool]:
    tokens: List[Token] = []
    limit = min(len(text), max_chars)
    for match in _CHUNK.finditer(text, 0, limit):
        start, end = match.span()
        if end == limit < len(text) and not text[limit].isspace():
            return tokens, True  # the character limit cut this word: drop it rather than guess
        if text[start] in _OPENING or text[end - 1] in _EDGE_PUNCTUATION:
            _split_chunk(text, start, end, tokens)
        else:  # the usual chunk: one plain word
            tokens.append(Token(match.group(), start, end))
        if len(tokens) >= max_tokens:
            cut = len(tokens) > max_tokens or _CHUNK.search(text, end) is not None
            return tokens[:max_tokens], cut
    return tokens, _CHUNK.search(text, limit) is not None


def tokenize(text: str) -> List[Token]:
    """All tokens of text, with character offsets into it (no length bounds; see prepare)."""
    return _tokenize(text, len(text), len(text) + 1)[0]


def prepare(text: str) -> Tuple[List[Token], bool]:
    """Tokens of at most the first MAX_TEXT_CHARS characters, at most MAX_TOKENS of them, and
    whether anything was cut. A word cut by the character limit is dropped whole."""
    return _tokenize(text, MAX_TEXT_CHARS, MAX_TOKENS)


def c_tokenizes(text: str) -> bool:
    """Whether the C core tokenizes and normalizes this text itself (given as Latin-1 bytes)."""
    return text.isascii() or _C_TOKENIZED.fullmatch(text) is not None


def normalize(word: str) -> str:
    """The form of a word that features use: NFKC + case folding, one apostrophe, one dash."""
    if word.isascii():
        return word.lower()
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", word).casefold())
    return folded.translate(_FOLD)


def digit_class(word: str) -> Optional[str]:
    """The word with every digit replaced by 0, or None if it has no digit."""
    if word.isascii():
        mapped = word.translate(_ASCII_DIGITS_TO_ZERO)
        return mapped if mapped != word or "0" in word else None
    if not any(char.isdigit() for char in word):
        return None
    return "".join("0" if char.isdigit() else char for char in word)


def word_shape(word: str) -> str:
    """Letters -> x, digits -> d, anything else kept; runs collapsed: "top-20" -> "x-d"."""
    if word.isalpha():
        return "x"
    if word.isdigit():
        return "d"
    shape = []
    previous = ""
    for char in word:
        kind = "x" if char.isalpha() else "d" if char.isdigit() else char
        if kind != previous:
            shape.append(kind)
            previous = kind
    return "".join(shape)


@dataclass(frozen=True)
class FeatureConfig:
    """What the feature extractor emits; stored as JSON in the model file."""

    # Utterance (classifier) features.
    word_ngrams: Tuple[int, ...] = (1, 2)  # orders of word n-grams, BOS/EOS-padded for order >= 2
    word_prefixes: Tuple[int, ...] = (4, 5)  # word prefixes as crude stems ("showtimes" ~ "showings")
    char_ngrams: Optional[Tuple[int, int]] = None  # (min, max) within "<word>", None for off
    # Token (CRF) features.
    window: int = 2  # neighbour words at offsets -window..+window
    bigram_window: int = 1  # word bigrams lying within -bigram_window..+bigram_window
    prefix_lengths: Tuple[int, ...] = (2, 3)
    suffix_lengths: Tuple[int, ...] = (2, 3)
    # Every token also gets the utterance's first N distinct words, position-free ("u=playlist"):
    # slot types depend on words anywhere in the utterance ("arriving", "return", "playlist").
    # N bounds the work per token; 0 turns it off.
    utterance_context: int = 16
    # Every token also gets "i=<intent>" (the classifier's intent on the device; the labelled or a
    # cross-validated intent in training), so slot types can depend on the intent. Callers of
    # token_features must then pass intent=.
    slot_intent: bool = False
    # Both: digit-class features ("d=00") for words with digits.
    digit_classes: bool = True

    def __post_init__(self) -> None:
        if not self.word_ngrams or any(n < 1 for n in self.word_ngrams):
            raise ValueError(f"word_ngrams must be orders >= 1, got {self.word_ngrams!r}")
        if self.char_ngrams is not None:
            low, high = self.char_ngrams
            if not 1 <= low <= high:
                raise ValueError(f"char_ngrams must be (min, max) with 1 <= min <= max, got {self.char_ngrams!r}")
        if self.window < 0 or self.bigram_window < 0 or self.utterance_context < 0:
            raise ValueError("window, bigram_window and utterance_context must be >= 0")
        if any(n < 1 for n in self.word_prefixes + self.prefix_lengths + self.suffix_lengths):
            raise ValueError("prefix and suffix lengths must be >= 1")
        # The C composer's limits (pnlu.h).
        orders, ngram, affix = lib.PNLU_MAX_FEATURE_ORDERS, lib.PNLU_MAX_NGRAM_ORDER, lib.PNLU_MAX_AFFIX
        window, context = lib.PNLU_MAX_WINDOW, lib.PNLU_MAX_TOKENS
        lists = (self.word_ngrams, self.word_prefixes, self.prefix_lengths, self.suffix_lengths)
        if any(len(values) > orders for values in lists):
            raise ValueError(f"at most {orders} n-gram orders, prefix or suffix lengths")
        if max(self.word_ngrams) > ngram or max((*self.char_ngrams,) if self.char_ngrams else (0,)) > affix:
            raise ValueError(f"word n-grams are at most {ngram} words, char n-grams at most {affix} characters")
        if any(n > affix for n in self.word_prefixes + self.prefix_lengths + self.suffix_lengths):
            raise ValueError(f"prefix and suffix lengths are at most {affix}")
        if self.window > window or self.bigram_window > window or self.utterance_context > context:
            raise ValueError(f"window and bigram_window are at most {window}, utterance_context at most {context}")

    def to_dict(self) -> dict:
        """JSON-ready dict (tuples as lists), tagged with FEATURES_VERSION."""
        data = {key: list(value) if isinstance(value, tuple) else value for key, value in asdict(self).items()}
        data["version"] = FEATURES_VERSION
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "FeatureConfig":
        """Inverse of to_dict. A config of an older version gets its fields added since with
        the values that reproduce its features; newer versions, unknown or missing keys are
        rejected (the features would drift from the model's)."""
        data = dict(data)
        version = data.pop("version", None)
        if not isinstance(version, int) or not 1 <= version <= FEATURES_VERSION:
            raise ValueError(f"feature config version {version!r} is not supported (this extractor reads 1 to {FEATURES_VERSION})")
        for later in range(version + 1, FEATURES_VERSION + 1):
            for key, value in _ADDED_FIELDS[later].items():
                data.setdefault(key, value)
        known = {field.name for field in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown feature config keys: {', '.join(unknown)}")
        missing = sorted(known - set(data))
        if missing:
            raise ValueError(f"feature config lacks keys: {', '.join(missing)}")
        return cls(**{key: tuple(value) if isinstance(value, list) else value for key, value in data.items()})


def word_forms(tokens: List[Token], config: FeatureConfig) -> List[str]:
    """Three strings per token for the feature composer: normalized word, digit class ("" when
    it has no digit or digit classes are off) and shape."""
    forms: List[str] = []
    digit_classes = config.digit_classes
    for token in tokens:
        text = token.text
        if text.isascii() and text.isalpha():  # the usual word: inline fast path
            forms += (text.lower(), "", "x")
            continue
        word = normalize(text)
        digits = digit_class(word) if digit_classes else None
        forms += (word, digits or "", word_shape(word))
    return forms


def encode_keys(keys) -> Tuple[bytes, array]:
    """Strings (or bytes) -> (one UTF-8 buffer, uint32 offsets with len(keys) + 1 entries)."""
    try:
        joined = "".join(keys)
    except TypeError:  # some keys are bytes
        joined = None
    if joined is not None and joined.isascii():  # the usual case: one encode, lengths from str
        return joined.encode("ascii"), array("I", accumulate(map(len, keys), initial=0))
    encoded = [k.encode("utf-8", "surrogatepass") if isinstance(k, str) else bytes(k) for k in keys]
    return b"".join(encoded), array("I", accumulate(map(len, encoded), initial=0))


def _decode(buffer: bytearray, offsets: array) -> List[str]:
    """The keys buffer[offsets[j]:offsets[j + 1]] as strings."""
    ends = offsets.tolist()
    data = bytes(buffer[:ends[-1]])
    if data.isascii():
        text = data.decode("ascii")
        return [text[start:end] for start, end in zip(ends, ends[1:])]
    return [data[start:end].decode("utf-8", "surrogatepass") for start, end in zip(ends, ends[1:])]


@lru_cache(maxsize=64)
def c_config(config: FeatureConfig):
    """The config as the C composer's pnlu_feature_config (shared, read-only)."""
    c = ffi.new("pnlu_feature_config *")
    for name in ("word_ngrams", "word_prefixes", "prefix_lengths", "suffix_lengths"):
        values = getattr(config, name)
        getattr(c, name)[0:len(values)] = list(values)
        setattr(c, "n_" + name, len(values))
    c.char_ngram_min, c.char_ngram_max = config.char_ngrams or (0, 0)
    c.window, c.bigram_window = config.window, config.bigram_window
    c.utterance_context = config.utterance_context
    c.slot_intent, c.digit_classes = int(config.slot_intent), int(config.digit_classes)
    return c


_GROWTH_STEPS = 24  # doublings of the key buffers before giving up (from 64 bytes per form byte)


class WordBatch:
    """The words of a batch of utterances, encoded once for the C composer: one buffer of
    forms (word_forms of every token) and the word range of each utterance."""

    __slots__ = ("config", "c_config", "forms", "form_offsets", "_offsets_pointer", "ranges")

    def __init__(self, token_lists: Sequence[List[Token]], config: FeatureConfig):
        forms: List[str] = []
        ranges = array("I")
        for tokens in token_lists:
            ranges.append(len(forms) // 3)
            forms += word_forms(tokens, config)
            ranges.append(len(forms) // 3)
        self.config = config
        self.c_config = c_config(config)
        self.forms, self.form_offsets = encode_keys(forms)
        self._offsets_pointer = ffi.from_buffer("uint32_t[]", self.form_offsets)
        self.ranges = ranges

    def __len__(self) -> int:
        return len(self.ranges) // 2

    def words(self, utterance: int) -> Tuple[int, int]:
        """(first, last) word of an utterance."""
        return self.ranges[2 * utterance], self.ranges[2 * utterance + 1]

    def c_words(self, first: int = 0, last: Optional[int] = None) -> tuple:
        """(forms, forms_len, form_offsets, n_words) arguments for words [first, last)."""
        if last is None:
            last = len(self.form_offsets) // 3
        return self.forms, len(self.forms), self._offsets_pointer + 3 * first, last - first

    def scratch(self, first: int = 0, last: Optional[int] = None, intent: bytes = b"", n_labels: int = 0):
        """Scratch memory for composing the features of words [first, last)."""
        size = lib.pnlu_feature_scratch_bytes(self.c_config, *self.c_words(first, last), len(intent), n_labels)
        if size == 0:
            raise InputError("the feature composer refused these words (a limit of the C core)")
        return bytearray(size)

    def utterance_features(self, utterance: int) -> List[str]:
        first, last = self.words(utterance)
        keys, offsets = self._collect(first, last, lambda *out: lib.pnlu_utterance_keys(
            self.c_config, *self.c_words(first, last), *out))
        return _decode(keys, offsets)

    def token_features(self, utterance: int, intent: Optional[str] = None) -> List[List[str]]:
        if self.config.slot_intent and intent is None:
            raise ValueError("this feature config conditions slot tags on the intent (slot_intent): pass intent=")
        first, last = self.words(utterance)
        encoded = intent.encode("utf-8", "surrogatepass") if intent is not None else b""
        tokens = array("I", bytes(4 * (last - first + 1)))
        keys, offsets = self._collect(first, last, lambda scratch, size, keys, keys_cap, offsets, offsets_cap, n_keys:
                                         lib.pnlu_token_keys(self.c_config, *self.c_words(first, last),
                                                             encoded if intent is not None else ffi.NULL, len(encoded),
                                                             scratch, size, keys, keys_cap, offsets, offsets_cap,
                                                             ffi.from_buffer("uint32_t[]", tokens), n_keys),
                                         intent=encoded)
        strings = _decode(keys, offsets)
        bounds = tokens.tolist()
        return [strings[start:end] for start, end in zip(bounds, bounds[1:])]

    def _collect(self, first: int, last: int, call, intent: bytes = b""):
        """Run a key-collecting C call with output buffers grown until they are big enough."""
        scratch = self.scratch(first, last, intent)
        key_bytes, key_count = 64 * (len(self.forms) + 64), 16 * (last - first + 4)
        for _ in range(_GROWTH_STEPS):
            keys = bytearray(key_bytes)
            offsets = array("I", bytes(4 * (key_count + 1)))
            n_keys = ffi.new("size_t *")
            status = call(ffi.from_buffer(scratch), len(scratch), ffi.from_buffer(keys), len(keys),
                          ffi.from_buffer("uint32_t[]", offsets), len(offsets), n_keys)
            if status != lib.PNLU_E_LIMIT:
                check(status, "feature composer")
                return keys, offsets[:n_keys[0] + 1]
            key_bytes, key_count = 2 * key_bytes, 2 * key_count
        raise InputError("feature keys outgrew every buffer (a limit of the C core)")



def utterance_features(tokens: List[Token], config: FeatureConfig) -> List[str]:
    """Binary features of a whole utterance, deduplicated, in first-occurrence order.

    "w=play" (unigram), "d=00" (digit class), "w2=<s>|play" / "w3=play|the|song" (n-grams over
    digit classes where a word has digits, padded with <s> and </s>), "p4=show" (prefixes of
    longer words), "c=<pl" (char n-grams).
    """
    return WordBatch([tokens], config).utterance_features(0)


def token_features(tokens: List[Token], config: FeatureConfig, intent: Optional[str] = None) -> List[List[str]]:
    """Features of each token for the slot CRF, one list per token.

    For token i: "b" (bias), "w=" word, "sh=" shape, "d=" digit class, "p2="/"s3=" prefixes and
    suffixes (only of words longer than the affix), "w-1="/"w+2=" neighbours (the first position
    past either end is <s> or </s>), "b-1=" / "b+0=" word bigrams starting at that offset; then
    the utterance context shared by all tokens: "u=" words and, with slot_intent, "i=" intent.
    """
    return WordBatch([tokens], config).token_features(0, intent)
