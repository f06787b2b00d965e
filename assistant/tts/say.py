"""`assistant say -o`: write speech to a wav file a sentence at a time (memory stays flat)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import soundfile as sf

log = logging.getLogger(__name__)


class OutputError(OSError):
    """The output file cannot be written; the message names it and says why."""


def write_stream(chunks: Iterator[np.ndarray], path: Path, sample_rate: int) -> float:
    """Write chunks to a 16-bit wav as they come (memory stays flat for any length of text).

    The file appears whole or not at all: a failure or Ctrl+C removes the partial file, and
    an existing file at `path` stays as it was.
    """
    if not path.parent.is_dir():
        raise OutputError(f"cannot write {path}: the folder {path.parent} does not exist")
    total = 0
    tmp = path.with_name(f".{path.name}.partial")
    try:
        with sf.SoundFile(
            tmp, "w", samplerate=sample_rate, channels=1, subtype="PCM_16", format="WAV"
        ) as f:
            for chunk in chunks:
                f.write(chunk)
                total += len(chunk)
        tmp.replace(path)
    except (OSError, sf.LibsndfileError) as e:
        raise OutputError(f"cannot write {path}: {getattr(e, 'strerror', None) or e}") from None
    finally:
        tmp.unlink(missing_ok=True)
    return total / sample_rate


def has_words(text: str) -> bool:
    return any(ch.isalnum() for ch in text)
