"""The feature-weighting benchmark's pure parts: the feature matrices and their weightings."""
import numpy as np
import pytest

pytest.importorskip("sklearn")

from pocketnlu_tools.bench import weighting  # noqa: E402


def test_the_matrix_is_binary_and_drops_features_outside_the_vocabulary():
    vocabulary = {"w=turn": 0, "w=on": 1, "w=light": 2}
    matrix = weighting.feature_matrix([["w=turn", "w=on", "w=on"], ["w=light", "w=unknown"]], vocabulary)
    assert matrix.toarray().tolist() == [[1, 1, 0], [0, 0, 1]]


def test_weightings_normalize_rows_and_take_idf_from_train_only():
    vocabulary = {name: i for i, name in enumerate("abc")}
    train = weighting.feature_matrix([["a", "b"], ["a"], ["a", "c"]], vocabulary)
    held_out = weighting.feature_matrix([["a", "b", "c"]], vocabulary)
    same = weighting.weighted(train, held_out, "binary")
    assert same[0] is train and same[1] is held_out
    train_n, held_n = weighting.weighted(train, held_out, "L2-normalized")
    assert np.allclose(np.linalg.norm(train_n.toarray(), axis=1), 1.0)
    assert np.allclose(held_n.toarray(), 1 / np.sqrt(3))
    train_t, held_t = weighting.weighted(train, held_out, "tf-idf")
    row = held_t.toarray()[0]
    assert np.isclose(np.linalg.norm(row), 1.0)
    assert row[0] < row[1] == pytest.approx(row[2])  # "a" is in every training utterance: the lowest idf


def test_render_names_the_best_weighting_per_set():
    results = {"binary": {"accuracy": 0.9, "setting": "char 4-5, C=1"},
               "L2-normalized": {"accuracy": 0.85, "setting": "char 2-5, C=10"},
               "tf-idf": {"accuracy": 0.88, "setting": "char 4-5, C=10"},
               "scikit-learn LinearSVC": {"accuracy": 0.87, "setting": "C by inner cross-validation"}}
    text = weighting.render([{"name": "toy", "utterances": 10, "intents": 2, "results": results}], "cmd", 60.0)
    assert "| binary | 90.00 (char 4-5, C=1) |" in text
    assert "| scikit-learn LinearSVC | 87.00 (C by inner cross-validation) |" in text
    assert "toy: binary." in text
