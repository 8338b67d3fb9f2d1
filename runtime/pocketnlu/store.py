"""Models opened on demand under a memory budget (one file per skill or domain).

The budget counts the bytes of the mapped files, which bound what a model can add to the
process's memory (weights are read in place). Opening a model that would exceed the budget
closes the least recently used ones first; a model still parsing in another thread is unmapped
as soon as that call returns.
"""
import os
import threading
from collections import OrderedDict
from typing import Optional

from .errors import LimitError
from .nlu import NLUModel, Parse, as_text

MODEL_SUFFIX = ".pnlu"


class ModelStore:
    def __init__(self, budget_bytes: int, directory: Optional[str] = None):
        if budget_bytes <= 0:
            raise ValueError(f"budget_bytes must be positive, got {budget_bytes}")
        self.budget_bytes = budget_bytes
        self.directory = directory
        self._models: "OrderedDict[str, NLUModel]" = OrderedDict()  # least recently used first
        self._lock = threading.Lock()
        self.opens = 0
        self.evictions = 0

    def path_of(self, name_or_path: str) -> str:
        """A path as given, or a bare name looked up as DIRECTORY/NAME.pnlu."""
        if self.directory is not None and os.sep not in name_or_path and not name_or_path.endswith(MODEL_SUFFIX):
            return os.path.join(self.directory, name_or_path + MODEL_SUFFIX)
        return name_or_path

    def get(self, name_or_path: str) -> NLUModel:
        """The open model, opening it (and evicting others) if needed."""
        with self._lock:
            return self._get_locked(name_or_path)

    def _get_locked(self, name_or_path: str) -> NLUModel:
        path = os.path.realpath(self.path_of(name_or_path))
        model = self._models.get(path)
        if model is not None:
            self._models.move_to_end(path)
            return model
        size = os.path.getsize(path)
        if size > self.budget_bytes:
            raise LimitError(f"{path}: model is {size} bytes, larger than the store's budget of "
                             f"{self.budget_bytes} bytes")
        while self._models and self.mapped_bytes + size > self.budget_bytes:
            _, evicted = self._models.popitem(last=False)
            evicted.close()
            self.evictions += 1
        model = NLUModel(path)
        self.opens += 1
        self._models[path] = model
        return model

    def parse(self, name_or_path: str, text) -> Parse:
        """Parse with the named model. The call is registered with the model while the store is
        locked, so an eviction by another thread cannot fail it: the evicted model is unmapped
        when the call returns."""
        text = as_text(text)
        with self._lock:
            model = self._get_locked(name_or_path)
            model._enter()
        try:
            return model._parse_batch([text])[0]
        finally:
            model._leave()

    @property
    def mapped_bytes(self) -> int:
        return sum(model.byte_size for model in self._models.values())

    def __len__(self) -> int:
        return len(self._models)

    def __contains__(self, name_or_path: str) -> bool:
        return os.path.realpath(self.path_of(name_or_path)) in self._models

    def close(self) -> None:
        with self._lock:
            for model in self._models.values():
                model.close()
            self._models.clear()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
