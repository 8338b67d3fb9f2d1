"""The in-car command dataset the shipped model is trained on: sentence templates in Home
Assistant's intent format (incar.yaml, expanded by pocketnlu_tools.data.templates), and a
development set written by hand independently of them (dev_handwritten.jsonl), on which the
model's settings, calibration and out-of-scope threshold are chosen, with the ids of its
requests for car functions the assistant lacks (dev_missing_functions.txt). README.md says how
they were made."""
from pathlib import Path

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "incar.yaml"
DEV = HERE / "dev_handwritten.jsonl"
MISSING_FUNCTIONS = HERE / "dev_missing_functions.txt"


def missing_function_requests() -> set:
    """The texts of the dev set's requests for car functions the assistant lacks."""
    import json

    ids = {int(line) for line in MISSING_FUNCTIONS.read_text(encoding="utf-8").splitlines()
           if line.strip() and not line.startswith("#")}
    records = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {record["utt"] for record in records if record["id"] in ids}
