"""Models opened on demand under a memory budget (one file per skill or domain).

The budget counts the bytes of the mapped files, which bound what a model can add to the
process's memory (weights are read in place). The invariant: a model is counted from before
the store maps it until the store has unmapped it, and the count never exceeds the budget.
Opening a model first evicts the least recently used models (idle ones first); a model evicted
while `parse` calls use it stays mapped, and counted, until the last of them returns, and a
call that needs its room waits for that. (A model returned by `get` and still used directly when
the store lets it go is unmapped when that call returns, as for any NLUModel, outside the count.)

With a directory, models are named: NAME is DIRECTORY/NAME.pnlu, and a name is never a path
(no separator, "..", NUL or empty name; a symlink out of the directory is refused). The store's
locks are reinitialised in a child after fork, so a child can use the store its parent's
threads were using.
"""
import os
import stat
import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from typing import List, Optional

from .errors import CorruptModelError, InputError, LimitError, ModelClosedError
from .nlu import NLUModel, Parse, as_text

MODEL_SUFFIX = ".pnlu"


def regular_file_size(path: str) -> int:
    """The size of the file at path, refusing anything but a regular file: opening a FIFO would
    block until a writer comes, and a device can be endless. (stat does not open the file.)"""
    info = os.stat(path)
    if not stat.S_ISREG(info.st_mode):
        raise CorruptModelError(f"{path}: not a regular file, so not a model")
    return info.st_size


@dataclass(eq=False)
class _Entry:
    """A model the store mapped, with the store's parse calls in flight on it."""

    model: NLUModel
    path: str
    size: int
    calls: int = 0


class ModelStore:
    def __init__(self, budget_bytes: int, directory: Optional[str] = None):
        if budget_bytes <= 0:
            raise ValueError(f"budget_bytes must be positive, got {budget_bytes}")
        self.budget_bytes = budget_bytes
        self.directory = directory
        self._root = os.path.realpath(directory) if directory is not None else None
        self._open: "OrderedDict[str, _Entry]" = OrderedDict()  # by resolved path, least recently used first
        self._draining: List[_Entry] = []  # evicted while parse calls use them: mapped until they return
        self._opening = {}  # resolved path -> bytes reserved for the model being opened
        self._paths = {}  # name -> resolved path, for the models in _open (realpath costs 16 us)
        self._closed = False
        self.opens = 0
        self.evictions = 0
        self._init_locks()
        _STORES.add(self)

    def _init_locks(self) -> None:
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)  # room freed, a model opened, or the store closed

    def path_of(self, name: str) -> str:
        """The resolved path of a model: with a directory, DIRECTORY/NAME.pnlu (or DIRECTORY/NAME
        if NAME ends with .pnlu), which must stay inside the directory; else the path as given."""
        if not isinstance(name, str) or not name or "\0" in name:
            raise InputError(f"model name {name!r} must be a non-empty string without NUL")
        if self._root is None:
            return os.path.realpath(name)
        if name in (".", "..") or "/" in name or os.sep in name or (os.altsep and os.altsep in name):
            raise InputError(f"model name {name!r} is not a name (a path, '.' or '..')")
        path = os.path.realpath(os.path.join(self._root, name if name.endswith(MODEL_SUFFIX) else name + MODEL_SUFFIX))
        if os.path.commonpath([self._root, path]) != self._root:
            raise InputError(f"model name {name!r} leads out of the store's directory {self.directory!r}")
        return path

    def get(self, name: str) -> NLUModel:
        """The open model, opening it (and evicting others) if needed."""
        return self._acquire(name, 0).model

    def parse(self, name: str, text) -> Parse:
        """Parse with the named model. The call is counted on the model while the store is
        locked, so an eviction by another thread cannot fail it: the evicted model stays mapped
        (and counted) until the call returns."""
        text = as_text(text)
        entry = self._acquire(name, 1)
        try:
            return entry.model._parse_single(text)
        finally:
            with self._lock:
                entry.calls -= 1
                if entry.calls == 0 and entry in self._draining:
                    self._release(entry)

    def _acquire(self, name: str, calls: int) -> _Entry:
        """The entry of the named model, with `calls` more calls in flight on it."""
        if not isinstance(name, str):
            raise InputError(f"model name must be a string, not {type(name).__name__}")
        with self._lock:
            entry = self._lookup(self._paths.get(name))
            if entry is not None:
                entry.calls += calls
                return entry
        path = self.path_of(name)  # the file system, without the lock
        size = regular_file_size(path)
        if size > self.budget_bytes:
            raise LimitError(f"{path}: model is {size} bytes, larger than the store's budget of "
                             f"{self.budget_bytes} bytes")
        with self._lock:
            while True:
                entry = self._lookup(path)
                if entry is not None:
                    entry.calls += calls
                    self._paths[name] = path
                    return entry
                if path not in self._opening and self._make_room(size):
                    break
                self._changed.wait()
            self._opening[path] = size
        try:
            model = NLUModel(path)  # the file system, without the lock
            model._enter()  # the store's own hold: a user's model.close() cannot unmap it under a parse
        except BaseException:
            with self._lock:
                del self._opening[path]
                self._changed.notify_all()
            raise
        with self._lock:
            del self._opening[path]
            self._changed.notify_all()
            entry = _Entry(model, path, model.byte_size)
            if self._closed or entry.size > size:  # closed meanwhile, or the file was replaced by a larger one
                self._release(entry)
                if self._closed:
                    raise ModelClosedError("the model store is closed")
            else:
                self._open[path] = entry
                self._paths[name] = path
                self.opens += 1
                entry.calls += calls
                return entry
        return self._acquire(name, calls)

    def _lookup(self, path: Optional[str]) -> Optional[_Entry]:
        """The open entry of path, now the most recently used (with the lock held)."""
        if self._closed:
            raise ModelClosedError("the model store is closed")
        entry = self._open.get(path)
        if entry is not None and entry.model.closed:  # its user closed it: open it again
            self._let_go(entry)
            entry = None
        if entry is not None:
            self._open.move_to_end(path)
        return entry

    def _make_room(self, size: int) -> bool:
        """Evict least recently used models, idle ones first, until `size` more bytes fit the
        budget; whether they fit now (else the caller waits for calls on evicted models)."""
        for entry in [e for e in self._draining if e.calls == 0]:  # only after a fork: the parent's calls
            self._release(entry)
        for busy in (False, True):
            for entry in [e for e in self._open.values() if (e.calls > 0) == busy]:
                if self._counted_bytes() + size <= self.budget_bytes:
                    return True
                self._let_go(entry)
                self.evictions += 1
        return self._counted_bytes() + size <= self.budget_bytes

    def _let_go(self, entry: _Entry) -> None:
        """Take an open model out of the store: unmapped now, or when its last call returns."""
        del self._open[entry.path]
        for name in [n for n, p in self._paths.items() if p == entry.path]:
            del self._paths[name]
        if entry.calls:
            self._draining.append(entry)
        else:
            self._release(entry)

    def _release(self, entry: _Entry) -> None:
        """Unmap a model the store no longer holds (unless a direct user's call still runs) and
        stop counting it; with the lock held, so that the count never lags the mappings."""
        entry.model.close()
        entry.model._leave()
        if entry in self._draining:
            self._draining.remove(entry)
        self._changed.notify_all()

    @property
    def mapped_bytes(self) -> int:
        """Bytes counted against the budget: open models, evicted ones still in use, and models
        being opened."""
        with self._lock:
            return self._counted_bytes()

    def _counted_bytes(self) -> int:
        return (sum(e.size for e in self._open.values()) + sum(e.size for e in self._draining)
                + sum(self._opening.values()))

    def __len__(self) -> int:
        return len(self._open)

    def __contains__(self, name: str) -> bool:
        if not isinstance(name, str):
            return False
        try:
            path = self._paths.get(name) or self.path_of(name)
        except InputError:
            return False
        return path in self._open

    def close(self) -> None:
        """Unmap every model (each in use when its last call returns); later calls fail with
        ModelClosedError."""
        with self._lock:
            self._closed = True
            for entry in list(self._open.values()):
                self._let_go(entry)
            self._changed.notify_all()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _after_fork_in_child(self) -> None:
        """The child has only the forking thread: locks another thread held stay held, and calls
        other threads had in flight never return. Start over with what the child has."""
        self._init_locks()
        self._opening.clear()
        for entry in list(self._open.values()):
            entry.calls = 0
        for entry in self._draining:
            entry.calls = 0  # released when room is next needed (not here: its model's lock may be held)


_STORES = weakref.WeakSet()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=lambda: [store._after_fork_in_child() for store in list(_STORES)])
