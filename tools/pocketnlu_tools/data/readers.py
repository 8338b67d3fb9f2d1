"""Readers for the dataset formats `pocketnlu train` and `pocketnlu eval` accept.

Every reader turns a file or folder into `Example`s grouped by split ("train", "dev", "test") and
fails loudly: a broken line or record raises `DatasetError` naming the file, the 1-based line where
one is known, and what is wrong. Nothing is silently dropped (blank lines in line-per-record files
are not records and are skipped).

Formats (`FORMATS`):
- snips:   Snips NLU benchmark JSON, `{"<Intent>": [{"data": [{"text": ..., "entity": ...}, ...]}]}`.
           A single file, an intent folder, the folder of intent folders, or the folder above it.
           `train_<Intent>_full.json` -> train (the small `train_<Intent>.json` is used only when no
           full file sits beside it), `validate_<Intent>.json` -> test.
- bio:     a folder of split subfolders (train/dev/test, or val/valid/...) each holding the
           line-aligned files `seq.in`, `label` (intent) and, optionally, `seq.out` (BIO tags):
           a split without `seq.out` gives examples without slots.
- atis:    `.iob` lines `BOS w1 .. wn EOS<TAB>O t1 .. tn INTENT`; a file or a folder of them.
- massive: MASSIVE JSON lines (`utt`, `annot_utt`, `intent`, `scenario` -> domain, `partition`).
- clinc:   CLINC150 JSON, lists `train`/`val`/`test` and `oos_*` of `[text, intent]`.
- csv:     a file, or a folder of split files `train.csv`, `dev.csv` (or `val`, `valid`,
           `validation.csv`) and `test.csv`. The header row names the text column (`text`,
           `sentence`, `utterance`, `query` or `question`, any case; else `text_column=`), the
           intent column (`intent`, `label`, `category` or `class`; else `label_column=`) and
           optionally `domain` and, in a single file only, `split` (default train). HINT3, say,
           ships `sofmattress_train.csv` and `sofmattress_test.csv` in two folders: link them as
           `train.csv` and `test.csv` into one folder and pass oos_label="NO_NODES_DETECTED".
- templates: Home Assistant intent YAML, a file or a folder of only YAML files, expanded by
           `pocketnlu_tools.data.templates`; each intent split 80/10/10 by a seeded shuffle.

Out of scope: clinc's `oos_*` lists and `oos` intent become OUT_OF_SCOPE; in any format,
`load_dataset(..., oos_label=LABEL)` maps LABEL to it too.
"""
from __future__ import annotations

import csv
import io
import json
import random
import re
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence, Tuple, Union

from pocketnlu_tools.data.records import OUT_OF_SCOPE, Example, Slot

FORMATS = ("snips", "bio", "atis", "massive", "clinc", "csv", "templates")
SPLITS = ("train", "dev", "test")

_SPLIT_ALIASES = {
    "train": "train",
    "dev": "dev",
    "val": "dev",
    "valid": "dev",
    "validate": "dev",
    "validation": "dev",
    "test": "test",
}
_FILE_SUFFIX_FORMATS = {".csv": "csv", ".iob": "atis", ".jsonl": "massive", ".yaml": "templates", ".yml": "templates"}
_CLINC_LISTS = ("train", "val", "test", "oos_train", "oos_val", "oos_test")
# Header names of the text and intent columns, when text_column= and label_column= name none.
_CSV_TEXT_COLUMNS = ("text", "sentence", "utterance", "query", "question")
_CSV_LABEL_COLUMNS = ("intent", "label", "category", "class")
_CSV_OPTIONAL_COLUMNS = ("domain", "split")
_CSV_HEADER = (
    f"a header row with a text column ({', '.join(_CSV_TEXT_COLUMNS)}), an intent column "
    f"({', '.join(_CSV_LABEL_COLUMNS)}) and optionally domain and split"
)
_BIO_FILES = ("seq.in", "seq.out", "label")
# `[slot : value]`; the slot name cannot hold ':' so the first colon separates it from the value,
# which may contain colons itself ("[time : 5:30 am]").
_MASSIVE_SLOT = re.compile(r"\[([^\[\]:]*):([^\[\]]*)\]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")

PathLike = Union[str, Path]
Splits = Dict[str, List[Example]]


class DatasetError(ValueError):
    """A dataset that cannot be read; the message starts with `path:line:` (or `path:`)."""

    def __init__(self, path: PathLike, message: str, line: Optional[int] = None):
        self.path = str(path)
        self.line = line
        self.message = message
        location = self.path if line is None else f"{self.path}:{line}"
        super().__init__(f"{location}: {message}")


@dataclass
class Dataset:
    splits: Dict[str, List[Example]]
    format: str
    path: str
    # slot type -> {"kind": entity kind} or {"list": name, "values": {spoken: canonical}}, where
    # the format says how a slot's text resolves (template lists and ranges)
    slot_values: Dict[str, dict] = field(default_factory=dict)


class _Malformed(Exception):
    """A bad record found by a helper that does not know where the record came from."""


@contextmanager
def _located(path: PathLike, line: Optional[int] = None, where: Optional[str] = None):
    """Turn a `_Malformed` raised inside the block into a `DatasetError` at path:line (where)."""
    try:
        yield
    except _Malformed as error:
        message = f"{where}: {error}" if where else str(error)
        raise DatasetError(path, message, line) from None


def load_dataset(path: PathLike, format: Optional[str] = None, lists: Optional[Dict[str, list]] = None, *,
                 text_column: Optional[str] = None, label_column: Optional[str] = None,
                 oos_label: Optional[str] = None, samples_per_intent: int = 200) -> Dataset:
    """Read a dataset file or folder into train/dev/test splits of `Example`s.

    When `format` is None it is detected:
    - a file by its extension: `.csv` -> csv, `.iob` -> atis, `.jsonl` -> massive, `.yaml` and
      `.yml` -> templates; a `.json`
      file is clinc when its first key is one of CLINC150's lists (`train`, `val`, `test`,
      `oos_*`), and snips otherwise;
    - a folder by its layout: subfolders holding `seq.in` -> bio; `*.iob` files -> atis;
      `train_*.json` / `validate_*.json` files in it, its subfolders or theirs -> snips; only
      `.yaml`/`.yml` files -> templates; `.csv` files named for splits (`train.csv`, ...) -> csv.
      A folder matching several layouts is an error (name the format instead).

    How each format maps files to splits is described in the module docstring and the readers.
    `samples_per_intent` bounds the sentences drawn from each intent's templates.
    `lists` gives templates the values of lists they do not define (Home Assistant's run-time
    lists such as `name` and `area`): list name -> values, as templates.read_list_file reads them.
    `text_column` and `label_column` (csv only) name the header's text and intent columns, any
    case, when they are not among the names the csv reader knows. `oos_label` is a label meaning
    out of scope: its examples get the intent OUT_OF_SCOPE.
    Raises DatasetError when the path is missing, the format is unknown or cannot be detected,
    the data is malformed, `oos_label` labels no example, or it holds no examples at all.
    """
    source = Path(path)
    if not source.exists():
        raise DatasetError(source, "no such file or folder")
    if format is None:
        format = _detect_format(source)
    elif format not in FORMATS:
        raise DatasetError(source, f"unknown format {format!r}; expected one of {', '.join(FORMATS)}")
    if format != "csv" and (text_column or label_column):
        raise DatasetError(source, f"text_column and label_column apply to the csv format, not {format}")
    slot_values: Dict[str, dict] = {}
    if format == "templates":
        splits, slot_values = _read_templates(source, lists or {}, samples_per_intent)
    elif format == "csv":
        splits = _read_csv(source, text_column, label_column)
    else:
        splits = _READERS[format](source)
    if not any(splits.values()):
        raise DatasetError(source, f"no examples found ({format} format)")
    if oos_label is not None:
        if not any(e.intent == oos_label for examples in splits.values() for e in examples):
            raise DatasetError(source, f"oos_label {oos_label!r} is the intent of no example")
        splits = {name: [replace(e, intent=OUT_OF_SCOPE) if e.intent == oos_label else e for e in examples]
                  for name, examples in splits.items()}
    ordered = {name: splits[name] for name in SPLITS if name in splits}
    return Dataset(splits=ordered, format=format, path=str(source), slot_values=slot_values)


SPLIT_SHARES = (("train", 0.8), ("dev", 0.1), ("test", 0.1))


def partitions(n: int, rng: random.Random) -> List[str]:
    """Split names for n items of a dataset without splits: SPLIT_SHARES, in a seeded order."""
    names: List[str] = []
    for name, share in SPLIT_SHARES[1:]:
        names += [name] * round(n * share)
    names = [SPLIT_SHARES[0][0]] * (n - len(names)) + names
    rng.shuffle(names)
    return names


def split_for_training(
    dataset: Dataset, dev_fraction: float = 0.1, seed: int = 0
) -> Tuple[List[Example], List[Example], List[Example]]:
    """Return (train, dev, test) lists, carving dev out of train when the dataset has none.

    The carved dev split is stratified by intent: each intent gives round(n * dev_fraction) of
    its n examples, chosen with random.Random(seed), but always keeps at least one in train.
    Both lists keep the dataset's order, so the same inputs always give the same split.
    `test` is empty when the dataset has no test split.
    """
    if not 0 <= dev_fraction < 1:
        raise ValueError(f"dev_fraction must be in [0, 1), got {dev_fraction}")
    train = dataset.splits.get("train", [])
    if not train:
        raise DatasetError(dataset.path, "no train split to train on")
    test = list(dataset.splits.get("test", []))
    if dataset.splits.get("dev"):
        return list(train), list(dataset.splits["dev"]), test
    rng = random.Random(seed)
    by_intent: Dict[str, List[int]] = defaultdict(list)
    for index, example in enumerate(train):
        by_intent[example.intent].append(index)
    dev_indices = set()
    for intent in sorted(by_intent):
        indices = by_intent[intent]
        count = min(round(len(indices) * dev_fraction), len(indices) - 1)
        dev_indices.update(rng.sample(indices, count))
    carved_train = [e for i, e in enumerate(train) if i not in dev_indices]
    carved_dev = [e for i, e in enumerate(train) if i in dev_indices]
    return carved_train, carved_dev, test


# --- format detection -------------------------------------------------------------------------


def _detect_format(path: Path) -> str:
    if path.is_file():
        suffix = path.suffix.lower()
        if suffix == ".json":
            return "clinc" if _first_json_key(path) in _CLINC_LISTS else "snips"
        if suffix in _FILE_SUFFIX_FORMATS:
            return _FILE_SUFFIX_FORMATS[suffix]
        kind = f"{suffix} file" if suffix else "file without an extension"
        raise DatasetError(path, f"cannot detect the format of a {kind}; pass format=one of {', '.join(FORMATS)}")
    layouts = {"bio": _looks_like_bio, "atis": _looks_like_atis, "snips": lambda p: bool(_snips_files(p)),
               "templates": _looks_like_templates, "csv": _looks_like_csv}
    matches = [name for name, looks_like in layouts.items() if looks_like(path)]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise DatasetError(path, f"folder matches several formats ({', '.join(matches)}); pass format=")
    raise DatasetError(
        path,
        "cannot detect the format of this folder (expected bio split subfolders, .iob files, "
        "Snips train_*/validate_*.json files, only .yaml templates or train.csv/dev.csv/test.csv); "
        "pass a file for csv, massive and clinc",
    )


def _first_json_key(path: Path) -> Optional[str]:
    """The first key of the JSON object in the file, read from its head only (files can be big)."""
    with open(path, "rb") as file:
        head = file.read(4096).decode("utf-8-sig", "replace")
    match = re.match(r'\s*\{\s*"((?:[^"\\]|\\.)*)"', head)
    return match.group(1) if match else None


def _looks_like_bio(folder: Path) -> bool:
    return any((sub / "seq.in").is_file() for sub in folder.iterdir() if sub.is_dir())


def _looks_like_atis(folder: Path) -> bool:
    return any(folder.glob("*.iob"))


def _looks_like_csv(folder: Path) -> bool:
    return any(file.stem.lower() in _SPLIT_ALIASES for file in _csv_files_in(folder))


def _looks_like_templates(folder: Path) -> bool:
    files = [file for file in folder.iterdir() if file.is_file() and not file.name.startswith(".")]
    return bool(files) and all(file.suffix.lower() in (".yaml", ".yml") for file in files)


# --- shared helpers ---------------------------------------------------------------------------


def _read_text(path: Path, errors: str = "strict") -> str:
    """The file's text (a UTF-8 BOM dropped); non-UTF-8 bytes raise at the line that holds them."""
    if not path.is_file():
        raise DatasetError(path, "file not found")
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig", errors)
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        bad = data[error.start : error.end]
        raise DatasetError(path, f"invalid UTF-8 bytes {bad!r}", line) from None


def _read_lines(path: Path) -> List[str]:
    # Split on "\n" only: str.splitlines() would also split on characters such as U+2028 and
    # shift every line number after them.
    lines = _read_text(path).split("\n")
    if lines[-1] == "":
        lines.pop()
    return [line.rstrip("\r") for line in lines]


def _parse_json(path: Path, text: str, line: Optional[int] = None):
    """json.loads with errors located at the file's line (`line` for one JSON line of a file)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise DatasetError(path, f"invalid JSON: {error.msg} (column {error.colno})", line or error.lineno) from None
    except RecursionError:
        raise DatasetError(path, "invalid JSON: nested too deeply", line or 1) from None


def _string_field(record: dict, key: str) -> str:
    if key not in record:
        raise _Malformed(f"missing {key!r}")
    value = record[key]
    if not isinstance(value, str):
        raise _Malformed(f"{key!r} must be a string, got {type(value).__name__}")
    return value


def _split_name(name: str) -> str:
    split = _SPLIT_ALIASES.get(name.strip().lower())
    if split is None:
        raise _Malformed(f"unknown split {name!r}; expected train, dev or test")
    return split


def _example(text: str, intent: str, domain: Optional[str] = None, slots: Sequence[Slot] = ()) -> Example:
    """An Example after the checks every format shares."""
    if not text.strip():
        raise _Malformed("empty text")
    if not intent.strip():
        raise _Malformed("empty intent")
    if _LONE_SURROGATE.search(text):
        # JSON escapes such as "\ud83c" can encode half a character; such text is not valid Unicode.
        raise _Malformed(f"text {text!r} contains a lone surrogate")
    for slot in slots:
        if not slot.slot:
            raise _Malformed("slot with an empty name")
        if not 0 <= slot.start < slot.end <= len(text):
            raise _Malformed(f"slot {slot.slot!r} span {slot.start}:{slot.end} is empty or outside the text")
    return Example(text=text, intent=intent, domain=domain, slots=tuple(slots))


def _bio_slots(tokens: Sequence[str], tags: Sequence[str]) -> Tuple[Slot, ...]:
    """Slots of the text " ".join(tokens) from one BIO tag per token.

    B-x starts a span and I-x continues a span of type x. An I-x that does not follow a B-x or
    I-x starts a new span, as conlleval does, rather than being dropped.
    """
    if len(tokens) != len(tags):
        raise _Malformed(f"{len(tags)} tags for {len(tokens)} tokens")
    spans: List[List] = []
    current: Optional[List] = None  # [slot, start, end] of the span the next I- tag may extend
    start = 0
    for token, tag in zip(tokens, tags):
        end = start + len(token)
        prefix, _, slot = tag.partition("-")
        if tag == "O":
            current = None
        elif prefix not in ("B", "I") or not slot:
            raise _Malformed(f"bad BIO tag {tag!r}")
        elif prefix == "I" and current is not None and current[0] == slot:
            current[2] = end
        else:
            current = [slot, start, end]
            spans.append(current)
        start = end + 1
    return tuple(Slot(*span) for span in spans)


def _split_from_file_name(name: str) -> Optional[str]:
    """The split named by a part of the file name (parts split at non-alphanumerics), if any."""
    for part in re.split(r"[^a-z0-9]+", name.lower()):
        if part in _SPLIT_ALIASES:
            return _SPLIT_ALIASES[part]
    return None


# --- snips ------------------------------------------------------------------------------------


def _read_snips(path: Path) -> Splits:
    files = _snips_files(path)
    if not files:
        raise DatasetError(path, "no Snips train_*.json or validate_*.json files found")
    splits: Splits = defaultdict(list)
    for split, file in files:
        splits[split].extend(_snips_file_examples(file))
    return splits


def _snips_files(path: Path) -> List[Tuple[str, Path]]:
    """(split, file) pairs: a single file, or the Snips files up to two folder levels down."""
    if path.is_file():
        return [(_snips_split(path), path)]
    found = sorted(
        file
        for depth in ("", "*/", "*/*/")
        for pattern in ("train_*.json", "validate_*.json")
        for file in path.glob(depth + pattern)
    )
    return [(_snips_split(file), file) for file in found if not _has_full_version(file)]


def _snips_split(file: Path) -> str:
    # The benchmark has no test files: validate_* is its held-out set.
    return "test" if file.name.startswith("validate_") else "train"


def _has_full_version(file: Path) -> bool:
    """train_X.json is a small subset of train_X_full.json; reading both would duplicate it."""
    is_subset = file.name.startswith("train_") and not file.stem.endswith("_full")
    return is_subset and file.with_name(f"{file.stem}_full.json").is_file()


def _snips_file_examples(file: Path) -> List[Example]:
    document = _parse_json(file, _read_snips_text(file))
    if not isinstance(document, dict):
        raise DatasetError(file, "expected a JSON object mapping intents to lists of examples")
    examples = []
    for intent, records in document.items():
        if not isinstance(records, list):
            raise DatasetError(file, f"{intent}: expected a list of examples")
        for index, record in enumerate(records):
            with _located(file, where=f"{intent}[{index}]"):
                examples.append(_snips_example(intent, record))
    return examples


def _read_snips_text(file: Path) -> str:
    """The file's text, accepting emoji stored as UTF-8-encoded surrogate pairs (CESU-8).

    The benchmark's PlayMusic training file stores them so; decoding with 'surrogatepass' keeps the
    surrogates and a UTF-16 round trip joins each pair into the character it encodes.
    """
    text = _read_text(file, errors="surrogatepass")
    text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")
    lone = _LONE_SURROGATE.search(text)
    if lone:
        raise DatasetError(file, "invalid UTF-8: an unpaired surrogate", text.count("\n", 0, lone.start()) + 1)
    return text


def _snips_example(intent: str, record) -> Example:
    chunks = record.get("data") if isinstance(record, dict) else None
    if not isinstance(chunks, list):
        raise _Malformed("expected an object with a 'data' list of chunks")
    parts: List[str] = []
    slots: List[Slot] = []
    offset = 0
    for chunk in chunks:
        if not isinstance(chunk, dict):
            raise _Malformed(f"chunk {chunk!r} is not an object")
        text = _string_field(chunk, "text")
        if "entity" in chunk:
            slots.append(_stripped_slot(_string_field(chunk, "entity"), text, offset))
        parts.append(text)
        offset += len(text)
    return _example("".join(parts), intent, slots=slots)


def _stripped_slot(entity: str, chunk: str, offset: int) -> Slot:
    # Some chunks carry a trailing space ("in seven years "); the slot value excludes it, while the
    # utterance keeps the chunk text as is.
    if not chunk.strip():
        raise _Malformed(f"slot {entity!r} has a blank value")
    start = offset + len(chunk) - len(chunk.lstrip())
    return Slot(entity, start, offset + len(chunk.rstrip()))


# --- bio --------------------------------------------------------------------------------------


def _read_bio(folder: Path) -> Splits:
    if not folder.is_dir():
        raise DatasetError(folder, "the bio format needs a folder of split subfolders")
    split_dirs = sorted(sub for sub in folder.iterdir() if (sub / "seq.in").is_file())
    if not split_dirs:
        raise DatasetError(folder, "no split subfolders with seq.in, label and optionally seq.out")
    splits: Splits = defaultdict(list)
    for split_dir in split_dirs:
        with _located(split_dir):
            split = _split_name(split_dir.name)
        splits[split].extend(_bio_split_examples(split_dir))
    return splits


def _bio_split_examples(split_dir: Path) -> List[Example]:
    words_path, tags_path, label_path = (split_dir / name for name in _BIO_FILES)
    words_lines, label_lines = _read_lines(words_path), _read_lines(label_path)
    tags_lines = _read_lines(tags_path) if tags_path.is_file() else None  # None: intents only
    for path, lines in ((tags_path, tags_lines), (label_path, label_lines)):
        if lines is not None and len(lines) != len(words_lines):
            first_unmatched = min(len(lines), len(words_lines)) + 1
            raise DatasetError(path, f"has {len(lines)} lines but seq.in has {len(words_lines)}", first_unmatched)
    examples = []
    for line, (words, label) in enumerate(zip(words_lines, label_lines), 1):
        tokens = words.split()  # lines may carry trailing spaces
        with _located(tags_path, line):
            slots = _bio_slots(tokens, tags_lines[line - 1].split()) if tags_lines is not None else ()
        with _located(label_path, line):
            intent = label.strip()
            if not intent:
                raise _Malformed("empty intent")
        with _located(words_path, line):
            examples.append(_example(" ".join(tokens), intent, slots=slots))
    return examples


# --- atis -------------------------------------------------------------------------------------


def _read_atis(path: Path) -> Splits:
    splits: Splits = defaultdict(list)
    for split, file in _atis_files(path):
        splits[split].extend(_atis_file_examples(file))
    return splits


def _atis_files(path: Path) -> List[Tuple[str, Path]]:
    """(split, file) pairs. A file's split is named in its file name ("atis.test.w-intent.iob").

    A single file without a split in its name is train. In a folder every .iob file must name its
    split; several files of one split are concatenated, except that atis.train* is skipped when
    atis-2.train* is present: in the JointSLU layout atis.train = atis-2.train + atis-2.dev, so
    reading it would put the dev examples into train as well.
    """
    if path.is_file():
        return [(_split_from_file_name(path.name) or "train", path)]
    files = sorted(path.glob("*.iob"))
    if not files:
        raise DatasetError(path, "no .iob files found")
    if any(file.name.startswith("atis-2.train") for file in files):
        files = [file for file in files if not file.name.startswith("atis.train")]
    pairs = []
    for file in files:
        split = _split_from_file_name(file.name)
        if split is None:
            raise DatasetError(file, "cannot tell the split from the file name (expected train, dev or test in it)")
        pairs.append((split, file))
    return pairs


def _atis_file_examples(file: Path) -> List[Example]:
    examples = []
    for line, text in enumerate(_read_lines(file), 1):
        if text.strip():
            with _located(file, line):
                examples.append(_atis_example(text))
    return examples


def _atis_example(line: str) -> Example:
    columns = line.split("\t")
    if len(columns) != 2:
        raise _Malformed(f"expected 'BOS words EOS<TAB>O tags INTENT', got {len(columns)} tab-separated columns")
    words, tags = columns[0].split(), columns[1].split()
    if len(words) < 3 or words[0] != "BOS" or words[-1] != "EOS":
        raise _Malformed("the words column must be 'BOS w1 .. wn EOS' with at least one word")
    if len(tags) != len(words):
        raise _Malformed(f"{len(tags)} tags for {len(words)} words (BOS and EOS included)")
    # The tag under BOS is O and the one under EOS is the intent.
    tokens = words[1:-1]
    return _example(" ".join(tokens), tags[-1], slots=_bio_slots(tokens, tags[1:-1]))


# --- massive ----------------------------------------------------------------------------------


def _read_massive(path: Path) -> Splits:
    _require_file(path, "massive")
    splits: Splits = defaultdict(list)
    for line, text in enumerate(_read_lines(path), 1):
        if not text.strip():
            continue
        record = _parse_json(path, text, line)
        with _located(path, line):
            split, example = _massive_example(record)
        splits[split].append(example)
    return splits


def _massive_example(record) -> Tuple[str, Example]:
    if not isinstance(record, dict):
        raise _Malformed("expected a JSON object")
    utt, annot_utt, intent, scenario, partition = (
        _string_field(record, key) for key in ("utt", "annot_utt", "intent", "scenario", "partition")
    )
    text, slots = _parse_massive_annotation(annot_utt)
    if text != utt:
        raise _Malformed(f"annot_utt {annot_utt!r} gives the text {text!r}, but utt is {utt!r}")
    return _split_name(partition), _example(utt, intent, scenario, slots)


def _parse_massive_annotation(annot_utt: str) -> Tuple[str, List[Slot]]:
    """The plain text and slots of `wake me up at [time : five am] please`."""
    text = ""
    slots = []
    copied_up_to = 0
    for match in _MASSIVE_SLOT.finditer(annot_utt):
        slot, value = match.group(1).strip(), match.group(2).strip()
        if not slot or not value:
            raise _Malformed(f"blank slot name or value in {match.group(0)!r}")
        text += annot_utt[copied_up_to : match.start()]
        slots.append(Slot(slot, len(text), len(text) + len(value)))
        text += value
        copied_up_to = match.end()
    return text + annot_utt[copied_up_to:], slots


# --- clinc ------------------------------------------------------------------------------------


def _read_clinc(path: Path) -> Splits:
    _require_file(path, "clinc")
    document = _parse_json(path, _read_text(path))
    if not isinstance(document, dict):
        raise DatasetError(path, f"expected a JSON object with lists {', '.join(_CLINC_LISTS)}")
    splits: Splits = defaultdict(list)
    for key, records in document.items():
        if key not in _CLINC_LISTS:
            raise DatasetError(path, f"unknown list {key!r}; expected {', '.join(_CLINC_LISTS)}")
        if not isinstance(records, list):
            raise DatasetError(path, f"{key}: expected a list of [text, intent] pairs")
        out_of_scope = key.startswith("oos_")
        split = _SPLIT_ALIASES[key[len("oos_") :] if out_of_scope else key]
        for index, record in enumerate(records):
            with _located(path, where=f"{key}[{index}]"):
                splits[split].append(_clinc_example(record, out_of_scope))
    return splits


def _clinc_example(record, out_of_scope: bool) -> Example:
    if not (isinstance(record, list) and len(record) == 2 and all(isinstance(v, str) for v in record)):
        raise _Malformed(f"expected a [text, intent] pair of strings, got {record!r}")
    text, intent = record
    if out_of_scope or intent == "oos":
        intent = OUT_OF_SCOPE
    return _example(text, intent)


# --- csv --------------------------------------------------------------------------------------


def _read_csv(path: Path, text_column: Optional[str], label_column: Optional[str]) -> Splits:
    splits: Splits = defaultdict(list)
    for file, file_split in _csv_files(path):
        rows = _csv_rows(file, _read_text(file))
        header_line, header = next(rows, (1, []))
        columns = _csv_columns(file, header_line, header, text_column, label_column)
        if file_split and "split" in columns:
            raise DatasetError(file, "a split column in a folder of split files (the file name gives the split)",
                               header_line)
        for line, row in rows:
            if len(row) != len(header):
                raise DatasetError(file, f"expected {len(header)} columns ({','.join(header)}), got {len(row)}", line)
            values = {role: row[index] for role, index in columns.items()}
            with _located(file, line):
                split = file_split or _split_name(values.get("split", "train"))
                domain = values.get("domain", "").strip() or None
                splits[split].append(_example(values["text"], values["intent"].strip(), domain))
    return splits


def _csv_files(path: Path) -> List[Tuple[Path, Optional[str]]]:
    """(file, split) pairs: a single file (whose split column, if any, splits it), or the split
    files of a folder, each of which must be named for its split."""
    if path.is_file():
        return [(path, None)]
    if not _looks_like_csv(path):
        raise DatasetError(path, "the csv format is read from a file or a folder of train.csv, dev.csv and test.csv")
    pairs = []
    for file in _csv_files_in(path):
        split = _SPLIT_ALIASES.get(file.stem.lower())
        if split is None:
            raise DatasetError(file, "cannot tell the split from the file name (expected train, dev or test.csv)")
        pairs.append((file, split))
    return pairs


def _csv_files_in(folder: Path) -> List[Path]:
    return sorted(file for file in folder.iterdir() if file.suffix.lower() == ".csv" and file.is_file())


def _csv_rows(path: Path, text: str) -> Iterator[Tuple[int, List[str]]]:
    """(first line of the record, fields) for each non-blank CSV record."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    line = 1
    try:
        for row in reader:
            if row:
                yield line, row
            line = reader.line_num + 1
    except csv.Error as error:
        raise DatasetError(path, f"malformed CSV: {error}", reader.line_num) from None


def _csv_columns(path: Path, line: int, header: List[str], text_column: Optional[str],
                 label_column: Optional[str]) -> Dict[str, int]:
    """The index of each column read: text, intent and, when present, domain and split. Other
    known text and intent columns are left unread; unknown ones are an error."""
    names = [name.strip().lower() for name in header]
    if len(set(names)) != len(names):
        raise DatasetError(path, f"expected {_CSV_HEADER}, got {header!r} (a column is repeated)", line)
    columns = {
        "text": _csv_column(path, line, header, names, "text_column", text_column, _CSV_TEXT_COLUMNS),
        "intent": _csv_column(path, line, header, names, "label_column", label_column, _CSV_LABEL_COLUMNS),
    }
    columns.update({name: names.index(name) for name in _CSV_OPTIONAL_COLUMNS
                    if name in names and names.index(name) not in columns.values()})
    known = _CSV_TEXT_COLUMNS + _CSV_LABEL_COLUMNS + _CSV_OPTIONAL_COLUMNS
    if any(name not in known and index not in columns.values() for index, name in enumerate(names)):
        raise DatasetError(path, f"expected {_CSV_HEADER}, got {header!r}", line)
    return columns


def _csv_column(path: Path, line: int, header: List[str], names: List[str], keyword: str,
                chosen: Optional[str], candidates: Sequence[str]) -> int:
    """The index of the column `chosen` names (any case), else of the one candidate in the header."""
    if chosen is not None:
        if chosen.strip().lower() not in names:
            raise DatasetError(path, f"{keyword}={chosen!r} is not a column of the header {header!r}", line)
        return names.index(chosen.strip().lower())
    found = [index for index, name in enumerate(names) if name in candidates]
    if len(found) > 1:
        several = ", ".join(header[index] for index in found)
        raise DatasetError(path, f"the header has several {keyword[:-len('_column')]} columns ({several}); "
                                 f"pass {keyword}= to choose one", line)
    if not found:
        raise DatasetError(path, f"expected {_CSV_HEADER}, got {header!r}; name other columns with "
                                 "text_column= and label_column=", line)
    return found[0]


def _require_file(path: Path, format: str) -> None:
    if not path.is_file():
        raise DatasetError(path, f"the {format} format is read from a file, not a folder")


# --- templates --------------------------------------------------------------------------------


def _read_templates(path: Path, lists: Dict[str, list], samples: int) -> Tuple[Splits, Dict[str, dict]]:
    """Expanded templates, each intent split 80/10/10 by a seeded shuffle, and how their slots
    resolve: a list with in/out values to its canonical values, a range to a number."""
    try:  # imported here: the module imports this one, and hassil comes with the train extra
        from pocketnlu_tools.data.templates import load_templates
    except ImportError as error:
        raise DatasetError(path, f"reading templates needs {error.name}: pip install 'pocketnlu[train]'") from None
    templates = load_templates(path, lists, max_per_intent=samples)
    # Home Assistant names an intent's domain with a fixed slot: `slots: {domain: climate}`.
    domains = {intent: blocks[0]["domain"] for intent, blocks in templates.fixed_slots.items()
               if len({str(block.get("domain")) for block in blocks}) == 1 and isinstance(blocks[0].get("domain"), str)}
    by_intent: Dict[str, List[Example]] = defaultdict(list)
    for example in templates.examples:
        by_intent[example.intent].append(replace(example, domain=domains.get(example.intent, example.domain)))
    rng = random.Random(0)
    splits: Splits = defaultdict(list)
    for examples in by_intent.values():
        for example, split in zip(examples, partitions(len(examples), rng)):
            splits[split].append(example)
    slot_values = {slot: {"kind": "number"} for slot in templates.range_slots}
    slot_values.update({slot: {"list": templates.slot_lists[slot], "values": table}
                        for slot, table in templates.value_tables.items()})
    return splits, slot_values


_READERS = {
    "snips": _read_snips,
    "bio": _read_bio,
    "atis": _read_atis,
    "massive": _read_massive,
    "clinc": _read_clinc,
    "csv": _read_csv,
}
