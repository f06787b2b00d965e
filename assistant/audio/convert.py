"""Audio conversions shared by the speaker, the recognisers and the quality meter."""

from __future__ import annotations

import math

import numpy as np
from scipy.signal import resample_poly


def to_mono(audio: np.ndarray, rate: int, target: int) -> np.ndarray:
    """(N,) or (N, channels) audio → mono float32 (N',) at `target` Hz."""
    samples = np.asarray(audio, dtype=np.float32)
    if samples.ndim == 2:  # (N, channels)
        samples = samples.mean(axis=1)
    if samples.ndim != 1:
        raise ValueError(f"audio must be (N,) or (N, channels), got shape {samples.shape}")
    if int(rate) != target:
        gcd = math.gcd(int(rate), target)
        samples = resample_poly(samples, target // gcd, int(rate) // gcd)
    return np.ascontiguousarray(samples, dtype=np.float32)
