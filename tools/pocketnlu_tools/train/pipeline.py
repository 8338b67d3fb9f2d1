"""Host side of an NLU model: train the float pipeline, then quantize and pack it.

FloatNLU parses with float weights through the same decisions as the device's NLUModel
(pocketnlu.nlu), so comparing the two measures exactly what compression costs.
"""
import os
import tempfile
import time
from dataclasses import dataclass, field, replace
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from pocketnlu.features import FeatureConfig, Token, WordBatch, encode_keys, prepare, token_features, utterance_features
from pocketnlu.metadata import ModelSpec, PipelineSpec, SlotResolution, nlu_metadata
from pocketnlu.modelfile import KIND_VALUES, ModelFile
from pocketnlu.nlu import OUT_OF_SCOPE, IntentStage, Parse, open_model, parse_words

from pocketnlu_tools.data.records import Example
from pocketnlu_tools.pack.quantize import quantize_rows, quantize_wide, weight_scale
from pocketnlu_tools.pack.tables import build_table
from pocketnlu_tools.train.calibration import fit_temperature
from pocketnlu_tools.train.models import CRFModel, LinearModel, train_classifier, train_crf
from pocketnlu_tools.pack.values import value_section
from pocketnlu_tools.pack.writer import pack_file

OUTSIDE = "O"


def bio_tags(example: Example, tokens: Sequence[Token]) -> List[str]:
    """BIO tag of each token from the example's character spans: a token starting inside a
    span belongs to it, the first such token is its B- token."""
    tags = [OUTSIDE] * len(tokens)
    for slot in example.slots:
        first = True
        for i, token in enumerate(tokens):
            if slot.start <= token.start < slot.end:
                tags[i] = ("B-" if first else "I-") + slot.slot
                first = False
    return tags


def decide_intent(scores: Sequence[float], labels: Sequence[str]) -> Tuple[str, float]:
    """Most probable label and its softmax probability over real-valued scores: what the
    device computes in C (pnlu_softmax_best), ties to the lowest label."""
    scores = np.asarray(scores, dtype=np.float64)
    best = int(np.argmax(scores))  # the first maximum
    return labels[best], 1.0 / float(np.exp(scores - scores[best]).sum())


SCORE_ROWS = 256  # utterances scored at once by a float classifier


class FloatClassifier:
    """A float LinearModel with the device Classifier's interface, for IntentStage. Confidences
    are softmax(scores / temperature); `calibrate` fits the temperature on dev."""

    def __init__(self, model: LinearModel):
        self.model = model
        self.labels = model.labels
        self.temperature = 1.0

    def scores(self, batch: WordBatch, utterances=None) -> np.ndarray:
        chosen = range(len(batch)) if utterances is None else utterances
        return np.array([self.model.scores(batch.utterance_features(u)) for u in chosen]).reshape(
            len(chosen), len(self.labels))

    def decide(self, batch: WordBatch, utterances=None) -> List[Tuple[str, float]]:
        chosen = list(range(len(batch)) if utterances is None else utterances)
        decisions = []
        for start in range(0, len(chosen), SCORE_ROWS):  # bounded memory with thousands of labels
            rows = self.scores(batch, chosen[start:start + SCORE_ROWS])
            decisions += [decide_intent(row / self.temperature, self.labels) for row in rows]
        return decisions


class FloatSlotTagger:
    """A float CRFModel with the device SlotTagger's interface."""

    def __init__(self, model: CRFModel):
        self.model = model

    def tag(self, batch: WordBatch, utterance: int, intent: Optional[str] = None) -> List[str]:
        return self.model.tag(batch.token_features(utterance, intent))


@dataclass
class FloatNLU:
    features: FeatureConfig
    stage: IntentStage  # over FloatClassifiers
    slots: Optional[CRFModel]
    selection: Optional["Selection"] = None  # set by train_nlu
    # a flat model chosen by cross-validation: the chosen candidate's scores of the in-scope
    # training utterances from the folds that held them out (columns: the intent classifier's
    # labels) and their intents, which calibrate() fits the temperature on too
    out_of_fold: Optional[Tuple[np.ndarray, List[str]]] = None
    # slot type -> {"kind": built-in entity kind} or {"list": name, "values": {spoken: canonical}}
    slot_values: Dict[str, dict] = field(default_factory=dict)

    @property
    def oos_threshold(self) -> Optional[float]:
        return self.stage.threshold

    @oos_threshold.setter
    def oos_threshold(self, value: Optional[float]) -> None:
        self.stage.threshold = value

    def parse(self, text: str) -> Parse:
        return self.parse_batch([text])[0]

    def parse_batch(self, texts: Sequence[str]) -> List[Parse]:
        return parse_words(texts, self.features, self.stage, None if self.slots is None else FloatSlotTagger(self.slots))


# Settings chosen on the dev split by train_nlu, each list's first entry being the choice when
# there is no dev split. From experiments on SNIPS and ATIS (dev accuracy and 5-fold
# cross-validation): no one setting was best for both. SNIPS intents prefer character 4-5 grams
# with stronger L1 (C=50), ATIS intents 2-5 grams with C=200; SNIPS slots prefer the intent
# alone as context, ATIS slots also the utterance's words (utterance_context).
# Every candidate also feeds the predicted intent to the CRF and uses 2-4 character affixes:
# both helped slot F1 on SNIPS and ATIS alike.
SELECTION_BASE = FeatureConfig(prefix_lengths=(2, 3, 4), suffix_lengths=(2, 3, 4), slot_intent=True)
INTENT_CANDIDATES = (({"char_ngrams": (4, 5)}, {"C": 50.0}), ({"char_ngrams": (2, 5)}, {"C": 200.0}))
SLOT_CONTEXT_CANDIDATES = (0, 16)
# A dev split with fewer in-scope utterances than this per intent is too small to choose on:
# the intent candidates are then compared by CV_FOLDS-fold cross-validation on the in-scope
# training utterances (HINT3's carved dev splits have one or two per intent), and L2 candidates
# join them. With few utterances per intent (HINT3, 5-fold cross-validation on its train
# splits) L2 generalizes better than L1, by 1 to 5 points; with many (SNIPS, ATIS, the in-car
# templates: their dev splits) it ties with 50 to 100 times the weights and up to ten times the
# training time, so it is not tried there. L2 weights are dense: the dead zones prune them.
# L2 candidates also join when a user dev set is given (utterances as users say them, for
# template data): on Home Assistant's hand-written dev paraphrases L2 was 5 to 7 points ahead
# (the home-assistant benchmark's progress lines).
MIN_DEV_PER_INTENT = 5
CV_FOLDS = 5
L2_CANDIDATES = (({"char_ngrams": (4, 5)}, {"penalty": "l2", "C": 10.0}),
                 ({"char_ngrams": (2, 5)}, {"penalty": "l2", "C": 1.0}))


@dataclass
class Selection:
    """What train_nlu chose on dev, and the dev scores that chose it."""

    features: FeatureConfig
    classifier_options: dict
    dev_intent_accuracy: List[float]  # per INTENT_CANDIDATES entry (empty: no dev split)
    dev_slot_f1: List[float]  # per SLOT_CONTEXT_CANDIDATES entry
    intents_chosen_by: str = "dev"  # "cross-validation" or "user dev" (dev_intent_accuracy is then theirs)

    def to_dict(self) -> dict:
        return {"features": self.features.to_dict(), "classifier": self.classifier_options,
                "dev_intent_accuracy": self.dev_intent_accuracy, "dev_slot_f1": self.dev_slot_f1,
                "intents_chosen_by": self.intents_chosen_by}


def _train_classifier(groups, labels, what, progress, options=None) -> FloatClassifier:
    started = time.perf_counter()
    model = train_classifier(groups, labels, progress=progress, **(options or {}))
    progress(f"{what}: {len(groups)} utterances, {len(model.labels)} labels, {len(model.features)} features kept "
             f"({time.perf_counter() - started:.1f} s)")
    return FloatClassifier(model)


def _train_stage(examples, groups, hierarchical, progress, options=None) -> IntentStage:
    intents = [example.intent for example in examples]
    if not hierarchical:
        domains = {e.intent: e.domain for e in examples if e.domain is not None and e.intent != OUT_OF_SCOPE}
        return IntentStage(intent=_train_classifier(groups, intents, "intent classifier", progress, options),
                           intent_domains=domains)
    if any(example.domain is None for example in examples):
        raise ValueError("a hierarchical model needs a domain on every example")
    domains = [example.domain for example in examples]
    domain_intents = {}
    for domain in sorted(set(domains)):
        members = [i for i, d in enumerate(domains) if d == domain]
        labels = sorted({intents[i] for i in members})
        domain_intents[domain] = labels[0] if len(labels) == 1 else _train_classifier(
            [groups[i] for i in members], [intents[i] for i in members], f"intents of {domain}", progress, options)
    return IntentStage(domain=_train_classifier(groups, domains, "domain classifier", progress, options),
                       domain_intents=domain_intents)


def _train_slots(prepared, examples, features, progress) -> Optional[CRFModel]:
    in_scope = [(tokens, example) for tokens, example in zip(prepared, examples)
                if tokens and example.intent != OUT_OF_SCOPE]
    if not any(example.slots for _, example in in_scope):
        return None
    started = time.perf_counter()
    progress(f"slot CRF (utterance_context={features.utterance_context}): {len(in_scope)} utterances")
    # With slot_intent the CRF trains on the labelled intent and runs on the predicted one.
    slots = train_crf([token_features(tokens, features, example.intent if features.slot_intent else None)
                       for tokens, example in in_scope],
                      [bio_tags(example, tokens) for tokens, example in in_scope])
    progress(f"slot CRF: {len(slots.features)} features, {len(slots.labels)} tags "
             f"({time.perf_counter() - started:.1f} s)")
    return slots


def _dev_scores(model: "FloatNLU", dev: Sequence[Example]) -> Tuple[float, Optional[float]]:
    from pocketnlu_tools.train.evaluate import evaluate

    report = evaluate(model, dev, measure_latency=False)
    return report["intent_accuracy"], report["slot_f1"]


def train_nlu(examples: Sequence[Example], features: Optional[FeatureConfig] = None, with_slots: bool = True,
              hierarchical: bool = False, dev: Sequence[Example] = (), classifier_options: Optional[dict] = None,
              user_dev: Sequence[Example] = (),
              progress: Callable[[str], None] = lambda message: None) -> "FloatNLU":
    """Float pipeline: a flat intent classifier, or (hierarchical) a domain classifier followed by
    one intent classifier per domain; and a slot CRF when the examples have slots.

    With features=None the settings are chosen on `dev` among INTENT_CANDIDATES (best intent
    accuracy, ties to the fewer nonzero weights; by cross-validation on train, with
    L2_CANDIDATES too, when dev has fewer than MIN_DEV_PER_INTENT in-scope
    utterances per intent; on `user_dev`, with L2_CANDIDATES too, when it is given) and then
    SLOT_CONTEXT_CANDIDATES
    (best slot F1 with the chosen classifier's predicted intents); without dev examples the first
    of each.
    Given features, those are used as they are (with classifier_options for train_classifier).
    The result's `selection` says what was chosen.
    """
    prepared = [prepare(example.text)[0] for example in examples]
    if features is not None:
        candidates, contexts = [(features, dict(classifier_options or {}))], [features.utterance_context]
    else:
        candidates = [(replace(SELECTION_BASE, **overrides), options) for overrides, options in INTENT_CANDIDATES]
        contexts = list(SLOT_CONTEXT_CANDIDATES)
        if not dev:
            contexts = contexts[:1]
            if not user_dev:
                candidates = candidates[:1]
    on_user_dev = features is None and bool(user_dev)
    by_cross_validation = (not on_user_dev and len(candidates) > 1 and _dev_too_small(examples, dev)
                           and _cv_folds(examples) >= 2)
    if by_cross_validation or on_user_dev:
        candidates += [(replace(SELECTION_BASE, **overrides), options) for overrides, options in L2_CANDIDATES]
    chosen_by = "user dev" if on_user_dev else "cross-validation" if by_cross_validation else "dev"
    accuracies, trained = [], []
    for config, options in candidates:
        groups = [utterance_features(tokens, config) for tokens in prepared]
        stage = _train_stage(examples, groups, hierarchical, progress, options)
        accuracy, weights, out_of_fold = 0.0, 0, None
        if len(candidates) > 1:
            if by_cross_validation:
                accuracy, out_of_fold = _cross_validated_accuracy(examples, groups, config, stage, hierarchical,
                                                                  options)
            else:
                accuracy, _ = _dev_scores(FloatNLU(config, stage, None), user_dev if on_user_dev else dev)
            weights = sum(c.model.nonzero_weights for c in stage.classifiers)
            progress(f"{chosen_by.replace('cross-validation', 'cross-validated')} intent accuracy {accuracy:.4f}: "
                     f"char_ngrams={config.char_ngrams}, {options} ({weights} weights)")
            accuracies.append(accuracy)
        trained.append(((accuracy, -weights), config, options, stage, out_of_fold))
    _, config, options, stage, out_of_fold = max(trained, key=lambda entry: entry[0])  # ties: the first
    f1s, slots, best_f1 = [], None, None
    for context in contexts if with_slots else ():
        trial = replace(config, utterance_context=context)
        crf = _train_slots(prepared, examples, trial, progress)
        if crf is None:
            break
        f1 = -1.0
        if len(contexts) > 1:
            f1 = _dev_scores(FloatNLU(trial, stage, crf), dev)[1] or 0.0
            progress(f"dev slot F1 {f1:.4f} with utterance_context={context}")
            f1s.append(f1)
        if slots is None or f1 > best_f1:
            config, slots, best_f1 = trial, crf, f1
    model = FloatNLU(config, stage, slots, out_of_fold=out_of_fold)
    model.selection = Selection(config, options, accuracies, f1s, chosen_by)
    return model


def _dev_too_small(examples: Sequence[Example], dev: Sequence[Example]) -> bool:
    intents = {example.intent for example in examples if not example.out_of_scope}
    return sum(not example.out_of_scope for example in dev) < MIN_DEV_PER_INTENT * len(intents)


def _cv_folds(examples: Sequence[Example]) -> int:
    """Folds for cross-validation: CV_FOLDS, fewer when no intent has that many utterances."""
    counts: Dict[str, int] = {}
    for example in examples:
        if not example.out_of_scope:
            counts[example.intent] = counts.get(example.intent, 0) + 1
    return min(CV_FOLDS, max(counts.values(), default=0))


def _cross_validated_accuracy(examples, groups, config, full: IntentStage, hierarchical, options
                              ) -> Tuple[float, Optional[Tuple[np.ndarray, List[str]]]]:
    """Intent accuracy of a candidate by stratified cross-validation (_cv_folds folds) over the
    in-scope training utterances (the same folds for every candidate); and, for a flat candidate
    whose classifier `full` (trained on all examples) has no out-of-scope class (the folds train
    on the in-scope utterances only), the out-of-fold scores in `full`'s label order with their
    intents (a label a fold's training part did not have scores -inf; an utterance whose intent
    it did not have is left out)."""
    import warnings

    from sklearn.model_selection import StratifiedKFold

    members = [i for i, example in enumerate(examples) if not example.out_of_scope]
    intents = [examples[i].intent for i in members]
    columns = None if hierarchical else {label: j for j, label in enumerate(full.intent.labels)}
    if columns is not None and OUT_OF_SCOPE in columns:  # the folds train on in-scope utterances only
        columns = None
    right, rows, gold = 0, [], []
    with warnings.catch_warnings():  # intents with fewer utterances than folds are expected
        warnings.simplefilter("ignore", UserWarning)
        folds = list(StratifiedKFold(_cv_folds(examples), shuffle=True, random_state=0).split(members, intents))
    for train_part, held_out in folds:
        fold = [members[i] for i in train_part]
        if len({examples[i].intent for i in fold}) < 2:
            continue
        stage = _train_stage([examples[i] for i in fold], [groups[i] for i in fold], hierarchical,
                             lambda message: None, options)
        held = [examples[members[i]] for i in held_out]
        parses = FloatNLU(config, stage, None).parse_batch([example.text for example in held])
        right += sum(parse.intent == example.intent for parse, example in zip(parses, held))
        if columns is not None:
            known = [k for k, example in enumerate(held) if example.intent in stage.intent.labels]
            batch = WordBatch([prepare(held[k].text)[0] for k in known], config)
            fold_scores = stage.intent.scores(batch)
            placed = np.full((len(known), len(columns)), -np.inf)
            placed[:, [columns[label] for label in stage.intent.labels]] = fold_scores
            rows.append(placed)
            gold += [held[k].intent for k in known]
    out_of_fold = (np.vstack(rows), gold) if columns is not None and gold else None
    return right / len(members), out_of_fold


def calibrate(model: FloatNLU, dev: Sequence[Example]) -> None:
    """Fit every classifier's temperature on the dev examples whose label it has (the domain
    classifier on their domains, each domain's intent classifier on that domain's examples),
    and, for a flat model chosen by cross-validation, on its out-of-fold training scores too (a
    dev split too small to choose on gives one or two utterances per intent, too few to fit
    on; scikit-learn's CalibratedClassifierCV(ensemble=False) calibrates on such predictions
    likewise)."""
    stage = model.stage
    extra = model.out_of_fold if stage.domain is None else None
    if not dev and extra is None:
        return
    batch = WordBatch([prepare(example.text)[0] for example in dev], model.features)

    def fit(classifier: FloatClassifier, members: Sequence[int], gold: Sequence[str], extra=None) -> None:
        column = {label: j for j, label in enumerate(classifier.labels)}
        pairs = [(i, column[label]) for i, label in zip(members, gold) if label in column]
        scores = classifier.scores(batch, [i for i, _ in pairs]) if pairs else np.empty((0, len(column)))
        targets = [j for _, j in pairs]
        if extra is not None:
            scores, targets = np.vstack([scores, extra[0]]), targets + [column[label] for label in extra[1]]
        if targets:
            classifier.temperature = fit_temperature(scores, targets)

    if stage.domain is None:
        fit(stage.intent, range(len(dev)), [example.intent for example in dev], extra)
        return
    fit(stage.domain, range(len(dev)), [example.domain for example in dev])
    for domain, second in stage.domain_intents.items():
        if not isinstance(second, str):
            members = [i for i, example in enumerate(dev) if example.domain == domain]
            fit(second, members, [dev[i].intent for i in members])


def choose_oos_threshold(model: FloatNLU, dev: Sequence[Example]) -> Optional[float]:
    """Confidence threshold maximizing the mean of in-scope accuracy and out-of-scope recall
    on dev; None when dev has no out-of-scope examples (then nothing is rejected)."""
    if not any(example.out_of_scope for example in dev) or all(e.out_of_scope for e in dev):
        return None
    saved, model.oos_threshold = model.oos_threshold, None
    parses = model.parse_batch([example.text for example in dev])
    model.oos_threshold = saved
    confidences = np.array([p.confidence for p in parses])
    predicted_oos = np.array([p.intent == OUT_OF_SCOPE for p in parses])
    correct = np.array([p.intent == e.intent for p, e in zip(parses, dev)])
    gold_oos = np.array([e.out_of_scope for e in dev])
    best, best_score = None, -1.0
    for threshold in np.unique(np.concatenate(([0.0], confidences))):
        rejected = predicted_oos | (confidences < threshold)
        in_scope_accuracy = np.mean(correct[~gold_oos] & ~rejected[~gold_oos])
        oos_recall = np.mean(rejected[gold_oos])
        score = (in_scope_accuracy + oos_recall) / 2
        if score > best_score + 1e-12:
            best, best_score = float(threshold), score
    return best or None


def threshold_for_wrong_actions(model: FloatNLU, dev: Sequence[Example], target: float) -> Optional[float]:
    """The lowest confidence threshold under which at most `target` of dev's examples are wrong
    actions (accepted with an in-scope intent other than theirs, out-of-scope ones included);
    None when no threshold is needed for that."""
    if not dev:
        return None
    saved, model.oos_threshold = model.oos_threshold, None
    parses = model.parse_batch([example.text for example in dev])
    model.oos_threshold = saved
    # Wrong acceptances must go, most confident last: the threshold is just above the k-th one.
    wrong = sorted((p.confidence for p, e in zip(parses, dev) if p.intent != OUT_OF_SCOPE and p.intent != e.intent),
                   reverse=True)
    allowed = int(np.floor(target * len(dev) + 1e-9))  # wrong actions that may pass
    if allowed >= len(wrong):
        return None
    return float(np.nextafter(wrong[allowed], 1.0))


def threshold_for_recall(model: FloatNLU, dev: Sequence[Example], target: float) -> Optional[float]:
    """The lowest confidence threshold under which at least `target` of dev's out-of-scope
    examples are refused (as out_of_scope or below the threshold); None when dev has none."""
    oos = [example for example in dev if example.out_of_scope]
    if not oos:
        return None
    saved, model.oos_threshold = model.oos_threshold, None
    parses = model.parse_batch([example.text for example in oos])
    model.oos_threshold = saved
    # Accepted ones must go: the threshold is just above the k-th most confident acceptance.
    accepted = sorted((p.confidence for p in parses if p.intent != OUT_OF_SCOPE), reverse=True)
    allowed = len(oos) - int(np.ceil(target * len(oos)))  # out-of-scope parses that may pass
    if allowed >= len(accepted):
        return None
    return float(np.nextafter(accepted[allowed], 1.0))


@dataclass
class PackOptions:
    weight_bits: int = 8
    fingerprint_bits: int = 8
    gamma: float = 1.0
    dead_zone: int = 0  # quantization steps dropped around zero, for tables not in dead_zones
    dead_zones: Dict[str, int] = field(default_factory=dict)  # packed model name -> steps

    def dead_zone_of(self, name: str) -> int:
        return self.dead_zones.get(name, self.dead_zone)


def _table_for(keys: List[str], weights: np.ndarray, bias: np.ndarray, options: PackOptions, dead_zone: int):
    """Quantize a float matrix (dropping weights in the dead zone, then empty rows) and pack its table."""
    quantized = quantize_rows(weights, options.weight_bits, weight_scale(weights, options.weight_bits), dead_zone)
    kept_keys = [keys[i] for i in quantized.kept]
    section, _ = build_table(kept_keys, quantized.values, quantize_wide(bias, quantized.scale),
                             options.weight_bits, options.fingerprint_bits, options.gamma)
    return section, quantized.scale


def _slot_values(bindings: Dict[str, dict], tables: dict) -> Dict[str, SlotResolution]:
    """The resolutions of bound slots; a list's values become a value-table section (numbered
    names: section names are short ASCII, slot names need not be)."""
    resolutions = {}
    for i, (slot, binding) in enumerate(sorted(bindings.items())):
        if "kind" in binding:
            resolutions[slot] = SlotResolution(kind=binding["kind"])
        else:
            tables[f"values.{i}"] = (KIND_VALUES, value_section(binding["values"]))
            resolutions[slot] = SlotResolution(list=binding["list"], table=f"values.{i}")
    return resolutions


def pack_nlu(model: FloatNLU, options: PackOptions = PackOptions(), provenance: Optional[dict] = None) -> bytes:
    """The .pnlu bytes of a trained pipeline. Deterministic: same model, same bytes."""
    tables, matrices, models = {}, {}, {}

    def add_classifier(name: str, classifier: FloatClassifier) -> ModelSpec:
        float_model = classifier.model
        section, scale = _table_for(float_model.features, float_model.weights, float_model.bias, options,
                                    options.dead_zone_of(name))
        tables[f"{name}.table"] = section
        models[name] = ModelSpec(name, "classifier", f"{name}.table", list(float_model.labels), scale,
                                 temperature=classifier.temperature)
        return models[name]

    stage = model.stage
    if stage.domain is None:
        pipeline = PipelineSpec(model.features, stage.threshold, intent=add_classifier("intent", stage.intent).name,
                                intent_domains=stage.intent_domains)
    else:
        domain = add_classifier("domain", stage.domain).name
        # Numbered names: section names are short ASCII, domain names need not be.
        domain_intents = {name: second if isinstance(second, str) else add_classifier(f"intent.{i}", second)
                          for i, (name, second) in enumerate(sorted(stage.domain_intents.items()))}
        pipeline = PipelineSpec(model.features, stage.threshold, domain=domain, domain_intents=domain_intents)
    if model.slots is not None:
        crf = model.slots
        section, scale = _table_for(crf.features, crf.weights, np.zeros(len(crf.labels)), options,
                                    options.dead_zone_of("slots"))
        tables["slots.table"] = section
        matrices["slots.transitions"] = quantize_wide(crf.transitions, scale)
        models["slots"] = ModelSpec("slots", "crf", "slots.table", list(crf.labels), scale, "slots.transitions")
        pipeline = replace(pipeline, slots="slots", slot_values=_slot_values(model.slot_values, tables))
    packing = {"weight_bits": options.weight_bits, "fingerprint_bits": options.fingerprint_bits,
               "gamma": options.gamma, "dead_zones": {name: options.dead_zone_of(name) for name in models}}
    return pack_file(nlu_metadata(models, pipeline, packing, provenance), tables, matrices)


# Dead zones tried per table, in quantization steps (of 127 at 8 bits). SNIPS slots keep their
# dev and test F1 at 3 steps, with a third fewer bytes; ATIS intents and slots lose from 1 step,
# and dev shows it. Wider zones lost test F1 that dev did not show (in-car slots at 6 steps:
# -0.5 point; SNIPS at 5: -0.7), hence 4 at most.
DEAD_ZONE_CANDIDATES = (0, 1, 2, 3, 4)


def choose_dead_zones(model: FloatNLU, dev: Sequence[Example], options: PackOptions,
                      progress: Callable[[str], None] = lambda message: None,
                      user_dev: Sequence[Example] = ()) -> PackOptions:
    """`options` with, for each packed model, the dead zone among DEAD_ZONE_CANDIDATES with the
    best compressed dev score (intent accuracy for classifiers, slot F1 for the CRF; the other
    tables without dead zone), ties to the widest; but for classifiers judged on a dev split too
    small to choose the classifier on (it was chosen by cross-validation), ties to the narrowest:
    one or two utterances per intent cannot show what a dead zone costs (the accuracy benchmark's
    float column at 60a666e: the widest tie lost 0.4 to 2.1 points on HINT3), and such small data
    gives files far under the budget without one. The classifiers are scored on `user_dev`
    when given, as they were chosen on it: L2 weights generalize to unseen phrasings through
    their many small weights, which a generated dev split cannot tell from noise. There they are
    scored on their decisions without the threshold: on a couple of hundred utterances, any
    change of the weights moves a few confidences across a threshold set on those same
    utterances, which would let that noise choose the dead zone."""
    from pocketnlu_tools.train.evaluate import evaluate

    limit = 2 ** (options.weight_bits - 1) - 1
    with tempfile.TemporaryDirectory(prefix="pocketnlu-dead-zone-") as directory:
        path = os.path.join(directory, "trial.pnlu")

        def dev_report(dead_zones, examples, thresholded=True):
            saved = model.oos_threshold
            if not thresholded:
                model.oos_threshold = None
            try:
                with open(path, "wb") as f:
                    f.write(pack_nlu(model, replace(options, dead_zone=0, dead_zones=dead_zones)))
            finally:
                model.oos_threshold = saved
            with open_model(path) as compressed:
                return evaluate(compressed, examples, measure_latency=False)

        baselines = {"dev": dev_report({}, dev)}
        if user_dev:
            baselines["user dev"] = dev_report({}, user_dev, thresholded=False)
        with ModelFile(path) as model_file:
            kinds = {name: spec["type"] for name, spec in model_file.meta["models"].items()}
        chosen = {}
        for name, kind in sorted(kinds.items()):
            metric = "slot_f1" if kind == "crf" else "intent_accuracy"
            judge = "user dev" if user_dev and kind != "crf" else "dev"
            examples = user_dev if judge == "user dev" else dev
            if baselines[judge][metric] is None:
                continue
            scores = {0: baselines[judge][metric]}
            for steps in (s for s in DEAD_ZONE_CANDIDATES if 0 < s < limit):
                scores[steps] = dev_report({name: steps}, examples, thresholded=judge == "dev")[metric]
                progress(f"dead zone {steps} on {name}: {judge} {metric} {scores[steps]:.4f} (none: {scores[0]:.4f})")
            untold = judge == "dev" and kind != "crf" and model.selection is not None \
                and model.selection.intents_chosen_by == "cross-validation"
            chosen[name] = max(scores, key=lambda steps: (scores[steps], -steps if untold else steps))
    return replace(options, dead_zone=0, dead_zones=chosen)


def uncompressed_bytes(model: FloatNLU) -> int:
    """The float model stored plainly: each kept feature string in UTF-8 plus a 4-byte float per
    weight (the classifier's rows are dense over its labels; crfsuite stores only nonzero
    (feature, label) weights and nonzero transitions), plus biases."""
    def key_bytes(keys):
        buf, _ = encode_keys(keys)
        return len(buf)

    total = 0
    for classifier in model.stage.classifiers:
        linear = classifier.model
        n_rows, n_labels = linear.weights.shape
        total += key_bytes(linear.features) + 4 * n_rows * n_labels + 4 * len(linear.bias)
    if model.slots is not None:
        crf = model.slots
        total += key_bytes(crf.features) + 4 * int(np.count_nonzero(crf.weights))
        total += 4 * int(np.count_nonzero(crf.transitions))
    return total
