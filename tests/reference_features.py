"""An independent, plain-Python composer of the feature keys, to check csrc/features.c against.

It builds the strings the way runtime/features.py's docstrings define them (this was the
device's own implementation before composition moved into the C core).
"""
from typing import List, Optional

from pocketnlu.features import BOS, EOS, FeatureConfig, Token, digit_class, normalize, word_shape


def utterance_features(tokens: List[Token], config: FeatureConfig) -> List[str]:
    words = [normalize(token.text) for token in tokens]
    if not words:
        return []
    digit_forms = [digit_class(word) if config.digit_classes else None for word in words]
    classes = [word if digits is None else digits for word, digits in zip(words, digit_forms)]
    features: List[str] = []
    for order in config.word_ngrams:
        if order == 1:
            for word, digits in zip(words, digit_forms):
                features.append("w=" + word)
                if digits is not None:
                    features.append("d=" + digits)
            continue
        padded = [BOS] + classes + [EOS]
        for i in range(len(padded) - order + 1):
            features.append(f"w{order}=" + "|".join(padded[i:i + order]))
    for n in config.word_prefixes:
        features.extend(f"p{n}=" + word[:n] for word in words if len(word) > n)
    if config.char_ngrams is not None:
        low, high = config.char_ngrams
        for word in words:
            marked = "<" + word + ">"
            for n in range(low, min(high, len(marked)) + 1):
                features.extend("c=" + marked[i:i + n] for i in range(len(marked) - n + 1))
    return list(dict.fromkeys(features))


def token_features(tokens: List[Token], config: FeatureConfig, intent: Optional[str] = None) -> List[List[str]]:
    words = [normalize(token.text) for token in tokens]
    shared = ["u=" + word for word in list(dict.fromkeys(words))[:config.utterance_context]]
    if config.slot_intent:
        shared.append("i=" + intent)
    count = len(words)
    padded = [BOS] + words + [EOS]  # padded[i + 1] is words[i]
    result = []
    for i, word in enumerate(words):
        features = ["b", "w=" + word, "sh=" + word_shape(word)]
        digits = digit_class(word) if config.digit_classes else None
        if digits is not None:
            features.append("d=" + digits)
        features += [f"p{n}={word[:n]}" for n in config.prefix_lengths if len(word) > n]
        features += [f"s{n}={word[-n:]}" for n in config.suffix_lengths if len(word) > n]
        for offset in range(1, config.window + 1):
            if i - offset >= -1:
                features.append(f"w-{offset}={padded[i + 1 - offset]}")
            if i + offset <= count:
                features.append(f"w+{offset}={padded[i + 1 + offset]}")
        for offset in range(-config.bigram_window, config.bigram_window):
            first = i + offset
            if -1 <= first and first + 1 <= count:
                features.append(f"b{offset:+d}={padded[first + 1]}|{padded[first + 2]}")
        result.append(features + shared)
    return result
