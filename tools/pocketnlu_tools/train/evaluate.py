"""Accuracy, slot F1, out-of-scope recall and latency of any parser over labelled examples."""
import time
from typing import Sequence

import numpy as np

from pocketnlu_tools.data.records import Example


def slot_counts(predicted, gold) -> tuple:
    """(true positives, predicted, gold) of exact (type, start, end) slot spans."""
    predicted_spans = {(s.slot, s.start, s.end) for s in predicted}
    gold_spans = {(s.slot, s.start, s.end) for s in gold}
    return len(predicted_spans & gold_spans), len(predicted_spans), len(gold_spans)


def evaluate(parser, examples: Sequence[Example], measure_latency: bool = True) -> dict:
    """Parse every example one at a time (as a device would) and score the results.

    `parser` has parse(text) -> Parse. Keys: n, intent_accuracy, slot_f1 (None without gold
    slots), latency_us_p50/p99, and oos_recall / in_scope_accuracy when there are
    out-of-scope examples.
    """
    latencies, correct = [], []
    true_positives = predicted_total = gold_total = 0
    oos_hits, in_scope_hits = [], []
    for example in examples:
        start = time.perf_counter()
        parse = parser.parse(example.text)
        latencies.append(time.perf_counter() - start)
        hit = parse.intent == example.intent
        correct.append(hit)
        (oos_hits if example.out_of_scope else in_scope_hits).append(hit)
        tp, n_predicted, n_gold = slot_counts(parse.slots, example.slots)
        true_positives += tp
        predicted_total += n_predicted
        gold_total += n_gold
    report = {"n": len(examples), "intent_accuracy": float(np.mean(correct)) if examples else None}
    if gold_total:
        precision = true_positives / predicted_total if predicted_total else 0.0
        recall = true_positives / gold_total
        report["slot_f1"] = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    else:
        report["slot_f1"] = None
    if oos_hits:
        report["oos_recall"] = float(np.mean(oos_hits))
        report["in_scope_accuracy"] = float(np.mean(in_scope_hits)) if in_scope_hits else None
    if measure_latency and latencies:
        micros = np.array(latencies) * 1e6
        report["latency_us_p50"] = float(np.percentile(micros, 50))
        report["latency_us_p99"] = float(np.percentile(micros, 99))
    return report
