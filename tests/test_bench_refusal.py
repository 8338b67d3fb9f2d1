"""The held-out-intents refusal benchmark on tiny fixtures: the fold partition, the AUROC and
margin helpers, the recall levels, the factor steps and the conclusion drawn from them."""
from collections import Counter

import numpy as np
import pytest

pytest.importorskip("sklearn")

from pocketnlu_tools.bench import refusal  # noqa: E402
from pocketnlu_tools.data.records import OUT_OF_SCOPE, Example  # noqa: E402

OOS = OUT_OF_SCOPE


def toy_examples(intents=9, per_intent=6):
    return [Example(f"utterance {i} of intent {k}", f"intent_{k}") for k in range(intents) for i in range(per_intent)]


def test_every_intent_is_held_out_once_and_no_utterance_is_in_two_places():
    examples = toy_examples()
    folds = refusal.held_out_intent_folds(examples, groups=4, seed=3)
    held = [intent for fold in folds for intent in fold["held_out"]]
    assert sorted(held) == sorted({e.intent for e in examples}) and len(held) == len(set(held))
    assert sorted(len(fold["held_out"]) for fold in folds) == [2, 2, 2, 3]
    for fold in folds:
        out = [e for e in fold["eval"] if e.intent == OOS]
        in_scope_eval = [e for e in fold["eval"] if e.intent != OOS]
        texts = [e.text for e in fold["fit"] + fold["eval"]]
        assert sorted(texts) == sorted(e.text for e in examples)  # each utterance once, nowhere twice
        assert {e.text for e in out} == {e.text for e in examples if e.intent in fold["held_out"]}
        assert not {e.intent for e in fold["fit"] + in_scope_eval} & set(fold["held_out"])
        assert Counter(e.intent for e in in_scope_eval) == {i: 1 for i in {e.intent for e in fold["fit"]}}  # 20% of 6
    assert folds == refusal.held_out_intent_folds(examples, groups=4, seed=3)  # seeded
    assert [f["held_out"] for f in folds] != [f["held_out"] for f in refusal.held_out_intent_folds(examples, 4, seed=4)]
    with pytest.raises(ValueError, match="held-out groups"):
        refusal.held_out_intent_folds(toy_examples(intents=4), groups=4)


def test_auroc_counts_how_often_out_of_scope_scores_below_in_scope():
    gold = ["a", "b", OOS, OOS]
    assert refusal.auroc([0.9, 0.8, 0.1, 0.2], gold) == 1.0
    assert refusal.auroc([0.1, 0.2, 0.9, 0.8], gold) == 0.0
    assert refusal.auroc([0.5, 0.5, 0.5, 0.5], gold) == 0.5
    assert refusal.auroc([0.9, 0.3, 0.5, 0.1], gold) == 0.75  # 3 of the 4 (in, out) pairs ordered right


def test_top_margin_is_best_minus_second_best():
    scores = np.array([[1.0, 5.0, 3.0], [-2.0, -1.0, -4.0], [2.0, 2.0, 0.0]])
    assert refusal.top_margin(scores).tolist() == [2.0, 1.0, 0.0]


def systems_scoring(predicted_by_system, confidence_by_system):
    return {system: {"predicted": predicted_by_system[system],
                     "scores": {rule: confidence_by_system[system] for s, rule in refusal.ROWS if s == system}}
            for system in {s for s, _ in refusal.ROWS}}


def test_recall_levels_are_the_linearsvc_accuracy_and_the_lowest_any_system_reaches():
    gold = ["a", "a", "b", "b", OOS, OOS]
    right = ["a", "a", "b", "b", "a", "b"]  # every in-scope utterance right
    three_right = ["a", "a", "b", "a", "a", "b"]
    predicted = {system: right for system, _ in refusal.ROWS}
    predicted[refusal.TFIDF_LR] = three_right  # the lowest: 3 of 4
    confidence = {system: [0.9, 0.8, 0.7, 0.6, 0.65, 0.1] for system, _ in refusal.ROWS}
    figures = refusal.measure(systems_scoring(predicted, confidence), gold)
    peer = figures[refusal.TFIDF_SVC, refusal.MAX_SCORE]
    assert peer["in_scope_accuracy"] == 1.0 and peer["auroc"] == pytest.approx(7 / 8)
    assert peer["recall"] == 0.5  # all four accepted: threshold 0.6 refuses the 0.1 only
    assert peer["recall_common"] == 1.0  # three accepted: threshold 0.7 refuses both
    lr = figures[refusal.TFIDF_LR, refusal.PROBABILITY]
    assert lr["recall"] is None and lr["recall_common"] == 1.0 and lr["in_scope_accuracy"] == 0.75


def fold_figures(auroc_by_row, recall_by_row=None):
    return {row: {"auroc": auroc_by_row.get(row, 0.8), "recall": None,
                  "recall_common": (recall_by_row or {}).get(row, 0.4), "in_scope_accuracy": 0.9}
            for row in refusal.ROWS}


def test_steps_and_conclusion_name_the_factor_that_moves_the_figures_most():
    confidence, float_probability = (refusal.COMPRESSED, refusal.PROBABILITY), (refusal.FLOAT, refusal.PROBABILITY)
    device_max = (refusal.COMPRESSED, refusal.MAX_SCORE)
    # Every row at 0.8 except pocketnlu's two max-probability rows: the score rule carries the gap.
    folds = [fold_figures({confidence: 0.7, float_probability: 0.71, device_max: 0.81}),
             fold_figures({confidence: 0.6, float_probability: 0.62, device_max: 0.8})]
    runs = [{"name": "toy", "per_fold": folds, "means": refusal.mean_over_folds(folds)}]
    changes = {step["factor"]: step for step in refusal.steps(runs, "auroc")}
    compression, rule = changes[refusal.STEPS[0][0]], changes[refusal.STEPS[1][0]]
    assert compression["change"] == pytest.approx(0.015) and compression["same_way"] == 2
    assert rule["change"] == pytest.approx(0.135) and rule["folds"] == 2
    text = refusal.conclusion(runs)
    assert text.startswith("Conclusion: the tf-idf LinearSVC's max score against pocketnlu's confidence: AUROC +15.0")
    assert "the factor that moves the AUROC most is the score rule (max probability to max score): +13.5" in text
    assert "On the device the best score is the max score: AUROC +15.5" in text
