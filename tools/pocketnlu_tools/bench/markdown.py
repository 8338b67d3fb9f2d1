"""Replaces one generated block of BENCHMARKS.md, leaving the others as they are."""
from pathlib import Path

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
