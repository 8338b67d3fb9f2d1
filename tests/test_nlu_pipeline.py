"""Train -> pack -> parse round trip on a slice of the in-car data, float vs compressed parity,
the Python API and the train/parse/eval command line."""
import json
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("sklearn")
pytest.importorskip("pycrfsuite")

import pocketnlu  # noqa: E402
from pocketnlu.errors import InputError  # noqa: E402
from pocketnlu_tools.data.readers import load_dataset  # noqa: E402
from pocketnlu_tools.train.evaluate import evaluate  # noqa: E402
from pocketnlu_tools.train.pipeline import (  # noqa: E402
    PackOptions, bio_tags, choose_dead_zones, pack_nlu, train_nlu,
)
from pocketnlu_tools.pack.writer import write_atomically  # noqa: E402

from pocketnlu_tools.data.incar import TEMPLATES as INCAR
DOMAINS = ("climate", "media", "none")


def subset(split):
    return [e for e in load_dataset(INCAR).splits[split] if e.domain in DOMAINS]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    model = train_nlu(subset("train"))
    path = tmp_path_factory.mktemp("nlu") / "small.pnlu"
    write_atomically(path, pack_nlu(model, PackOptions(weight_bits=8, fingerprint_bits=12)))
    return model, path


def test_bio_tags_follow_character_spans():
    from pocketnlu.features import tokenize
    from pocketnlu_tools.data.records import Example, Slot

    example = Example("set it to 72°F please", "set_temperature", "climate",
                      (Slot("temperature", 10, 12), Slot("temperature_unit", 12, 14)))
    assert bio_tags(example, tokenize(example.text)) == ["O", "O", "O", "B-temperature", "O"]
    example = Example("play blue in green now", "play_song", "media", (Slot("song", 5, 18),))
    assert bio_tags(example, tokenize(example.text)) == ["O", "B-song", "I-song", "I-song", "O"]


def test_compressed_model_matches_the_float_model(trained):
    model, path = trained
    test = subset("test")
    with pocketnlu.open(path) as compressed:
        float_report = evaluate(model, test, measure_latency=False)
        packed_report = evaluate(compressed, test, measure_latency=False)
        agreement = np.mean([a.intent == b.intent for a, b in zip(model.parse_batch([e.text for e in test]),
                                                                   compressed.parse_batch([e.text for e in test]))])
    # Measured 0.93 and 0.91 on the in-car templates' test split (paraphrases, fillers, typed text).
    assert float_report["intent_accuracy"] >= 0.9 and float_report["slot_f1"] >= 0.87
    assert abs(packed_report["intent_accuracy"] - float_report["intent_accuracy"]) <= 0.01
    assert abs(packed_report["slot_f1"] - float_report["slot_f1"]) <= 0.01
    assert agreement >= 0.99


def test_dead_zones_drop_small_weights_and_are_chosen_on_dev(trained, tmp_path):
    from pocketnlu.modelfile import ModelFile
    from pocketnlu.table import WeightTable

    model, _ = trained
    dev = subset("dev")
    options = choose_dead_zones(model, dev, PackOptions())
    assert set(options.dead_zones) == {"intent", "slots"} and all(0 <= s <= 4 for s in options.dead_zones.values())
    sizes, reports = {}, {}
    for name, chosen in (("none", PackOptions()), ("chosen", options), ("all 4", PackOptions(dead_zone=4))):
        path = tmp_path / f"{name}.pnlu"
        write_atomically(path, pack_nlu(model, chosen))
        sizes[name] = path.stat().st_size
        with ModelFile(path) as model_file:
            assert model_file.meta["options"]["dead_zones"] == {m: chosen.dead_zone_of(m) for m in ("intent", "slots")}
            for table in ("intent.table", "slots.table"):
                assert WeightTable(model_file, table).n_pairs > 0
        with pocketnlu.open(path) as compressed:
            reports[name] = evaluate(compressed, dev, measure_latency=False)
    assert sizes["all 4"] < sizes["none"] and sizes["chosen"] <= sizes["none"]
    # Each table's choice is at least as good on dev as no dead zone; together they may interact
    # (the CRF sees the predicted intent), so allow one utterance.
    assert reports["chosen"]["intent_accuracy"] >= reports["none"]["intent_accuracy"] - 1 / len(dev)
    assert reports["chosen"]["slot_f1"] >= reports["none"]["slot_f1"] - 0.005


def test_a_dead_zone_drops_exactly_the_weights_within_it():
    from pocketnlu_tools.pack.quantize import quantize_rows

    weights = np.array([[0.0, 0.01, -0.02, 1.27], [0.03, -0.03, 0.0, 0.0], [0.005, 0.0, 0.0, 0.0]])
    rows = quantize_rows(weights, 8, dead_zone=2)  # scale 0.01: q = 0, 1, -2, 127 / 3, -3 / 0
    assert rows.kept.tolist() == [0, 1]
    assert rows.values.tolist() == [[0, 0, 0, 127], [3, -3, 0, 0]]
    with pytest.raises(ValueError, match="dead zone"):
        quantize_rows(weights, 4, dead_zone=7)


def test_parse_gives_domain_intent_and_slots_with_offsets(trained):
    _, path = trained
    text = "Set the temperature to 72 degrees please"
    with pocketnlu.open(path) as model:
        result = model.parse(text)
    assert (result.domain, result.intent) == ("climate", "set_temperature")
    assert 0.0 < result.confidence <= 1.0
    assert [(s.slot, s.value) for s in result.slots] == [("temperature", "72")]
    assert all(text[s.start:s.end] == s.value for s in result.slots)


def test_hierarchical_model_routes_by_domain(tmp_path):
    model = train_nlu(subset("train"), hierarchical=True)
    assert model.stage.domain is not None and model.stage.domain_intents["none"] == "out_of_scope"
    path = tmp_path / "hierarchical.pnlu"
    write_atomically(path, pack_nlu(model))
    test = subset("test")
    with pocketnlu.open(path) as compressed:
        result = compressed.parse("turn off the air conditioning")
        assert (result.domain, result.intent) == ("climate", "turn_off_ac")
        assert compressed.parse("tell me a joke").domain is None
        assert evaluate(compressed, test, measure_latency=False)["intent_accuracy"] >= 0.9
        decisions = lambda parses: [(p.domain, p.intent, p.slots) for p in parses]
        texts = [e.text for e in test]
        agreement = np.mean([a == b for a, b in zip(decisions(compressed.parse_batch(texts)),
                                                     decisions(model.parse_batch(texts)))])
        assert agreement >= 0.99


def test_parse_batch_equals_parse(trained):
    _, path = trained
    texts = [e.text for e in subset("test")[:40]] + ["", "   "]
    with pocketnlu.open(path) as model:
        assert model.parse_batch(texts) == [model.parse(t) for t in texts]


def test_awkward_inputs(trained):
    _, path = trained
    with pocketnlu.open(path) as model:
        assert model.parse("").intent == "out_of_scope"
        assert model.parse("   \t\n").intent == "out_of_scope"
        assert model.parse("play some jazz".encode()).intent.startswith("play")
        with pytest.raises(InputError, match="UTF-8"):
            model.parse(b"play \xff\xfe")
        with pytest.raises(InputError):
            model.parse(42)
        assert model.parse("\ud800 lone surrogate").intent  # no crash on unencodable text
        long = model.parse("turn up the heat " * 100_000)
        assert long.truncated
    with pytest.raises(pocketnlu.ModelClosedError, match="closed"):
        model.parse("turn on the ac")


def test_unknown_features_change_nothing(trained):
    _, path = trained
    with pocketnlu.open(path) as model:
        plain = model.parse("turn on the ac")
        noisy = model.parse("turn on the ac zzqx")
    assert plain.intent == noisy.intent


def run_cli(*args, timeout=600):
    return subprocess.run([sys.executable, "-m", "pocketnlu.cli", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout)


def test_cli_train_parse_eval(tmp_path):
    data = tmp_path / "small.csv"
    rows = ["text,intent,domain"] + [f"{e.text.replace(',', ' ')},{e.intent},{e.domain}"
                                     for e in subset("train")[:600]]
    data.write_text("\n".join(rows) + "\n")
    model = tmp_path / "small.pnlu"
    result = run_cli("train", data, "-o", model, "--json", "--weight-bits", "6", "--fingerprint-bits", "4",
                     "--dead-zone", "1")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["dead_zones"] == {"intent": 1}  # CSV has no slots
    for key in ("float", "compressed"):
        assert set(report[key]) >= {"intent_accuracy", "slot_f1"}
    assert report["file_bytes"] == model.stat().st_size
    assert report["uncompressed_bytes"] > report["file_bytes"]

    result = run_cli("parse", model, "turn off the air conditioning", "--json")
    assert result.returncode == 0, result.stderr
    parsed = json.loads(result.stdout)
    assert set(parsed) >= {"text", "domain", "intent", "confidence", "slots"}

    result = run_cli("eval", model, data, "--json")
    assert result.returncode == 0, result.stderr
    assert set(json.loads(result.stdout)) >= {"intent_accuracy", "slot_f1", "n", "latency_us_p50",
                                              "latency_us_p99"}


def test_cli_train_reports_a_broken_dataset(tmp_path):
    data = tmp_path / "broken.csv"
    data.write_text("text,intent\nturn on the ac,turn_on_ac\nno intent here\n")
    result = run_cli("train", data, "-o", tmp_path / "never.pnlu")
    assert result.returncode == 2
    assert "broken.csv:3" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "never.pnlu").exists()


def _few_per_intent():
    from pocketnlu_tools.data.records import Example

    words = {"lights_on": ["lamp", "bright", "light"], "music_play": ["song", "tune", "track"],
             "call": ["phone", "ring", "dial"]}
    rng = np.random.default_rng(0)
    examples = [Example(f"{rng.choice(['please', 'can you', 'now'])} {word} {rng.choice(['up', 'on', 'it'])}", intent)
                for intent, choices in words.items() for word in choices for _ in range(3)]
    return examples


def test_a_small_dev_split_gives_way_to_cross_validation_on_train():
    from pocketnlu_tools.train.pipeline import L2_CANDIDATES, INTENT_CANDIDATES, MIN_DEV_PER_INTENT

    examples = _few_per_intent()
    small_dev = examples[:MIN_DEV_PER_INTENT * 3 - 1]
    model = train_nlu(examples, dev=small_dev, with_slots=False)
    assert model.selection.intents_chosen_by == "cross-validation"  # and L2 candidates join
    assert len(model.selection.dev_intent_accuracy) == len(INTENT_CANDIDATES) + len(L2_CANDIDATES)
    assert all(0 <= accuracy <= 1 for accuracy in model.selection.dev_intent_accuracy)
    large_dev = examples * 2
    on_dev = train_nlu(examples, dev=large_dev, with_slots=False).selection
    assert on_dev.intents_chosen_by == "dev" and len(on_dev.dev_intent_accuracy) == len(INTENT_CANDIDATES)


def test_cross_validation_calibrates_on_the_out_of_fold_scores_too():
    from pocketnlu.features import WordBatch, prepare
    from pocketnlu_tools.data.records import Example
    from pocketnlu_tools.train.calibration import fit_temperature
    from pocketnlu_tools.train.pipeline import calibrate

    # Words an intent's utterances rarely repeat: held out, an utterance's word is often unseen,
    # so the folds err where the full model (which trained on it) is sure. One intent with a
    # single utterance: the fold that holds it out has no such label.
    words = {"lights_on": ["lamp", "bright", "light", "glow", "shine", "beam"],
             "music_play": ["song", "tune", "track", "melody", "album", "record"],
             "call": ["phone", "ring", "dial", "contact", "number", "mobile"]}
    rng = np.random.default_rng(1)
    examples = [Example(f"{rng.choice(['please', 'can you', 'now', 'hey'])} {rng.choice(choices)} "
                        f"{rng.choice(['up', 'on', 'it', 'there'])}", intent)
                for intent, choices in words.items() for _ in range(8)] + [Example("set an alarm", "alarm")]
    small_dev = examples[:4]
    model = train_nlu(examples, dev=small_dev, with_slots=False)
    scores, gold = model.out_of_fold
    labels = model.stage.intent.labels
    assert scores.shape == (len(gold), len(labels)) and len(gold) == len(examples) - 1
    alarm = np.isinf(scores[:, labels.index("alarm")])  # -inf where the fold trained without it
    assert "alarm" not in gold and alarm.any() and not alarm.all() and np.isfinite(scores[~alarm]).all()
    full = model.stage.intent.scores(WordBatch([prepare(e.text)[0] for e in examples if e.intent != "alarm"],
                                               model.features))
    assert np.mean(full.max(axis=1)) > np.mean(scores.max(axis=1))  # the folds never saw these utterances
    calibrate(model, small_dev)
    dev_scores = model.stage.intent.scores(WordBatch([prepare(e.text)[0] for e in small_dev], model.features))
    both = np.vstack([dev_scores, scores])
    targets = [labels.index(e.intent) for e in small_dev] + [labels.index(g) for g in gold]
    assert model.stage.intent.temperature == pytest.approx(fit_temperature(both, targets))
    # four dev utterances alone, all right: the temperature falls to its bound (peaked, overconfident)
    assert model.stage.intent.temperature > 10 * fit_temperature(dev_scores, [labels.index(e.intent) for e in small_dev])
    on_dev = train_nlu(examples, dev=examples * 2, with_slots=False)
    assert on_dev.out_of_fold is None  # chosen on dev: calibrated on dev alone


def test_a_dev_split_too_small_to_choose_on_keeps_the_narrowest_of_tied_dead_zones():
    examples = _few_per_intent()
    small_dev = examples[:4]  # every dead zone gets the four right: a tie dev cannot break
    model = train_nlu(examples, dev=small_dev, with_slots=False)
    assert model.selection.intents_chosen_by == "cross-validation"
    assert choose_dead_zones(model, small_dev, PackOptions()).dead_zones == {"intent": 0}
    model.selection.intents_chosen_by = "dev"  # a dev split that chose the classifier: ties to the widest
    assert choose_dead_zones(model, small_dev, PackOptions()).dead_zones["intent"] > 0


def test_an_l2_candidate_keeps_every_feature_until_the_dead_zone():
    from pocketnlu_tools.train.models import train_classifier

    examples = _few_per_intent()
    groups = [[f"w={word}" for word in example.text.split()] for example in examples]
    intents = [example.intent for example in examples]
    l1 = train_classifier(groups, intents, C=50.0)
    l2 = train_classifier(groups, intents, penalty="l2", C=1.0)
    assert l2.nonzero_weights > l1.nonzero_weights
    assert l2.nonzero_weights == len(l2.features) * len(l2.labels)
    with pytest.raises(ValueError, match="penalty"):
        train_classifier(groups, intents, penalty="elasticnet")


def test_a_model_without_slots_reports_no_slot_f1(trained, tmp_path):
    examples = subset("test")[:60]
    assert any(example.slots for example in examples)
    intents_only = train_nlu(subset("train")[:400], with_slots=False)
    assert evaluate(intents_only, examples, measure_latency=False)["slot_f1"] is None
    path = tmp_path / "intents.pnlu"
    write_atomically(path, pack_nlu(intents_only))
    with pocketnlu.open(path) as compressed:
        assert evaluate(compressed, examples, measure_latency=False)["slot_f1"] is None
    model, packed = trained
    assert evaluate(model, examples, measure_latency=False)["slot_f1"] > 0.5


def test_user_dev_judges_the_classifier_dead_zones(trained):
    """The classifiers' dead zones are scored on the user dev set when there is one, the CRF's
    still on dev."""
    from pocketnlu_tools.data.records import Example

    model, _ = trained
    dev = subset("dev")
    progress = []
    on_user_dev = choose_dead_zones(model, dev, PackOptions(), progress.append,
                                    user_dev=[Example(e.text, e.intent) for e in dev[::2]])
    assert "intent" in on_user_dev.dead_zones
    assert any(line.startswith("dead zone 1 on intent: user dev intent_accuracy") for line in progress)
    assert any(line.startswith("dead zone 1 on slots: dev slot_f1") for line in progress)
    # judged on the decisions without the threshold, which is restored afterwards
    saved, model.oos_threshold = model.oos_threshold, 0.999
    try:
        strict = choose_dead_zones(model, dev, PackOptions(), user_dev=[Example(e.text, e.intent) for e in dev[::2]])
    finally:
        model.oos_threshold = saved
    assert strict.dead_zones["intent"] == on_user_dev.dead_zones["intent"]
