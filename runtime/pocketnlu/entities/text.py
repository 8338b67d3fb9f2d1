"""Input limits, normalisation and tokenisation shared by every kind.

Why a module of its own: every resolver works on the same short token list,
so the length cap, case folding, edge punctuation and hyphen rules live in
one place, and the parsers never look at raw characters.
"""
from typing import List, NamedTuple, Optional, Sequence, Tuple

# Longer inputs are not one entity span; they are refused before any parsing,
# so the cost of a call is bounded whatever the caller passes. MAX_WORDS
# counts tokens (words, digit runs and symbols, "seventy-two" being two), as
# the parsers' work grows with the token count.
MAX_TEXT_CHARS = 200
MAX_WORDS = 40

WORD, NUM, SYM = range(3)
_ASCII_DIGITS = frozenset("0123456789")  # str.isdigit() would also accept "٣" and "²"
_EDGE_PUNCTUATION = frozenset(".,!?;:\"'()\u201c\u201d\u2018\u2019\u00ab\u00bb\u00a1\u00bf")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u02bc": "'"})
_WORD_JOINERS = frozenset("'.")  # inside a word: "o'clock", "a.m."


class Token(NamedTuple):
    text: str
    kind: int     # WORD (letters), NUM (a run of ASCII digits) or SYM (one other character)
    glued: bool   # True when no whitespace separates it from the previous token


def _strip_edges(s: str) -> str:
    start, end = 0, len(s)
    while end > start and (s[end - 1].isspace() or s[end - 1] in _EDGE_PUNCTUATION):
        end -= 1
    while start < end and (s[start].isspace() or s[start] in _EDGE_PUNCTUATION):
        if s[start] == "." and start + 1 < end and s[start + 1] in _ASCII_DIGITS:
            break  # ".5" is a number, not punctuation
        start += 1
    return s[start:end]


def tokenize(text: str) -> Optional[List[Token]]:
    """Tokens of `text`, or None when it is empty or over the limits."""
    if len(text) > MAX_TEXT_CHARS:
        return None
    s = _strip_edges(text.lower().translate(_APOSTROPHES))
    tokens: List[Token] = []
    i, n, glued = 0, len(s), False
    while i < n:
        ch = s[i]
        j = i + 1
        if ch.isspace():
            glued = False
            i = j
            continue
        if ch in _ASCII_DIGITS:
            while j < n and s[j] in _ASCII_DIGITS:
                j += 1
            tokens.append(Token(s[i:j], NUM, glued))
        elif ch.isalpha():
            dotted = False
            while j < n:
                if s[j].isalpha():
                    j += 1
                elif s[j] in _WORD_JOINERS and j + 1 < n and s[j + 1].isalpha():
                    dotted = dotted or s[j] == "."
                    j += 2
                else:
                    break
            if dotted and j < n and s[j] == ".":
                j += 1  # the closing dot of "a.m."
            word = s[i:j]
            tokens.append(Token(word.replace(".", "") if dotted else word, WORD, glued))
        elif ch == "-" and glued and tokens[-1].kind == WORD and j < n and s[j].isalpha():
            glued = False  # "seventy-two" reads as "seventy two"
            i = j
            continue
        else:
            tokens.append(Token(ch, SYM, glued))
        glued = True
        i = j
    return tokens if 0 < len(tokens) <= MAX_WORDS else None


def texts(tokens: Sequence[Token]) -> Tuple[str, ...]:
    return tuple(t.text for t in tokens)


def all_words(tokens: Sequence[Token]) -> bool:
    return bool(tokens) and all(t.kind == WORD for t in tokens)


def match_prefix(tokens: Sequence[Token], phrases) -> int:
    """Length of the longest phrase in `phrases` that starts `tokens` (0: none)."""
    said = texts(tokens)
    return max((len(p) for p in phrases if p and said[:len(p)] == p), default=0)


def match_suffix(tokens: Sequence[Token], phrases) -> int:
    """Length of the longest phrase in `phrases` that ends `tokens` (0: none)."""
    said = texts(tokens)
    return max((len(p) for p in phrases if p and len(p) <= len(said) and said[-len(p):] == p),
               default=0)


def strip_leading(tokens: Sequence[Token], words) -> Sequence[Token]:
    """Drop leading filler words, always keeping at least one token."""
    i = 0
    while i < len(tokens) - 1 and tokens[i].kind == WORD and tokens[i].text in words:
        i += 1
    return tokens[i:]
