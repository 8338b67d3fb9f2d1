"""ModelStore under attack (issue 17): fork while threads use it, special files as models, names
that are paths, the budget under concurrency, and close() being final."""
import mmap
import os
import random
import signal
import subprocess
import sys
import threading
import time
import types

import pytest

import pocketnlu
import pocketnlu.modelfile
import pocketnlu.store
from pocketnlu import CorruptModelError, InputError, ModelClosedError, ModelStore
from pocketnlu.models import DEFAULT_MODEL

MODEL = DEFAULT_MODEL.read_bytes()  # one snapshot: the budgets below are in its size
SIZE = len(MODEL)
COMMANDS = ["call mom", "navigate to the airport", "play the next song", "set the temperature to 72"]


@pytest.fixture
def skills(tmp_path):
    """Ten copies of the default model, skill0 .. skill9, in their own directory."""
    directory = tmp_path / "skills"
    directory.mkdir()
    for i in range(10):
        (directory / f"skill{i}.pnlu").write_bytes(MODEL)
    return directory


def run_threads(n, work):
    """Run work(i) in n threads; the exceptions they raised."""
    errors = []

    def run(i):
        try:
            work(i)
        except Exception as error:  # collected: an assertion in a thread would be lost
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


# --- fork --------------------------------------------------------------------------------------


def wait_child(pid, timeout):
    """The child's exit status, or None (and the child killed) after timeout seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.01)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return None


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_children_forked_while_threads_use_the_store_can_use_it(skills):
    # A one-model budget over ten models: the threads open a model on almost every parse, which
    # held the store's lock across the file's opening, so most children forked then deadlocked.
    store = ModelStore(budget_bytes=SIZE, directory=str(skills))
    stop = threading.Event()
    errors = []

    def work(seed):
        rng = random.Random(seed)
        while not stop.is_set():
            try:
                store.parse(f"skill{rng.randrange(10)}", rng.choice(COMMANDS))
            except Exception as error:
                errors.append(error)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    statuses = []
    try:
        for i in range(12):
            time.sleep(0.02)
            pid = os.fork()
            if pid == 0:  # the child: parse once, exit at once (no pytest teardown)
                ok = store.parse(f"skill{i % 10}", "call mom").intent == "call_contact"
                os._exit(0 if ok else 1)
            statuses.append(wait_child(pid, timeout=10))
    finally:
        stop.set()
        for thread in threads:
            thread.join()
        store.close()
    assert statuses == [0] * 12, "None: the child hung"
    assert errors == []


# --- special files -------------------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs mkfifo")
def test_a_fifo_as_a_model_is_refused_at_once_and_blocks_nothing_else(skills):
    fifo = skills / "fifo.pnlu"
    os.mkfifo(fifo)
    outcome = {}
    with ModelStore(budget_bytes=4 * SIZE, directory=str(skills)) as store:
        def parse_the_fifo():
            try:
                store.parse("fifo", "call mom")
            except Exception as error:
                outcome["error"] = error

        thread = threading.Thread(target=parse_the_fifo, daemon=True)
        thread.start()
        thread.join(5)
        other = threading.Thread(target=lambda: outcome.update(other=store.parse("skill0", "call mom")), daemon=True)
        other.start()
        other.join(5)
        hung = thread.is_alive()
        if hung:  # a writer comes and goes: the blocked open returns, so the test can end
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
            thread.join(5)
        assert not hung, "opening the FIFO blocked"
        assert isinstance(outcome.get("error"), CorruptModelError) and "not a regular file" in str(outcome["error"])
        assert outcome["other"].intent == "call_contact"
        os.mkdir(skills / "folder.pnlu")
        with pytest.raises(CorruptModelError, match="not a regular file"):
            store.get("folder")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs mkfifo")
def test_opening_a_fifo_directly_is_refused_at_once(tmp_path):
    """pocketnlu.open (ModelFile) itself: needs ModelFile to open with O_NONBLOCK and check the
    file is regular (runtime/pocketnlu/modelfile.py)."""
    fifo = tmp_path / "fifo.pnlu"
    os.mkfifo(fifo)
    code = (f"import pocketnlu\ntry:\n    pocketnlu.open({str(fifo)!r})\n"
            "except pocketnlu.ModelFormatError as e:\n    print(e)\n")
    try:
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=20)
    except subprocess.TimeoutExpired:
        pytest.fail("pocketnlu.open of a FIFO blocked")
    assert "not a regular file" in result.stdout, result.stderr[-2000:]


# --- names ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["../outside", "../skills/skill0", "sub/skill0", "/etc/passwd", "", "skill0\0",
                                  ".", "..", "skill0/"])
def test_a_name_that_is_a_path_is_refused(skills, name):
    (skills.parent / "outside.pnlu").write_bytes(MODEL)
    with ModelStore(budget_bytes=4 * SIZE, directory=str(skills)) as store:
        with pytest.raises(InputError, match="model name"):
            store.parse(name, "call mom")
        assert name not in store and len(store) == 0


def test_an_absolute_path_is_refused_even_inside_the_directory(skills):
    with ModelStore(budget_bytes=4 * SIZE, directory=str(skills)) as store:
        with pytest.raises(InputError, match="is not a name"):
            store.get(str(skills / "skill0.pnlu"))


def test_symlinks_may_point_inside_the_directory_only(skills, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "evil.pnlu").write_bytes(MODEL)
    (skills / "evil.pnlu").symlink_to(outside / "evil.pnlu")
    (skills / "alias.pnlu").symlink_to(skills / "skill3.pnlu")
    with ModelStore(budget_bytes=4 * SIZE, directory=str(skills)) as store:
        with pytest.raises(InputError, match="out of the store's directory"):
            store.parse("evil", "call mom")
        assert store.parse("alias", "call mom").intent == "call_contact"
        assert store.get("alias") is store.get("skill3") is store.get("skill3.pnlu") and store.opens == 1


def test_without_a_directory_names_are_paths(skills):
    with ModelStore(budget_bytes=4 * SIZE) as store:
        assert store.parse(str(skills / "skill0.pnlu"), "call mom").intent == "call_contact"


def test_the_resolved_path_is_cached_while_the_model_is_open(skills, monkeypatch):
    calls = []
    realpath = os.path.realpath
    monkeypatch.setattr(pocketnlu.store.os.path, "realpath", lambda path: calls.append(path) or realpath(path))
    with ModelStore(budget_bytes=SIZE, directory=str(skills)) as store:
        store.parse("skill0", "call mom")
        calls.clear()
        for _ in range(20):
            store.parse("skill0", "call mom")
        assert calls == []
        store.parse("skill1", "call mom")  # evicts skill0: its name is resolved again when it is reopened
        store.parse("skill0", "call mom")
        assert len(calls) == 2


# --- the budget under concurrency, and close ----------------------------------------------------


class MapCounter:
    """Counts the files pocketnlu.modelfile maps: each mapping counted from when mmap returns
    until after it is unmapped, so a peak is a moment when that many really were mapped."""

    def __init__(self, monkeypatch):
        counter = self
        self.lock, self.live, self.peak = threading.Lock(), 0, 0

        class CountedMap(mmap.mmap):
            def __new__(cls, *args, **kwargs):
                mapping = super().__new__(cls, *args, **kwargs)
                with counter.lock:
                    counter.live += 1
                    counter.peak = max(counter.peak, counter.live)
                return mapping

            def close(self):
                was_open = not self.closed
                super().close()
                if was_open:
                    with counter.lock:
                        counter.live -= 1

        monkeypatch.setattr(pocketnlu.modelfile, "mmap", types.SimpleNamespace(mmap=CountedMap,
                                                                               ACCESS_READ=mmap.ACCESS_READ))


@pytest.mark.parametrize("budget_models", [1, 3])
def test_twelve_threads_never_map_more_than_the_budget(skills, monkeypatch, budget_models):
    """The invariant (pocketnlu/store.py): what the store maps, counted from before the mapping
    until it is unmapped (evicted models until their last parse call returns), never exceeds the
    budget; a call that needs room waits for calls on evicted models to return."""
    maps = MapCounter(monkeypatch)
    budget = budget_models * SIZE
    store = ModelStore(budget_bytes=budget, directory=str(skills))
    stop = threading.Event()
    counted = []

    def monitor():
        while not stop.is_set():
            counted.append(store.mapped_bytes)

    watcher = threading.Thread(target=monitor)
    watcher.start()

    def work(i):
        rng = random.Random(i)
        for _ in range(60):
            assert store.parse(f"skill{rng.randrange(10)}", rng.choice(COMMANDS)).intent

    errors = run_threads(12, work)
    stop.set()
    watcher.join()
    assert errors == []
    assert store.opens > 20 and len(counted) > 50  # models came and went while it was watched
    assert maps.peak == budget_models and max(counted) <= budget
    store.close()
    assert maps.live == 0


def test_a_closed_store_refuses_new_calls_and_unmaps_when_calls_in_flight_return(skills):
    store = ModelStore(budget_bytes=4 * SIZE, directory=str(skills))
    store.parse("skill0", "call mom")
    started, proceed = threading.Event(), threading.Event()
    model = store.get("skill1")
    original = model._parse_single  # what the store's parse calls

    def slow_parse(text, reference_time=None):  # a call in flight while the store closes
        started.set()
        proceed.wait(10)
        return original(text, reference_time)

    model._parse_single = slow_parse
    result = {}
    thread = threading.Thread(target=lambda: result.update(parse=store.parse("skill1", "call mom")))
    thread.start()
    started.wait(10)
    store.close()
    for call in (lambda: store.parse("skill0", "call mom"), lambda: store.get("skill2")):
        with pytest.raises(ModelClosedError, match="store is closed"):
            call()
    assert store.mapped_bytes == SIZE and not model._file.closed  # skill1 until its call returns
    proceed.set()
    thread.join()
    assert result["parse"].intent == "call_contact"
    assert store.mapped_bytes == 0 and model._file.closed and len(store) == 0


def test_a_model_its_user_closed_is_opened_again(skills):
    with ModelStore(budget_bytes=4 * SIZE, directory=str(skills)) as store:
        first = store.get("skill0")
        first.close()
        assert store.parse("skill0", "call mom").intent == "call_contact"
        assert store.get("skill0") is not first and first._file.closed
