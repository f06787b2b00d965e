"""`assistant say -o`: write speech to a wav file a sentence at a time (memory stays flat)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import soundfile as sf

log = logging.getLogger(__name__)


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
