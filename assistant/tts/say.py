"""`assistant say`: speak text through the speakers or into a wav file, a sentence at a time."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import numpy as np
import soundfile as sf

log = logging.getLogger(__name__)

MAX_AHEAD_SECONDS = 8.0  # synthesis waits when this much audio is queued but not yet played


class Player(Protocol):
    def play(self, samples: np.ndarray, sample_rate: int | None = None) -> None: ...
    @property
    def progress(self) -> tuple[float, float]: ...
    def wait(self, timeout: float | None = None) -> bool: ...


def play_stream(chunks: Iterator[np.ndarray], speaker: Player, sample_rate: int) -> float:
    """Play chunks as they come; keeps at most MAX_AHEAD_SECONDS queued. Returns seconds queued."""
    total = 0.0
    for chunk in chunks:
        speaker.play(chunk, sample_rate)
        total += len(chunk) / sample_rate
        while True:
            played, queued = speaker.progress
            if queued - played < MAX_AHEAD_SECONDS:
                break
            time.sleep(0.05)
    speaker.wait()
    return total


def write_stream(chunks: Iterator[np.ndarray], path: Path, sample_rate: int) -> float:
    """Write chunks to a 16-bit wav as they come (memory stays flat for any length of text)."""
    total = 0
    tmp = path.with_name(f".{path.name}.partial")
    with sf.SoundFile(
        tmp, "w", samplerate=sample_rate, channels=1, subtype="PCM_16", format="WAV"
    ) as f:
        for chunk in chunks:
            f.write(chunk)
            total += len(chunk)
    tmp.replace(path)
    return total / sample_rate


def has_words(text: str) -> bool:
    return any(ch.isalnum() for ch in text)
