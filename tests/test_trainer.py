"""The Python training API: Trainer(**options).fit(data) -> trainer, .save(path), .report_."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

import pocketnlu

pytest.importorskip("sklearn")
pytest.importorskip("pycrfsuite")

from pocketnlu_tools import Example, Slot, Trainer  # noqa: E402

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "datasets" / "massive.jsonl"


def test_fit_returns_the_trainer_and_save_writes_a_model_that_parses(tmp_path):
    trainer = Trainer(fingerprint_bits=12)
    assert trainer.fit(FIXTURE) is trainer
    assert trainer.save(tmp_path / "m.pnlu") is trainer
    assert trainer.report_["output"] == str(tmp_path / "m.pnlu")
    assert (tmp_path / "m.pnlu").read_bytes() == trainer.model_bytes_
    with pocketnlu.open(tmp_path / "m.pnlu") as model:
        assert model.meta["options"]["fingerprint_bits"] == 12
        example = trainer.train_[0]
        assert model.parse(example.text).intent == example.intent


def test_report_is_what_train_json_prints(tmp_path):
    report = Trainer().fit(FIXTURE).save(tmp_path / "api.pnlu").report_
    cli = subprocess.run([sys.executable, "-m", "pocketnlu.cli", "train", str(FIXTURE), "-o", str(tmp_path / "cli.pnlu"),
                          "--json"], capture_output=True, text=True, check=True)
    printed = json.loads(cli.stdout)
    assert printed.keys() == report.keys()
    assert (tmp_path / "cli.pnlu").read_bytes() == (tmp_path / "api.pnlu").read_bytes()
    assert printed["compressed"] == report["compressed"]


def test_fit_takes_a_list_of_examples_and_is_deterministic():
    words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"]
    examples = [Example(f"call {w}", "call", slots=(Slot("contact", 5, 5 + len(w)),)) for w in words]
    examples += [Example(f"play {w} music", "play") for w in words]
    first, second = Trainer().fit(examples), Trainer().fit(examples)
    assert first.model_bytes_ == second.model_bytes_
    assert first.report_["held_out"] == "dev"
    assert first.model_.slots is not None


def test_save_before_fit_and_bad_data_are_refused(tmp_path):
    with pytest.raises(RuntimeError, match="before fit"):
        Trainer().save(tmp_path / "m.pnlu")
    with pytest.raises(TypeError, match="dataset path or a list"):
        Trainer().fit([("call mom", "call")])
    assert not (tmp_path / "m.pnlu").exists()


def test_max_wrong_actions_sets_the_lowest_threshold_meeting_it_on_dev():
    from pocketnlu.nlu import OUT_OF_SCOPE, Parse
    from pocketnlu_tools.train.pipeline import threshold_for_wrong_actions

    class Parses:  # what the threshold is chosen from: dev parses without a threshold
        oos_threshold = 0.4

        def parse_batch(self, texts):
            return [Parse(text, None, intent, confidence) for text, (intent, confidence) in zip(texts, self.decisions)]

    dev = [Example(str(i), intent) for i, intent in enumerate(["a", "a", "b", "b", OUT_OF_SCOPE, OUT_OF_SCOPE, "a", "b", "a", "b"])]
    model = Parses()
    # Wrong actions at 0.9 (b for a), 0.7 (accepted out of scope) and 0.5 (a for b); the rest right or refused.
    model.decisions = [("b", 0.9), ("a", 0.95), ("b", 0.8), ("a", 0.5), ("a", 0.7), (OUT_OF_SCOPE, 0.6),
                       ("a", 0.99), ("b", 0.85), ("a", 0.6), ("b", 0.65)]
    assert threshold_for_wrong_actions(model, dev, 0.0) > 0.9
    assert 0.7 < threshold_for_wrong_actions(model, dev, 0.1) <= 0.7 + 1e-9
    assert 0.5 < threshold_for_wrong_actions(model, dev, 0.2) <= 0.5 + 1e-9
    assert threshold_for_wrong_actions(model, dev, 0.3) is None
    assert model.oos_threshold == 0.4  # restored


def test_threshold_options_exclude_each_other():
    with pytest.raises(ValueError, match="give one of"):
        Trainer(oos_target_recall=0.9, max_wrong_actions=0.05)
    with pytest.raises(ValueError, match="max_wrong_actions must be in"):
        Trainer(max_wrong_actions=1.0)


def test_max_wrong_actions_holds_for_the_compressed_model_on_dev(tmp_path):
    from pocketnlu_tools.train.evaluate import evaluate

    requests = ["what is the meaning of life", "sing me a song about cats", "how tall is mount everest",
                "book a table for two", "what's the capital of peru", "tell me a joke"]
    dev = [Example(text, "out_of_scope") for text in requests]  # each accepted by a model without refusals
    trainer = Trainer(max_wrong_actions=0.0, dev=dev).fit(FIXTURE).save(tmp_path / "m.pnlu")
    assert trainer.report_["oos_threshold"] is not None
    with pocketnlu.open(tmp_path / "m.pnlu") as model:
        assert evaluate(model, trainer.dev_, measure_latency=False)["wrong_action_rate"] == 0.0


def test_user_dev_chooses_the_intent_classifier_and_sets_temperature_and_threshold(tmp_path):
    from pocketnlu_tools.train.evaluate import evaluate
    from pocketnlu_tools.train.pipeline import INTENT_CANDIDATES, L2_CANDIDATES

    requests = ["what is the meaning of life", "sing me a song about cats", "how tall is mount everest",
                "book a table for two", "what's the capital of peru", "tell me a joke"]
    plain = Trainer().fit(FIXTURE)
    # As users say them: some of the held-out requests (the slots are not needed), and refusals.
    user_dev = [Example(e.text, e.intent) for e in plain.test_[:12]] + [Example(t, "out_of_scope") for t in requests]
    trainer = Trainer(max_wrong_actions=0.0, user_dev=user_dev).fit(FIXTURE).save(tmp_path / "m.pnlu")
    assert trainer.dev_ == plain.dev_ and trainer.train_ == plain.train_  # never trained on
    assert trainer.report_["calibrated_on"] == {"data": "user dev", "utterances": len(user_dev), "out_of_fold_train": 0,
                                                # the fixture's only general_joke utterance is in test
                                                "unknown_intents": ["general_joke"]}
    assert plain.report_["calibrated_on"] == {"data": "dev", "utterances": len(plain.dev_), "out_of_fold_train": 0,
                                             "unknown_intents": []}
    chosen = trainer.report_["selected_on_dev"]
    assert chosen["intents_chosen_by"] == "user dev"
    assert len(chosen["dev_intent_accuracy"]) == len(INTENT_CANDIDATES) + len(L2_CANDIDATES)
    assert trainer.model_.stage.intent.temperature != plain.model_.stage.intent.temperature
    assert trainer.report_["oos_threshold"] is not None
    with pocketnlu.open(tmp_path / "m.pnlu") as model:  # the cap holds on the user dev set, on the device
        assert evaluate(model, user_dev, measure_latency=False)["wrong_action_rate"] == 0.0


def test_empty_user_dev_data_is_refused():
    with pytest.raises(ValueError, match="user dev data has no utterances"):
        Trainer(user_dev=[]).fit(FIXTURE)


def test_train_says_where_calibration_and_threshold_were_chosen(tmp_path):
    user_dev = tmp_path / "real_requests.csv"
    user_dev.write_text("text,intent\nwhat is the meaning of life,out_of_scope\ntell me a joke,out_of_scope\n"
                        "order me a pizza,order_food\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "pocketnlu.cli", "train", str(FIXTURE), "-o", str(tmp_path / "m.pnlu"),
                             "--user-dev", str(user_dev), "--max-wrong-actions", "0"],
                            capture_output=True, text=True, check=True)
    assert "calibration and out-of-scope threshold chosen on user dev (3 utterances): threshold " in result.stdout
    assert "[train] user dev: 3 utterances, 2 out of scope" in result.stderr
    assert ("warning: the user dev has intents the training data lacks, which the model can never give: order_food"
            in result.stdout)


def test_user_dev_keeps_the_domains_a_hierarchical_model_calibrates_on():
    user_dev = [Example("is it cold outside", "weather_query", "weather", slots=(Slot("weather_descriptor", 6, 10),)),
                Example("tell me a joke", "out_of_scope")]
    trainer = Trainer(hierarchical=True, user_dev=user_dev).fit(FIXTURE)
    assert trainer.report_["selected_on_dev"]["intents_chosen_by"] == "user dev"
    assert trainer._user_dev() == [Example("is it cold outside", "weather_query", "weather"),
                                   Example("tell me a joke", "out_of_scope")]
