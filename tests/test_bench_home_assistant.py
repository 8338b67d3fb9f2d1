"""The Home Assistant benchmark (pocketnlu_tools.bench.home_assistant) on a handful of intents:
the hand-written paraphrases are well formed, the templates pocketnlu trains on keep Home
Assistant's meaning, both systems run, and the block renders. The full run is
`python -m pocketnlu_tools.bench.home_assistant --write BENCHMARKS.md`."""
import collections
import re
from pathlib import Path

import pytest

pytest.importorskip("hassil", reason="the Home Assistant benchmark needs hassil (pip install '.[train]')")
pytest.importorskip("home_assistant_intents", reason="the Home Assistant benchmark needs home-assistant-intents "
                                                    "(pip install home-assistant-intents)")

from pocketnlu_tools.bench import home_assistant as ha  # noqa: E402
from pocketnlu_tools.bench.markdown import update_block  # noqa: E402
from pocketnlu_tools.data.records import OUT_OF_SCOPE, Example  # noqa: E402

PARAPHRASES = Path(__file__).parent / "home_assistant" / "paraphrases.jsonl"
DEV_PARAPHRASES = PARAPHRASES.with_name("dev_paraphrases.jsonl")
FEW = ["HassTurnOn", "HassTurnOff", "HassMediaPause", "HassShoppingListAddItem", "HassGetWeather"]
# A few generic out-of-scope utterances, so that the small model can refuse (the full benchmark
# takes SNIPS's).
BACKGROUND = [Example(text, OUT_OF_SCOPE) for text in [
    "book a table for four tonight", "what is the capital of peru", "tell me a story", "call the office",
    "how old is the universe", "find me a cheap flight to rome", "what does this word mean", "who wrote hamlet",
    "send an email to my landlord", "rate this book five stars", "show me movie times for tonight",
    "how many ounces are in a cup", "order new printer ink", "what is the square root of two",
    "find a dentist near me", "i want to learn spanish", "when does the bank close", "track my order",
    "recommend a good podcast app", "what year did the war end"] * 2]


def _template_slots(data):
    """Slot names each intent's templates can fill."""
    slots = collections.defaultdict(set)
    for name, intent in data["intents"].items():
        for block in intent["data"]:
            for sentence in block["sentences"]:
                for list_name, slot in re.findall(r"\{([^{}:]+)(?::([^{}]+))?\}", sentence):
                    slots[name].add(slot or list_name)
    return slots


@pytest.mark.parametrize("path", [PARAPHRASES, DEV_PARAPHRASES], ids=["test", "dev"])
def test_paraphrases_are_well_formed(path):
    cases = ha.load_paraphrases(path)
    in_scope = [case for case in cases if case.intent is not None]
    assert len(in_scope) >= 150 and len(cases) - len(in_scope) >= 30
    assert len({case.text.lower() for case in cases}) == len(cases), "duplicate texts"
    data = ha.ha_intents("en")
    slots = _template_slots(data)
    names = {"name": set(ha.HOME), "area": set(ha.AREAS), "floor": set(ha.FLOORS)}
    for case in in_scope:
        assert case.intent in data["intents"], case
        assert set(case.slots) <= slots[case.intent], (case, sorted(slots[case.intent]))
        for slot, allowed in names.items():
            if slot in case.slots and not (slot == "name" and "Timer" in case.intent):
                assert case.slots[slot] in allowed, case
    assert all(not case.slots for case in cases if case.intent is None)


def test_each_dev_request_names_its_batch_and_the_test_ones_none():
    assert all(case.batch is None for case in ha.load_paraphrases(PARAPHRASES))
    batches = collections.Counter(case.batch for case in ha.load_paraphrases(DEV_PARAPHRASES))
    assert None not in batches and len(batches) >= 2 and min(batches.values()) >= 100


def test_writer_transfer_sets_the_threshold_on_the_other_writers(tmp_path):
    import pocketnlu
    from pocketnlu_tools import Trainer

    train = [Example(text, intent) for text, intent in [
        ("turn on the light", "HassTurnOn"), ("switch on the kettle", "HassTurnOn"), ("the light", "HassTurnOn"),
        ("turn off the light", "HassTurnOff"), ("switch off the kettle", "HassTurnOff"), ("the light", "HassTurnOff")]
        * 6] + BACKGROUND
    Trainer(slots=False).fit(train).save(tmp_path / "m.pnlu")
    with pocketnlu.open(tmp_path / "m.pnlu") as model:
        model.intents_stage.threshold = None
        unsure = model.parse("the light in the kitchen")
    assert unsure.intent in ("HassTurnOn", "HassTurnOff") and unsure.confidence < 1.0
    # Two writers who wrote the same three requests, one labelled against what the model says of
    # it: each batch has exactly one wrong action.
    requests = [("turn on the kitchen light", "HassTurnOn"), ("switch off the kettle please", "HassTurnOff"),
                ("the light in the kitchen", ({"HassTurnOn", "HassTurnOff"} - {unsure.intent}).pop())]
    cases = [ha.Case(text, intent, {}, batch) for batch in (1, 2) for text, intent in requests]
    strict = ha.writer_transfer(tmp_path / "m.pnlu", cases, target=0.0)
    assert set(strict) == {1, 2} and all(one["n"] == 3 for one in strict.values())
    # at 0 the other writer's threshold is just above its wrong action, the same request here
    assert all(one["wrong_actions"] == 0.0 and one["threshold"] > unsure.confidence for one in strict.values())
    loose = ha.writer_transfer(tmp_path / "m.pnlu", cases, target=0.9)  # no threshold needed
    assert all(one["wrong_actions"] == 1 / 3 and one["threshold"] == 0.0 for one in loose.values())
    assert ha.writer_transfer(tmp_path / "m.pnlu", [ha.Case(c.text, c.intent, c.slots) for c in cases]) == {}
    # a batch with no in-scope request has no in-scope accuracy, rather than a division by zero
    refusals = ha.writer_transfer(tmp_path / "m.pnlu", cases + [ha.Case("order me a pizza", None, {}, 3)])
    assert refusals[3]["n"] == 1 and refusals[3]["intent_accuracy"] is None


def test_the_dev_paraphrases_share_no_request_with_the_test_ones():
    def key(text):
        return " ".join(text.lower().split())

    assert not {key(c.text) for c in ha.load_paraphrases(PARAPHRASES)} & {
        key(c.text) for c in ha.load_paraphrases(DEV_PARAPHRASES)}
    assert ha.DEV_PARAPHRASES.resolve() == DEV_PARAPHRASES.resolve()


def test_adapted_templates_keep_home_assistant_meaning():
    data = ha.ha_intents("en", ["HassMediaPause", "HassLightSet", "HassStartTimer"])
    adapted = ha.adapt(data)
    # {name} in a block that requires media players is filled only with the home's media players
    for block in adapted.data["intents"]["HassMediaPause"]["data"]:
        if "lists" in block:
            assert set(block["lists"]["name"]["values"]) == {n for n, d in ha.HOME.items() if d == "media_player"}
    # a slot filled from several lists is one slot type per list, reported under its own name
    assert set(adapted.shared_slots["brightness"]) == {"brightness", "brightness_level"}
    assert adapted.renamed["brightness__brightness_level"] == ("brightness", None)
    assert adapted.slot_kinds["brightness__brightness"] == "percentage"
    assert "name__timer_name" in adapted.renamed
    assert ha.restrict(data, adapted)["intents"].keys() == data["intents"].keys()


def test_benchmark_on_a_few_intents(tmp_path):
    report = ha.run(FEW, samples_per_intent=120, test_per_intent=20, background=BACKGROUND,
                    paraphrases=ha.load_paraphrases(PARAPHRASES))
    generated, paraphrases = report["sets"]["generated"], report["sets"]["paraphrases"]
    assert generated["hassil"]["n"] >= 80
    # hassil matches what its own templates generate: the harness (lists, context) is right
    assert generated["hassil"]["intent_accuracy"] >= 0.98 and generated["hassil"]["slot_accuracy"] >= 0.97
    assert generated["pocketnlu"]["intent_accuracy"] >= 0.9
    assert paraphrases["pocketnlu"]["n_in_scope"] >= 40 and paraphrases["pocketnlu"]["n_oos"] >= 30
    assert report["pnlu_bytes"] > 0 and report["hassil_json_bytes"] > 0
    assert report["n_dev_generated"] > 0 and set(report["dev_full_frame"]) == {120}
    # the dev paraphrases of these intents (and the out-of-scope ones) chose the classifier and threshold
    assert report["user_dev_oos"] >= 30 and report["user_dev"] > report["user_dev_oos"]
    assert report["intent_classifier"].get("penalty", "l1") in ("l1", "l2")
    # a threshold set on the other dev writers' requests, measured on each writer's
    batches = {case.batch for case in ha.load_paraphrases(DEV_PARAPHRASES)}
    assert set(report["writer_transfer"]) == batches and len(batches) >= 2
    for one in report["writer_transfer"].values():
        assert 0 < one["n"] and 0.0 <= one["wrong_actions"] <= 1.0 and 0.0 <= one["intent_accuracy"] <= 1.0
    text = ha.render(report)
    assert "chosen on tests/home_assistant/dev_paraphrases.jsonl" in text
    assert "Across the dev writers" in text
    assert "| intent accuracy (in scope) |" in text and ha.COMMAND in text
    target = tmp_path / "BENCHMARKS.md"
    update_block(target, "home-assistant", text)
    assert "<!-- BEGIN home-assistant -->" in target.read_text()
