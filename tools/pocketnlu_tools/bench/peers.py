"""The peers the benchmarks train beside pocketnlu on the same examples, in the same run:
scikit-learn tf-idf pipelines (LogisticRegression, LinearSVC), fastText full and quantized, and
python-crfsuite for slots (the `bench` extra).

Each returns {peer name: result}. Every result has `bytes` (its model file, or the pickled
pipeline) and `train_seconds`; intent peers add `intent_accuracy` on the examples given as test,
`predicted` (the label for each of them, in order), `confidence` (the score of that label) and
`probabilities` (whether `confidence` is a probability); the slot peer adds `slot_f1`.
"""
import os
import pickle
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from pocketnlu.features import prepare, token_features

from pocketnlu_tools.train.pipeline import bio_tags

WORD_NGRAMS = (1, 2)


def _accuracy(predicted, examples) -> float:
    return float(np.mean([p == e.intent for p, e in zip(predicted, examples)])) if examples else 0.0


def tfidf(char_ngrams=None):
    """tf-idf of word 1-2 grams (sublinear tf); with char_ngrams=(low, high), also of char_wb
    n-grams of those lengths, the two concatenated."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    words = TfidfVectorizer(ngram_range=WORD_NGRAMS, sublinear_tf=True)
    if char_ngrams is None:
        return words
    return FeatureUnion([("words", words),
                         ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=tuple(char_ngrams), sublinear_tf=True))])


def choose_c(make_classifier, char_ngrams, texts, labels, grid, folds=5, seed=0) -> float:
    """C by stratified `folds`-fold cross-validation on (texts, labels): in each fold the tf-idf
    is fit on the fold's training part, then the classifier for every C of the grid in increasing
    order, warm-started from the previous C where it supports warm_start (the same convex
    optimum, in fewer iterations); the C with the best mean accuracy, ties to the smaller."""
    from sklearn.model_selection import StratifiedKFold

    grid, labels = sorted(grid), np.asarray(labels)
    accuracy = np.zeros(len(grid))
    for fit_part, held in StratifiedKFold(folds, shuffle=True, random_state=seed).split(texts, labels):
        vectorizer = tfidf(char_ngrams)
        fit_x = vectorizer.fit_transform([texts[i] for i in fit_part])
        held_x = vectorizer.transform([texts[i] for i in held])
        classifier = make_classifier()
        if "warm_start" in classifier.get_params():
            classifier.set_params(warm_start=True)
        for j, c in enumerate(grid):
            classifier.set_params(C=c).fit(fit_x, labels[fit_part])
            accuracy[j] += np.mean(classifier.predict(held_x) == labels[held])
    return grid[int(np.argmax(accuracy))]


def sklearn_peers(train, test, char_ngrams=None, c_grid=None, folds=5, lr_solver="lbfgs", seed=None):
    """The pipelines people write first: tf-idf (word 1-2 grams, plus char_wb n-grams with
    `char_ngrams`) with LogisticRegression and with LinearSVC. Without `c_grid`, LR has C=10 and
    LinearSVC its default; with it, each takes the C `choose_c` picks from the grid by `folds`-fold
    cross-validation on train, then fits on all of train (`train_seconds` includes the search;
    result key `C`). `lr_solver`: LogisticRegression's solver; `seed`: both classifiers'
    random_state (LinearSVC's coordinate descent shuffles). Confidence: LR's largest
    predict_proba, LinearSVC's largest decision_function score (not a probability); `scores`:
    decision_function on the test examples (n x labels, 1-D with two labels)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    texts, labels = [e.text for e in train], [e.intent for e in train]
    features = "tf-idf" if char_ngrams is None else \
        f"tf-idf word {WORD_NGRAMS[0]}-{WORD_NGRAMS[1]} + char_wb {char_ngrams[0]}-{char_ngrams[1]}"
    classifiers = ((f"scikit-learn {features} + LogisticRegression",
                    lambda: LogisticRegression(max_iter=2000, C=10, solver=lr_solver, random_state=seed)),
                   (f"scikit-learn {features} + LinearSVC", lambda: LinearSVC(random_state=seed)))
    results = {}
    for name, make_classifier in classifiers:
        started = time.perf_counter()
        classifier = make_classifier()
        if c_grid is not None:
            classifier.set_params(C=choose_c(make_classifier, char_ngrams, texts, labels, c_grid, folds))
        pipeline = make_pipeline(tfidf(char_ngrams), classifier)
        pipeline.fit(texts, labels)
        seconds = time.perf_counter() - started
        test_texts = [e.text for e in test]
        predicted = [str(label) for label in pipeline.predict(test_texts)] if test else []
        scores = pipeline.decision_function(test_texts) if test else np.empty((0, len(pipeline.classes_)))
        if not test:
            confidence = []
        elif hasattr(pipeline, "predict_proba"):
            confidence = pipeline.predict_proba(test_texts).max(axis=1).tolist()
        else:
            confidence = (np.abs(scores) if scores.ndim == 1 else scores.max(axis=1)).tolist()  # two classes: 1-D
        results[name] = {"intent_accuracy": _accuracy(predicted, test), "bytes": len(pickle.dumps(pipeline)),
                         "train_seconds": seconds, "predicted": predicted, "confidence": confidence,
                         "scores": scores, "probabilities": hasattr(pipeline, "predict_proba"), "C": classifier.C}
    return results


def fasttext_peers(train, test, workdir):
    """fastText supervised (word bigrams) and its quantized .ftz, as its docs recommend.
    Confidence: the probability of the top label. {} without the fasttext module."""
    try:
        import fasttext
    except ImportError:
        return {}
    path = Path(workdir) / "train.txt"
    path.write_text("".join(f"__label__{e.intent} {e.text.lower()}\n" for e in train))
    started = time.perf_counter()
    model = fasttext.train_supervised(str(path), epoch=25, lr=0.5, wordNgrams=2, verbose=0, seed=0, thread=1)
    seconds = time.perf_counter() - started
    results = {}
    for name, quantize in (("fastText", False), ("fastText quantized (.ftz)", True)):
        if quantize:
            started = time.perf_counter()
            model.quantize(input=str(path), qnorm=True, retrain=True, cutoff=100000)
            seconds += time.perf_counter() - started  # the .ftz costs the training and the quantization
        out = Path(workdir) / ("model.ftz" if quantize else "model.bin")
        model.save_model(str(out))
        # The C++ binding directly: fastText's wrapper breaks on numpy 2 (np.array(copy=False)).
        top = [model.f.predict(e.text.lower().replace("\n", " "), 1, 0.0, "strict") for e in test]
        predicted = [t[0][1][len("__label__"):] if t else "" for t in top]
        results[name] = {"intent_accuracy": _accuracy(predicted, test), "bytes": out.stat().st_size,
                         "train_seconds": seconds, "predicted": predicted,
                         "confidence": [float(t[0][0]) if t else 0.0 for t in top], "probabilities": True}
    return results


def crfsuite_peer(train, test, features, workdir):
    """python-crfsuite on the same token features (without the intent, which a slot tagger on its
    own does not have), its own model file and tagger."""
    import pycrfsuite

    features = replace(features, slot_intent=False)

    from pocketnlu.nlu import bio_spans

    from pocketnlu_tools.train.evaluate import slot_counts

    started = time.perf_counter()
    trainer = pycrfsuite.Trainer(algorithm="lbfgs", verbose=False)
    for example in train:
        tokens = prepare(example.text)[0]
        if tokens:
            trainer.append(pycrfsuite.ItemSequence(token_features(tokens, features)), bio_tags(example, tokens))
    trainer.set_params({"c1": 0.1, "c2": 0.01, "max_iterations": 200})
    path = str(Path(workdir) / "peer.crfsuite")
    trainer.train(path)
    seconds = time.perf_counter() - started
    tagger = pycrfsuite.Tagger()
    tagger.open(path)
    tp = predicted = gold = 0
    for example in test:
        tokens = prepare(example.text)[0]
        tags = tagger.tag(pycrfsuite.ItemSequence(token_features(tokens, features))) if tokens else []
        counts = slot_counts(bio_spans(tokens, tags, example.text), example.slots)
        tp, predicted, gold = tp + counts[0], predicted + counts[1], gold + counts[2]
    tagger.close()
    precision, recall = tp / max(predicted, 1), tp / max(gold, 1)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"python-crfsuite (slots only)": {"slot_f1": f1, "bytes": os.path.getsize(path), "train_seconds": seconds}}
