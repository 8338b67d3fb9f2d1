"""Calibrated confidence: temperature scaling (Guo et al. 2017, "On Calibration of Modern Neural
Networks") and the expected calibration error that measures it.

The classifiers are one-vs-rest logistic regressions whose log odds, put through a softmax, give
confidences near 1.0 for almost everything. Dividing the scores by one temperature T, fitted on
the dev split to minimize the negative log-likelihood of the true labels, keeps every decision
(the argmax does not move) and makes the confidence a probability an application can threshold.
The device applies it in the softmax (the model's "temperature" metadata key).
"""
import math
from typing import Sequence

import numpy as np

# log T is searched in [-LOG_T_RANGE, LOG_T_RANGE]: T from 1/55 to 55 covers scores from
# near-uniform to very peaked.
LOG_T_RANGE = 4.0
GOLDEN_ITERATIONS = 60
ECE_BINS = 15


def negative_log_likelihood(scores: np.ndarray, gold: np.ndarray, temperature: float) -> float:
    """Mean -log softmax(scores / T)[gold] over the rows."""
    scaled = scores / temperature
    scaled = scaled - scaled.max(axis=1, keepdims=True)
    log_norm = np.log(np.exp(scaled).sum(axis=1))
    return float(np.mean(log_norm - scaled[np.arange(len(gold)), gold]))


def fit_temperature(scores: np.ndarray, gold: Sequence[int]) -> float:
    """The temperature minimizing the dev NLL (golden-section search on log T; the NLL is
    unimodal in T for fixed scores). 1.0 when there is nothing to fit on."""
    scores, gold = np.asarray(scores, dtype=float), np.asarray(gold, dtype=int)
    if len(gold) == 0 or scores.shape[1] < 2:
        return 1.0
    nll = lambda log_t: negative_log_likelihood(scores, gold, math.exp(log_t))
    low, high = -LOG_T_RANGE, LOG_T_RANGE
    ratio = (math.sqrt(5) - 1) / 2
    a, b = high - ratio * (high - low), low + ratio * (high - low)
    fa, fb = nll(a), nll(b)
    for _ in range(GOLDEN_ITERATIONS):
        if fa <= fb:
            high, b, fb = b, a, fa
            a = high - ratio * (high - low)
            fa = nll(a)
        else:
            low, a, fa = a, b, fb
            b = low + ratio * (high - low)
            fb = nll(b)
    return float(math.exp((low + high) / 2))


def expected_calibration_error(confidences: Sequence[float], correct: Sequence[bool], bins: int = ECE_BINS) -> float:
    """Sum over equal-width confidence bins of |accuracy - mean confidence| weighted by the bin's
    share of the examples (Naeini et al. 2015)."""
    confidences, correct = np.asarray(confidences, dtype=float), np.asarray(correct, dtype=float)
    if len(confidences) == 0:
        return 0.0
    which = np.minimum((confidences * bins).astype(int), bins - 1)
    error = 0.0
    for b in range(bins):
        members = which == b
        if members.any():
            error += members.mean() * abs(correct[members].mean() - confidences[members].mean())
    return float(error)
