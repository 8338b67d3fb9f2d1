"""The training example every dataset reader produces and every trainer consumes."""
from dataclasses import dataclass, field
from typing import Optional, Tuple

# Intent label of an utterance that matches no intent (CLINC150's "oos" lists map here).
OUT_OF_SCOPE = "out_of_scope"


@dataclass(frozen=True)
class Slot:
    """A slot value as a span of the example's text: text[start:end]."""

    slot: str
    start: int
    end: int


@dataclass(frozen=True)
class Example:
    text: str
    intent: str
    domain: Optional[str] = None
    slots: Tuple[Slot, ...] = field(default_factory=tuple)

    @property
    def out_of_scope(self) -> bool:
        return self.intent == OUT_OF_SCOPE
