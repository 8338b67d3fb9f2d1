"""The metadata schema (pocketnlu.metadata): every key's bad type or dangling reference is refused
at open with CorruptModelError, and what the packer writes is what the reader accepts."""
import copy
import json
import math
import zlib

import pytest

import pocketnlu
from pocketnlu.errors import ChecksumError, CorruptModelError
from pocketnlu.modelfile import KIND_META, ModelFile

pytest.importorskip("sklearn")
pytest.importorskip("pycrfsuite")

from pocketnlu_tools.data.records import Example  # noqa: E402
from pocketnlu_tools.pack.writer import meta_section, pack_sections  # noqa: E402
from pocketnlu_tools.trainer import Trainer  # noqa: E402

DOMAINS = {
    "music": {"play_song": ["play {} please", "put on {}", "play the song {}", "i want to hear {}"],
              "pause": ["pause the music", "pause", "stop playing {}", "hold the song"]},
    "weather": {"forecast": ["weather in {}", "will it rain in {}", "forecast for {}", "is it sunny in {}"]},
}
WORDS = ["paris", "rome", "oslo", "lima", "kyoto", "cairo", "hello", "yellow", "blue", "storm"]


@pytest.fixture(scope="module")
def hierarchical_model(tmp_path_factory):
    examples = [Example(template.format(word), intent, domain)
                for domain, intents in DOMAINS.items() for intent, templates in intents.items()
                for template in templates for word in WORDS]
    path = tmp_path_factory.mktemp("meta") / "hierarchical.pnlu"
    Trainer(hierarchical=True, slots=False).fit(examples).save(path)
    return path


def repacked(path, edit) -> bytes:
    """The file at `path` with its metadata changed by edit(meta), every checksum valid."""
    with ModelFile(path) as model_file:
        meta = copy.deepcopy(model_file.meta)
        sections = [(s.name, s.kind, bytes(model_file.section_bytes(s.name))) for s in model_file.sections.values()]
    edit(meta)
    return pack_sections([("meta", KIND_META, meta_section(meta)) if name == "meta" else (name, kind, data)
                          for name, kind, data in sections])


def setter(keys, value):
    def edit(meta):
        target = meta
        for key in keys[:-1]:
            target = target[key]
        if value is DELETE:
            del target[keys[-1]]
        else:
            target[keys[-1]] = value
    return edit


DELETE = object()
FLAT_CASES = {
    "models is a list": (["models"], []),
    "labels not strings": (["models", "intent", "labels"], [1, 2]),
    "labels empty": (["models", "intent", "labels"], []),
    "labels repeated": (["models", "slots", "labels"], ["O", "O"]),
    "labels a string": (["models", "intent", "labels"], "abc"),
    "scale a string": (["models", "intent", "scale"], "0.1"),
    "scale negative": (["models", "intent", "scale"], -0.5),
    "scale not finite": (["models", "intent", "scale"], math.inf),
    "type unknown": (["models", "intent", "type"], "svm"),
    "table missing": (["models", "intent", "table"], "no.such.table"),
    "table not a string": (["models", "intent", "table"], 5),
    "transitions of the wrong kind": (["models", "slots", "transitions"], "intent.table"),
    "window a string": (["pipeline", "features", "window"], "2"),
    "window negative": (["pipeline", "features", "window"], -1),
    "window too large for uint32": (["pipeline", "features", "window"], 2**40),
    "window a boolean": (["pipeline", "features", "window"], True),
    "char_ngrams one number": (["pipeline", "features", "char_ngrams"], [4]),
    "word_ngrams a string": (["pipeline", "features", "word_ngrams"], "12"),
    "word_ngrams floats": (["pipeline", "features", "word_ngrams"], [1.5]),
    "slot_intent a number": (["pipeline", "features", "slot_intent"], 1),
    "features version from the future": (["pipeline", "features", "version"], 99),
    "features a list": (["pipeline", "features"], []),
    "threshold a string": (["pipeline", "oos_threshold"], "0.5"),
    "threshold over 1": (["pipeline", "oos_threshold"], 5),
    "intent names a crf": (["pipeline", "intent"], "slots"),
    "intent names nothing": (["pipeline", "intent"], "missing"),
    "intent removed": (["pipeline", "intent"], DELETE),
    "slots names a classifier": (["pipeline", "slots"], "intent"),
    "intent_domains a list": (["pipeline", "intent_domains"], []),
    "intent_domains not strings": (["pipeline", "intent_domains", "set_temperature"], 5),
    "pipeline removed": (["pipeline"], DELETE),
}


@pytest.mark.parametrize("case", sorted(FLAT_CASES))
def test_bad_metadata_of_a_flat_model_is_refused_at_open(tmp_path, case):
    path = tmp_path / "bad.pnlu"
    path.write_bytes(repacked(pocketnlu.DEFAULT_MODEL, setter(*FLAT_CASES[case])))
    with pytest.raises(CorruptModelError, match="metadata"):
        pocketnlu.open(path)


HIERARCHICAL_CASES = {
    "a domain without its entry": lambda meta: meta["pipeline"]["domain_intents"].pop("music"),
    "an extra domain": lambda meta: meta["pipeline"]["domain_intents"].update(sports={"intent": "x"}),
    "an entry naming no model": lambda meta: meta["pipeline"]["domain_intents"].update(music={"model": "nope"}),
    "an intent that is not a string": lambda meta: meta["pipeline"]["domain_intents"].update(weather={"intent": 3}),
    "an empty entry": lambda meta: meta["pipeline"]["domain_intents"].update(weather={}),
    "domain names a missing model": setter(["pipeline", "domain"], "nope"),
}


@pytest.mark.parametrize("case", sorted(HIERARCHICAL_CASES))
def test_bad_metadata_of_a_hierarchical_model_is_refused_at_open(tmp_path, hierarchical_model, case):
    path = tmp_path / "bad.pnlu"
    path.write_bytes(repacked(hierarchical_model, HIERARCHICAL_CASES[case]))
    with pytest.raises(CorruptModelError, match="metadata"):
        pocketnlu.open(path)


def test_what_the_packer_writes_the_reader_accepts(hierarchical_model):
    with pocketnlu.open(hierarchical_model) as model:
        assert model.parse("will it rain in oslo").intent == "forecast"
        assert model.parse("pause the music").domain == "music"
    unchanged = repacked(pocketnlu.DEFAULT_MODEL, lambda meta: None)
    assert unchanged == pocketnlu.DEFAULT_MODEL.read_bytes()


def test_a_flipped_bit_in_the_metadata_fails_its_checksum_at_open(tmp_path):
    data = bytearray(pocketnlu.DEFAULT_MODEL.read_bytes())
    with ModelFile(pocketnlu.DEFAULT_MODEL) as model_file:
        meta = model_file.sections["meta"]
    text = bytes(data[meta.offset:meta.offset + meta.length])
    position = meta.offset + text.index(b"set_temperature")
    data[position] ^= 0x01  # still valid JSON: only the checksum can tell
    json.loads(bytes(data[meta.offset:meta.offset + meta.length]))
    assert zlib.crc32(bytes(data[meta.offset:meta.offset + meta.length])) != meta.crc32
    path = tmp_path / "flipped.pnlu"
    path.write_bytes(bytes(data))
    with pytest.raises(ChecksumError, match="meta"):
        pocketnlu.open(path)


def test_deeply_nested_metadata_is_corruption_not_recursion(tmp_path):
    path = tmp_path / "nested.pnlu"
    nested = b'{"models": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    path.write_bytes(pack_sections([("meta", KIND_META, nested)]))
    with pytest.raises(CorruptModelError):
        pocketnlu.open(path)
