"""Per-dataset minimum accuracy and maximum size on the public data in ../shared/data (skipped,
with the reason, when it is absent). Each dataset is trained once, through `pocketnlu train`'s
own code path, and its compressed model is evaluated on the test split."""
import pytest

from conftest import SHARED_DATA

pytest.importorskip("sklearn")
pytest.importorskip("pycrfsuite")

from pocketnlu_tools.train_command import train_command  # noqa: E402

# dataset folder: (minimum intent accuracy, minimum slot F1, maximum file bytes, minimum
# plain-float-model / file ratio); measured values are in BENCHMARKS.md.
EXPECTED = {
    "jointbert_snips": (0.975, 0.93, 120_000, 8.0),
    "jointbert_atis": (0.94, 0.925, 120_000, 3.0),
}


@pytest.fixture(scope="module", params=sorted(EXPECTED))
def trained(request, tmp_path_factory):
    data = SHARED_DATA / request.param
    if not data.is_dir():
        pytest.skip(f"public dataset not found at {data}")
    output = tmp_path_factory.mktemp(request.param) / "model.pnlu"
    return request.param, train_command(data, output)


def test_accuracy_and_size(trained):
    name, report = trained
    min_accuracy, min_f1, max_bytes, min_ratio = EXPECTED[name]
    compressed = report["compressed"]
    assert report["held_out"] == "test"
    assert compressed["intent_accuracy"] >= min_accuracy
    assert compressed["slot_f1"] >= min_f1
    assert report["file_bytes"] <= max_bytes
    assert report["compression_ratio"] >= min_ratio


def test_compression_costs_under_a_third_of_a_point(trained):
    _, report = trained
    for metric in ("intent_accuracy", "slot_f1"):
        assert report["compressed"][metric] >= report["float"][metric] - 0.003
