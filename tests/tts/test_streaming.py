"""Streaming a sentence in pieces: the plan never lets the audio run dry, and pieces join."""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.tts import features, streaming
from assistant.tts.streaming import FRAME_S, Pace, plan


def late_by(sizes: list[int], frames: int, context: int, rtf: float) -> float:
    """Replays a plan on a clock: the first piece plays as soon as it is made, each later one is
    made (at `rtf`, with its context) while the audio before it plays; the longest wait."""
    made = played_until = worst = 0.0
    at = 0
    for number, size in enumerate(sizes):
        lo, hi = max(0, at - context), min(frames, at + size + context)
        made += rtf * (hi - lo) * FRAME_S
        if number:
            worst = max(worst, made - played_until)
        played_until = max(played_until, made) + size * FRAME_S
        at += size
    return worst


@settings(max_examples=300, deadline=None)
@given(
    frames=st.integers(1, 1500),
    first=st.integers(1, 120),
    context=st.integers(0, 32),
    rtf=st.floats(0.001, 3.0),
    longest=st.integers(40, 400),
)
def test_a_plan_covers_the_sentence_and_is_never_late(
    frames: int, first: int, context: int, rtf: float, longest: int
) -> None:
    sizes = plan(frames, first, context, rtf, longest)
    assert sum(sizes) == frames and all(size > 0 for size in sizes)
    assert sizes[0] >= min(first, frames)
    assert late_by(sizes, frames, context, rtf) <= 1e-9


def test_a_slow_vocoder_starts_with_a_longer_piece() -> None:
    frames = round(4.0 / FRAME_S)  # a 4-second sentence
    fast = plan(frames, 43, 32, 0.02, 172)
    slow = plan(frames, 43, 12, 0.75, 172)
    assert fast[0] == 43 and max(fast) == 172  # a short start, then long pieces
    assert 43 < slow[0] < frames  # longer, but it still starts before the sentence is made
    assert plan(frames, 43, 12, 50.0, 172) == [frames]  # hopeless: all of it, then play


def test_pace_follows_the_measured_speed_and_a_slowdown_sooner() -> None:
    pace = Pace(0.6)
    for _ in range(30):
        pace.add(0.1 * 86 * FRAME_S, 86)  # 86 frames in a tenth of their length
    assert abs(pace.rtf - 0.1) < 0.01
    pace.add(1.0, 0)  # nothing vocoded: nothing learnt
    assert abs(pace.rtf - 0.1) < 0.01
    pace.add(0.5 * 86 * FRAME_S, 86)  # the cores got busy
    slowed = pace.rtf
    pace.add(0.1 * 86 * FRAME_S, 86)
    assert slowed - 0.1 > 2 * (slowed - pace.rtf)  # up by half the step, down by a fifth


def test_pieces_join_to_the_whole() -> None:
    torch.manual_seed(0)
    conv = torch.nn.Conv1d(features.N_MELS, features.HOP, 5, padding=2)  # receptive field ±2

    def vocode(mel: torch.Tensor) -> np.ndarray:
        with torch.inference_mode():
            return conv(mel[None])[0].T.reshape(-1).numpy()

    mel = torch.randn(features.N_MELS, 300)
    sizes = [40, 60, 100, 100]
    pieces = list(streaming.pieces(vocode, mel, sizes, context=2))
    assert [len(p) // features.HOP for p in pieces] == sizes
    np.testing.assert_allclose(np.concatenate(pieces), vocode(mel), atol=1e-5)
