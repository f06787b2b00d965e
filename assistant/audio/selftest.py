"""`assistant devices --test`: play a tone on the speaker and measure what the microphone hears."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from assistant.audio.devices import Device, Microphone, Speaker


@dataclass(frozen=True)
class ToneResult:
    level_db: float  # RMS of the recording in dBFS
    peak_hz: float  # strongest frequency in the recording
    seconds: float

    def heard(self, freq: float, tolerance_hz: float = 20.0) -> bool:
        return self.level_db > -50.0 and abs(self.peak_hz - freq) <= tolerance_hz


def tone(
    freq: float = 440.0, seconds: float = 1.0, rate: int = 22050, level: float = 0.25
) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    fade = np.minimum(1.0, np.minimum(t, seconds - t) / 0.01)  # 10 ms ramps, no clicks
    return (level * fade * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def analyse(samples: np.ndarray, rate: int) -> ToneResult:
    """Level (dBFS) and dominant frequency of a recording."""
    x = np.asarray(samples, dtype=np.float64)
    rms = float(np.sqrt(np.mean(x**2))) if len(x) else 0.0
    level = 20 * np.log10(max(rms, 1e-10))
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x)))) if len(x) > 1 else np.zeros(1)
    peak = float(np.argmax(spectrum) * rate / max(len(x), 1))
    return ToneResult(level, peak, len(x) / rate)


def play_and_record(
    output: Device | None,
    input_: Device | None,
    freq: float = 440.0,
    seconds: float = 1.0,
    record_rate: int = 16000,
) -> ToneResult:
    """Play a tone while recording; analyse only the loudest stretch of the tone's length."""
    mic = Microphone(input_, sample_rate=record_rate).start()
    speaker = Speaker(output).start()
    recorded: list[np.ndarray] = []
    try:
        speaker.play(tone(freq, seconds, speaker.sample_rate))
        until = time.monotonic() + seconds + 30
        for block in mic.blocks(timeout=5.0):
            recorded.append(block)
            if not speaker.playing:  # keep listening while the device's buffer still sounds
                until = min(until, time.monotonic() + speaker.delay + 0.3)
            if time.monotonic() > until:
                break
    finally:
        speaker.close()
        mic.stop()
    audio = np.concatenate(recorded) if recorded else np.zeros(0, np.float32)
    return analyse(_loudest(audio, int(seconds * record_rate)), record_rate)


def _loudest(audio: np.ndarray, length: int) -> np.ndarray:
    """The window of `length` samples with the most energy (the tone arrives after a latency)."""
    if len(audio) <= length:
        return audio
    cumulative = np.concatenate([[0.0], np.cumsum(audio.astype(np.float64) ** 2)])
    start = int(np.argmax(cumulative[length:] - cumulative[:-length]))
    return audio[start : start + length]
