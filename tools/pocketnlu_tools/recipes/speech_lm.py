"""The speech recognizer's language model and dictionary for the in-car demo.

PocketSphinx recognizes a closed vocabulary: every word of the language model needs a pronunciation
in the dictionary it loads. This script builds both from the spoken-style training utterances of
the in-car dataset (lowercase words only; typed ones with digits and symbols are left out, since
their spoken forms are already in the set), so recognition matches the commands the NLU knows:

- `runtime/pocketnlu/demo/models/incar.lm`: a trigram ARPA model from `pocketsphinx.lm` (fixed back-off);
- `runtime/pocketnlu/demo/models/incar.dict`: pronunciations of exactly its words, from the CMU dictionary that
  PocketSphinx ships, plus `EXTRA_PRONUNCIATIONS` for invented or rare words it lacks and a rule for
  possessives ("calloway's"). A sentence with a word that still has no pronunciation is dropped,
  and the word is reported so it can be added to the table.

Rebuilding gives the same bytes. Needs the voice extra (pip install 'pocketnlu[voice]').

    python -m pocketnlu_tools.recipes.speech_lm --out-dir runtime/pocketnlu/demo/models [--data DATA.jsonl]
"""
import argparse
import io
import json
import re
import sys
from pathlib import Path
from typing import Dict, Iterable, List, Tuple

from pocketnlu_tools.data.incar.generator import DATASET

SPOKEN = re.compile(r"[a-z']+( [a-z']+)*")

# Words of the dataset missing from the CMU dictionary, in its phone set (ARPAbet without stress).
EXTRA_PRONUNCIATIONS = {
    "birchwood": "B ER CH W UH D",
    "brightwaters": "B R AY T W AO T ER Z",
    "cartography": "K AA R T AA G R AH F IY",
    "defog": "D IY F AA G",
    "defroster": "D IH F R AO S T ER",
    "demist": "D IY M IH S T",
    "eta": "IY T IY EY",
    "kestrel": "K EH S T R AH L",
    "moonroof": "M UW N R UW F",
    "partway": "P AA R T W EY",
    "pinecrest": "P AY N K R EH S T",
    "priya": "P R IY Y AH",
    "ramen": "R AA M AH N",
    "recirculate": "R IY S ER K Y AH L EY T",
    "recirculated": "R IY S ER K Y AH L EY T IH D",
    "recirculation": "R IY S ER K Y AH L EY SH AH N",
    "streetlight": "S T R IY T L AY T",
    "stringband": "S T R IH NG B AE N D",
    "sunshade": "S AH N SH EY D",
    "unpause": "AH N P AO Z",
    "waypoint": "W EY P OY N T",
    "weathervane": "W EH DH ER V EY N",
    "windscreen": "W IH N D S K R IY N",
}
SIBILANTS = {"S", "Z", "SH", "ZH", "CH", "JH"}
VOICELESS = {"P", "T", "K", "F", "TH"}


def spoken_sentences(data_path: Path) -> List[str]:
    """Training utterances that read like a recognizer's output."""
    sentences = []
    with open(data_path, encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            if record["partition"] == "train" and SPOKEN.fullmatch(record["utt"]):
                sentences.append(record["utt"])
    return sentences


def read_cmudict(path: Path) -> Dict[str, List[str]]:
    """word -> pronunciations, alternates ("word(2)") included, in file order."""
    pronunciations: Dict[str, List[str]] = {}
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            word, *phones = line.split()
            pronunciations.setdefault(word.split("(")[0], []).append(" ".join(phones))
    return pronunciations


def pronounce(word: str, cmudict: Dict[str, List[str]]) -> List[str]:
    """Pronunciations of a word, or [] when none is known."""
    if word in cmudict:
        return cmudict[word]
    if word in EXTRA_PRONUNCIATIONS:
        return [EXTRA_PRONUNCIATIONS[word]]
    if word.endswith("'s"):
        return [base + " " + possessive_ending(base) for base in pronounce(word[:-2], cmudict)]
    return []


def possessive_ending(base: str) -> str:
    """'s sounds like "iz" after a hissing sound, "s" after a voiceless one, else "z"."""
    last = base.split()[-1]
    return "IH Z" if last in SIBILANTS else "S" if last in VOICELESS else "Z"


def build(sentences: Iterable[str], cmudict: Dict[str, List[str]]) -> Tuple[str, str, List[str], int]:
    """(ARPA text, dictionary text, words without a pronunciation, sentences kept)."""
    from pocketsphinx.lm import ArpaBoLM

    known_phones = {phone for prons in cmudict.values() for pron in prons for phone in pron.split()}
    bad = {w: p for w, p in EXTRA_PRONUNCIATIONS.items() if not set(p.split()) <= known_phones}
    if bad:
        raise ValueError(f"EXTRA_PRONUNCIATIONS uses phones the acoustic model lacks: {bad}")

    kept, unpronounceable = [], set()
    for sentence in sentences:
        missing = [w for w in sentence.split() if not pronounce(w, cmudict)]
        unpronounceable.update(missing)
        if not missing:
            kept.append(sentence)

    model = ArpaBoLM(text="\n".join(kept), add_start=True)
    model.compute()
    model.sent_count = len(kept)  # ArpaBoLM counts sentences but never stores the count it prints
    arpa = io.StringIO()
    model.write(arpa)
    vocabulary = sorted({w for sentence in kept for w in sentence.split()})
    dictionary = "".join(
        f"{word if i == 0 else f'{word}({i + 1})'} {pron}\n"
        for word in vocabulary for i, pron in enumerate(pronounce(word, cmudict))
    )
    return arpa.getvalue(), dictionary, sorted(unpronounceable), len(kept)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATASET, help="in-car dataset (JSON lines; default: the shipped one)")
    parser.add_argument("--out-dir", type=Path, required=True, help="where incar.lm and incar.dict go "
                        "(the demo's: runtime/pocketnlu/demo/models)")
    args = parser.parse_args(argv)
    try:
        from pocketsphinx import get_model_path
    except ImportError:
        sys.exit("speech_lm needs PocketSphinx: pip install 'pocketnlu[voice]'")

    cmudict = read_cmudict(Path(get_model_path("en-us/cmudict-en-us.dict")))
    sentences = spoken_sentences(args.data)
    arpa, dictionary, unpronounceable, n_kept = build(sentences, cmudict)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    (args.out_dir / "incar.lm").write_text(arpa, encoding="utf-8")
    (args.out_dir / "incar.dict").write_text(dictionary, encoding="utf-8")
    print(f"language model: {n_kept} of {len(sentences)} spoken training sentences, "
          f"{dictionary.count(chr(10))} pronunciations -> {args.out_dir}")
    if unpronounceable:
        print(f"dropped sentences with words lacking a pronunciation (add them to EXTRA_PRONUNCIATIONS): "
              f"{' '.join(unpronounceable)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
