"""Per-dataset minimum accuracy and maximum size on the public data in ../shared/data (skipped,
with the reason, when it is absent). Each dataset is trained once, through the Trainer (`pocketnlu
train`'s code path) (both at once, one process each: CRF training takes minutes), and its compressed
model is evaluated on the test split."""
from concurrent.futures import ProcessPoolExecutor

import pytest

from conftest import SHARED_DATA

pytest.importorskip("sklearn")
pytest.importorskip("pycrfsuite")

from pocketnlu_tools import Trainer  # noqa: E402

# dataset folder: (minimum intent accuracy, minimum slot F1, maximum file bytes, minimum
# plain-float-model / file ratio), a little under what was measured (BENCHMARKS.md, issue notes).
EXPECTED = {
    "jointbert_snips": (0.978, 0.935, 58_000, 7.3),  # measured 0.9800, 0.9402, 52,860, 7.79
    "jointbert_atis": (0.955, 0.933, 38_000, 7.2),  # measured 0.9586, 0.9380, 34,052, 7.60
}


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    missing = [name for name in EXPECTED if not (SHARED_DATA / name).is_dir()]
    if missing:
        pytest.skip(f"public datasets not found: {', '.join(str(SHARED_DATA / m) for m in missing)}")
    workdir = tmp_path_factory.mktemp("public")
    with ProcessPoolExecutor(max_workers=len(EXPECTED)) as pool:
        futures = {name: pool.submit(_train, SHARED_DATA / name, workdir / f"{name}.pnlu")
                   for name in EXPECTED}
        return {name: future.result() for name, future in futures.items()}


def _train(data, output) -> dict:
    return Trainer().fit(data).save(output).report_


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_accuracy_and_size(reports, name):
    report = reports[name]
    min_accuracy, min_f1, max_bytes, min_ratio = EXPECTED[name]
    compressed = report["compressed"]
    assert report["held_out"] == "test"
    assert compressed["intent_accuracy"] >= min_accuracy
    assert compressed["slot_f1"] >= min_f1
    assert report["file_bytes"] <= max_bytes
    assert report["compression_ratio"] >= min_ratio


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_compression_costs_under_a_third_of_a_point(reports, name):
    report = reports[name]
    for metric in ("intent_accuracy", "slot_f1"):
        assert report["compressed"][metric] >= report["float"][metric] - 0.003
