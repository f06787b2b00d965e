"""The f0 tracker that makes training pitch and measures emotions: real signals, known answers."""

import numpy as np
import pytest

from assistant.train.pitch import pitch
from assistant.tts import features

RATE = features.SAMPLE_RATE


def pulses(f0: np.ndarray, seconds: float) -> np.ndarray:
    """A low, buzzy voice: 40 harmonics falling off at 6 dB per octave, f0 per sample."""
    n = int(seconds * RATE)
    phase = 2 * np.pi * np.cumsum(np.resize(f0, n)) / RATE
    tone = sum(np.sin(k * phase) / k for k in range(1, 41))
    return (0.3 * tone / np.abs(tone).max()).astype(np.float32)


def frames(audio: np.ndarray) -> int:
    return features.n_frames(len(audio))


def harmonic(f0: float, seconds: float, gains: list[float]) -> np.ndarray:
    """A voice-like tone: harmonics k * f0 with the given gains."""
    t = np.arange(round(seconds * RATE)) / RATE
    tone = sum(g * np.sin(2 * np.pi * f0 * k * t) for k, g in enumerate(gains, start=1))
    return np.asarray(0.3 * tone, dtype=np.float32)


def test_pitch_follows_a_voice_on_the_mel_frame_grid() -> None:
    gains = [1.0 / k for k in range(1, 12)]
    audio = np.concatenate([harmonic(150, 1.0, gains), harmonic(220, 1.0, gains)])
    frames = features.n_frames(audio.size)
    f0 = pitch(audio, frames)
    assert f0.shape == (frames,)
    switch = features.SAMPLE_RATE / features.HOP - 0.5  # the frame centred on the change
    before, after = f0[10 : int(switch) - 4], f0[int(switch) + 5 : -10]
    assert (before > 0).mean() > 0.9 and (after > 0).mean() > 0.9
    assert np.median(before) == pytest.approx(150, rel=0.02)
    assert np.median(after) == pytest.approx(220, rel=0.02)


def test_pitch_is_not_doubled_when_the_fundamental_is_weak() -> None:
    gains = [0.05] + [1.0 / k for k in range(2, 12)]  # 100 Hz voice, fundamental at -26 dB
    audio = harmonic(100, 1.0, gains)
    f0 = pitch(audio, features.n_frames(audio.size))[10:-10]
    assert np.median(f0[f0 > 0]) == pytest.approx(100, rel=0.03)


def test_a_low_voice_measures_its_own_pitch_not_an_octave_off() -> None:
    """88 Hz (joe's median) with a slow vibrato; WORLD Harvest read voices like this ~1.4× high."""
    t = np.arange(int(1.5 * RATE)) / RATE
    audio = pulses(88.0 * 2 ** (np.sin(2 * np.pi * 1.5 * t) / 12), 1.5)
    f0 = pitch(audio, frames(audio))
    voiced = f0[f0 > 0]
    assert voiced.size > 0.9 * f0.size
    assert np.median(voiced) == pytest.approx(88.0, rel=0.03)
    assert voiced.min() > 88.0 * 2 ** (-1.5 / 12) and voiced.max() < 88.0 * 2 ** (1.5 / 12)


def test_a_known_shift_of_speech_measures_as_that_shift() -> None:
    """Resampling plays the same clip 3 semitones higher: every f0 moves by exactly that."""
    rng = np.random.default_rng(0)
    contour = 90.0 * 2 ** (np.cumsum(rng.normal(0, 0.002, 2 * RATE)) / 12)  # a wandering pitch
    audio = pulses(contour, 2.0)
    ratio = 2 ** (3 / 12)
    higher = np.interp(np.arange(0, len(audio) - 1, ratio), np.arange(len(audio)), audio)
    a, b = pitch(audio, frames(audio)), pitch(higher, frames(higher))
    shift = 12 * np.log2(np.median(b[b > 0]) / np.median(a[a > 0]))
    assert shift == pytest.approx(3.0, abs=0.2)


def test_noise_and_silence_are_unvoiced_and_short_clips_are_empty() -> None:
    noise = np.random.default_rng(1).normal(0, 0.1, RATE).astype(np.float32)
    assert np.mean(pitch(noise, frames(noise)) > 0) < 0.1
    silence = np.zeros(RATE, np.float32)
    assert not pitch(silence, frames(silence)).any()
    short = pulses(np.array([120.0]), 0.03)
    assert pitch(short, 5).shape == (5,) and not pitch(short, 5).any()
