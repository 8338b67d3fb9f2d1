"""The speech recognizer's language model and dictionary for the in-car demo.

PocketSphinx recognizes a closed vocabulary: every word of the language model needs a pronunciation
in the dictionary it loads. This script builds both from the spoken-style utterances the default
NLU model trains on (the train and dev splits of the in-car templates, sampled as
`recipes.default_model` samples them: its dev set is the hand-written one), so recognition matches
the commands the NLU knows. The templates' typing habits (a capital first letter, a closing mark)
are undone; utterances with digits or other symbols are left out, since the templates also say
them in words:

- `runtime/pocketnlu/demo/models/incar.lm`: a trigram ARPA model from `pocketsphinx.lm` (fixed back-off);
- `runtime/pocketnlu/demo/models/incar.dict`: pronunciations of exactly its words, from the CMU dictionary that
  PocketSphinx ships, plus `EXTRA_PRONUNCIATIONS` for invented or rare words it lacks and a rule for
  possessives ("okafor's"). A sentence with a word that still has no pronunciation is dropped,
  and the word is reported so it can be added to the table.

Rebuilding gives the same bytes. Needs the voice extra (pip install 'pocketnlu[voice]').

    python -m pocketnlu_tools.recipes.speech_lm --out-dir runtime/pocketnlu/demo/models [--data DATA.jsonl]
"""
import argparse
import io
import re
import sys
from pathlib import Path
from typing import Dict, Iterable, List, Tuple

from pocketnlu_tools.data.incar import TEMPLATES
from pocketnlu_tools.data.readers import load_dataset
from pocketnlu_tools.recipes.default_model import SAMPLES_PER_INTENT

SPOKEN = re.compile(r"[a-z']+( [a-z']+)*")
CLOSING_MARK = re.compile(r"[.!?]$")

# Words of the dataset missing from the CMU dictionary, in its phone set (ARPAbet without stress).
EXTRA_PRONUNCIATIONS = {
    "aah": "AA",
    "adebayo": "AA D EH B AA Y OW",
    "adeyemi": "AA D EH Y EH M IY",
    "afrobeats": "AE F R OW B IY T S",
    "agnieszka": "AA G N Y EH SH K AH",
    "aircon": "EH R K AA N",
    "anil": "AH N IY L",
    "answerphone": "AE N S ER F OW N",
    "anya": "AA N Y AH",
    "aoife": "IY F AH",
    "arslan": "AA R S L AA N",
    "asante": "AH S AA N T EY",
    "ashgrove": "AE SH G R OW V",
    "atms": "EY T IY EH M Z",
    "audiobook": "AO D IY OW B UH K",
    "aunty": "AE N T IY",
    "autosteer": "AO T OW S T IH R",
    "bakare": "B AA K AA R EY",
    "beatbox": "B IY T B AA K S",
    "biryani": "B IH R Y AA N IY",
    "blinker": "B L IH NG K ER",
    "brr": "B ER",
    "brrr": "B ER",
    "carplay": "K AA R P L EY",
    "carriageway": "K AE R IH JH W EY",
    "carriageways": "K AE R IH JH W EY Z",
    "cashpoint": "K AE SH P OY N T",
    "cashpoints": "K AE SH P OY N T S",
    "celcius": "S EH L S IY AH S",
    "cerys": "K EH R IH S",
    "chidi": "CH IY D IY",
    "chilli": "CH IH L IY",
    "chiming": "CH AY M IH NG",
    "clockmaker": "K L AA K M EY K ER",
    "cortana": "K AO R T AE N AH",
    "dafydd": "D AE V IH DH",
    "dashcam": "D AE SH K AE M",
    "deepa": "D IY P AH",
    "defog": "D IY F AA G",
    "defogger": "D IY F AA G ER",
    "defogging": "D IY F AA G IH NG",
    "defroster": "D IH F R AO S T ER",
    "deice": "D IY AY S",
    "demist": "D IY M IH S T",
    "demister": "D IY M IH S T ER",
    "demisting": "D IY M IH S T IH NG",
    "dialling": "D AY AH L IH NG",
    "dinging": "D IH NG IH NG",
    "draughty": "D R AE F T IY",
    "eastfield": "IY S T F IY L D",
    "eleni": "EH L EH N IY",
    "elif": "EH L IY F",
    "ep": "IY P IY",
    "erm": "ER M",
    "eta": "IY T IY EY",
    "expressways": "IH K S P R EH S W EY Z",
    "facetime": "F EY S T AY M",
    "farenheit": "F EH R AH N HH AY T",
    "favourites": "F EY V ER IH T S",
    "femi": "F EH M IY",
    "fogged": "F AA G D",
    "fogging": "F AA G IH NG",
    "footballer": "F UH T B AO L ER",
    "foxhollow": "F AA K S HH AA L OW",
    "frunk": "F R AH NG K",
    "ftse": "F UH T S IY",
    "g'day": "G AH D EY",
    "giulia": "JH UW L Y AH",
    "glovebox": "G L AH V B AA K S",
    "gpt": "JH IY P IY T IY",
    "haha": "HH AA HH AA",
    "handbrake": "HH AE N D B R EY K",
    "harbours": "HH AA R B ER Z",
    "headlamps": "HH EH D L AE M P S",
    "hiya": "HH AY Y AH",
    "immobiliser": "IH M OW B AH L AY Z ER",
    "ioana": "Y OW AA N AH",
    "jollof": "JH AA L AH F",
    "jonny": "JH AA N IY",
    "kasia": "K AA SH AH",
    "katrin": "K AE T R IH N",
    "kiriakou": "K IH R IY AA K UW",
    "km": "K EY EH M",
    "knackered": "N AE K ER D",
    "kwame": "K W AA M EY",
    "lasagne": "L AH Z AA N Y AH",
    "launderette": "L AO N D ER EH T",
    "liftgate": "L IH F T G EY T",
    "limiter": "L IH M IH T ER",
    "lindqvist": "L IH N D K V IH S T",
    "litre": "L IY T ER",
    "litres": "L IY T ER Z",
    "marisol": "M AA R IY S OW L",
    "marrakesh": "M AE R AH K EH SH",
    "messaged": "M EH S IH JH D",
    "milometer": "M AY L AA M IH T ER",
    "mins": "M IH N Z",
    "misted": "M IH S T IH D",
    "misting": "M IH S T IH NG",
    "mmm": "M",
    "moonroof": "M UW N R UW F",
    "mot": "EH M OW T IY",
    "motorway": "M OW T ER W EY",
    "motorways": "M OW T ER W EY Z",
    "msg": "EH M EH S JH IY",
    "nappies": "N AE P IY Z",
    "neha": "N EY HH AA",
    "ngozi": "EH N G OW Z IY",
    "nightjar": "N AY T JH AA R",
    "nikos": "N IY K OW S",
    "nought": "N AO T",
    "noughties": "N AO T IY Z",
    "nwosu": "N W OW S UW",
    "octopuses": "AA K T AH P UH S IH Z",
    "odo": "OW D OW",
    "okafor": "OW K AA F AO R",
    "okeke": "OW K EY K EY",
    "okonkwo": "OW K AA NG K W OW",
    "olu": "OW L UW",
    "onomatopoeia": "AA N AH M AE T AH P IY AH",
    "organised": "AO R G AH N AY Z D",
    "paperclip": "P EY P ER K L IH P",
    "paracetamol": "P AE R AH S IY T AH M AA L",
    "parky": "P AA R K IY",
    "partway": "P AA R T W EY",
    "peckish": "P EH K IH SH",
    "petrova": "P EH T R OW V AH",
    "piotr": "P Y AO T ER",
    "podcasts": "P AA D K AE S T S",
    "preheat": "P R IY HH IY T",
    "priya": "P R IY Y AH",
    "racecourse": "R EY S K AO R S",
    "rajesh": "R AA JH EY SH",
    "ramen": "R AA M AH N",
    "recirc": "R IY S ER K",
    "recirculate": "R IY S ER K Y AH L EY T",
    "recirculated": "R IY S ER K Y AH L EY T IH D",
    "recirculation": "R IY S ER K Y AH L EY SH AH N",
    "redialing": "R IY D AY AH L IH NG",
    "redialling": "R IY D AY AH L IH NG",
    "ringtone": "R IH NG T OW N",
    "roadworks": "R OW D W ER K S",
    "satnav": "S AE T N AE V",
    "seatback": "S IY T B AE K",
    "semaphore": "S EH M AH F AO R",
    "shush": "SH AH SH",
    "sidelights": "S AY D L AY T S",
    "singalong": "S IH NG AH L AO NG",
    "smidge": "S M IH JH",
    "southmoor": "S AW TH M UH R",
    "squeezers": "S K W IY Z ER Z",
    "squished": "S K W IH SH T",
    "sssh": "SH",
    "starlings": "S T AA R L IH NG Z",
    "straighteners": "S T R EY T AH N ER Z",
    "streetlight": "S T R IY T L AY T",
    "sunshade": "S AH N SH EY D",
    "supercharger": "S UW P ER CH AA R JH ER",
    "superchargers": "S UW P ER CH AA R JH ER Z",
    "swansea": "S W AA N Z IY",
    "tailbacks": "T EY L B AE K S",
    "teabags": "T IY B AE G Z",
    "throwbacks": "TH R OW B AE K S",
    "toastier": "T OW S T IY ER",
    "toasty": "T OW S T IY",
    "tomasz": "T AO M AA SH",
    "tpms": "T IY P IY EH M EH S",
    "tumbleweeds": "T AH M B AH L W IY D Z",
    "uhm": "AH M",
    "ulez": "Y UW L EH Z",
    "underinflated": "AH N D ER IH N F L EY T IH D",
    "unfog": "AH N F AA G",
    "unfollow": "AH N F AA L OW",
    "unfreeze": "AH N F R IY Z",
    "unpair": "AH N P EH R",
    "unpause": "AH N P AO Z",
    "unpausing": "AH N P AO Z IH NG",
    "untilt": "AH N T IH L T",
    "volkova": "V OW L K OW V AH",
    "warmers": "W AO R M ER Z",
    "waypoint": "W EY P OY N T",
    "westbourne": "W EH S T B AO R N",
    "whatsapps": "W AH T S AE P S",
    "windscreen": "W IH N D S K R IY N",
    "yeon": "Y AH N",
    "yuki": "Y UW K IY",
    "yusuf": "Y UW S AH F",
    "zainab": "Z EY N AE B",
    "zanele": "Z AA N EH L EH",
}
SIBILANTS = {"S", "Z", "SH", "ZH", "CH", "JH"}
VOICELESS = {"P", "T", "K", "F", "TH"}


def spoken_sentences(data_path: Path) -> List[str]:
    """The utterances the default model trains on (train and dev splits, any dataset format) that
    read like a recognizer's output once typing habits are undone."""
    splits = load_dataset(data_path, samples_per_intent=SAMPLES_PER_INTENT).splits
    texts = (untyped(example.text) for split in ("train", "dev") for example in splits.get(split, []))
    return [text for text in texts if SPOKEN.fullmatch(text)]


def untyped(text: str) -> str:
    """The text without the typing habits the template expander gives some utterances."""
    text = CLOSING_MARK.sub("", text)
    return text[:1].lower() + text[1:]


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
    parser.add_argument("--data", type=Path, default=TEMPLATES,
                        help="the dataset or templates whose sentences become speakable (default: the in-car templates)")
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
