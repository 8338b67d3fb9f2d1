"""The accuracy benchmark's pure parts on tiny fixtures: HINT3 folders, the merged dataset,
operating points, recall at equal in-scope accuracy, the peers' dev threshold and the rendering."""
import csv

import numpy as np
import pytest

from pocketnlu_tools.bench import accuracy, peers, sweep
from pocketnlu_tools.data.readers import load_dataset
from pocketnlu_tools.data.records import OUT_OF_SCOPE, Example, Slot

OOS = OUT_OF_SCOPE


def write_csv(path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)


def test_clean_csv_rows_drops_unnamed_columns_and_refuses_ragged_rows():
    rows = [["sentence", "label", ""], ["hi there", "GREET", ""], ["my winnings", "WIN", "Earlier was X"]]
    assert accuracy.clean_csv_rows(rows) == [["sentence", "label"], ["hi there", "GREET"], ["my winnings", "WIN"]]
    assert accuracy.clean_csv_rows([["a", "b"], ["1", "2"]]) == [["a", "b"], ["1", "2"]]
    with pytest.raises(ValueError, match="row 2"):
        accuracy.clean_csv_rows([["sentence", "label", ""], ["short", "X"]])


def test_hint3_folder_links_clean_files_and_copies_the_others(tmp_path):
    root = tmp_path / "hint3"
    write_csv(root / "dataset/v2/train/toy_train.csv",
              [["sentence", "label", ""], ["order my product", "ORDER", ""], ["where is my order", "TRACK", "note"]])
    write_csv(root / "dataset/v2/test/toy_test.csv",
              [["sentence", "label"], ["order it", "ORDER"], ["hy", "NO_NODES_DETECTED"]])
    folder = accuracy.hint3_folder(root, "toy", tmp_path / "work" / "toy")
    assert (folder / "test.csv").is_symlink() and not (folder / "train.csv").is_symlink()
    with pytest.raises(ValueError):  # the reader refuses the unnamed column: why the copy exists
        load_dataset(root / "dataset/v2/train/toy_train.csv")
    dataset = load_dataset(folder, oos_label="NO_NODES_DETECTED")
    assert [e.intent for e in dataset.splits["train"]] == ["ORDER", "TRACK"]
    assert [e.intent for e in dataset.splits["test"]] == ["ORDER", OOS]


def test_merge_prefixes_clashing_intents_keeps_splits_and_drops_slots(tmp_path):
    slot = (Slot("artist", 5, 10),)
    sources = {
        "snips": {"train": [Example("play queen", "PlayMusic", slots=slot), Example("hello", "Greet")],
                  "test": [Example("play abba", "PlayMusic")]},
        "incar": {"train": [Example("hi car", "Greet", "misc"), Example("order pizza", OOS)],
                  "dev": [Example("next song", "next_track", "media")]},
    }
    assert accuracy.clashing_intents(sources) == {"Greet"}
    merged = accuracy.merge_datasets(sources)
    assert {split: [(e.intent, e.slots) for e in examples] for split, examples in merged.items()} == {
        "train": [("PlayMusic", ()), ("snips_Greet", ()), ("incar_Greet", ()), (OOS, ())],
        "test": [("PlayMusic", ())], "dev": [("next_track", ())]}
    assert accuracy.merge_datasets(sources, slots=True)["train"][0].slots == slot
    dataset = load_dataset(accuracy.write_csv_splits(merged, tmp_path / "merged"))
    assert {name: len(examples) for name, examples in dataset.splits.items()} == {"train": 4, "dev": 1, "test": 1}
    assert dataset.splits["dev"][0].domain == "media" and dataset.splits["train"][0].domain is None


# Five in-scope examples (a, a, b, b, c) and three out of scope, as raw decisions.
GOLD = ["a", "a", "b", "b", "c", OOS, OOS, OOS]
PREDICTED = ["a", "a", "b", "c", "c", "a", OOS, "b"]
CONFIDENCE = [0.9, 0.5, 0.8, 0.7, 0.3, 0.6, 0.9, 0.2]


def test_operating_point_with_and_without_threshold():
    plain = accuracy.operating_point(PREDICTED, CONFIDENCE, GOLD)
    assert plain["intent_accuracy"] == pytest.approx(5 / 8)
    assert (plain["in_scope_hits"], plain["in_scope_accuracy"], plain["oos_recall"]) == (4, 4 / 5, 1 / 3)
    refusing = accuracy.operating_point(PREDICTED, CONFIDENCE, GOLD, threshold=0.55)
    # 0.5 (a, right) and 0.3 (c, right) are refused; so are the out-of-scope 0.2 and the OOS class
    assert (refusing["in_scope_hits"], refusing["oos_recall"]) == (2, 2 / 3)
    assert refusing["intent_accuracy"] == pytest.approx(4 / 8)
    assert accuracy.operating_point(PREDICTED, CONFIDENCE, GOLD, probabilities=False)["ece"] is None
    no_oos = accuracy.operating_point(["a", "b"], [0.9, 0.8], ["a", "a"])
    assert no_oos["in_scope_accuracy"] is None and no_oos["oos_recall"] is None and no_oos["intent_accuracy"] == 0.5


def test_recall_at_in_scope_takes_the_highest_threshold_keeping_the_hits():
    recall = lambda hits: accuracy.recall_at_in_scope(PREDICTED, CONFIDENCE, GOLD, hits)  # noqa: E731
    # right in-scope confidences, highest first: 0.9, 0.8, 0.5, 0.3
    assert recall(4) == pytest.approx(2 / 3)  # threshold 0.3: the OOS class and 0.2 refuse
    assert recall(3) == pytest.approx(2 / 3)  # threshold 0.5: still not the 0.6
    assert recall(2) == 1.0  # threshold 0.8: the 0.6 as well
    assert recall(0) == 1.0
    assert recall(5) is None  # only 4 are right at any threshold


def test_dev_threshold_follows_pocketnlus_rule():
    dev = [Example(f"u{i}", gold) for i, gold in enumerate(GOLD)]
    # mean of in-scope accuracy and OOS recall: (4/5 + 1/3) / 2 with no threshold, (4/5 + 2/3) / 2 at 0.3
    # (the best), (3/5 + 2/3) / 2 at 0.5, (2/5 + 1) / 2 at 0.7
    assert accuracy.dev_threshold(dev, PREDICTED, CONFIDENCE) == 0.3
    assert accuracy.dev_threshold(dev[:5], PREDICTED[:5], CONFIDENCE[:5]) is None  # no out of scope in dev


def system(name, kind, predicted=None, threshold=None, **figures):
    point = accuracy.operating_point(predicted, CONFIDENCE, GOLD, threshold) if predicted else {}
    return {"name": name, "kind": kind, "predicted": predicted, "confidence": CONFIDENCE, "threshold": threshold,
            "probabilities": True, "slot_f1": None, "chosen": "", **point, **figures}


def test_render_and_shortfalls_on_a_made_up_run():
    better = ["a", "a", "b", "b", "c", "a", OOS, "b"]  # every in-scope example right
    run = {"name": "toy", "about": "a toy set", "n_train": 10, "n_dev": 2, "n_test": 8, "n_oos": 3,
           "oos_in_train": False, "intents": 3, "slots": False, "gold": GOLD, "background": None, "seconds": 1.0,
           "systems": [system("pocketnlu", "pocketnlu", PREDICTED, bytes=4000, train_seconds=2.0,
                              float_intent_accuracy=0.9),
                       system("scikit-learn tf-idf word 1-2 + char_wb 2-5 + LinearSVC", "peer", better, bytes=9000,
                              train_seconds=1.0),
                       system("fastText", "peer", better, bytes=800, train_seconds=0.5)]}
    levels = accuracy.matched_levels(run)
    assert [(level["hits"], sorted(level["at"])) for level in levels] == [
        (5, ["fastText", "scikit-learn tf-idf word 1-2 + char_wb 2-5 + LinearSVC"]), (4, ["pocketnlu"])]
    assert levels[0]["recall"]["pocketnlu"] is None and levels[1]["recall"]["fastText"] == pytest.approx(2 / 3)
    lines = accuracy.shortfalls(run)
    assert any("in-scope accuracy 80.00% against 100.00% (scikit-learn LinearSVC), 20.00 points below "
               "(paired bootstrap 95% interval of the difference" in line for line in lines)
    assert any("file 4,000 bytes, 5.0x fastText's 800" in line for line in lines)
    assert any("training 2 s against 0 s for fastText" in line for line in lines)
    assert any("compressed intent accuracy 62.50% against the float model's 90.00%, 27.50 points lost" in line
               for line in lines)
    text = accuracy.render_run(run, "python -m pocketnlu_tools.bench.accuracy --datasets toy", (1.0, 2.0))
    assert text.startswith("### toy") and "Command: `python -m pocketnlu_tools.bench.accuracy --datasets toy`" in text
    assert "- toy, pocketnlu: in-scope accuracy 80.00%" in text  # its own shortfalls
    assert "At equal in-scope accuracy" in accuracy.render_legend()
    assert "| scikit-learn LinearSVC | 75.00 | n/a | 100.00 | 33.33 |" in text
    assert "Out-of-scope recall % at equal in-scope accuracy" in text and "| pocketnlu | — | 66.7 |" in text


def test_the_paired_interval_brackets_the_difference_and_spans_zero_for_ties():
    ours = accuracy.correct_flags(system("pocketnlu", "pocketnlu", PREDICTED), GOLD, in_scope=True)
    assert ours.tolist() == [1, 1, 1, 0, 1]
    low, high = accuracy.paired_interval(ours, np.ones(5))
    assert -1.0 <= low <= -0.2 <= high <= 0.0  # one of five worse: the difference is -0.2 or, resampled, near it
    refused = accuracy.correct_flags(system("p", "pocketnlu", PREDICTED, threshold=0.55), GOLD)
    assert refused.tolist() == [1, 0, 1, 0, 0, 0, 1, 1]  # below 0.55 is refused: right for the out of scope
    same = np.array([1.0, 0.0] * 50)
    assert accuracy.paired_interval(same, same) == (0.0, 0.0)
    rng = np.random.default_rng(1)
    noisy = accuracy.paired_interval((rng.random(200) < 0.8).astype(float), (rng.random(200) < 0.8).astype(float))
    assert noisy[0] < 0 < noisy[1]  # two systems of equal accuracy: the interval spans zero


def test_in_scope_ece_scores_only_the_in_scope_utterances():
    from pocketnlu_tools.train.calibration import expected_calibration_error

    ours = system("pocketnlu", "pocketnlu", PREDICTED)
    expected = expected_calibration_error(CONFIDENCE[:5], [True, True, True, False, True])
    assert accuracy.in_scope_ece(ours, GOLD) == pytest.approx(expected)
    assert accuracy.in_scope_ece({**ours, "probabilities": False}, GOLD) is None  # LinearSVC: no probabilities
    assert accuracy.in_scope_ece(ours, ["a"] * 8) is None  # no out of scope: the ECE column says it


def test_sweep_uses_the_shared_peers():
    assert sweep.sklearn_peers is peers.sklearn_peers and sweep.crfsuite_peer is peers.crfsuite_peer
    assert sweep.fasttext_peers is peers.fasttext_peers


def test_choose_c_and_the_sklearn_peers_on_a_tiny_set():
    pytest.importorskip("sklearn")
    train = [Example(text, intent) for intent, texts in {
        "weather": ["what is the weather", "will it rain", "weather tomorrow", "is it sunny", "forecast please",
                    "how cold is it"],
        "music": ["play some jazz", "play a song", "next track", "play music", "put on the radio", "play queen"],
    }.items() for text in texts]
    test = [Example("will it be sunny tomorrow", "weather"), Example("play the next song", "music")]
    texts, labels = [e.text for e in train], [e.intent for e in train]
    from sklearn.linear_model import LogisticRegression

    chosen = peers.choose_c(lambda: LogisticRegression(max_iter=2000, solver="newton-cg"), (2, 5), texts, labels,
                            (0.1, 10.0), folds=3)
    assert chosen in (0.1, 10.0)
    results = peers.sklearn_peers(train, test, char_ngrams=(2, 5), c_grid=(1.0, 10.0), folds=3,
                                  lr_solver="newton-cg")
    assert sorted(results) == ["scikit-learn tf-idf word 1-2 + char_wb 2-5 + LinearSVC",
                               "scikit-learn tf-idf word 1-2 + char_wb 2-5 + LogisticRegression"]
    for result in results.values():
        assert len(result["predicted"]) == len(result["confidence"]) == 2 and result["C"] in (1.0, 10.0)
        assert result["bytes"] > 0 and result["train_seconds"] >= 0
    assert results["scikit-learn tf-idf word 1-2 + char_wb 2-5 + LogisticRegression"]["probabilities"]
    assert not results["scikit-learn tf-idf word 1-2 + char_wb 2-5 + LinearSVC"]["probabilities"]


def test_a_hint3_benchmark_stops_with_a_usage_error_without_the_data(tmp_path, capsys):
    parser = accuracy.hint3_parser("a HINT3 benchmark", "some-block")
    with pytest.raises(SystemExit) as stopped:
        accuracy.parse_hint3_args(parser, ["--data-root", str(tmp_path)])
    assert stopped.value.code == 2 and f"no HINT3 data under {tmp_path}" in capsys.readouterr().err
    (tmp_path / "hint3").mkdir()
    args = accuracy.parse_hint3_args(parser, ["--data-root", str(tmp_path), "--datasets", "curekart"])
    assert args.datasets == ["curekart"] and args.write is None
