"""Models shipped in the package: the in-car command model the demo runs
(rebuilt byte for byte by ``python -m pocketnlu_tools.recipes.default_model``)."""
from pathlib import Path

DEFAULT_MODEL = Path(__file__).resolve().parent / "incar.pnlu"
