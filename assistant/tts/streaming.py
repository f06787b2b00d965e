"""A sentence's mel cut into pieces that play one after another without a gap.

The first piece is vocoded before anything sounds; each later one is vocoded while the audio
already out plays, and must be ready before it runs dry. A piece is vocoded with `context` frames
of its neighbours (then trimmed), so short pieces cost more than their length. `plan` picks the
shortest first piece for which every later piece, as long as the audio ahead allows, is done in
time at the vocoder's pace (`Pace`: compute seconds per second of audio, measured as it works):
a fast vocoder starts after a short first piece; HiFi-GAN V1 on two cores needs a longer one, or
the sentence would stop mid-word while its rest is made.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Protocol

import numpy as np
import torch

from assistant.tts import features

FRAME_S = features.HOP / features.SAMPLE_RATE  # seconds of audio per mel frame
MARGIN = 1.25  # the pace assumed when planning is this much slower than measured (busy cores)
STEP = 4  # frames added to the first piece per try


class Pace:
    """Compute seconds per second of audio of one vocoder, smoothed over its recent calls: it
    follows a slowdown (other work on the cores) faster than a speed-up, as a late piece is a
    gap in the speech and an early one costs nothing."""

    def __init__(self, rtf: float, slower: float = 0.5, faster: float = 0.2) -> None:
        self.rtf, self.slower, self.faster = rtf, slower, faster
        self.last = rtf  # the latest call's own pace

    def add(self, seconds: float, frames: int) -> None:
        if frames > 0:
            self.last = seconds / (frames * FRAME_S)
            weight = self.slower if self.last > self.rtf else self.faster
            self.rtf = (1.0 - weight) * self.rtf + weight * self.last


def plan(
    frames: int, first: int, context: int, rtf: float, longest: int, ahead_s: float = 0.0
) -> list[int]:
    """Piece lengths (frames, summing to `frames`) such that each piece is vocoded at `rtf`
    before the audio ahead of it has played. `ahead_s`: audio still to play when the first
    piece is begun; when that cannot cover it, the first piece (at least `first` frames) is
    made before anything plays, long enough that every later piece (at most `longest`) is in
    time; the whole sentence in one piece when no split keeps up."""
    if ahead_s > 0.0 and (sizes := _after(0, frames, context, rtf, longest, ahead_s)):
        return sizes
    for start in range(min(first, frames), frames, STEP):
        rest = _after(start, frames, context, rtf, longest, start * FRAME_S)
        if rest is not None:
            return [start, *rest]
    return [frames]


def _after(
    at: int, frames: int, context: int, rtf: float, longest: int, ahead: float
) -> list[int] | None:
    """The pieces from frame `at` on, each begun with `ahead` seconds of audio still to play,
    or None if one would come late."""
    sizes: list[int] = []
    while at < frames:
        left = frames - at
        if rtf * (left + context) * FRAME_S <= ahead and left <= longest:
            size, extra = left, context  # the last piece has context on its left only
        else:
            size, extra = min(int(ahead / (rtf * FRAME_S)) - 2 * context, longest), 2 * context
            if size < max(context, 1):  # too short to be worth its context, or late even so
                return None
        ahead += size * FRAME_S - rtf * (size + extra) * FRAME_S
        sizes.append(size)
        at += size
    return sizes


class Streamable(Protocol):
    """A vocoder that can play a sentence in pieces: its pace, and the context a piece needs."""

    pace: Pace
    context: int  # frames of each neighbour a piece is vocoded with (its receptive field)
    longest: int  # frames in the longest piece

    def __call__(self, mel: torch.Tensor) -> np.ndarray: ...


def stream(
    vocoder: Streamable, mel: torch.Tensor, first: int, ahead_s: float = 0.0
) -> Iterator[np.ndarray]:
    """(80, T) → its audio in the pieces `plan` picks at the vocoder's pace (`ahead_s`: audio
    still to play before it)."""
    rtf = vocoder.pace.rtf * MARGIN
    sizes = plan(mel.shape[-1], first, vocoder.context, rtf, vocoder.longest, ahead_s)
    return pieces(vocoder, mel, sizes, vocoder.context)


def pieces(
    vocode: Callable[[torch.Tensor], np.ndarray], mel: torch.Tensor, sizes: list[int], context: int
) -> Iterator[np.ndarray]:
    """(80, T) → its audio in pieces of `sizes` frames, each vocoded with `context` frames of
    its neighbours and trimmed: the pieces join to `vocode(mel)` when `context` covers the
    network's receptive field."""
    frames, hop, start = mel.shape[-1], features.HOP, 0
    for size in sizes:
        end = min(start + size, frames)
        lo, hi = max(0, start - context), min(frames, end + context)
        yield vocode(mel[:, lo:hi])[(start - lo) * hop : (end - lo) * hop]
        start = end


def timed(pace: Pace, frames: int, began: float) -> None:
    """Tell `pace` that vocoding `frames` frames took from `began` (perf_counter) until now."""
    pace.add(time.perf_counter() - began, frames)
