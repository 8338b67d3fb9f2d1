"""The in-car command dataset the shipped model is trained on: sentence templates in Home
Assistant's intent format (incar.yaml, expanded by pocketnlu_tools.data.templates), and a
development set written by hand independently of them (dev_handwritten.jsonl), on which the
model's settings, calibration and out-of-scope threshold are chosen. README.md says how both
were made."""
from pathlib import Path

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "incar.yaml"
DEV = HERE / "dev_handwritten.jsonl"
