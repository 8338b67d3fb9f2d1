"""The C fast path for ASCII and Latin-1 text (csrc/tokenize.c: pnlu_latin1_words,
pnlu_parse_words, pnlu_parse_latin1) against the Python path it replaces for such text: the same
tokens, spans, truncation and forms as features.prepare and word_forms, and the same parses as
nlu.parse_words, on random text, on every Latin-1 character, at the limits, and on every utterance
of the public datasets that the fast path takes."""
import csv
import string
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pocketnlu
from pocketnlu._binding import ffi, lib
from pocketnlu.features import MAX_TEXT_CHARS, MAX_TOKENS, FeatureConfig, c_tokenizes, prepare, word_forms
from pocketnlu.models import DEFAULT_MODEL
from pocketnlu.nlu import Latin1Batch, parse_words

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"

# ASCII-heavy: words, digits, every punctuation the tokenizer treats specially, every ASCII
# whitespace (str.isspace: \t \n \v \f \r \x1c-\x1f, space), NUL and other control characters.
PUNCTUATION = list("\"'()[]{}.,;:!?-&/+*#%$@<>=^_`|~\\") + ["..", "...", "p.m.", "st.", "Mr.", "j.", "ETC."]
WHITESPACE = [" ", " ", " ", "\t", "\n", "\x0b", "\x0c", "\r", "\x1c", "\x1d", "\x1e", "\x1f"]
PIECES = (list(string.ascii_letters) + list(string.digits) + PUNCTUATION + WHITESPACE + ["\x00", "\x07", "\x7f"]
          + ["play", "the", "Song", "72", "top-20", "don't", "5:30", "3/26/2023", "r&b", "ST", "vs"])
ascii_text = st.lists(st.sampled_from(PIECES), max_size=60).map("".join)
# Latin-1: every character U+0080..U+00FF (the letters the C path takes, and the rest, which send
# their utterance to the Python path), and words made of them.
LATIN1 = [chr(c) for c in range(0x80, 0x100)]
LATIN1_PIECES = PIECES + LATIN1 + ["Straße", "ÉTÉ", "café", "Ærøskøbing", "ÿ", "naïve", "Ñandú", "1ß2", "ß.",
                                   "é.", "ÀÖØÞßàöøþÿ", "São", "Zürich", "72°F", "½", "«oui»", "¿qué?", "µm", "\xa0"]
latin1_text = st.lists(st.sampled_from(LATIN1_PIECES), max_size=60).map("".join)
fast_latin1_text = latin1_text.filter(c_tokenizes)


def assert_same_words(texts, config=FeatureConfig()):
    assert all(map(c_tokenizes, texts))
    batch = Latin1Batch(texts).tokenize(config.digit_classes)
    for u, text in enumerate(texts):
        tokens, truncated = prepare(text)
        assert batch.tokens(u) == tokens, text
        assert bool(batch.truncated[u]) == truncated, text
        assert batch.forms_of(u) == word_forms(tokens, config), text


def python_parses(model, texts, reference_time=None):
    resolve = (lambda s: model._resolve(s.slot, s.value, reference_time)) if model.slot_values else None
    return parse_words(texts, model.features, model.intents_stage, model.slot_tagger, resolve)


@pytest.fixture(scope="module")
def default_model():
    with pocketnlu.open(DEFAULT_MODEL) as model:
        yield model


@pytest.fixture(scope="module")
def hierarchical_model(tmp_path_factory):
    """A domain classifier, per-domain intents (one domain with a single intent) and slots."""
    pytest.importorskip("sklearn")
    pytest.importorskip("pycrfsuite")
    from pocketnlu_tools.data.records import Example, Slot
    from pocketnlu_tools.trainer import Trainer

    examples = []
    for word in ["paris", "rome", "oslo", "lima", "kyoto", "cairo", "new york", "san jose"]:
        for domain, intent, template in [
                ("music", "play_song", "play {} please"), ("music", "play_song", "put on {}"),
                ("music", "pause", "pause the music"), ("music", "pause", "hold the song"),
                ("weather", "forecast", "weather in {}"), ("weather", "forecast", "will it rain in {}"),
                ("travel", "book", "book a flight to {}"), ("travel", "book", "fly me to {} tomorrow")]:
            text = template.format(word)
            start = text.find(word)
            slots = (Slot("place", start, start + len(word)),) if "{}" in template else ()
            examples.append(Example(text, intent, domain, slots))
    path = tmp_path_factory.mktemp("hier") / "hierarchical.pnlu"
    Trainer(hierarchical=True, slots=True).fit(examples).save(path)
    with pocketnlu.open(path) as model:
        assert model.intents_stage.domain is not None
        yield model


TEXTS = ["", "   ", "play jazz", "Set the temp to 72F, please!", "set the temperature to seventy two degrees",
         '"quoted" (words) [and] {braces} st. p.m. j. x. ... ?!', "call mum", "open the window halfway",
         "what's the tyre pressure on the front left", "turn the fan to two",
         "x" * (MAX_TEXT_CHARS + 10), "y" * (MAX_TEXT_CHARS - 2) + " zz", " ".join(["a"] * (MAX_TOKENS + 5)),
         " ".join(["b"] * MAX_TOKENS), " ".join(["c"] * MAX_TOKENS) + "   ", " ".join(["d"] * (MAX_TOKENS - 1)) + " ((((",
         "\x00\x1c\x1f play \x0b the \x0c song \r"]


def test_tokens_and_forms_match_on_chosen_text():
    assert_same_words(TEXTS)
    assert_same_words(TEXTS, FeatureConfig(digit_classes=False))


@settings(max_examples=500, deadline=None)
@given(st.lists(ascii_text, min_size=1, max_size=4), st.booleans())
def test_tokens_and_forms_match_on_any_ascii_text(texts, digit_classes):
    assert_same_words(texts, FeatureConfig(digit_classes=digit_classes))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=12).map("".join), st.integers(100, 700))
def test_tokens_and_forms_match_at_the_limits(piece, repeats):
    text = (piece * repeats)[: MAX_TEXT_CHARS + 40]
    assert_same_words([text, text[:MAX_TEXT_CHARS], text[:MAX_TEXT_CHARS + 1]])


def c_takes(text: str) -> bool:
    """Whether pnlu_latin1_words takes the text (as Latin-1 bytes, as nlu gives it)."""
    batch = Latin1Batch([""])
    batch._blob = text.encode("latin-1")
    batch._offsets[1] = len(batch._blob)
    batch.forms = ffi.new("uint8_t[]", lib.PNLU_FORM_BYTES_PER_CHAR * len(batch._blob) + 1)
    batch.form_offsets = ffi.new("uint32_t[]", 3 * len(batch._blob) + 1)
    batch.token_spans = ffi.new("uint32_t[]", 2 * len(batch._blob) + 1)
    batch.words_cap = len(batch._blob)
    status = lib.pnlu_latin1_words(*batch.c_text(), 1, *batch.c_outputs(), ffi.new("size_t *"))
    assert status in (lib.PNLU_OK, lib.PNLU_E_ARGUMENT)
    return status == lib.PNLU_OK


def test_the_c_tokenizer_takes_exactly_the_text_nlu_sends_it():
    """ASCII and the Latin-1 letters but x and /; the other Latin-1 characters are refused (they
    take the Python path): features.c_tokenizes and the C core agree on every one."""
    for code in range(0x100):
        char = chr(code)
        assert c_takes(f"a{char}b") == c_tokenizes(char) == (code < 0x80 or (code >= 0xC0 and code not in (0xD7, 0xF7))), hex(code)
    assert not c_tokenizes("café\u0301") and not c_tokenizes("Ÿ") and not c_tokenizes("€")


def test_every_latin1_letter_normalizes_as_the_python_path():
    """Each letter alone, inside and at the edges of words, capital and small, with digits and
    before an abbreviation's period: NFKC, case folding (sharp s -> "ss") and the forms agree."""
    letters = [char for char in LATIN1 if c_tokenizes(char)]
    assert len(letters) == 62
    cased = [(c, c.upper() if c_tokenizes(c.upper()) else c, c.lower()) for c in letters]  # not Ÿ (U+0178)
    texts = [f"{c} x{c}y {c}{upper}{lower} 7{c}0 {c}. ({c}) {c}-{c}'s {c}ST {c}," for c, upper, lower in cased]
    assert_same_words(texts)
    assert_same_words(texts, FeatureConfig(digit_classes=False))


def test_latin1_text_at_the_limits(default_model):
    """Words whose normalized forms take two bytes a character, up to the length limits (the
    forms and scratch the fast path sizes for them)."""
    texts = ["ß" * (MAX_TEXT_CHARS + 10), "É" * (MAX_TEXT_CHARS - 2) + " àà", " ".join(["ü"] * (MAX_TOKENS + 5)),
             ("Straße 1ß " * 500)[:MAX_TEXT_CHARS], "ÿ" * 3000 + " Ø" * 40]
    assert_same_words(texts)
    assert default_model.parse_batch(texts) == python_parses(default_model, texts)
    assert [default_model.parse(text) for text in texts] == python_parses(default_model, texts)


@settings(max_examples=500, deadline=None)
@given(st.lists(fast_latin1_text, min_size=1, max_size=4), st.booleans())
def test_tokens_and_forms_match_on_any_latin1_text(texts, digit_classes):
    assert_same_words(texts, FeatureConfig(digit_classes=digit_classes))


@settings(max_examples=300, deadline=None)
@given(st.lists(ascii_text, min_size=1, max_size=5))
def test_parses_match_on_any_ascii_text(default_model, texts):
    assert default_model.parse_batch(texts) == python_parses(default_model, texts)


def test_parses_match_on_chosen_text(default_model):
    assert default_model.parse_batch(TEXTS) == python_parses(default_model, TEXTS)
    assert [default_model.parse(text) for text in TEXTS] == python_parses(default_model, TEXTS)


@settings(max_examples=300, deadline=None)
@given(st.lists(latin1_text, min_size=1, max_size=5))
def test_parses_match_on_any_latin1_text(default_model, texts):
    """Batches mixing text the C path takes and text it leaves to Python."""
    assert default_model.parse_batch(texts) == python_parses(default_model, texts)
    assert [default_model.parse(text) for text in texts] == python_parses(default_model, texts)


def test_mixed_batches_keep_their_order(default_model):
    texts = ["play jazz", "Straße nach \u201cBerlin\u201d", "call mum", "\u00e9t\u00e9", "", "open the window"]
    assert default_model.parse_batch(texts) == [default_model.parse(text) for text in texts]
    assert default_model.parse_batch(texts) == python_parses(default_model, texts)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(ascii_text, latin1_text,
                          st.sampled_from(["play paris", "weather in rome please", "hold the song",
                                           "book a flight to new york", "fly me to lima tomorrow", "play Zürich",
                                           "weather in São Paulo"])),
                min_size=1, max_size=6))
def test_hierarchical_parses_match(hierarchical_model, texts):
    assert hierarchical_model.parse_batch(texts) == python_parses(hierarchical_model, texts)


def test_hierarchical_model_fast_path_on_its_own_sentences(hierarchical_model):
    texts = ["play paris please", "pause the music", "weather in oslo", "book a flight to san jose", "fly me to kyoto",
             "", "tell me a joke", "hold the song"]
    parses = hierarchical_model.parse_batch(texts)
    assert parses == python_parses(hierarchical_model, texts)
    assert parses[3].domain == "travel" and [s.value for s in parses[3].slots] == ["san jose"]


def dataset_texts():
    readers = pytest.importorskip("pocketnlu_tools.data.readers")
    found = {}
    for folder in sorted(SHARED_DATA.glob("*")) if SHARED_DATA.is_dir() else []:
        candidates = [folder] + sorted(p for p in folder.glob("*") if p.is_dir())
        for candidate in candidates:
            try:
                dataset = readers.load_dataset(candidate)
            except Exception:  # not a dataset folder by itself (READMEs, license files)
                continue
            found[candidate.name] = [e.text for split in dataset.splits.values() for e in split]
            break
    for table in sorted(SHARED_DATA.glob("hint3/dataset/*/*/*.csv")):  # HINT3: sentence,label CSVs
        with open(table, newline="", encoding="utf-8") as f:
            found[f"hint3/{table.parent.parent.name}/{table.name}"] = [row["sentence"] for row in csv.DictReader(f)]
    if not found:
        pytest.skip(f"no dataset under {SHARED_DATA} (public data lives beside the repository)")
    return found


def test_every_utterance_of_the_public_datasets(default_model):
    """Every utterance the fast path takes (ASCII, and Latin-1 letters: 'café', 'Beyoncé')."""
    for name, texts in dataset_texts().items():
        fast_texts = [text for text in texts if c_tokenizes(text)]
        for start in range(0, len(fast_texts), 500):
            chunk = fast_texts[start:start + 500]
            assert_same_words(chunk, default_model.features)
            assert default_model.parse_batch(chunk) == python_parses(default_model, chunk), name


def test_replacing_the_slot_tagger_rebuilds_the_fast_path(default_model):
    """Benchmarks and tools switch slots off and on: the stages and this thread's scratch follow."""
    text = "set the temperature to seventy two degrees " * 3
    with pocketnlu.open(DEFAULT_MODEL) as model:
        tagger, model.slot_tagger = model.slot_tagger, None
        assert model.parse(text).slots == [] and model.parse("x").slots == []
        model.slot_tagger = tagger
        assert model.parse(text) == python_parses(model, [text])[0] and model.parse(text).slots


def test_threads_share_a_model_on_the_fast_path(default_model):
    import threading

    texts = [text for text in TEXTS if len(text) < 200] * 20
    expected = python_parses(default_model, texts)
    results = {}

    def work(k):
        results[k] = [default_model.parse(text) for text in texts]

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(result == expected for result in results.values())
