"""Hostile utterances through the public API and the command line, with the shipped model.

Every input gives a clear InputError (exit status 2 with one line on the command line) or a valid
result: offsets inside the text, slot values equal to text[start:end], a known intent, a
probability. Work is bounded structurally, not by timing: the tokenizer hands at most
MAX_TOKENS tokens from the first MAX_TEXT_CHARS characters to the models, and the C core is asked
to score a number of features bounded by the token limit, whatever the input's length (counted
by asking the C composer for the keys of each batch the model built).
The matrix (tools/pocketnlu_tools/bench/reliability.py) also times each case for BENCHMARKS.md.
"""
import json
import math
import time

import pytest

import pocketnlu
from pocketnlu import features, nlu
from pocketnlu._binding import lib as core_lib
from pocketnlu.errors import InputError
from pocketnlu_tools.bench.reliability import CLI_CASES, HOSTILE_CASES, cli_command

from pocketnlu.models import DEFAULT_MODEL as MODEL
# Features per token: CRF "b", w, sh, d, 2 prefixes, 2 suffixes, 4 neighbours, 2 bigrams = 14, plus
# the utterance context words and the intent, shared by all tokens; the classifier's w, d and one
# bigram per token are fewer. 16 leaves room without growing with input.
MAX_FEATURES_PER_TOKEN = 16


@pytest.fixture(scope="module")
def model():
    with pocketnlu.open(MODEL) as opened:
        yield opened


class SpyLib:
    """The C core as nlu sees it, recording the tokens of every pnlu_parse_latin1 call (the fast
    path tokenizes ASCII and Latin-1 text in C) and a WordBatch of them, as the Python path's spies do."""

    def __init__(self, seen, config, word_batch):
        self._seen, self._config, self._word_batch = seen, config, word_batch

    def __getattr__(self, name):
        return getattr(core_lib, name)

    def pnlu_parse_latin1(self, *args):
        status = core_lib.pnlu_parse_latin1(*args)
        text, text_offsets, n_texts, token_spans, utterance_words = args[1], args[3], args[4], args[10], args[12]
        for u in range(n_texts):
            base = text_offsets[u]
            tokens = [features.Token(bytes(text[base + token_spans[2 * w]:base + token_spans[2 * w + 1]]).decode("latin-1"),
                                     token_spans[2 * w], token_spans[2 * w + 1])
                      for w in range(utterance_words[2 * u], utterance_words[2 * u + 1])]
            self._seen["tokens"].append(tokens)
            self._seen["batches"].append(self._word_batch([tokens], self._config))
        return status



@pytest.fixture
def work(monkeypatch, model):
    """Records what each parse hands from the tokenizer to the C core: tokens, and the word
    batches whose feature keys the core composes and scores (for ASCII and Latin-1 text, the tokens the C
    tokenizer found, and their batches as the Python path would build them)."""
    seen = {"tokens": [], "batches": []}
    prepare, word_batch = nlu.prepare, nlu.WordBatch
    monkeypatch.setattr(nlu, "lib", SpyLib(seen, model.features, word_batch))

    def spy_prepare(text):
        tokens, truncated = prepare(text)
        seen["tokens"].append(tokens)
        return tokens, truncated

    def spy_word_batch(token_lists, config):
        batch = word_batch(token_lists, config)
        seen["batches"].append(batch)
        return batch

    monkeypatch.setattr(nlu, "prepare", spy_prepare)
    monkeypatch.setattr(nlu, "WordBatch", spy_word_batch)
    return seen


def check_parse(parse, text, model):
    """A result that a caller can trust, whatever the input was."""
    assert isinstance(parse, pocketnlu.Parse)
    assert parse.text == text
    assert parse.intent in model.intents or parse.intent == nlu.OUT_OF_SCOPE
    if parse.intent == nlu.OUT_OF_SCOPE:
        assert parse.domain is None
    else:
        assert parse.domain is None or isinstance(parse.domain, str)
    assert math.isfinite(parse.confidence) and 0.0 <= parse.confidence <= 1.0
    slot_names = {label.partition("-")[2] for label in model.slot_tagger.labels} - {""}
    previous_end = 0
    for slot in parse.slots:
        assert slot.slot in slot_names
        assert previous_end <= slot.start < slot.end <= min(len(text), features.MAX_TEXT_CHARS)
        assert slot.value == text[slot.start:slot.end]
        assert slot.value.strip() == slot.value and slot.value  # spans are made of tokens
        previous_end = slot.end
    json.dumps(parse.to_dict())  # serializable (lone surrogates come out as \\u escapes)


def check_bounded(work):
    for tokens in work["tokens"]:
        assert len(tokens) <= features.MAX_TOKENS
        assert all(0 <= t.start < t.end <= features.MAX_TEXT_CHARS for t in tokens)
    for batch in work["batches"]:
        per_token_limit = MAX_FEATURES_PER_TOKEN + batch.config.utterance_context + 1
        for u in range(len(batch)):  # the classifier's keys, then the CRF's keys of each token
            assert len(batch.utterance_features(u)) <= MAX_FEATURES_PER_TOKEN * features.MAX_TOKENS + 2
            per_token = batch.token_features(u, "intent")
            assert len(per_token) <= features.MAX_TOKENS
            assert all(len(group) <= per_token_limit for group in per_token)


@pytest.mark.parametrize("case", HOSTILE_CASES, ids=[case.name for case in HOSTILE_CASES])
def test_hostile_utterance_through_the_api(model, work, case):
    text = case.make()
    start = time.perf_counter()
    if case.error:
        with pytest.raises(InputError, match="UTF-8|must be str"):
            model.parse(text)
        return
    parse = model.parse(text)
    print(f"{case.name}: {1000 * (time.perf_counter() - start):.1f} ms")
    check_parse(parse, text, model)
    check_bounded(work)
    assert work["tokens"], "the tokenizer was not used"
    if case.truncated is not None:
        assert parse.truncated == case.truncated
    if not text.strip():
        assert (parse.intent, parse.confidence, parse.slots, parse.domain) == (nlu.OUT_OF_SCOPE, 1.0, [], None)


def test_huge_inputs_are_read_no_further_than_the_limits(model, work):
    # The same first MAX_TEXT_CHARS characters give the same tokens and scores, whatever follows.
    head = "set the temperature to 72 degrees " * 200
    short, long = model.parse_batch([head[:features.MAX_TEXT_CHARS + 1], head * 500])
    assert work["tokens"][0] == work["tokens"][1]
    assert (short.intent, short.confidence, short.slots) == (long.intent, long.confidence, long.slots)


def test_a_batch_of_every_hostile_input_matches_one_by_one(model):
    texts = [case.make() for case in HOSTILE_CASES if not case.error]
    batch = model.parse_batch(texts)
    assert batch == [model.parse(text) for text in texts]


def test_one_bad_utterance_fails_the_whole_batch_with_input_error(model):
    with pytest.raises(InputError, match=r"not valid UTF-8 \(byte 3\)"):
        model.parse_batch(["play music", b"abc\xff"])


@pytest.mark.parametrize("name,description,make,expected", CLI_CASES, ids=[case[0] for case in CLI_CASES])
def test_hostile_utterance_through_the_cli(name, description, make, expected):
    import subprocess

    argument = make()
    result = subprocess.run(cli_command(MODEL, argument), capture_output=True, timeout=120)
    assert result.returncode == expected, result.stderr
    if expected == 2:
        assert result.stdout == b""
        lines = result.stderr.decode("utf-8").splitlines()
        assert len(lines) == 1 and lines[0].startswith("pocketnlu parse: error: ") and "UTF-8" in lines[0]
        return
    assert result.stderr == b""
    lines = result.stdout.decode("utf-8").splitlines()  # valid UTF-8, one JSON object per line
    assert len(lines) == 1
    data = json.loads(lines[0])
    text = argument.decode("utf-8")
    assert data["text"] == text
    assert set(data) == {"text", "domain", "intent", "confidence", "slots", "truncated"}
    assert 0.0 <= data["confidence"] <= 1.0
    assert data["truncated"] == (len(text) > features.MAX_TEXT_CHARS)
    for slot in data["slots"]:
        assert 0 <= slot["start"] < slot["end"] <= features.MAX_TEXT_CHARS
        assert slot["value"] == text[slot["start"]:slot["end"]]
