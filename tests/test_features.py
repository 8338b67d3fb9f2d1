"""The feature extractor shared by training and the device: tokens, normalization, bounds,
feature strings and the stored configuration."""
import json
import random

import pytest

from pocketnlu.features import (
    MAX_TEXT_CHARS,
    MAX_TOKENS,
    FeatureConfig,
    Token,
    digit_class,
    normalize,
    prepare,
    token_features,
    tokenize,
    utterance_features,
    word_shape,
)

TEXTS = [
    "Set the temp to 72°F, please!",
    "what's the weather in st. louis at 5 p.m.?",
    "add step to me to the 50 clásicos playlist ",
    "play  «Bonjour»\u00a0by\tthe   band\u3000now...",
    "I’m in ＴＯＫＹＯ — Straße ﬁne 003½",
    'add kenneth c "jethro" burns',
    "(555) 123-4567; call (mom)!",
    "",
    "  \n\t ",
]


def texts_of(tokens):
    return [token.text for token in tokens]


@pytest.mark.parametrize("text", TEXTS)
def test_tokens_point_into_the_original_text(text):
    tokens = tokenize(text)
    for token in tokens:
        assert text[token.start:token.end] == token.text
        assert token.text and not any(char.isspace() for char in token.text)
    assert all(a.end <= b.start for a, b in zip(tokens, tokens[1:]))


def test_tokens_point_into_random_text():
    # Characters the tokenizer treats specially, mixed with letters, digits and all kinds of space.
    alphabet = "ab1é中.,;:!?\"“”«»()[]{}¿¡'’-–…&/%°" + " \t\n\u00a0\u3000"
    rng = random.Random(7)
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        tokens = tokenize(text)
        assert all(text[t.start:t.end] == t.text for t in tokens)
        assert all(a.end <= b.start for a, b in zip(tokens, tokens[1:]))
        # Tokens cover every non-space character exactly once.
        assert "".join(t.text for t in tokens) == "".join(text.split())


def test_raw_text_punctuation_is_split_off_words():
    assert texts_of(tokenize("Set the temp to 72°F, please!")) == ["Set", "the", "temp", "to", "72°F", ",", "please", "!"]
    assert texts_of(tokenize("Navigate to St. Louis.")) == ["Navigate", "to", "St.", "Louis", "."]
    assert texts_of(tokenize("at 5 p.m.?")) == ["at", "5", "p.m.", "?"]
    assert texts_of(tokenize("call (mom) now...")) == ["call", "(", "mom", ")", "now", "..."]
    assert texts_of(tokenize("«Bonjour» ¿qué tal?!")) == ["«", "Bonjour", "»", "¿", "qué", "tal", "?", "!"]
    assert texts_of(tokenize('play "Hello"')) == ["play", '"', "Hello", '"']


def test_dataset_tokens_come_back_unchanged():
    # SNIPS / ATIS tokens with punctuation inside or at an edge stay whole.
    tokens = ["don't", "what's", "i’ll", "o'hare", "r&b", "top-20", "13:22:09", "3/26/2023", "star", "trek:",
              "workin’", "¡fiesta", "hair…", "st.", "side-", "-blue", "&", "–", "100%", "live~legend"]
    assert texts_of(tokenize(" ".join(tokens))) == tokens


def test_whitespace_of_any_kind_separates_tokens():
    assert texts_of(tokenize("a\u00a0b\u3000c\td\n e")) == ["a", "b", "c", "d", "e"]
    assert tokenize("") == [] and tokenize(" \t\n\u00a0") == []


def test_normalization():
    assert normalize("Play") == "play"
    assert normalize("I’M") == "i'm"
    assert normalize("ＴＯＫＹＯ") == "tokyo"
    assert normalize("Straße") == "strasse"
    assert normalize("ﬁne") == "fine"
    assert normalize("a–b—c") == "a-b-c"
    assert normalize("…") == "..."


def test_digit_classes_and_shapes():
    assert digit_class("72") == "00"
    assert digit_class("0") == "0"
    assert digit_class("top-20") == "top-00"
    assert digit_class("13:22:09") == "00:00:00"
    assert digit_class("٧٢") == "00"  # Arabic-Indic digits
    assert digit_class("play") is None
    assert word_shape("play") == "x"
    assert word_shape("2023") == "d"
    assert word_shape("top-20") == "x-d"
    assert word_shape("3/26/2023") == "d/d/d"
    assert word_shape("don't") == "x'x"


def test_prepare_within_bounds_cuts_nothing():
    tokens, truncated = prepare("play some jazz")
    assert texts_of(tokens) == ["play", "some", "jazz"] and not truncated
    tokens, truncated = prepare(" ".join(["w"] * MAX_TOKENS))
    assert len(tokens) == MAX_TOKENS and not truncated
    # Only whitespace past the character limit: nothing was lost.
    tokens, truncated = prepare("play" + " " * MAX_TEXT_CHARS)
    assert texts_of(tokens) == ["play"] and not truncated


def test_prepare_keeps_at_most_max_tokens():
    tokens, truncated = prepare(" ".join(["w"] * (MAX_TOKENS + 1)))
    assert len(tokens) == MAX_TOKENS and truncated
    # A chunk split into several tokens also stops at the limit.
    tokens, truncated = prepare(" ".join(["w"] * (MAX_TOKENS - 1)) + " w!")
    assert len(tokens) == MAX_TOKENS and truncated


def test_prepare_cuts_at_the_character_limit_and_drops_a_cut_word():
    text = "a" * (MAX_TEXT_CHARS - 3) + " bcdef ghi"
    tokens, truncated = prepare(text)
    assert texts_of(tokens) == ["a" * (MAX_TEXT_CHARS - 3)] and truncated
    tokens, truncated = prepare("x" * (MAX_TEXT_CHARS * 3))
    assert tokens == [] and truncated
    # A word ending exactly at the limit is whole.
    text = "a" * (MAX_TEXT_CHARS - 4) + " bcd efg"
    tokens, truncated = prepare(text)
    assert texts_of(tokens) == ["a" * (MAX_TEXT_CHARS - 4), "bcd"] and truncated
    assert all(token.end <= MAX_TEXT_CHARS for token in tokens)


def test_utterance_features_are_deduplicated_and_deterministic():
    config = FeatureConfig()
    tokens = tokenize("Play the the song 72 please")
    features = utterance_features(tokens, config)
    assert len(features) == len(set(features))
    assert features == utterance_features(tokenize("Play the the song 72 please"), config)
    assert features[:3] == ["w=play", "w=the", "w=song"]
    assert {"w=72", "d=00", "w2=<s>|play", "w2=song|00", "w2=please|</s>", "p4=plea", "p5=pleas"} <= set(features)
    assert "p4=song" not in features  # prefixes only of longer words


def test_empty_utterance_has_no_features():
    assert utterance_features([], FeatureConfig()) == []
    assert token_features([], FeatureConfig()) == []


def test_char_ngrams_are_optional():
    tokens = tokenize("jazz")
    assert not any(f.startswith("c=") for f in utterance_features(tokens, FeatureConfig()))
    features = utterance_features(tokens, FeatureConfig(char_ngrams=(3, 4)))
    assert {"c=<ja", "c=zz>", "c=<jaz", "c=azz>"} <= set(features)


def test_token_features_use_the_window_and_mark_the_edges():
    config = FeatureConfig(window=2, bigram_window=1)
    tokens = tokenize("play jazz by miles")
    per_token = token_features(tokens, config)
    assert len(per_token) == len(tokens)
    first, second, *_, last = per_token
    assert {"b", "w=play", "sh=x", "w-1=<s>", "w+1=jazz", "w+2=by", "b-1=<s>|play", "b+0=play|jazz"} <= set(first)
    assert not any(f.startswith("w-2=") for f in first)  # only the first position past the edge
    assert {"w-1=play", "w-2=<s>", "b-1=play|jazz"} <= set(second)
    assert {"w+1=</s>", "b+0=miles|</s>", "s3=les", "p2=mi"} <= set(last)
    assert not any(f.startswith(("w+3=", "w-3=")) for features in per_token for f in features)
    assert all(len(features) == len(set(features)) for features in per_token)
    assert all({"u=play", "u=jazz", "u=by", "u=miles"} <= set(features) for features in per_token)
    assert per_token == token_features(tokenize("play jazz by miles"), config)


def test_features_are_bounded_per_token():
    # The device scores at most MAX_TOKENS tokens; the default features per token stay few.
    config = FeatureConfig()
    tokens, _ = prepare(" ".join(f"w{i}-{'x' * (i % 20)}" for i in range(1000)))
    per_token = token_features(tokens, config)
    assert len(per_token) == MAX_TOKENS
    # 14 own features at most, then up to utterance_context shared "u=" words.
    assert max(map(len, per_token)) <= 14 + config.utterance_context
    assert len(utterance_features(tokens, config)) <= 6 * MAX_TOKENS + 1


def test_utterance_context_is_capped():
    tokens = tokenize("a b a c d e")
    assert [f for f in token_features(tokens, FeatureConfig(utterance_context=3))[0] if f.startswith("u=")] == [
        "u=a", "u=b", "u=c"]
    assert not any(f.startswith("u=") for f in token_features(tokens, FeatureConfig(utterance_context=0))[0])


def test_slot_intent_needs_the_intent():
    tokens = tokenize("play jazz")
    config = FeatureConfig(slot_intent=True)
    assert all("i=PlayMusic" in features for features in token_features(tokens, config, intent="PlayMusic"))
    with pytest.raises(ValueError, match="pass intent="):
        token_features(tokens, config)
    assert not any(f.startswith("i=") for f in token_features(tokens, FeatureConfig(), intent="PlayMusic")[0])


def test_config_json_round_trip():
    for config in (FeatureConfig(), FeatureConfig(word_ngrams=(1, 2, 3), char_ngrams=(2, 5), window=3,
                                                  bigram_window=2, prefix_lengths=(), suffix_lengths=(1, 2, 3, 4),
                                                  word_prefixes=(3,), utterance_context=0, slot_intent=True,
                                                  digit_classes=False)):
        restored = FeatureConfig.from_dict(json.loads(json.dumps(config.to_dict())))
        assert restored == config


def test_config_rejects_what_it_cannot_honour():
    data = FeatureConfig().to_dict()
    with pytest.raises(ValueError, match="version"):
        FeatureConfig.from_dict({**data, "version": data["version"] + 1})
    with pytest.raises(ValueError, match="unknown feature config keys: stemming"):
        FeatureConfig.from_dict({**data, "stemming": True})
    with pytest.raises(ValueError, match="lacks keys: window"):
        FeatureConfig.from_dict({key: value for key, value in data.items() if key != "window"})
    with pytest.raises(ValueError, match="word_ngrams"):
        FeatureConfig(word_ngrams=(0,))
    with pytest.raises(ValueError, match="char_ngrams"):
        FeatureConfig(char_ngrams=(4, 2))


def test_version_1_configs_keep_their_features():
    # As stored in models built before version 2: no utterance context, no intent.
    stored = {"word_ngrams": [1, 2], "word_prefixes": [4, 5], "char_ngrams": None, "window": 2, "bigram_window": 1,
              "prefix_lengths": [2, 3], "suffix_lengths": [2, 3], "digit_classes": True, "version": 1}
    config = FeatureConfig.from_dict(stored)
    assert config.utterance_context == 0 and not config.slot_intent
    per_token = token_features(tokenize("play some jazz"), config)
    assert [len(features) for features in per_token] == [12, 13, 12]
    assert not any(f.startswith(("u=", "i=")) for features in per_token for f in features)


def test_tokens_are_values():
    assert Token("a", 0, 1) == Token("a", 0, 1)
    assert len({Token("a", 0, 1), Token("a", 0, 1)}) == 1
