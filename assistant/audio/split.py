"""Cut long audio into pieces at its quietest moments (for recognisers with a fixed window)."""

from __future__ import annotations

import numpy as np

FRAME_S = 0.02  # energy is measured over 20 ms frames


def split_at_pauses(
    samples: np.ndarray, rate: int, max_s: float = 25.0, min_s: float = 12.0
) -> list[np.ndarray]:
    """Mono (N,) samples → consecutive pieces of at most `max_s` seconds that cover them.

    Each cut falls on the quietest 20 ms frame between `min_s` and `max_s` into the rest of
    the audio, so words are not cut in half where a pause exists; audio no longer than
    `max_s` comes back whole.
    """
    if not 0 < min_s < max_s:
        raise ValueError(f"need 0 < min_s < max_s, got {min_s}, {max_s}")
    frame = max(1, int(rate * FRAME_S))
    longest, shortest = int(max_s * rate), int(min_s * rate)
    pieces, start = [], 0
    while samples.size - start > longest:
        window = samples[start + shortest : start + longest]
        n = window.size // frame
        energy = np.square(window[: n * frame].reshape(n, frame)).mean(axis=1)
        cut = start + shortest + int(np.argmin(energy)) * frame + frame // 2
        pieces.append(samples[start:cut])
        start = cut
    pieces.append(samples[start:])
    return pieces
