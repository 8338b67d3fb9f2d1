"""Float training: the intent classifier (scikit-learn) and the slot CRF (python-crfsuite),
with their reference scoring and decoding."""
import os
import random
import tempfile

import numpy as np
import pytest

pytest.importorskip("sklearn")
pycrfsuite = pytest.importorskip("pycrfsuite")

from pocketnlu.features import FeatureConfig, token_features, tokenize  # noqa: E402
from pocketnlu_tools.train.models import CRFModel, LinearModel, load_crfsuite, train_classifier, train_crf  # noqa: E402

INTENT_WORDS = {
    "play": ["play", "music", "song", "listen"],
    "stop": ["stop", "pause", "quiet", "silence"],
    "weather": ["weather", "rain", "forecast", "sunny"],
}


def intent_dataset(n_per_intent=30, seed=0):
    """Each utterance: two keywords of its intent, one shared word, and "please" everywhere."""
    rng = random.Random(seed)
    groups, labels = [], []
    for intent, words in INTENT_WORDS.items():
        for _ in range(n_per_intent):
            chosen = rng.sample(words, 2) + [rng.choice(["the", "now", "some"]), "please"]
            groups.append(["w=" + word for word in chosen])
            labels.append(intent)
    return groups, labels


def test_classifier_learns_a_separable_dataset():
    groups, labels = intent_dataset()
    model = train_classifier(groups, labels)
    assert model.labels == sorted(INTENT_WORDS)
    assert model.weights.shape == (len(model.features), len(model.labels))
    for intent, words in INTENT_WORDS.items():
        for word in words:
            assert model.labels[int(np.argmax(model.scores(["w=" + word])))] == intent


def test_classifier_keeps_only_features_with_a_nonzero_weight():
    groups, labels = intent_dataset()
    model = train_classifier(groups, labels)
    assert np.all(np.any(model.weights.toarray() != 0, axis=1))
    assert model.nonzero_weights == np.count_nonzero(model.weights.toarray())
    # "please" is in every utterance: the bias carries it, L1 zeroes it and its row is dropped.
    assert "w=please" not in model.features


def test_linear_model_scores_are_bias_plus_rows():
    model = LinearModel(labels=["a", "b"], features=["x", "y"], weights=np.array([[1.0, -1.0], [0.5, 2.0]]),
                        bias=np.array([0.25, 0.0]))
    np.testing.assert_allclose(model.scores([]), [0.25, 0.0])
    np.testing.assert_allclose(model.scores(["x", "unknown"]), [1.25, -1.0])
    np.testing.assert_allclose(model.scores(["y", "y"]), [1.25, 4.0])  # once per occurrence


def test_classifier_with_two_labels():
    groups = [["w=yes", "w=sure"], ["w=yes"], ["w=no", "w=never"], ["w=no"]] * 10
    labels = ["affirm", "affirm", "deny", "deny"] * 10
    model = train_classifier(groups, labels)
    assert model.labels == ["affirm", "deny"] and model.weights.shape[1] == 2 and model.bias.shape == (2,)
    assert model.labels[int(np.argmax(model.scores(["w=yes"])))] == "affirm"
    assert model.labels[int(np.argmax(model.scores(["w=no"])))] == "deny"
    assert not model.weights[:, 0].toarray().any()  # one binary model: the first label scores 0


def test_classifier_needs_two_labels():
    with pytest.raises(ValueError, match="two distinct labels"):
        train_classifier([["w=a"], ["w=b"]], ["only", "only"])


CITIES = ["boston", "denver", "new york", "san francisco", "salt lake city", "st. louis"]
DAYS = ["monday", "friday", "tomorrow"]


def slot_dataset(n, seed):
    """Flight requests tagged with from/to cities and a day, as (tokens, tags)."""
    rng = random.Random(seed)
    data = []
    for _ in range(n):
        parts = [(rng.choice(["show flights", "i want to fly", "fly"]), None), ("from", None),
                 (rng.choice(CITIES), "from_city"), ("to", None), (rng.choice(CITIES), "to_city")]
        if rng.random() < 0.5:
            parts += [("on", None), (rng.choice(DAYS), "day")]
        tokens, tags = [], []
        for text, slot in parts:
            words = text.split()
            tokens += words
            tags += ["O"] * len(words) if slot is None else [f"B-{slot}"] + [f"I-{slot}"] * (len(words) - 1)
        data.append((tokenize(" ".join(tokens)), tags))
    return data


def crf_features(data):
    return [token_features(tokens, FeatureConfig()) for tokens, _ in data]


def test_reference_viterbi_agrees_with_crfsuite(tmp_path):
    train = slot_dataset(150, seed=1)
    trainer = pycrfsuite.Trainer(algorithm="lbfgs", verbose=False)
    for features, (_, tags) in zip(crf_features(train), train):
        trainer.append(pycrfsuite.ItemSequence(features), tags)
    trainer.set_params({"c1": 0.05, "c2": 0.01, "max_iterations": 50})
    path = str(tmp_path / "flights.crfsuite")
    trainer.train(path)
    model = load_crfsuite(path)
    tagger = pycrfsuite.Tagger()
    tagger.open(path)
    # Held-out requests, and scrambled ones where transitions and unknown words decide more.
    rng = random.Random(2)
    sequences = crf_features(slot_dataset(100, seed=3))
    sequences += [rng.sample(features, len(features)) + [["w=unseen", "b"]] for features in sequences[:50]]
    for features in sequences:
        assert model.tag(features) == tagger.tag(pycrfsuite.ItemSequence(features))
    tagger.close()
    assert model.tag([]) == []


def test_train_crf_learns_slots_and_cleans_up(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    train = slot_dataset(150, seed=1)
    model = train_crf(crf_features(train), [tags for _, tags in train], max_iterations=50)
    assert os.listdir(tmp_path) == []
    assert isinstance(model, CRFModel)
    assert model.weights.shape == (len(model.features), len(model.labels))
    assert model.transitions.shape == (len(model.labels), len(model.labels))
    assert np.all(np.any(model.weights != 0, axis=1)) and model.features == sorted(model.features)
    test = slot_dataset(50, seed=4)
    assert [model.tag(features) for features in crf_features(test)] == [tags for _, tags in test]


def test_train_crf_rejects_misaligned_tags():
    with pytest.raises(ValueError, match="2 tokens but 1 tags"):
        train_crf([[["w=a"], ["w=b"]]], [["O"]])


def many_intents(n_intents, per_intent, seed=0):
    """Utterances of n_intents intents, each told apart by two words of its own."""
    rng = random.Random(seed)
    groups, labels = [], []
    for intent in range(n_intents):
        own = [f"w=topic{intent}a", f"w=topic{intent}b"]
        for _ in range(per_intent):
            groups.append(own + [rng.choice(["w=show", "w=open", "w=find"]), rng.choice(["w=the", "w=my", "w=now"])])
            labels.append(f"intent_{intent:04d}")
    return groups, labels


def test_many_labels_train_on_a_sample_with_sparse_weights_and_progress(monkeypatch):
    # Past FULL_PROBLEM_LIMIT each label's binary problem sees its positives and
    # NEGATIVE_SAMPLE negatives, not every utterance (10,000 intents took hours and 3 GB).
    from sklearn.linear_model import LogisticRegression

    import pocketnlu_tools.train.models as models

    groups, labels = many_intents(300, 2)
    monkeypatch.setattr(models, "FULL_PROBLEM_LIMIT", 10 * len(groups))
    monkeypatch.setattr(models, "NEGATIVE_SAMPLE", 40)
    monkeypatch.setattr(models, "PROGRESS_SECONDS", 0.0)
    sizes = []
    fit = LogisticRegression.fit
    monkeypatch.setattr(LogisticRegression, "fit", lambda self, X, y, *a, **k: (sizes.append(X.shape[0]), fit(self, X, y, *a, **k))[1])
    messages = []
    model = train_classifier(groups, labels, progress=messages.append)
    assert len(sizes) == 300 and max(sizes) == 2 + 40
    assert any("300 of 300 labels" in message for message in messages)
    assert model.nonzero_weights < 10 * 300  # a few weights per label, stored sparse
    right = sum(model.labels[int(np.argmax(model.scores(g)))] == y for g, y in zip(groups, labels))
    assert right >= 0.95 * len(groups)
    again = train_classifier(groups, labels)
    assert again.features == model.features and (again.weights != model.weights).nnz == 0


def test_below_the_limit_every_label_sees_every_utterance(monkeypatch):
    from sklearn.linear_model import LogisticRegression

    groups, labels = many_intents(30, 3)
    sizes = []
    fit = LogisticRegression.fit
    monkeypatch.setattr(LogisticRegression, "fit", lambda self, X, y, *a, **k: (sizes.append(X.shape[0]), fit(self, X, y, *a, **k))[1])
    train_classifier(groups, labels)
    assert sizes == [len(groups)] * 30
