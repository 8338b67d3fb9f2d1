"""The in-car command dataset, written by the project from templates and value lists.

Every utterance comes from a template of one intent (templates.py), filled with values
(values.py, drawn as sources.py says) by a seeded random.Random, in one of two styles:

- spoken: what a speech recognizer prints (lowercase, no punctuation, numbers as words);
- typed: what a person types (digits, some capitals, "°F", a closing "." or "?").

Texts are deduplicated globally (`normalize`), so no text appears twice, and each intent's
utterances are split 80/10/10 into train/dev/test by a seeded shuffle. The output is MASSIVE-style
JSON lines; the same seed gives the same bytes.

    python -m pocketnlu_tools.data.incar.generator --out tools/pocketnlu_tools/data/incar/incar.jsonl [--seed 0]
"""
import argparse
import json
import random
import re
from collections import Counter
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

from pocketnlu_tools.data.incar.sources import SOURCES, Ctx
from pocketnlu_tools.data.incar.templates import INTENTS, POLITE_QUESTIONS, WAKE_WORDS, Intent
from pocketnlu_tools.data.readers import SPLIT_SHARES as SPLITS
from pocketnlu_tools.data.readers import partitions
from pocketnlu_tools.data.records import OUT_OF_SCOPE

DATASET = Path(__file__).resolve().parent / "incar.jsonl"  # what this module writes, shipped beside it

PER_INTENT = 120  # utterances per in-scope intent
OUT_OF_SCOPE_COUNT = 420  # about 6.5% of the whole set
MAX_DRAWS_PER_UTTERANCE = 50  # give up on an intent whose templates cannot produce enough texts

SPOKEN_SHARE = 0.55  # the rest is typed
TYPED_LOWERCASE_SHARE = 0.3  # typists who never press shift
WAKE_SHARE = 0.2
POLITE_SHARE = 0.35  # commands and fragments only
SUFFIX_SHARE = 0.2  # commands and fragments only


# --- Rendering -----------------------------------------------------------------------------------

PART = re.compile(r"\{(\w+)\}|\[(\w+) : ([^\]]+)\]")
Segment = Tuple[str, Optional[str]]  # (text, slot type or None)


def render(template: str, rng: random.Random, ctx: Ctx) -> List[Segment]:
    """Fill a template's placeholders: a list of text pieces, each with its slot type or None."""
    segments: List[Segment] = []
    pos = 0
    for match in PART.finditer(template):
        segments.append((template[pos:match.start()], None))
        if match[1]:
            source = SOURCES[match[1]]
            value, slot = source.draw(rng, ctx), source.slot
        else:
            value, slot = match[3], match[2]
        if value.startswith("°"):  # typed "72 °F" is written "72°F"
            segments[-1] = (segments[-1][0].rstrip(" "), None)
        segments.append((value, slot))
        pos = match.end()
    segments.append((template[pos:], None))
    return [(text, slot) for text, slot in segments if text]


def utterance(intent: Intent, rng: random.Random) -> Tuple[str, str]:
    """One utterance of the intent: (utt, annot_utt)."""
    ctx = Ctx(spoken=rng.random() < SPOKEN_SHARE, fahrenheit=rng.random() < 0.5)
    template, prefixes, suffixes = rng.choice(intent.templates())
    question = template.endswith("?")
    segments = render(template.rstrip("?"), rng, ctx)

    wake = rng.choice(WAKE_WORDS) if rng.random() < WAKE_SHARE else ""
    polite = suffix = ""
    if prefixes and rng.random() < POLITE_SHARE:
        polite = rng.choice(prefixes)
        question = polite in POLITE_QUESTIONS
    if suffixes and rng.random() < SUFFIX_SHARE:
        suffix = rng.choice([s for s in suffixes if s not in polite.split()])
    if wake and not ctx.spoken and rng.random() < 0.5:
        wake += ","
    head = " ".join(filter(None, (wake, polite)))
    if head:
        segments.insert(0, (head + " ", None))
    if suffix:
        segments.append((" " + suffix, None))

    if ctx.spoken:
        segments = [(text.lower(), slot) for text, slot in segments]
    else:
        segments = typed(segments, question, rng)
    for text, slot in segments:
        if slot and (text != text.strip() or re.search(r"[\[\]]| : ", text)):
            raise ValueError(f"bad {slot} value {text!r} in {template!r}")
    utt = "".join(text for text, _ in segments)
    annot = "".join(f"[{slot} : {text}]" if slot else text for text, slot in segments)
    return utt, annot


def typed(segments: List[Segment], question: bool, rng: random.Random) -> List[Segment]:
    """Typing habits: all lowercase or a capital first letter, and a closing "?", "." or "!"."""
    if rng.random() < TYPED_LOWERCASE_SHARE:
        segments = [(text.lower(), slot) for text, slot in segments]
    else:
        first, slot = segments[0]
        segments = [(first[0].upper() + first[1:], slot)] + segments[1:]
    end = rng.random()
    if question and end < 0.7:
        segments.append(("?", None))
    elif not question and end < 0.35:
        segments.append((".", None))
    elif not question and end < 0.4:
        segments.append(("!", None))
    return segments


def normalize(text: str) -> str:
    """The key two texts are the same under: case, punctuation and spacing ignored."""
    return " ".join(re.sub(r"\W+", " ", text.lower()).split())


# --- The dataset ---------------------------------------------------------------------------------


def generate(seed: int = 0) -> List[dict]:
    """All records, in intent order, each intent split 80/10/10 by a seeded shuffle."""
    rng = random.Random(seed)
    taken: Dict[str, str] = {}  # normalized text -> intent
    records: List[dict] = []
    for intent in INTENTS:
        target = OUT_OF_SCOPE_COUNT if intent.name == OUT_OF_SCOPE else PER_INTENT
        found: List[Tuple[str, str]] = []
        draws = 0
        while len(found) < target:
            draws += 1
            if draws > target * MAX_DRAWS_PER_UTTERANCE:
                raise RuntimeError(f"{intent.name}: {len(found)} distinct texts, {target} needed")
            utt, annot = utterance(intent, rng)
            key = normalize(utt)
            if key not in taken:
                taken[key] = intent.name
                found.append((utt, annot))
        for (utt, annot), partition in zip(found, partitions(len(found), rng)):
            records.append({
                "id": len(records),
                "utt": utt,
                "annot_utt": annot,
                "intent": intent.name,
                "scenario": intent.domain,
                "partition": partition,
            })
    return records


def to_jsonl(records: List[dict]) -> str:
    return "".join(json.dumps(r, sort_keys=True, ensure_ascii=False) + "\n" for r in records)


def slot_types(annot_utt: str) -> List[str]:
    return [m[2] for m in PART.finditer(annot_utt) if m[2]]


def summary_markdown(records: List[dict]) -> str:
    """The README's tables: records per domain and intent in each split, and where slots occur."""
    splits = [name for name, _ in SPLITS]

    def row(cells) -> str:
        return "| " + " | ".join(str(c) for c in cells) + " |\n"

    def split_table(title: str, key: Callable[[dict], str]) -> str:
        counts: Dict[str, Counter] = {}
        for r in records:
            counts.setdefault(key(r), Counter())[r["partition"]] += 1
        counts["**all**"] = Counter(r["partition"] for r in records)
        lines = [row([title, *splits, "total"]), row(["---"] + ["---:"] * (len(splits) + 1))]
        for name, c in counts.items():
            lines.append(row([name, *(c[s] for s in splits), sum(c.values())]))
        return "".join(lines)

    occurrences: Counter = Counter()
    intents: Dict[str, List[str]] = {}
    for r in records:
        for slot in slot_types(r["annot_utt"]):
            occurrences[slot] += 1
            if r["intent"] not in intents.setdefault(slot, []):
                intents[slot].append(r["intent"])
    slot_lines = [row(["slot type", "occurrences", "intents"]), row(["---", "---:", "---"])]
    slot_lines += [row([s, occurrences[s], ", ".join(intents[s])]) for s in sorted(occurrences)]
    return (
        split_table("domain", lambda r: r["scenario"]) + "\n"
        + split_table("intent", lambda r: f"{r['scenario']} / {r['intent']}") + "\n"
        + "".join(slot_lines)
    )


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m pocketnlu_tools.data.incar.generator", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--out", type=Path, required=True, help="JSON lines file to write")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    records = generate(args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(to_jsonl(records).encode("utf-8"))
    print(f"wrote {len(records)} records to {args.out}\n")
    print(summary_markdown(records), end="")


if __name__ == "__main__":
    main()

