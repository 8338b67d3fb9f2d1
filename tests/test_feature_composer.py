"""The C feature composer (csrc/features.c) against the plain-Python reference, and its scoring
calls against scoring the composed strings; plus its refusals of bad arguments."""
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import reference_features
from pocketnlu._binding import ffi, lib
from pocketnlu.models import DEFAULT_MODEL
from pocketnlu_tools.data.incar import DEV
from pocketnlu.features import FeatureConfig, WordBatch, prepare, token_features, utterance_features

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
INCAR = DEV  # real, varied in-car text

CONFIGS = [
    FeatureConfig(),
    FeatureConfig(utterance_context=0),
    FeatureConfig(word_ngrams=(1, 2, 3), char_ngrams=(1, 5), word_prefixes=(1, 3, 6), window=3, bigram_window=2,
                  prefix_lengths=(1, 2, 3, 4), suffix_lengths=(1, 4), utterance_context=3, slot_intent=True),
    FeatureConfig(word_ngrams=(2,), digit_classes=False, window=0, bigram_window=0, prefix_lengths=(),
                  suffix_lengths=(), word_prefixes=()),
]
TRICKY = ["", "   ", "Play the song Top-20 by Ａ Beyoncé at 5:30 p.m. please!", "ﬁ Ⅻ Straße 72°F", "a\udc80b c",
          "set it to ２５ degrees", "x" * 300, "play play play the the", "٣ ١٢ ثلاثة", "🎵 🎵🎵 e\u0301"]


def assert_same(text, config):
    tokens = prepare(text)[0]
    assert utterance_features(tokens, config) == reference_features.utterance_features(tokens, config), text
    intent = "AddToPlaylist"
    assert token_features(tokens, config, intent) == reference_features.token_features(tokens, config, intent), text


@pytest.mark.parametrize("config", CONFIGS, ids=range(len(CONFIGS)))
def test_composer_matches_the_reference_on_the_incar_data(config):
    texts = [json.loads(line)["utt"] for line in INCAR.read_text(encoding="utf-8").splitlines()]
    for text in texts + TRICKY:
        assert_same(text, config)


@pytest.mark.parametrize("name", ["jointbert_snips", "jointbert_atis"])
def test_composer_matches_the_reference_on_public_data(name):
    if not (SHARED_DATA / name).is_dir():
        pytest.skip(f"{SHARED_DATA / name} is not present (public data lives beside the repository)")
    from pocketnlu_tools.data.readers import load_dataset

    texts = [e.text for split in load_dataset(SHARED_DATA / name).splits.values() for e in split]
    for text in texts[::3]:
        assert_same(text, CONFIGS[2])


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60), st.sampled_from(CONFIGS))  # any text but lone surrogates
def test_composer_matches_the_reference_on_any_text(text, config):
    assert_same(text, config)


def test_fused_scoring_equals_scoring_the_composed_strings():
    import pocketnlu

    with pocketnlu.open(DEFAULT_MODEL) as model:
        texts = ["play some jazz", "", "what is the weather in paris tomorrow", "play play jazz jazz"]
        batch = WordBatch([prepare(text)[0] for text in texts], model.features)
        classifier = model.intents_stage.intent
        fused = classifier.integer_scores(batch)
        for u in range(len(texts)):
            expected, _ = classifier.table.score(batch.utterance_features(u))
            assert fused[u].tolist() == expected[0].tolist()
        subset = classifier.integer_scores(batch, [2, 0])
        assert subset.tolist() == [fused[2].tolist(), fused[0].tolist()]
        tagger = model.slot_tagger  # fused CRF tagging: Viterbi over the strings' state scores
        intent = model.intents[0] if model.features.slot_intent else None
        for u in range(len(texts)):
            per_token = batch.token_features(u, intent)
            if not per_token:
                assert tagger.tag(batch, u, intent) == []
                continue
            keys = [key for group in per_token for key in group]
            groups = np.cumsum([0] + [len(group) for group in per_token]).astype(np.uint32)
            state, _ = tagger.table.score(keys, groups, add_bias=False)
            path = np.empty(len(per_token), np.uint32)
            assert lib.pnlu_viterbi(ffi.from_buffer("int64_t[]", state), len(per_token),
                                    tagger.transitions.c_transitions, ffi.new("int64_t[]", 4 * state.shape[1]),
                                    ffi.new("uint16_t[]", state.size), ffi.from_buffer("uint32_t[]", path),
                                    ffi.NULL) == lib.PNLU_OK
            assert tagger.tag(batch, u, intent) == [tagger.labels[i] for i in path]


def batch_and_scratch(text="play the song", config=FeatureConfig()):
    batch = WordBatch([prepare(text)[0]], config)
    return batch, batch.scratch()


def test_keys_refuse_a_scratch_too_small_and_outputs_too_small():
    batch, scratch = batch_and_scratch()
    keys, offsets, n_keys = np.empty(4096, np.uint8), np.empty(256, np.uint32), ffi.new("size_t *")
    call = lambda scratch_len, keys_cap, offsets_cap: lib.pnlu_utterance_keys(
        batch.c_config, *batch.c_words(), ffi.from_buffer(scratch), scratch_len, ffi.from_buffer(keys), keys_cap,
        ffi.from_buffer("uint32_t[]", offsets), offsets_cap, n_keys)
    assert call(len(scratch), len(keys), len(offsets)) == lib.PNLU_OK and n_keys[0] > 3
    assert call(len(scratch) - 16, len(keys), len(offsets)) == lib.PNLU_E_LIMIT
    assert call(len(scratch), 10, len(offsets)) == lib.PNLU_E_LIMIT
    assert call(len(scratch), len(keys), 3) == lib.PNLU_E_LIMIT


def test_composer_refuses_bad_configs_and_offsets():
    batch, scratch = batch_and_scratch()
    forms, forms_len, offsets, n_words = batch.c_words()
    bad = ffi.new("pnlu_feature_config *", batch.c_config[0])
    bad.n_word_ngrams = 0
    assert lib.pnlu_feature_scratch_bytes(bad, forms, forms_len, offsets, n_words, 0, 0) == 0
    bad = ffi.new("pnlu_feature_config *", batch.c_config[0])
    bad.window = 1000
    assert lib.pnlu_feature_scratch_bytes(bad, forms, forms_len, offsets, n_words, 0, 0) == 0
    # offsets running past the forms, or backwards
    assert lib.pnlu_feature_scratch_bytes(batch.c_config, forms, forms_len - 1, offsets, n_words, 0, 0) == 0
    backwards = ffi.new("uint32_t[]", [0, 5, 3, 6])
    assert lib.pnlu_feature_scratch_bytes(batch.c_config, forms, forms_len, backwards, 1, 0, 0) == 0
    # slot_intent without an intent
    config = FeatureConfig(slot_intent=True)
    batch, scratch = batch_and_scratch(config=config)
    with pytest.raises(ValueError, match="pass intent="):
        batch.token_features(0)
    tokens = np.empty(4, np.uint32)
    status = lib.pnlu_token_keys(batch.c_config, *batch.c_words(), ffi.NULL, 0, ffi.from_buffer(scratch),
                                 len(scratch), ffi.NULL, 0, ffi.new("uint32_t[]", 8), 8,
                                 ffi.from_buffer("uint32_t[]", tokens), ffi.new("size_t *"))
    assert status == lib.PNLU_E_ARGUMENT


def test_config_limits_are_checked_in_python_too():
    for bad in [dict(word_ngrams=(9,)), dict(window=65), dict(prefix_lengths=tuple(range(1, 10))),
                dict(char_ngrams=(1, 65))]:
        with pytest.raises(ValueError):
            FeatureConfig(**bad)


def test_softmax_in_c_matches_the_hosts_decision():
    pytest.importorskip("sklearn")  # the host package's training side
    from pocketnlu_tools.train.pipeline import decide_intent

    rng = np.random.default_rng(0)
    labels = [f"l{i}" for i in range(7)]
    scores = rng.integers(-300, 300, size=(200, len(labels))).astype(np.int64)
    scores[0] = 5  # a full tie: the lowest label wins on both sides
    best = np.empty(len(scores), np.uint32)
    probability = np.empty(len(scores))
    assert lib.pnlu_softmax_best(ffi.from_buffer("int64_t[]", scores), len(scores), len(labels), 0.02,
                                 ffi.from_buffer("uint32_t[]", best), ffi.from_buffer("double[]", probability)) == 0
    for row, b, p in zip(scores, best.tolist(), probability.tolist()):
        label, confidence = decide_intent(0.02 * row, labels)
        assert labels[b] == label and p == pytest.approx(confidence, rel=1e-12)
    assert lib.pnlu_softmax_best(ffi.from_buffer("int64_t[]", scores), 1, len(labels), 0.0,
                                 ffi.from_buffer("uint32_t[]", best),
                                 ffi.from_buffer("double[]", probability)) == lib.PNLU_E_ARGUMENT


def test_a_classifier_of_thousands_of_labels_scores_a_large_batch_in_bounded_chunks(tmp_path, monkeypatch):
    """Scores and decisions come from calls of at most MAX_SCORES_PER_CALL scores, and equal one
    call over the whole batch."""
    import random

    from pocketnlu import nlu
    from pocketnlu.metadata import read_models
    from pocketnlu.modelfile import ModelFile
    from pocketnlu_tools.pack.tables import build_table
    from pocketnlu_tools.pack.writer import pack_file, write_atomically

    from conftest import random_rows

    n_labels, vocabulary = 3000, [f"word{i}" for i in range(400)]
    keys = [f"w={word}" for word in vocabulary]
    values = random_rows(len(keys), n_labels, density=0.02, seed=5)
    section, _ = build_table(keys, values, np.arange(n_labels) % 7 - 3, 8, 8)
    labels = [f"intent{j}" for j in range(n_labels)]
    meta = {"models": {"intent": {"type": "classifier", "table": "t", "labels": labels, "scale": 0.05}}}
    write_atomically(tmp_path / "wide.pnlu", pack_file(meta, {"t": section}))
    rng = random.Random(3)
    texts = [" ".join(rng.choice(vocabulary) for _ in range(rng.randint(0, 12))) for _ in range(500)]
    calls = []

    class Spy:
        def __getattr__(self, name):
            return getattr(lib, name)

        def pnlu_score_utterances(self, table, config, forms, forms_len, offsets, n_words, ranges, count, *rest):
            calls.append(count)
            return lib.pnlu_score_utterances(table, config, forms, forms_len, offsets, n_words, ranges, count, *rest)

    with ModelFile(tmp_path / "wide.pnlu") as model_file:
        classifier = nlu.Classifier(model_file, read_models(model_file.meta, model_file.sections)["intent"])
        batch = WordBatch([prepare(text)[0] for text in texts], FeatureConfig())
        whole = np.empty((len(texts), n_labels), dtype=np.int64)  # one call, unchunked
        scratch = batch.scratch()
        assert lib.pnlu_score_utterances(classifier.table.c_table, batch.c_config, *batch.c_words(),
                                         ffi.from_buffer("uint32_t[]", batch.ranges), len(texts), 1,
                                         ffi.from_buffer(scratch), len(scratch), ffi.from_buffer("int64_t[]", whole),
                                         ffi.NULL) == lib.PNLU_OK
        best, probability = np.empty(len(texts), np.uint32), np.empty(len(texts))
        assert lib.pnlu_softmax_best(ffi.from_buffer("int64_t[]", whole), len(texts), n_labels,
                                     classifier.softmax_scale, ffi.from_buffer("uint32_t[]", best),
                                     ffi.from_buffer("double[]", probability)) == lib.PNLU_OK

        monkeypatch.setattr(nlu, "lib", Spy())
        assert np.array_equal(classifier.integer_scores(batch), whole)
        assert classifier.decide(batch) == [(labels[b], p) for b, p in zip(best.tolist(), probability.tolist())]
        subset = list(range(len(texts) - 1, -1, -3))
        assert np.array_equal(classifier.integer_scores(batch, subset), whole[subset])
    assert len(calls) > 2 * len(texts) * n_labels // nlu.MAX_SCORES_PER_CALL  # the whole batch twice, chunked
    assert max(calls) * n_labels <= nlu.MAX_SCORES_PER_CALL
    assert len(set(map(tuple, whole.tolist()))) > 400  # the utterances score differently
