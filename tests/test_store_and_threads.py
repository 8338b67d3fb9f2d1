"""ModelStore budget and LRU eviction; parsing from many threads; closing and evicting models
while other threads use them."""
import random
import shutil
import threading
import time

import pytest

import pocketnlu
from pocketnlu import InputError, LimitError, ModelClosedError, ModelStore

from pocketnlu.models import DEFAULT_MODEL
COMMANDS = ["set the temperature to seventy two degrees", "call mom", "navigate to the airport",
            "open the driver window", "play the next song", "what is the capital of france",
            "turn the fan up to level three", "how much fuel do i have left"]


@pytest.fixture
def skills(tmp_path):
    """Six copies of the default model under different skill names."""
    for i in range(6):
        shutil.copy(DEFAULT_MODEL, tmp_path / f"skill{i}.pnlu")
    return tmp_path


def test_store_opens_by_name_and_evicts_the_least_recently_used(skills):
    size = DEFAULT_MODEL.stat().st_size
    with ModelStore(budget_bytes=int(2.5 * size), directory=str(skills)) as store:
        store.get("skill0"), store.get("skill1"), store.get("skill0")
        store.get("skill2")  # skill1 is the least recently used
        assert "skill0" in store and "skill2" in store and "skill1" not in store
        assert store.mapped_bytes <= store.budget_bytes
        assert (store.opens, store.evictions) == (3, 1)
        assert store.get("skill0.pnlu") is store.get("skill0") and store.opens == 3
        with pytest.raises(InputError, match="is not a name"):  # a store with a directory takes names only
            store.get(str(skills / "skill0.pnlu"))


def test_store_never_exceeds_its_budget(skills):
    size = DEFAULT_MODEL.stat().st_size
    rng = random.Random(0)
    with ModelStore(budget_bytes=3 * size, directory=str(skills)) as store:
        for _ in range(200):
            assert store.parse(f"skill{rng.randrange(6)}", rng.choice(COMMANDS)).intent
            assert store.mapped_bytes <= store.budget_bytes and len(store) <= 3


def test_store_refuses_a_model_larger_than_its_budget(skills):
    with ModelStore(budget_bytes=1000, directory=str(skills)) as store:
        with pytest.raises(LimitError, match="larger than the store's budget"):
            store.get("skill0")


def test_an_evicted_model_refuses_new_calls(skills):
    size = DEFAULT_MODEL.stat().st_size
    with ModelStore(budget_bytes=size, directory=str(skills)) as store:
        first = store.get("skill0")
        store.get("skill1")
        with pytest.raises(ModelClosedError):
            first.parse("call mom")
        assert store.parse("skill0", "call mom").intent == "call_contact"


def test_eight_threads_parse_like_one():
    with pocketnlu.open(DEFAULT_MODEL) as model:
        texts = COMMANDS * 25
        expected = [model.parse(text) for text in texts]
        results = [None] * 8

        def work(i):
            results[i] = [model.parse(text) for text in texts]

        threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert all(result == expected for result in results)


def test_closing_while_other_threads_parse_fails_cleanly():
    model = pocketnlu.open(DEFAULT_MODEL)
    outcomes = []
    started = threading.Barrier(5)

    def work():
        started.wait()
        for text in COMMANDS * 200:
            try:
                assert model.parse(text).intent
                outcomes.append("parsed")
            except ModelClosedError:
                outcomes.append("closed")
                return

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    started.wait()
    model.close()
    for thread in threads:
        thread.join()
    assert outcomes.count("closed") == 4
    assert model._file.closed  # unmapped once the last call returned


def test_threads_parse_while_the_store_opens_and_evicts(skills):
    size = DEFAULT_MODEL.stat().st_size
    errors = []
    with ModelStore(budget_bytes=2 * size, directory=str(skills)) as store:
        def work(seed):
            rng = random.Random(seed)
            try:
                for _ in range(150):
                    assert store.parse(f"skill{rng.randrange(6)}", rng.choice(COMMANDS)).intent
            except Exception as error:  # collected: an assertion in a thread would be lost
                errors.append(error)

        threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert store.mapped_bytes <= store.budget_bytes
    assert errors == []


def test_a_child_forked_while_a_thread_holds_a_models_lock_can_use_the_model():
    import os

    with pocketnlu.open(DEFAULT_MODEL) as model:
        with model._lock:  # as if another thread were entering a parse at the moment of the fork
            pid = os.fork()
            if pid == 0:
                os._exit(0 if model.parse("call mom").intent == "call_contact" else 1)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                assert os.waitstatus_to_exitcode(status) == 0
                return
            time.sleep(0.05)
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        pytest.fail("the forked child blocked on the model's lock")
