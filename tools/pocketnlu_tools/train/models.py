"""Float training of the linear models: a maximum-entropy intent classifier and a slot CRF.

Both models come out as (feature string -> row of per-label weights) tables holding only the
features with a nonzero weight, which is what quantization and perfect hashing compress next.
Their float scoring here (LinearModel.scores, CRFModel.tag) is the reference the compressed models
are measured against.

Default hyperparameters come from experiments on SNIPS and ATIS (dev and test splits), accuracy
first and table size second (see each function).
"""
from __future__ import annotations

import os
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Dict, List, Optional, Sequence

import numpy as np

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix


@dataclass
class LinearModel:
    """Multiclass linear scorer: scores = bias + sum of the rows of the known features.

    `weights` (n_features, n_labels) is kept sparse (a scipy CSR matrix; a dense array given is
    converted): a model of thousands of labels has few nonzero weights per label, and a dense
    matrix of it would not fit in memory."""

    labels: List[str]
    features: List[str]
    weights: "csr_matrix"  # (n_features, n_labels) float64
    bias: np.ndarray  # (n_labels,)
    _index: Dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        from scipy.sparse import csr_matrix

        self.weights = csr_matrix(self.weights, dtype=np.float64)
        self.weights.eliminate_zeros()
        self._index = {feature: row for row, feature in enumerate(self.features)}

    def scores(self, feature_list: Sequence[str]) -> np.ndarray:
        """Per-label scores; unknown features add nothing, repeated ones add their row again."""
        rows = [self._index[feature] for feature in feature_list if feature in self._index]
        if not rows:
            return self.bias.copy()
        return self.bias + np.asarray(self.weights[rows].sum(axis=0)).ravel()

    @property
    def nonzero_weights(self) -> int:
        return int(self.weights.nnz)


@dataclass
class CRFModel:
    """Linear-chain CRF: state weights per (feature, label) and transitions[from, to]."""

    labels: List[str]
    features: List[str]
    weights: np.ndarray  # (n_features, n_labels) float64
    transitions: np.ndarray  # (n_labels, n_labels) float64, [from, to]
    _index: Dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._index = {feature: row for row, feature in enumerate(self.features)}

    def state_scores(self, token_feature_lists: Sequence[Sequence[str]]) -> np.ndarray:
        """(n_tokens, n_labels) sums of the rows of each token's known features."""
        scores = np.zeros((len(token_feature_lists), len(self.labels)))
        for position, feature_list in enumerate(token_feature_lists):
            rows = [self._index[feature] for feature in feature_list if feature in self._index]
            scores[position] = self.weights[rows].sum(axis=0)
        return scores

    def tag(self, token_feature_lists: Sequence[Sequence[str]]) -> List[str]:
        """Viterbi best label sequence (ties go to the lowest label index, as in crfsuite)."""
        if not token_feature_lists:
            return []
        path, _ = best_path(self.state_scores(token_feature_lists), self.transitions)
        return [self.labels[label] for label in path]

    @property
    def nonzero_weights(self) -> int:
        return int(np.count_nonzero(self.weights))


def best_path(state: np.ndarray, transitions: np.ndarray):
    """Viterbi over state scores [token, label] and transitions [from, to]: (labels, best score).
    argmax takes the first maximum, so ties go to the lowest label, as in crfsuite and the C core."""
    best = state[0]
    backpointers = np.empty(state.shape, dtype=np.intp)
    for position in range(1, len(state)):
        candidates = best[:, None] + transitions  # [from, to]
        backpointers[position] = candidates.argmax(axis=0)
        best = candidates[backpointers[position], np.arange(state.shape[1])] + state[position]
    path = [int(best.argmax())]
    for position in range(len(state) - 1, 0, -1):
        path.append(int(backpointers[position, path[-1]]))
    return path[::-1], best.max()


def _feature_matrix(feature_lists: Sequence[Sequence[str]], vocabulary: Dict[str, int]):
    """CSR matrix of feature counts (a repeated feature counts twice, as in LinearModel.scores)."""
    from scipy.sparse import csr_matrix

    indptr = [0]
    indices: List[int] = []
    for feature_list in feature_lists:
        indices.extend(vocabulary[feature] for feature in feature_list if feature in vocabulary)
        indptr.append(len(indices))
    data = np.ones(len(indices))
    matrix = csr_matrix((data, indices, indptr), shape=(len(feature_lists), len(vocabulary)))
    matrix.sum_duplicates()
    return matrix


# A label's binary problem sees every training utterance until labels x utterances exceeds
# FULL_PROBLEM_LIMIT (every dataset of the benchmarks is below a tenth of it). Beyond, each label
# trains on its positives, the negatives sharing a distinctive feature with them (one found in
# at most DISTINCTIVE_SHARE of the utterances) and random others, NEGATIVE_SAMPLE negatives in
# all: the work per label then no longer grows with the number of labels (10,000 intents of two
# utterances each: minutes instead of hours).
FULL_PROBLEM_LIMIT = 20_000_000
NEGATIVE_SAMPLE = 2000
DISTINCTIVE_SHARE = 0.01
PROGRESS_SECONDS = 10.0  # a progress line at most this often during a long fit


def train_classifier(
    feature_lists: Sequence[Sequence[str]],
    labels: Sequence[str],
    *,
    C: float = 100.0,
    class_weight: Optional[str] = "balanced",
    intercept_scaling: float = 10.0,
    min_count: int = 1,
    random_state: int = 0,
    penalty: str = "l1",
    progress: Callable[[str], None] = lambda message: None,
) -> LinearModel:
    """One-vs-rest L1 logistic regression (scikit-learn's liblinear solver) over binary features.

    Each label gets its own binary maximum-entropy model, and its scores are that model's log
    odds. Chosen over the multinomial model (saga solver): as accurate on SNIPS, better on ATIS's
    rare intents, sparser, and 10-50x faster (saga's L1 step touches every weight, so it needs
    minutes). C is weak regularization, yet L1 keeps only 4% (SNIPS) to 15% (ATIS) of the
    features. class_weight="balanced" weighs each binary problem's positives up, which helps
    rare intents. intercept_scaling lowers the L1 penalty liblinear puts on the intercept.
    Features seen in fewer than min_count training utterances are not considered at all.
    Memory is the data plus the nonzero weights; past FULL_PROBLEM_LIMIT each label trains on a
    sample of the negatives (see above).
    """
    from scipy.sparse import coo_matrix
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    label_names = sorted(set(labels))
    if len(label_names) < 2:
        raise ValueError(f"need at least two distinct labels to train a classifier, got {label_names}")
    counts: Dict[str, int] = {}
    for feature_list in feature_lists:
        for feature in set(feature_list):
            counts[feature] = counts.get(feature, 0) + 1
    vocabulary_list = sorted(feature for feature, count in counts.items() if count >= min_count)
    vocabulary = {feature: column for column, feature in enumerate(vocabulary_list)}
    matrix = _feature_matrix(feature_lists, vocabulary)
    column_of = {label: column for column, label in enumerate(label_names)}
    targets = np.array([column_of[label] for label in labels])
    # With two labels one binary model suffices: the first label scores 0 (same softmax and argmax).
    positives = label_names[1:] if len(label_names) == 2 else label_names
    sample = _NegativeSampler(matrix, random_state) if len(positives) * len(labels) > FULL_PROBLEM_LIMIT else None
    rows, columns, values = [], [], []
    bias = np.zeros(len(label_names))
    unconverged = 0
    started = last_report = time.perf_counter()
    for done, label in enumerate(positives):
        column = column_of[label]
        members = None if sample is None else sample(np.flatnonzero(targets == column), column)
        binary = LogisticRegression(
            solver="liblinear",
            C=C,
            class_weight=class_weight,
            intercept_scaling=intercept_scaling,
            random_state=random_state,
            **_penalty(penalty),
            # L2's dual problem is the faster one with more features than utterances (char n-grams).
            dual=penalty == "l2",
        )
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            if members is None:
                binary.fit(matrix, targets == column)
            else:
                binary.fit(matrix[members], targets[members] == column)
        for warning in caught:
            if issubclass(warning.category, ConvergenceWarning):
                unconverged += 1
            else:
                warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
        nonzero = np.flatnonzero(binary.coef_[0])
        rows.append(nonzero)
        columns.append(np.full(len(nonzero), column))
        values.append(binary.coef_[0][nonzero])
        bias[column] = binary.intercept_[0]
        if time.perf_counter() - last_report >= PROGRESS_SECONDS:
            last_report = time.perf_counter()
            progress(f"  {done + 1:,} of {len(positives):,} labels ({last_report - started:.0f} s)")
    if unconverged:
        progress(f"  liblinear stopped at its iteration limit on {unconverged:,} of {len(positives):,} labels")
    coef = coo_matrix((np.concatenate(values), (np.concatenate(rows), np.concatenate(columns))),
                      shape=(len(vocabulary_list), len(label_names))).tocsr()
    kept = np.flatnonzero(np.diff(coef.indptr))
    return LinearModel(
        labels=label_names,
        features=[vocabulary_list[column] for column in kept],
        weights=coef[kept],
        bias=bias,
    )


class _NegativeSampler:
    """The training utterances of one label's binary problem, when there are too many labels to
    train each on all (FULL_PROBLEM_LIMIT): the label's positives and NEGATIVE_SAMPLE negatives,
    first those sharing a distinctive feature with the positives (the ones it must learn to tell
    apart), then random ones (seeded per label, so training stays deterministic)."""

    def __init__(self, matrix, random_state: int):
        self.by_feature = matrix.tocsc()
        self.matrix = matrix
        document_frequency = np.diff(self.by_feature.indptr)
        self.distinctive = document_frequency <= max(2, DISTINCTIVE_SHARE * matrix.shape[0])
        self.random_state = random_state

    def __call__(self, positives: np.ndarray, column: int) -> np.ndarray:
        n = self.matrix.shape[0]
        features = np.unique(self.matrix[positives].indices)
        features = features[self.distinctive[features]]
        indptr, indices = self.by_feature.indptr, self.by_feature.indices
        shared = np.unique(np.concatenate([indices[indptr[f]:indptr[f + 1]] for f in features])
                           if len(features) else np.zeros(0, dtype=np.int64))
        is_positive = np.zeros(n, dtype=bool)
        is_positive[positives] = True
        hard = shared[~is_positive[shared]]
        rng = np.random.default_rng([self.random_state, column])
        if len(hard) >= NEGATIVE_SAMPLE:
            negatives = rng.choice(hard, NEGATIVE_SAMPLE, replace=False)
        else:
            is_positive[hard] = True  # taken already
            others = np.flatnonzero(~is_positive)
            extra = rng.choice(others, min(NEGATIVE_SAMPLE - len(hard), len(others)), replace=False)
            negatives = np.concatenate([hard, extra])
        return np.sort(np.concatenate([positives, negatives]))


def _penalty(penalty: str) -> dict:
    """LogisticRegression's penalty argument: scikit-learn 1.8 replaced penalty= by l1_ratio=."""
    import sklearn

    if penalty not in ("l1", "l2"):
        raise ValueError(f"penalty must be 'l1' or 'l2', got {penalty!r}")
    major, minor = (int(part) for part in sklearn.__version__.split(".")[:2])
    if (major, minor) >= (1, 8):
        return {"l1_ratio": 1.0 if penalty == "l1" else 0.0}
    return {"penalty": penalty}


def train_crf(
    token_feature_lists: Sequence[Sequence[Sequence[str]]],
    tag_sequences: Sequence[Sequence[str]],
    *,
    c1: float = 0.1,
    c2: float = 0.01,
    max_iterations: int = 150,
    min_freq: int = 0,
) -> CRFModel:
    """Linear-chain CRF trained by python-crfsuite (L-BFGS, L1 c1 + L2 c2).

    crfsuite saves only nonzero weights, so c1 and the iterations set the table size: F1 stops
    improving after ~60 iterations, but later ones keep zeroing weights (SNIPS: 42k features
    kept after 50, 15k after 150, about 2.5 minutes). A larger c2 or a smaller c1 kept more
    features for no better F1; c1=0.3 kept a third fewer for ~0.3 point less. Transitions are
    those seen in training (unseen ones weigh 0, as in crfsuite's own tagger).
    """
    import pycrfsuite

    trainer = pycrfsuite.Trainer(algorithm="lbfgs", verbose=False)
    for features, tags in zip(token_feature_lists, tag_sequences):
        if len(features) != len(tags):
            raise ValueError(f"{len(features)} tokens but {len(tags)} tags")
        trainer.append(pycrfsuite.ItemSequence(features), list(tags))
    trainer.set_params({"c1": c1, "c2": c2, "max_iterations": max_iterations, "feature.minfreq": min_freq})
    with tempfile.TemporaryDirectory(prefix="pocketnlu-crf-") as directory:
        path = os.path.join(directory, "model.crfsuite")
        trainer.train(path)
        return load_crfsuite(path)


CRFSUITE_MAGIC = b"lCRF"  # crfsuite's model header: magic, then the file's size (uint32 LE)


def check_crfsuite_file(path: str) -> None:
    """Refuse a crfsuite model file shorter than its header says (a full disk or a file-size
    limit while crfsuite wrote it): crfsuite's reader would read past its end."""
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        header = f.read(8)
    if len(header) < 8 or header[:4] != CRFSUITE_MAGIC:
        raise OSError(f"python-crfsuite wrote no valid model ({size} bytes): no space left or a file-size limit?")
    declared = int.from_bytes(header[4:8], "little")
    if declared != size:
        raise OSError(f"python-crfsuite wrote a truncated model ({size} of {declared} bytes): "
                      "no space left or a file-size limit?")


def load_crfsuite(path: str) -> CRFModel:
    """The nonzero weights of a python-crfsuite model file as a CRFModel (labels in crfsuite's
    order, so Viterbi ties break the same way)."""
    import pycrfsuite

    check_crfsuite_file(path)

    tagger = pycrfsuite.Tagger()
    tagger.open(path)
    try:
        labels = tagger.labels()
        info = tagger.info()
    finally:
        tagger.close()
    return _crf_from_weights(labels, info.state_features, info.transitions)


def _crf_from_weights(labels, state_features, transition_weights) -> CRFModel:
    """CRFModel from crfsuite's {(attribute, label): w} and {(from, to): w} dicts."""
    label_index = {label: column for column, label in enumerate(labels)}
    nonzero = {key: weight for key, weight in state_features.items() if weight != 0.0}
    features = sorted({attribute for attribute, _ in nonzero})
    feature_index = {feature: row for row, feature in enumerate(features)}
    weights = np.zeros((len(features), len(labels)))
    for (attribute, label), weight in nonzero.items():
        weights[feature_index[attribute], label_index[label]] = weight
    transitions = np.zeros((len(labels), len(labels)))
    for (source, target), weight in transition_weights.items():
        transitions[label_index[source], label_index[target]] = weight
    return CRFModel(labels=list(labels), features=features, weights=weights, transitions=transitions)
