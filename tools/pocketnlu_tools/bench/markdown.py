"""Replaces one generated block of BENCHMARKS.md, leaving the others as they are."""
import shlex
import sys
from pathlib import Path
from typing import Optional, Sequence

HEADER = "# pocketnlu benchmarks\n\nEvery block below is written by the command it names; numbers are medians of repeated runs on one machine in one run, with the peers side by side.\n"


def update_block(path, name: str, body: str) -> None:
    path = Path(path)
    text = path.read_text() if path.exists() else HEADER
    begin, end = f"<!-- BEGIN {name} -->", f"<!-- END {name} -->"
    block = f"{begin}\n{body.rstrip()}\n{end}"
    if begin in text and end in text:
        text = text[: text.index(begin)] + block + text[text.index(end) + len(end):]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.write_text(text)


def command_line(module: str, argv: Optional[Sequence[str]] = None) -> str:
    """The command a block names: `python -m module` and its arguments (argv, default the
    process's own), quoted as a shell would need them."""
    return " ".join([f"python -m {module}"] + [shlex.quote(a) for a in (sys.argv[1:] if argv is None else argv)])
