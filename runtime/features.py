"""Tokens and feature strings, shared by training (host) and inference (device).

The models are linear over binary string features, so this module *is* the model's input
definition: the host trains on exactly the strings the device computes per utterance, and the
FeatureConfig that produced them is stored in the model file. Pure Python, no regex per character,
no numpy: it runs once per utterance on small ARM boards.

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
from dataclasses import asdict, dataclass, fields
from typing import List, Optional, Tuple

# Version of the feature definitions below; stored with every FeatureConfig so a model built by a
# newer extractor is rejected instead of silently scoring different strings.
FEATURES_VERSION = 1

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
_FOLD = str.maketrans(
    {"’": "'", "‘": "'", "ʼ": "'", "′": "'", "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-", "−": "-"}
)
_ASCII_DIGITS_TO_ZERO = str.maketrans("123456789", "000000000")


@dataclass(frozen=True)
class Token:
    """A token and its place in the original text: text[start:end] == token.text."""

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
        _split_chunk(text, start, end, tokens)
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
    # Both: digit-class features ("d=00") for words with digits.
    digit_classes: bool = True

    def __post_init__(self) -> None:
        if not self.word_ngrams or any(n < 1 for n in self.word_ngrams):
            raise ValueError(f"word_ngrams must be orders >= 1, got {self.word_ngrams!r}")
        if self.char_ngrams is not None:
            low, high = self.char_ngrams
            if not 1 <= low <= high:
                raise ValueError(f"char_ngrams must be (min, max) with 1 <= min <= max, got {self.char_ngrams!r}")
        if self.window < 0 or self.bigram_window < 0:
            raise ValueError("window and bigram_window must be >= 0")
        if any(n < 1 for n in self.word_prefixes + self.prefix_lengths + self.suffix_lengths):
            raise ValueError("prefix and suffix lengths must be >= 1")

    def to_dict(self) -> dict:
        """JSON-ready dict (tuples as lists), tagged with FEATURES_VERSION."""
        data = {key: list(value) if isinstance(value, tuple) else value for key, value in asdict(self).items()}
        data["version"] = FEATURES_VERSION
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "FeatureConfig":
        """Inverse of to_dict; rejects newer versions and unknown keys (features would drift)."""
        data = dict(data)
        version = data.pop("version", None)
        if version != FEATURES_VERSION:
            raise ValueError(f"feature config version {version!r} is not supported (this extractor is version {FEATURES_VERSION})")
        known = {field.name for field in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown feature config keys: {', '.join(unknown)}")
        return cls(**{key: tuple(value) if isinstance(value, list) else value for key, value in data.items()})


def utterance_features(tokens: List[Token], config: FeatureConfig) -> List[str]:
    """Binary features of a whole utterance, deduplicated, in first-occurrence order.

    "w=play" (unigram), "d=00" (digit class), "w2=<s>|play" / "w3=play|the|song" (n-grams over
    digit classes where a word has digits, padded with <s> and </s>), "p4=show" (prefixes of
    longer words), "c=<pl" (char n-grams).
    """
    words = [normalize(token.text) for token in tokens]
    if not words:
        return []
    # n-grams see a word's digit class instead of the word itself: "rating|of|0".
    digit_forms = [digit_class(word) if config.digit_classes else None for word in words]
    classes = [word if digits is None else digits for word, digits in zip(words, digit_forms)]
    features: List[str] = []
    for order in config.word_ngrams:
        if order == 1:
            for word, digits in zip(words, digit_forms):
                features.append("w=" + word)
                if digits is not None:
                    features.append("d=" + digits)
            continue
        padded = [BOS] + classes + [EOS]
        prefix = f"w{order}="
        for i in range(len(padded) - order + 1):
            features.append(prefix + "|".join(padded[i : i + order]))
    for n in config.word_prefixes:
        prefix = f"p{n}="
        for word in words:
            if len(word) > n:
                features.append(prefix + word[:n])
    if config.char_ngrams is not None:
        low, high = config.char_ngrams
        for word in words:
            marked = "<" + word + ">"
            for n in range(low, min(high, len(marked)) + 1):
                for i in range(len(marked) - n + 1):
                    features.append("c=" + marked[i : i + n])
    return list(dict.fromkeys(features))


def token_features(tokens: List[Token], config: FeatureConfig) -> List[List[str]]:
    """Features of each token for the slot CRF, one list per token.

    For token i: "b" (bias), "w=" word, "d=" digit class, "sh=" shape, "p2="/"s3=" prefixes and
    suffixes (only of words longer than the affix), "w-1="/"w+2=" neighbours (the first position
    past either end is <s> or </s>), "b-1=" / "b+0=" word bigrams starting at that offset.
    """
    words = [normalize(token.text) for token in tokens]
    count = len(words)
    padded = [BOS] + words + [EOS]  # padded[i + 1] is words[i]
    window = config.window
    bigram_window = config.bigram_window
    result: List[List[str]] = []
    for i, word in enumerate(words):
        features = ["b", "w=" + word, "sh=" + word_shape(word)]
        if config.digit_classes:
            digits = digit_class(word)
            if digits is not None:
                features.append("d=" + digits)
        length = len(word)
        for n in config.prefix_lengths:
            if length > n:
                features.append(f"p{n}={word[:n]}")
        for n in config.suffix_lengths:
            if length > n:
                features.append(f"s{n}={word[-n:]}")
        for offset in range(1, window + 1):
            if i - offset >= -1:
                features.append(f"w-{offset}={padded[i + 1 - offset]}")
            if i + offset <= count:
                features.append(f"w+{offset}={padded[i + 1 + offset]}")
        # Bigram (j, j + 1) for offsets j with both words inside the bigram window.
        for offset in range(-bigram_window, bigram_window):
            first = i + offset
            if -1 <= first and first + 1 <= count:
                features.append(f"b{offset:+d}={padded[first + 1]}|{padded[first + 2]}")
        result.append(features)
    return result
