"""A small numpy synthesizer: a Tune → float32 mono audio, with envelopes and a few timbres."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from assistant.music.accompaniment import bar_beats, bass_line
from assistant.music.timbres import TIMBRES, timbre_for
from assistant.music.tune import Note, Tune

SAMPLE_RATE = 44100
TAIL_S = 0.6  # after the last beat, the last notes ring out this long
PEAK = 0.8  # render() scales its peak to this (about -2 dBFS): headroom
STREAM_GAIN = 0.6  # render_chunks() cannot see the whole peak ahead: a fixed gain and a soft limit
LEGATO = 0.95  # a note's key is held this part of its length, so repeated notes are heard apart
ACCENT = (1.0, 0.8)  # the level of notes on a downbeat and elsewhere
BASS_GAIN = 0.35
FADE_S = 0.01  # the very end fades out this fast (a note cut there would click)
CHUNK_S = 0.5  # render_chunks() yields at least this much at a time (the last piece may be less)


@dataclass(frozen=True)
class Envelope:
    """ADSR: attack, decay and release in seconds, sustain as a level (0–1)."""

    attack: float
    decay: float
    sustain: float
    release: float


ENVELOPES = {
    "sine": Envelope(0.01, 0.05, 0.9, 0.05),
    "flute": Envelope(0.05, 0.1, 0.85, 0.12),
    "pluck": Envelope(0.003, 0.0, 1.0, 0.08),  # the string decays by itself
    "organ": Envelope(0.015, 0.05, 0.95, 0.06),
    "epiano": Envelope(0.004, 1.2, 0.35, 0.25),
    "pad": Envelope(0.12, 0.3, 0.8, 0.5),  # the bass under the tune
}
LOUDNESS = {
    "sine": 0.7,
    "flute": 1.0,
    "pluck": 1.1,
    "organ": 1.8,
    "epiano": 0.8,
    "pad": 1.0,
}  # even RMS


def frequency(pitch: int) -> float:
    """Equal temperament, A4 (MIDI 69) = 440 Hz."""
    return 440.0 * 2.0 ** ((pitch - 69) / 12.0)


# ---------------------------------------------------------------- envelopes


def _ramp(n: int) -> np.ndarray:
    """0 → 1 over n samples along a raised cosine (no corner at either end)."""
    return 0.5 - 0.5 * np.cos(np.pi * (np.arange(n) + 0.5) / max(n, 1))


def adsr(env: Envelope, gate: int, sr: int) -> np.ndarray:
    """The envelope of a key held `gate` samples: attack, decay, sustain, then the release."""
    a, d, r = (max(1, round(s * sr)) for s in (env.attack, env.decay, env.release))
    held = np.full(max(gate, 1), env.sustain, np.float64)
    held[: min(a, gate)] = _ramp(a)[:gate]
    if gate > a:
        decay = 1.0 - (1.0 - env.sustain) * _ramp(d)
        held[a : a + d] = decay[: max(0, gate - a)]
    release = held[-1] * (1.0 - _ramp(r))
    return np.concatenate([held, release])


# ---------------------------------------------------------------- voices (peak about 1)


def _harmonics(
    freq: float, n: int, sr: int, amps: tuple[float, ...], vibrato: float = 0.0
) -> np.ndarray:
    """A sum of harmonics k·freq with amplitudes `amps`, with a slow vibrato if asked."""
    t = np.arange(n) / sr
    inst = np.full(n, freq)
    if vibrato:
        onset = np.clip(t / 0.3, 0.0, 1.0)  # the vibrato grows in over 0.3 s
        inst = freq * (1.0 + vibrato * onset * np.sin(2 * np.pi * 5.0 * t))
    phase = 2 * np.pi * np.cumsum(inst) / sr
    out = np.zeros(n)
    for k, amp in enumerate(amps, start=1):
        if k * freq < 0.45 * sr:
            out += amp * np.sin(k * phase)
    return out / sum(amps)


def _organ(freq: float, n: int, sr: int) -> np.ndarray:
    """Drawbar-like harmonics, twice, a few cents apart (the slow beating makes it warm)."""
    amps = (1.0, 0.8, 0.55, 0.45, 0.0, 0.3, 0.0, 0.2)
    return 0.5 * (_harmonics(freq * 1.0012, n, sr, amps) + _harmonics(freq / 1.0012, n, sr, amps))


def _epiano(freq: float, n: int, sr: int) -> np.ndarray:
    """FM: a sine whose brightness (modulation index) fades fast, as a struck tine's does."""
    t = np.arange(n) / sr
    phase = 2 * np.pi * freq * t
    index = 1.1 * np.exp(-t / 0.4) + 0.2  # below about 1.2 the fundamental stays the strongest
    body = np.sin(phase + index * np.sin(phase))
    if 7 * freq > 0.45 * sr:
        return body
    return body + 0.12 * np.exp(-t / 0.06) * np.sin(7 * phase)  # the tine's short ping


def _pluck(freq: float, n: int, sr: int, seed: int) -> np.ndarray:
    """Karplus–Strong: a plucked string's first shape fed round a damped delay line.

    The delay line is a whole number of samples, so the string is made at its own pitch and
    then read faster or slower to land exactly on `freq`.
    """
    period = max(2, round(sr / freq - 0.5))
    ratio = freq / (sr / (period + 0.5))  # the averaging filter adds half a sample of delay
    m = int(np.ceil(n * ratio)) + 2
    x = np.arange(period) / period
    shape = np.minimum(x / 0.2, (1.0 - x) / 0.8)  # the string pulled at a fifth of its length
    noise = np.convolve(np.random.default_rng(seed).uniform(-1, 1, period), np.ones(4) / 4, "same")
    excitation = shape + 0.2 * noise
    excitation -= excitation.mean()  # no DC: the loop would keep it
    buf = np.zeros(m + 1)  # buf[0] is a zero before the first sample
    buf[1 : 1 + min(period, m)] = excitation[:m]
    loss = 0.5 * 0.9985 ** (440.0 / freq)  # higher strings lose more per period
    for start in range(1 + period, m + 1, period):
        end = min(start + period, m + 1)
        buf[start:end] = loss * (
            buf[start - period : end - period] + buf[start - period - 1 : end - period - 1]
        )
    string = np.interp(np.arange(n) * ratio, np.arange(m), buf[1:])
    return string / max(np.abs(excitation).max(), 1e-9)


def tone(timbre: str, pitch: int, n: int, sr: int) -> np.ndarray:
    """`n` samples of `timbre` at `pitch`, before its envelope."""
    f = frequency(pitch)
    if timbre == "sine":
        return np.sin(2 * np.pi * f * np.arange(n) / sr)
    if timbre == "flute":
        return _harmonics(f, n, sr, (1.0, 0.35, 0.12, 0.06), vibrato=0.004)
    if timbre == "pad":
        return _harmonics(f, n, sr, (1.0, 0.25, 0.08))
    if timbre == "organ":
        return _organ(f, n, sr)
    if timbre == "epiano":
        return _epiano(f, n, sr)
    if timbre == "pluck":
        return _pluck(f, n, sr, seed=pitch)
    raise ValueError(f"unknown timbre {timbre!r}: choose one of {', '.join(TIMBRES)}")


# ---------------------------------------------------------------- the score as sample events


@dataclass(frozen=True)
class Event:
    start: int  # sample where the key goes down
    gate: int  # samples it is held (the release follows)
    pitch: int
    timbre: str
    gain: float

    def audio(self, sr: int) -> np.ndarray:
        env = adsr(ENVELOPES[self.timbre], self.gate, sr)
        scale = self.gain * LOUDNESS[self.timbre]
        return tone(self.timbre, self.pitch, len(env), sr) * env * scale


def _events_of(
    notes: tuple[Note, ...], tempo: float, sr: int, timbre: str, bar: float
) -> list[Event]:
    """One Event per sounding note; start times from the running beat count (no drift)."""
    events: list[Event] = []
    beat = 0.0
    for note in notes:
        start = round(beat * 60.0 / tempo * sr)
        end = round((beat + note.beats) * 60.0 / tempo * sr)
        if note.pitch is not None and end > start:
            on_downbeat = abs(beat / bar - round(beat / bar)) < 1e-6
            gain = ACCENT[0] if on_downbeat else ACCENT[1]
            events.append(
                Event(start, max(1, round((end - start) * LEGATO)), note.pitch, timbre, gain)
            )
        beat += note.beats
    return events


def events(tune: Tune, sr: int, timbre: str, accompaniment: bool = True) -> list[Event]:
    """Every note of the tune (and of the bass under it), in the order they start."""
    if timbre not in TIMBRES:
        raise ValueError(f"unknown timbre {timbre!r}: choose one of {', '.join(TIMBRES)}")
    if tune.tempo <= 0:
        raise ValueError(f"the tempo must be positive, not {tune.tempo}")
    bar = bar_beats(tune.meter)
    found = _events_of(tune.notes, tune.tempo, sr, timbre, bar)
    if accompaniment:
        bass = _events_of(bass_line(tune), tune.tempo, sr, "pad", bar)
        found += [Event(e.start, e.gate, e.pitch, e.timbre, BASS_GAIN) for e in bass]
    return sorted(found, key=lambda e: e.start)


# ---------------------------------------------------------------- mixing


def _mix(
    tune: Tune, sr: int, timbre: str, accompaniment: bool, tail_s: float
) -> Iterator[np.ndarray]:
    """The raw mix, a piece at a time: all notes that start before a point are added in,
    so the audio before it is final and can go."""
    total = round(tune.seconds * sr) + round(tail_s * sr)
    fade = min(round(FADE_S * sr), total)
    buf = np.zeros(0)
    origin = 0  # the sample buf[0] is
    for event in events(tune, sr, timbre, accompaniment):
        ready = min(event.start, total - fade) - origin
        if ready >= CHUNK_S * sr:
            yield buf[:ready]
            buf, origin = buf[ready:], origin + ready
        audio = event.audio(sr)
        end = min(event.start + len(audio), total) - origin
        if end > len(buf):
            buf = np.concatenate([buf, np.zeros(end - len(buf))])
        lo = event.start - origin
        if end > lo:
            buf[lo:end] += audio[: end - lo]
    rest = np.zeros(total - origin)
    rest[: min(len(buf), len(rest))] = buf[: len(rest)]
    if fade:
        rest[len(rest) - fade :] *= 1.0 - _ramp(fade)
    yield rest


def _soft_limit(x: np.ndarray, knee: float = 0.8) -> np.ndarray:
    """Unchanged below `knee`; above it, bent smoothly so that the peak stays under 1."""
    over = np.abs(x) > knee
    y = x.copy()
    y[over] = np.sign(x[over]) * (
        knee + (1 - knee) * np.tanh((np.abs(x[over]) - knee) / (1 - knee))
    )
    return y


def render_chunks(
    tune: Tune,
    sample_rate: int = SAMPLE_RATE,
    timbre: str | None = None,
    accompaniment: bool = True,
    tail_s: float = TAIL_S,
) -> Iterator[np.ndarray]:
    """The tune as float32 pieces (half a second or more each) made as they are asked for, so a
    long tune streams in flat memory; a fixed gain and a soft limit keep them within [-1, 1]."""
    for piece in _mix(tune, sample_rate, timbre or timbre_for(tune.emotion), accompaniment, tail_s):
        yield _soft_limit(piece * STREAM_GAIN).astype(np.float32)


def render(
    tune: Tune,
    sample_rate: int = SAMPLE_RATE,
    timbre: str | None = None,
    accompaniment: bool = True,
    tail_s: float = TAIL_S,
) -> np.ndarray:
    """The whole tune as float32 mono, `tune.seconds` + `tail_s` long, its peak at PEAK."""
    pieces = list(
        _mix(tune, sample_rate, timbre or timbre_for(tune.emotion), accompaniment, tail_s)
    )
    audio = np.concatenate(pieces)
    peak = float(np.abs(audio).max()) if len(audio) else 0.0
    if peak > 0:
        audio *= PEAK / peak
    return audio.astype(np.float32)
