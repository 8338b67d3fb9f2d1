"""Dataset readers: exact examples from small made-up fixtures, located errors, and counts on the
shared datasets (skipped when ../shared/data is not beside the checkout)."""
import functools
from collections import Counter
from pathlib import Path

import pytest

from pocketnlu_tools.data.readers import FORMATS, Dataset, DatasetError, load_dataset, split_for_training
from pocketnlu_tools.data.records import OUT_OF_SCOPE, Example, Slot

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "datasets"
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
needs_shared_data = pytest.mark.skipif(
    not SHARED_DATA.is_dir(), reason=f"shared datasets not found at {SHARED_DATA}"
)


def load(relative, format=None, **keywords):
    return load_dataset(FIXTURES / relative, format, **keywords)


# --- reading each format ----------------------------------------------------------------------


def test_snips_folder_reads_full_train_files_and_validate_as_test():
    dataset = load("snips")
    assert dataset.format == "snips"
    assert dataset.splits == {
        "train": [
            Example("play Disco Party \U0001F389", "Music", slots=(Slot("playlist", 5, 18),)),
            Example(
                "will it snow in  Oslo ?",
                "Weather",
                slots=(Slot("condition", 8, 12), Slot("city", 17, 21)),
            ),
            Example("forecast for tomorrow", "Weather", slots=(Slot("date", 13, 21),)),
        ],
        "test": [
            Example("play some jazz", "Music", slots=(Slot("genre", 10, 14),)),
            Example("is it sunny", "Weather"),
        ],
    }


def test_snips_slot_offsets_skip_the_chunk_whitespace_but_text_keeps_it():
    example = load("snips/Weather").splits["train"][0]
    assert example.text[17:21] == "Oslo"
    assert example.text == "will it snow in  Oslo ?"


def test_snips_single_file_is_read_by_its_name():
    assert load("snips/Music/validate_Music.json").splits == {
        "test": [Example("play some jazz", "Music", slots=(Slot("genre", 10, 14),))]
    }


def test_bio_splits_tokens_and_tags():
    dataset = load("bio")
    assert dataset.format == "bio"
    assert dataset.splits == {
        "train": [
            Example("add my song to road trip", "AddToPlaylist", slots=(Slot("playlist", 15, 24),)),
            # An I- tag that does not continue a span of its type starts one.
            Example("play loud jazz now", "PlayMusic", slots=(Slot("mood", 5, 9), Slot("genre", 10, 14))),
            Example("play jazz blues", "PlayMusic", slots=(Slot("genre", 5, 9), Slot("genre", 10, 15))),
        ],
        "dev": [  # from the folder named "valid"
            Example(
                "rain in new york today",
                "GetWeather",
                slots=(Slot("weather", 0, 4), Slot("city", 8, 16), Slot("date", 17, 22)),
            )
        ],
        "test": [
            Example("rate this book 5 stars", "RateBook", slots=(Slot("object", 10, 14), Slot("rating", 15, 16)))
        ],
    }


FLIGHTS = Example(
    "flights from boston to san diego",
    "atis_flight",
    slots=(Slot("fromloc.city_name", 13, 19), Slot("toloc.city_name", 23, 32)),
)
FARE_CODE = Example("what does fare code y mean", "atis_abbreviation", slots=(Slot("fare_basis_code", 20, 21),))
CHEAPEST = Example(
    "cheapest fare to denver",
    "atis_airfare",
    slots=(Slot("cost_relative", 0, 8), Slot("toloc.city_name", 17, 23)),
)
DALLAS = Example(
    "show flights and fares to dallas", "atis_flight#atis_airfare", slots=(Slot("toloc.city_name", 26, 32),)
)


def test_atis_folder_prefers_the_atis2_train_dev_split():
    dataset = load("atis")
    assert dataset.format == "atis"
    assert dataset.splits == {"train": [FLIGHTS, FARE_CODE], "dev": [CHEAPEST], "test": [DALLAS]}


def test_atis_single_file_split_comes_from_its_name():
    assert load("atis/atis.train.w-intent.iob").splits == {"train": [FLIGHTS, FARE_CODE, CHEAPEST]}
    assert load("atis/atis.test.w-intent.iob").splits == {"test": [DALLAS]}


def test_massive_slots_come_from_annot_utt():
    dataset = load("massive.jsonl")
    assert dataset.format == "massive"
    assert dataset.splits == {
        "train": [
            Example(
                "wake me up at five am this week",
                "alarm_set",
                "alarm",
                (Slot("time", 14, 21), Slot("date", 22, 31)),
            ),
            Example("is it cold outside", "weather_query", "weather", (Slot("weather_descriptor", 6, 10),)),
        ],
        "dev": [Example("alarm at 5:30 please", "alarm_set", "alarm", (Slot("time", 9, 13),))],
        "test": [Example("tell me a joke", "general_joke", "general")],
    }


def test_clinc_oos_lists_and_oos_intent_become_out_of_scope():
    dataset = load("clinc.json")
    assert dataset.format == "clinc"
    assert dataset.splits == {
        "train": [
            Example("how much money do i have", "balance"),
            Example("transfer ten dollars to sam", "transfer"),
            Example("who wrote hamlet", OUT_OF_SCOPE),
            Example("what is the meaning of life", OUT_OF_SCOPE),
        ],
        "dev": [
            Example("how tall is the eiffel tower", OUT_OF_SCOPE),
            Example("what is my checking balance", "balance"),
        ],
        "test": [Example("sing me a song", OUT_OF_SCOPE), Example("send five dollars to ana", "transfer")],
    }


def test_csv_with_domain_and_split_columns():
    dataset = load("intents.csv")
    assert dataset.format == "csv"
    assert dataset.splits == {
        "train": [
            Example("turn on the lights", "lights_on", "home"),
            Example("dim the lights, please", "lights_dim", "home"),
        ],
        "dev": [Example("what time is it", "time_query")],
        "test": [Example("set a timer", "timer_set", "clock")],
    }


def test_csv_without_split_column_is_all_train():
    assert load("plain.csv").splits == {"train": [Example("hello there", "greet"), Example("see you later", "bye")]}


def test_csv_folder_of_split_files_with_sentence_label_header_and_an_oos_label():
    # Shaped like HINT3: `sentence,label` (any case), train.csv and test.csv, out of scope in test only.
    dataset = load_dataset(FIXTURES / "hint3_like", oos_label="NO_NODES_DETECTED")
    assert dataset.format == "csv"
    assert dataset.splits == {
        "train": [
            Example("Do you offer EMI?", "EMI"),
            Example("what is the warranty period", "WARRANTY"),
            Example("How long is the warranty", "WARRANTY"),
        ],
        "test": [
            Example("emi options please", "EMI"),
            Example("where is my order", OUT_OF_SCOPE),
            Example("warranty?", "WARRANTY"),
        ],
    }
    assert load("hint3_like").splits["test"][1].intent == "NO_NODES_DETECTED"  # mapped only when asked


@pytest.mark.parametrize("name", ["dev.csv", "val.csv", "valid.csv", "Validation.CSV"])
def test_csv_folder_dev_file_names(tmp_path, name):
    (tmp_path / "train.csv").write_text("text,intent\nhi,greet\n", encoding="utf-8")
    (tmp_path / name).write_text("text,intent\nbye,leave\n", encoding="utf-8")
    assert load_dataset(tmp_path).splits == {"train": [Example("hi", "greet")], "dev": [Example("bye", "leave")]}


@pytest.mark.parametrize("header", ["utterance,category", "Query,Class", "question,intent", " TEXT , Label "])
def test_csv_text_and_label_column_names(tmp_path, header):
    path = tmp_path / "data.csv"
    path.write_text(f"{header}\nhello there,greet\n", encoding="utf-8")
    assert load_dataset(path).splits == {"train": [Example("hello there", "greet")]}


def test_csv_text_and_label_column_keywords(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("Phrase,intent_name,domain\nturn on the lights,lights_on,home\n", encoding="utf-8")
    assert load_dataset(path, text_column="phrase", label_column="Intent_Name").splits == {
        "train": [Example("turn on the lights", "lights_on", "home")]
    }
    # Choosing one of two candidate label columns leaves the other unread.
    path.write_text("text,intent,label\nhi,greet,other\n", encoding="utf-8")
    assert load_dataset(path, label_column="label").splits == {"train": [Example("hi", "other")]}


@pytest.mark.parametrize(
    "header, keywords, fragment",
    [
        ("text,intent,label", {}, "several label columns (intent, label); pass label_column= to choose one"),
        ("text,Sentence,intent", {}, "several text columns (text, Sentence); pass text_column= to choose one"),
        ("text,intent", {"label_column": "topic"}, "label_column='topic' is not a column of the header"),
        ("id,text,intent", {}, "header row"),  # unknown columns are still an error
        ("text,label,label", {}, "a column is repeated"),
    ],
)
def test_csv_header_errors(tmp_path, header, keywords, fragment):
    path = tmp_path / "data.csv"
    path.write_text(f"{header}\nhi,greet,x\n", encoding="utf-8")
    with pytest.raises(DatasetError) as caught:
        load_dataset(path, **keywords)
    assert (caught.value.path, caught.value.line) == (str(path), 1)
    assert fragment in str(caught.value)


def test_csv_folder_errors(tmp_path):
    (tmp_path / "train.csv").write_text("text,intent\nhi,greet\n", encoding="utf-8")
    (tmp_path / "all.csv").write_text("text,intent\nhi,greet\n", encoding="utf-8")
    with pytest.raises(DatasetError, match="all.csv: cannot tell the split from the file name"):
        load_dataset(tmp_path)
    (tmp_path / "all.csv").unlink()
    (tmp_path / "test.csv").write_text("text,intent,split\nbye,leave,test\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=r"test\.csv:1: a split column in a folder of split files"):
        load_dataset(tmp_path)


def test_csv_folder_without_split_files_is_not_csv(tmp_path):
    (tmp_path / "data.csv").write_text("text,intent\nhi,greet\n", encoding="utf-8")
    with pytest.raises(DatasetError, match="cannot detect the format of this folder"):
        load_dataset(tmp_path)
    with pytest.raises(DatasetError, match="read from a file or a folder of train.csv, dev.csv and test.csv"):
        load_dataset(tmp_path, "csv")


def test_bio_split_without_seq_out_has_no_slots():
    dataset = load("bio_intents_only", oos_label="none")  # oos_label works in any format
    assert dataset.format == "bio"
    assert dataset.splits == {
        "train": [
            Example("play some jazz", "PlayMusic", slots=(Slot("genre", 10, 14),)),
            Example("will it rain", "GetWeather", slots=(Slot("condition", 8, 12),)),
        ],
        "test": [Example("play queen", "PlayMusic"), Example("order a pizza", OUT_OF_SCOPE)],
    }


def test_oos_label_and_column_keyword_errors():
    with pytest.raises(DatasetError, match="oos_label 'NOPE' is the intent of no example"):
        load("hint3_like", oos_label="NOPE")
    with pytest.raises(DatasetError, match="text_column and label_column apply to the csv format, not bio"):
        load("bio", label_column="label")


# --- errors name the file and line ------------------------------------------------------------


@pytest.mark.parametrize(
    "relative, bad_file, line, fragment",
    [
        ("bad/massive_broken_json.jsonl", None, 2, "invalid JSON"),
        ("bad/massive_mismatch.jsonl", None, 2, "but utt is 'wake me at six'"),
        ("bad/massive_bad_partition.jsonl", None, 1, "unknown split 'holdout'"),
        ("bad/massive_wrong_type.jsonl", None, 2, "'intent' must be a string, got int"),
        ("bad/bio_tag_count", "train/seq.out", 2, "7 tags for 6 tokens"),
        ("bad/bio_line_count", "train/label", 2, "has 1 lines but seq.in has 2"),
        ("bad/atis_tag_count.iob", None, 2, "5 tags for 6 words"),
        ("bad/clinc_broken.json", None, 4, "invalid JSON: Expecting ',' delimiter"),
        ("bad/csv_missing_column.csv", None, 1, "header row"),
        ("bad/csv_short_row.csv", None, 3, "expected 2 columns (text,intent), got 1"),
        ("bad/csv_empty_intent.csv", None, 2, "empty intent"),
        ("bad/csv_bad_split.csv", None, 3, "unknown split 'holdout'"),
        ("bad/csv_non_utf8.csv", None, 3, r"invalid UTF-8 bytes b'\xe9'"),
        ("bad/snips_lone_surrogate.json", None, 3, "unpaired surrogate"),
    ],
)
def test_errors_name_file_and_line(relative, bad_file, line, fragment):
    path = FIXTURES / relative / (bad_file or "")
    with pytest.raises(DatasetError) as caught:
        load(relative)
    error = caught.value
    assert (error.path, error.line) == (str(path), line)
    assert str(error).startswith(f"{path}:{line}: ")
    assert fragment in str(error)


@pytest.mark.parametrize(
    "relative, message",
    [
        (
            "bad/clinc_bad_pair.json",
            "train[1]: expected a [text, intent] pair of strings, got ['transfer ten dollars', 'transfer', 'extra']",
        ),
        ("bad/snips_blank_slot.json", "Music[0]: slot 'artist' has a blank value"),
    ],
)
def test_json_record_errors_name_file_and_record(relative, message):
    with pytest.raises(DatasetError) as caught:
        load(relative)
    assert caught.value.line is None
    assert str(caught.value) == f"{FIXTURES / relative}: {message}"


def test_csv_error_line_is_where_a_multiline_record_starts(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text('text,intent\n"two\nlines",note\n"bad",\n', encoding="utf-8")
    with pytest.raises(DatasetError) as caught:
        load_dataset(path)
    assert caught.value.line == 4


def test_blank_massive_slot_is_an_error(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text(
        '{"utt": "hi", "annot_utt": "[greeting : ]", "intent": "greet", "scenario": "s", "partition": "train"}\n',
        encoding="utf-8",
    )
    with pytest.raises(DatasetError, match=r"x\.jsonl:1: blank slot name or value"):
        load_dataset(path)


# --- detection --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "relative, format",
    [
        ("snips", "snips"),
        ("snips/Weather", "snips"),
        ("snips/Weather/train_Weather_full.json", "snips"),
        ("bio", "bio"),
        ("atis", "atis"),
        ("atis/atis.test.w-intent.iob", "atis"),
        ("massive.jsonl", "massive"),
        ("clinc.json", "clinc"),
        ("intents.csv", "csv"),
        ("hint3_like", "csv"),
        ("bio_intents_only", "bio"),
    ],
)
def test_format_is_detected(relative, format):
    assert format in FORMATS
    assert load(relative).format == format


def test_undetectable_file_names_the_path(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello\n", encoding="utf-8")
    with pytest.raises(DatasetError, match="cannot detect the format") as caught:
        load_dataset(path)
    assert caught.value.path == str(path)


def test_folder_matching_two_layouts_is_ambiguous(tmp_path):
    (tmp_path / "train").mkdir()
    (tmp_path / "train" / "seq.in").write_text("hi\n", encoding="utf-8")
    (tmp_path / "atis.train.iob").write_text("", encoding="utf-8")
    with pytest.raises(DatasetError, match=r"several formats \(bio, atis\)"):
        load_dataset(tmp_path)


def test_unknown_format_and_missing_path_are_errors(tmp_path):
    with pytest.raises(DatasetError, match="unknown format 'yaml'"):
        load("intents.csv", format="yaml")
    with pytest.raises(DatasetError, match="no such file or folder"):
        load_dataset(tmp_path / "missing.csv")
    with pytest.raises(DatasetError, match="read from a file"):
        load("bio", format="csv")


# --- split_for_training -----------------------------------------------------------------------


def _dataset(**splits):
    return Dataset(splits=splits, format="csv", path="mem.csv")


def test_split_for_training_keeps_an_existing_dev_split():
    dataset = load("intents.csv")
    assert split_for_training(dataset) == (dataset.splits["train"], dataset.splits["dev"], dataset.splits["test"])


def test_split_for_training_carves_a_stratified_deterministic_dev():
    train = (
        [Example(f"a {i}", "a") for i in range(20)]
        + [Example(f"b {i}", "b") for i in range(10)]
        + [Example("c", "c")]
    )
    dataset = _dataset(train=train)
    carved_train, dev, test = split_for_training(dataset, dev_fraction=0.1, seed=3)
    assert Counter(e.intent for e in dev) == {"a": 2, "b": 1}  # the lone "c" stays in train
    assert sorted(carved_train + dev, key=train.index) == train
    assert carved_train == [e for e in train if e not in dev]  # dataset order kept
    assert test == []
    assert split_for_training(dataset, dev_fraction=0.1, seed=3) == (carved_train, dev, test)


def test_split_for_training_rejects_bad_input():
    with pytest.raises(ValueError, match="dev_fraction"):
        split_for_training(_dataset(train=[Example("x", "a")]), dev_fraction=1.0)
    with pytest.raises(DatasetError, match="no train split"):
        split_for_training(_dataset(test=[Example("x", "a")]))


# --- the shared datasets ----------------------------------------------------------------------


@functools.lru_cache(maxsize=None)
def shared(relative):
    return load_dataset(SHARED_DATA / relative)


def split_sizes(dataset):
    return {name: len(examples) for name, examples in dataset.splits.items()}


def slot_types(dataset, split):
    return {slot.slot for example in dataset.splits[split] for slot in example.slots}


SNIPS2017 = "snips2017/2017-06-custom-intent-engines"
SHARED_SIZES = [
    ("jointbert_snips", "bio", {"train": 13084, "dev": 700, "test": 700}),
    ("jointbert_atis", "bio", {"train": 4478, "dev": 500, "test": 893}),
    ("atis_jointslu", "atis", {"train": 4478, "dev": 500, "test": 893}),
    ("atis_jointslu/atis.train.w-intent.iob", "atis", {"train": 4978}),
    ("snips2017", "snips", {"train": 13784, "test": 700}),
    (SNIPS2017, "snips", {"train": 13784, "test": 700}),
]


@needs_shared_data
@pytest.mark.parametrize("relative, format, sizes", SHARED_SIZES)
def test_shared_split_sizes_match_the_readmes(relative, format, sizes):
    dataset = shared(relative)
    assert (dataset.format, split_sizes(dataset)) == (format, sizes)


@needs_shared_data
@pytest.mark.parametrize("relative", [relative for relative, _, _ in SHARED_SIZES])
def test_shared_slot_spans_are_non_empty_and_stripped(relative):
    for examples in shared(relative).splits.values():
        for example in examples:
            for slot in example.slots:
                value = example.text[slot.start : slot.end]
                assert value and value == value.strip(), (example, slot)


@needs_shared_data
def test_shared_label_counts_match_the_readmes():
    atis = shared("jointbert_atis")
    assert {name: len({e.intent for e in split}) for name, split in atis.splits.items()} == {
        "train": 21,
        "dev": 16,
        "test": 20,
    }
    full_atis_train = shared("atis_jointslu/atis.train.w-intent.iob")
    assert len({e.intent for e in full_atis_train.splits["train"]}) == 22
    assert len(slot_types(full_atis_train, "train")) == 79
    assert len(slot_types(shared("jointbert_snips"), "train")) == 39
    assert len(slot_types(shared(SNIPS2017), "train")) == 39


@needs_shared_data
def test_shared_snips2017_per_intent_counts():
    dataset = shared(SNIPS2017)
    assert Counter(e.intent for e in dataset.splits["train"]) == {
        "AddToPlaylist": 1942,
        "BookRestaurant": 1973,
        "GetWeather": 2000,
        "PlayMusic": 2000,
        "RateBook": 1956,
        "SearchCreativeWork": 1954,
        "SearchScreeningEvent": 1959,
    }
    assert set(Counter(e.intent for e in dataset.splits["test"]).values()) == {100}


@needs_shared_data
def test_shared_snips2017_cesu8_emoji_is_repaired():
    texts = [e.text for e in shared(SNIPS2017).splits["train"] if e.intent == "PlayMusic"]
    assert "I want toi hear some Pop Punk Perfection \U0001F355 off of Deezer" in texts


@needs_shared_data
def test_shared_atis_iob_and_bio_copies_agree():
    # The README says jointbert_atis is the JointSLU atis-2 train/dev split plus atis.test.
    assert shared("atis_jointslu").splits == shared("jointbert_atis").splits


@needs_shared_data
def test_shared_hint3_split_files_linked_into_one_folder(tmp_path):
    # HINT3 keeps its splits in two folders; a user links them as train.csv and test.csv.
    v2 = SHARED_DATA / "hint3" / "dataset" / "v2"
    for split in ("train", "test"):
        (tmp_path / f"{split}.csv").symlink_to(v2 / split / f"sofmattress_{split}.csv")
    dataset = load_dataset(tmp_path, oos_label="NO_NODES_DETECTED")
    assert (dataset.format, split_sizes(dataset)) == ("csv", {"train": 328, "test": 397})  # the README's counts
    assert sum(e.out_of_scope for e in dataset.splits["train"]) == 0
    assert sum(e.out_of_scope for e in dataset.splits["test"]) == 144
    assert len({e.intent for e in dataset.splits["train"]}) == 21


@needs_shared_data
def test_shared_snips2017_carved_dev_is_stratified():
    train, dev, test = split_for_training(shared(SNIPS2017))
    per_intent = Counter(e.intent for e in train + dev)
    assert Counter(e.intent for e in dev) == {intent: round(n * 0.1) for intent, n in per_intent.items()}
    assert len(test) == 700
