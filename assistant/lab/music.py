"""Measuring the melody model: held-out NLL, mode, tempo, density, histograms, copying."""

from __future__ import annotations

import itertools
import logging
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.music import corpus, encoding
from assistant.music.encoding import Melody
from assistant.music.generate import EMOTIONS, Composer
from assistant.music.tune import Tune
from assistant.train import music_data
from assistant.train.music_data import LabelEdges

log = logging.getLogger(__name__)

ASKED_MODE = {
    "happy": "major",
    "calm": "major",
    "neutral": "major",
    "sad": "minor",
    "angry": "minor",
}
FAST, SLOW = ("happy", "angry"), ("calm", "sad")  # tempo and density: FAST > neutral > SLOW
INTERVALS = 12  # interval histogram: -12..+12 semitones, wider ones clipped

Events = list[tuple[int | None, float]]


@dataclass(frozen=True)
class Settings:
    tunes: int = 50  # per emotion
    bars: int = 16
    intensity: float = 0.7
    temperature: float = 1.0
    top_p: float = 0.95


def tune_events(tune: Tune) -> Events:
    return [(n.pitch, n.beats) for n in tune.notes]


def melody_events(m: Melody) -> Events:
    return [(p, float(d)) for p, d in m.events]


def density(events: Events) -> float:
    """Sounding notes per quarter beat."""
    beats = sum(d for _, d in events)
    return sum(p is not None for p, _ in events) / beats if beats else 0.0


def pitch_class_hist(events: Events, tonic: int) -> np.ndarray:
    """Sounding time per pitch class counted from the tonic (12 bins, sums to 1)."""
    h = np.zeros(12)
    for p, d in events:
        if p is not None:
            h[(p - tonic) % 12] += d
    return h / max(h.sum(), 1e-9)


def interval_hist(events: Events) -> np.ndarray:
    """Melodic intervals between successive sounding notes, -12..+12 (clipped)."""
    h = np.zeros(2 * INTERVALS + 1)
    pitches = [p for p, _ in events if p is not None]
    for a, b in itertools.pairwise(pitches):
        h[max(-INTERVALS, min(INTERVALS, b - a)) + INTERVALS] += 1
    return h / max(h.sum(), 1e-9)


def duration_hist(events: Events) -> np.ndarray:
    """Note lengths over the duration vocabulary (a last bin for other lengths)."""
    h = np.zeros(len(encoding.DURATIONS) + 1)
    known = [float(x) for x in encoding.DURATIONS]
    for _, d in events:
        h[known.index(d) if d in known else -1] += 1
    return h / max(h.sum(), 1e-9)


def overlap(p: np.ndarray, q: np.ndarray) -> float:
    """Shared area of two normalised histograms (1 = identical, 0 = disjoint)."""
    return float(np.minimum(p, q).sum())


def pooled(hists: Sequence[np.ndarray]) -> np.ndarray:
    total = np.sum(hists, axis=0)
    return total / max(total.sum(), 1e-9)


def _symbols(events: Events) -> np.ndarray:
    """One symbol per note: the interval from the last sounding note (or rest) and the
    duration, so that a copy is found in any transposition."""
    durations = {float(d): i for i, d in enumerate(encoding.DURATIONS)}
    out, last = [], None
    for p, d in events:
        step = 0 if p is None else (1000 if last is None else p - last + 128)
        last = last if p is None else p
        out.append(step * 64 + durations.get(d, 63))
    return np.array(out, dtype=np.uint64)


def longest_copies(tunes: Sequence[Events], sources: Sequence[Events]) -> list[int]:
    """For each tune, the most consecutive notes found verbatim (up to transposition) in
    one source tune. A run of k matching symbols is counted as k notes."""
    src = [_symbols(e) for e in sources]
    ids = np.concatenate([np.full(len(s), i) for i, s in enumerate(src)])
    flat = np.concatenate(src)
    gens = [_symbols(e) for e in tunes]
    best = [0] * len(gens)
    h_src, h_gen = np.zeros(len(flat), np.uint64), [np.zeros(len(g), np.uint64) for g in gens]
    mult = np.uint64(1_000_003)
    for n in range(1, max(len(g) for g in gens) + 1):
        # h[i] is the hash of the n symbols starting at i (uint64 arithmetic wraps on purpose)
        with np.errstate(over="ignore"):
            h_src[: len(flat) - n + 1] = h_src[: len(flat) - n + 1] * mult + flat[n - 1 :]
            valid = ids[: len(flat) - n + 1] == ids[n - 1 :]
            known = np.unique(h_src[: len(flat) - n + 1][valid])  # sorted
            if not len(known):
                break
            found = False
            for i, g in enumerate(gens):
                if len(g) < n or best[i] < n - 1:
                    continue
                h_gen[i][: len(g) - n + 1] = h_gen[i][: len(g) - n + 1] * mult + g[n - 1 :]
                h = h_gen[i][: len(g) - n + 1]
                at = np.minimum(np.searchsorted(known, h), len(known) - 1)
                if (known[at] == h).any():
                    best[i], found = n, True
        if not found:
            break
    return best


def compose_all(composer: Composer, s: Settings, emotions: Sequence[str]) -> dict[str, list[Tune]]:
    """`s.tunes` tunes per emotion, seeds 0..n-1."""
    out: dict[str, list[Tune]] = {}
    for emotion in emotions:
        out[emotion] = [
            composer.compose(emotion, s.intensity, s.bars, seed, s.temperature, s.top_p)
            for seed in range(s.tunes)
        ]
    return out


def compose_seconds(composer: Composer, bars: int = 16, runs: int = 20) -> float:
    """Median wall time of one compose() call."""
    times = []
    for seed in range(runs):
        t = time.perf_counter()
        composer.compose("happy", bars=bars, seed=seed)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def _ordered(values: dict[str, float]) -> bool:
    return min(values[e] for e in FAST) > values["neutral"] > max(values[e] for e in SLOW)


def emotion_rows(tunes: dict[str, list[Tune]]) -> dict[str, dict[str, float]]:
    """Per emotion: share in the asked mode (music21's analysis), tempo, density, register."""
    per: dict[str, dict[str, float]] = {}
    for emotion, group in tunes.items():
        modes = [corpus.analyse_key(tune_events(t))[1] for t in group]
        per[emotion] = {
            "mode_accuracy": sum(m == ASKED_MODE[emotion] for m in modes) / len(modes),
            "tempo": statistics.mean(t.tempo for t in group),
            "density": statistics.mean(density(tune_events(t)) for t in group),
            "median_pitch": statistics.mean(
                statistics.median(n.pitch for n in t.notes if n.pitch is not None) for t in group
            ),
        }
    return per


def overlaps(generated: Sequence[Tune], held: Sequence[Melody]) -> dict[str, float]:
    """Histogram overlaps of all generated tunes with the held-out tunes."""
    gen = [tune_events(t) for t in generated]
    ref = [melody_events(m) for m in held]
    gen_pc = [
        pitch_class_hist(e, encoding.tonic_of(t.key)) for e, t in zip(gen, generated, strict=True)
    ]
    ref_pc = [pitch_class_hist(e, m.tonic) for e, m in zip(ref, held, strict=True)]
    pair = lambda f: overlap(pooled([f(e) for e in gen]), pooled([f(e) for e in ref]))  # noqa: E731
    return {
        "pitch_class": overlap(pooled(gen_pc), pooled(ref_pc)),
        "interval": pair(interval_hist),
        "duration": pair(duration_hist),
    }


def evaluate(composer: Composer, settings: Settings, cache: Path | None = None) -> dict[str, Any]:
    """Every metric of the model card, as plain data."""
    from assistant.train.music import sequence_nll

    composer.load()
    assert composer.model is not None
    kept, _ = music_data.usable(music_data.read_melodies(cache))
    train_set, held = music_data.split(kept)
    tunes = compose_all(composer, settings, EMOTIONS)
    per = emotion_rows(tunes)
    generated = [t for group in tunes.values() for t in group]
    train_events = [melody_events(m) for m in train_set]
    copies = longest_copies([tune_events(t) for t in generated], train_events)
    held_copies = longest_copies([melody_events(m) for m in held], train_events)
    nll = sequence_nll(composer.model, held, LabelEdges(**composer.meta["labels"]))
    return {
        "settings": settings.__dict__,
        "heldout": {
            "tunes": len(held),
            "nll_per_token": nll["per_token"],
            "nll_per_note": nll["per_note"],
        },
        "emotions": per,
        "tempo_ordered": _ordered({e: v["tempo"] for e, v in per.items()}),
        "density_ordered": _ordered({e: v["density"] for e, v in per.items()}),
        "overlap": overlaps(generated, held),
        "copy": {
            "median": statistics.median(copies),
            "max": max(copies),
            "heldout_median": statistics.median(held_copies),
            "heldout_max": max(held_copies),
        },
        "compose_seconds_16_bars": compose_seconds(composer),
    }


def table(report: dict[str, Any]) -> str:
    """The report as a few lines of text."""
    lines = ["emotion   mode ok  tempo  notes/beat  median pitch"]
    for e, v in report["emotions"].items():
        lines.append(
            f"{e:<9} {100 * v['mode_accuracy']:5.0f} %  {v['tempo']:5.0f}  {v['density']:10.2f}"
            f"  {v['median_pitch']:12.1f}"
        )
    o, c, h = report["overlap"], report["copy"], report["heldout"]
    lines += [
        f"tempo ordered: {report['tempo_ordered']}, density ordered: {report['density_ordered']}",
        f"overlap: pitch class {o['pitch_class']:.3f}, interval {o['interval']:.3f}, "
        f"duration {o['duration']:.3f}",
        f"longest copy: median {c['median']}, max {c['max']} notes "
        f"(held-out tunes vs train: median {c['heldout_median']}, max {c['heldout_max']})",
        f"held-out NLL: {h['nll_per_token']:.3f} nats/token, {h['nll_per_note']:.3f} nats/note "
        f"({h['tunes']} tunes)",
        f"compose 16 bars: {1000 * report['compose_seconds_16_bars']:.0f} ms",
    ]
    return "\n".join(lines)
