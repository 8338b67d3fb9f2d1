"""Accuracy, slot F1, out-of-scope recall, calibration, wrong actions and latency of any parser
over labelled examples."""
import time
from typing import List, Sequence

import numpy as np

from pocketnlu_tools.data.records import OUT_OF_SCOPE, Example
from pocketnlu_tools.train.calibration import expected_calibration_error

# Accuracy of the parses kept when the least confident are refused, at these shares kept.
COVERAGES = (1.0, 0.95, 0.9, 0.8, 0.7, 0.6, 0.5)


def slot_counts(predicted, gold) -> tuple:
    """(true positives, predicted, gold) of exact (type, start, end) slot spans."""
    predicted_spans = {(s.slot, s.start, s.end) for s in predicted}
    gold_spans = {(s.slot, s.start, s.end) for s in gold}
    return len(predicted_spans & gold_spans), len(predicted_spans), len(gold_spans)


def evaluate(parser, examples: Sequence[Example], measure_latency: bool = True, errors: int = 0) -> dict:
    """Parse every example one at a time (as a device would) and score the results.

    `parser` has parse(text) -> Parse. Keys: n, intent_accuracy, slot_f1 (None without gold
    slots, or for a model without a slot tagger), full_frame_accuracy (intent and every slot exactly right), expected_calibration_error
    (of the confidence in the predicted intent), wrong_action_rate (share of all examples given
    an in-scope intent other than theirs: the application would act wrongly), rejection_curve
    (accuracy of the most confident parses at each share in COVERAGES), latency_us_p50/p99; with
    in-scope examples refusal_rate (their share parsed as out of scope); with out-of-scope
    examples oos_recall and in_scope_accuracy; with errors=N, "errors": the first N misparsed
    examples (text, gold and predicted intent, confidence).
    """
    latencies, correct, confidences, frames = [], [], [], []
    true_positives = predicted_total = gold_total = 0
    oos_hits, in_scope_hits, wrong_actions, refused, listed = [], [], [], [], []
    for example in examples:
        start = time.perf_counter()
        parse = parser.parse(example.text)
        latencies.append(time.perf_counter() - start)
        hit = parse.intent == example.intent
        correct.append(hit)
        confidences.append(parse.confidence)
        (oos_hits if example.out_of_scope else in_scope_hits).append(hit)
        wrong_actions.append(parse.intent != OUT_OF_SCOPE and not hit)
        tp, n_predicted, n_gold = slot_counts(parse.slots, example.slots)
        if not example.out_of_scope:
            refused.append(parse.intent == OUT_OF_SCOPE)
            frames.append(hit and tp == n_predicted == n_gold)
        true_positives += tp
        predicted_total += n_predicted
        gold_total += n_gold
        if len(listed) < errors and not (hit and tp == n_predicted == n_gold):
            listed.append({"text": example.text, "intent": example.intent, "predicted": parse.intent,
                           "confidence": parse.confidence,
                           "slots": [(s.slot, example.text[s.start:s.end]) for s in example.slots],
                           "predicted_slots": [(s.slot, s.value) for s in parse.slots]})
    report = {"n": len(examples), "intent_accuracy": float(np.mean(correct)) if examples else None}
    # A model without a slot tagger (trained with slots=False, `--no-slots`) has no slot F1.
    tags_slots = getattr(parser, "slot_tagger", None) is not None or getattr(parser, "slots", None) is not None
    if gold_total and tags_slots:
        precision = true_positives / predicted_total if predicted_total else 0.0
        recall = true_positives / gold_total
        report["slot_f1"] = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    else:
        report["slot_f1"] = None
    if examples:
        report["full_frame_accuracy"] = float(np.mean(frames)) if frames else None
        report["expected_calibration_error"] = expected_calibration_error(confidences, correct)
        report["wrong_action_rate"] = float(np.mean(wrong_actions))
        report["rejection_curve"] = rejection_curve(confidences, correct)
    if refused:
        report["refusal_rate"] = float(np.mean(refused))
    if oos_hits:
        report["oos_recall"] = float(np.mean(oos_hits))
        report["in_scope_accuracy"] = float(np.mean(in_scope_hits)) if in_scope_hits else None
    if measure_latency and latencies:
        micros = np.array(latencies) * 1e6
        report["latency_us_p50"] = float(np.percentile(micros, 50))
        report["latency_us_p99"] = float(np.percentile(micros, 99))
    if errors:
        report["errors"] = listed
    return report


def rejection_curve(confidences: Sequence[float], correct: Sequence[bool]) -> List[dict]:
    """[{coverage, accuracy, threshold}]: refusing all but the most confident share `coverage`."""
    order = np.argsort(-np.asarray(confidences, dtype=float), kind="stable")
    hits = np.asarray(correct, dtype=float)[order]
    ranked = np.asarray(confidences, dtype=float)[order]
    curve = []
    for coverage in COVERAGES:
        kept = max(1, int(round(coverage * len(order))))
        curve.append({"coverage": coverage, "accuracy": float(hits[:kept].mean()), "threshold": float(ranked[kept - 1])})
    return curve
