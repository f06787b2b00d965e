"""What every recogniser shares: words, partial and final text, the Recognizer interface."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np


@dataclass(frozen=True)
class Word:
    """A recognised word with its time in the utterance (seconds) and confidence (0..1)."""

    text: str
    start: float
    end: float
    conf: float = 1.0


@dataclass(frozen=True)
class Partial:
    """The best guess so far for the utterance in progress (may still change)."""

    text: str


@dataclass(frozen=True)
class Final:
    """The settled text of an utterance (words when the engine gives timings)."""

    text: str
    words: tuple[Word, ...] = ()


class AsrError(RuntimeError):
    """No speech recogniser can run as configured; the message says what to do."""


class Recognizer(Protocol):
    """A streaming speech recogniser: blocks in, partial and final text out."""

    @property
    def name(self) -> str:
        """What listens, and why, for the screen."""
        ...

    def start(self, sample_rate: int) -> None:
        """Load the model if needed and begin a stream of `sample_rate` Hz mono float32 blocks."""
        ...

    def accept(self, block: np.ndarray) -> Partial | Final | None: ...

    def finish(self) -> Final:
        """The end of the utterance (the endpointer decided): the final text; then start afresh."""
        ...

    def reset(self) -> None:
        """Drop the utterance in progress."""
        ...

    def close(self) -> None: ...
