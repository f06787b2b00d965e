"""Measuring emotional prosody: f0 level and range, loudness and duration against neutral."""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.train.data import trim_bounds
from assistant.train.pitch import pitch
from assistant.tts import features

log = logging.getLogger(__name__)

# What the issue asks of each emotion at intensity 1, measured against neutral:
# (f0 shift semitones: min, max), range ratio (min, max), level dB (min, max), duration (min, max)
REQUIREMENTS: dict[str, dict[str, tuple[float, float]]] = {
    "happy": {
        "f0_shift": (2.0, 99),
        "range_ratio": (1.2, 99),
        "level_db": (2.0, 99),
        "duration_ratio": (0.0, 1.0),
    },
    "angry": {"f0_shift": (1.5, 99), "level_db": (3.0, 99), "duration_ratio": (0.0, 1.0)},
    "surprised": {"f0_shift": (3.0, 99), "range_ratio": (1.4, 99)},
    "sad": {
        "f0_shift": (-99, 0.0),
        "range_ratio": (0.0, 0.85),
        "level_db": (-99, -2.0),
        "duration_ratio": (1.08, 99),
    },
    "calm": {
        "f0_shift": (-1.0, 1.0),
        "range_ratio": (0.0, 0.85),
        "level_db": (-99, -2.0),
        "duration_ratio": (1.05, 99),
    },
}


@dataclass(frozen=True)
class Prosody:
    f0_median_hz: float  # voiced frames
    f0_span_st: float  # 10th–90th percentile span of voiced f0, semitones
    level_db: float  # RMS of the trimmed clip, dBFS
    seconds: float  # trimmed duration


OCTAVE_GUARD_ST = 8.0  # voiced f0 further than this from the clip's median is a tracker error


def without_octave_errors(f0: np.ndarray) -> np.ndarray:
    """Voiced f0 values within OCTAVE_GUARD_ST semitones of their median.

    A guard against the octave jumps a tracker still makes now and then (WORLD Harvest made
    many on the low joe voice: 10th–90th percentiles of 86–228 Hz at a 112 Hz median); real
    contours of read sentences stay well inside ±8 semitones of their median.
    """
    if f0.size == 0:
        return f0
    distance = np.abs(12 * np.log2(f0 / np.median(f0)))
    return f0[distance <= OCTAVE_GUARD_ST]


def measure(audio: np.ndarray, sample_rate: int = features.SAMPLE_RATE) -> Prosody:
    """Prosody of one clip (22050 Hz): silence at the ends trimmed at 40 dB below the peak."""
    start, end = trim_bounds(audio, 40.0, margin=0)
    clip = audio[start:end].astype(np.float64)
    if len(clip) < features.WIN:
        return Prosody(0.0, 0.0, -120.0, 0.0)
    f0 = pitch(clip, features.n_frames(len(clip)))
    voiced = without_octave_errors(f0[f0 > 0])
    if len(voiced) < 5:
        median, span = 0.0, 0.0
    else:
        lo, hi = np.percentile(voiced, [10, 90])
        median, span = float(np.median(voiced)), float(12 * np.log2(hi / lo))
    level = 20 * np.log10(max(float(np.sqrt(np.mean(clip**2))), 1e-6))
    return Prosody(median, span, level, len(clip) / sample_rate)


def compare(emotional: Prosody, neutral: Prosody) -> dict[str, float]:
    """Differences of one sentence spoken with an emotion against its neutral reading."""
    ok = emotional.f0_median_hz > 0 and neutral.f0_median_hz > 0
    return {
        "f0_shift": 12 * np.log2(emotional.f0_median_hz / neutral.f0_median_hz) if ok else np.nan,
        "range_ratio": emotional.f0_span_st / neutral.f0_span_st if ok else np.nan,
        "level_db": emotional.level_db - neutral.level_db,
        "duration_ratio": emotional.seconds / max(neutral.seconds, 1e-6),
    }


def verdict(emotion: str, medians: dict[str, float]) -> dict[str, bool]:
    """Which of the issue's requirements the medians meet."""
    return {
        key: bool(lo <= medians[key] <= hi)
        for key, (lo, hi) in REQUIREMENTS.get(emotion, {}).items()
    }


# At intensity 0 every measure is neutral's; a lower intensity should land between that and
# intensity 1, give or take a small margin for the measure itself (a quarter semitone, 3 % of a
# range, 0.3 dB, 1 % of a duration), so a measure that barely moves is not judged by noise.
NEUTRAL = {"f0_shift": 0.0, "range_ratio": 1.0, "level_db": 0.0, "duration_ratio": 1.0}
TOLERANCE = {"f0_shift": 0.25, "range_ratio": 0.03, "level_db": 0.3, "duration_ratio": 0.01}


def in_between(partial: dict[str, float], full: dict[str, float]) -> dict[str, bool]:
    """Which medians at a partial intensity lie between neutral and the full-intensity ones."""
    return {
        key: bool(
            min(neutral, full[key]) - TOLERANCE[key]
            <= partial[key]
            <= max(neutral, full[key]) + TOLERANCE[key]
        )
        for key, neutral in NEUTRAL.items()
    }


def judge(rows: dict[str, Any], emotion: str) -> None:
    """Set each intensity's verdicts in place: the issue's bounds at intensity 1, and at lower
    intensities whether they land between neutral and intensity 1 (when 1 was measured)."""
    for intensity, row in rows.items():
        if float(intensity) == 1.0:
            row["passes"] = verdict(emotion, row["median"])
        elif "1.0" in rows:
            row["in_between"] = in_between(row["median"], rows["1.0"]["median"])
            row.pop("passes", None)


def merge(reports: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One report from several runs (say intensity 1 and 0.5 measured apart; a later run's
    emotion and intensity replace an earlier one's), judged again. Sentence counts must agree."""
    counts = {r["sentences"] for r in reports}
    if len(counts) != 1:
        raise ValueError(f"the reports measured different numbers of sentences: {sorted(counts)}")
    merged: dict[str, Any] = {**reports[0], "emotions": {}}
    merged["intensity_0_is_neutral"] = all(r["intensity_0_is_neutral"] for r in reports)
    for report in reports:
        for emotion, rows in report["emotions"].items():
            merged["emotions"].setdefault(emotion, {}).update(copy.deepcopy(rows))
    for emotion, rows in merged["emotions"].items():
        judge(rows, emotion)
    return merged


Speak = Callable[[str, str, float], np.ndarray]  # (text, emotion, intensity) → 22050 Hz audio


def evaluate_emotions(
    speak: Speak,
    sentences: Sequence[str],
    emotions: Sequence[str],
    intensities: Sequence[float] = (1.0, 0.5),
) -> dict[str, Any]:
    """Median prosody changes per emotion and intensity over the sentences, with verdicts."""
    neutral = [measure(speak(s, "neutral", 1.0)) for s in sentences]
    same_at_zero = all(
        np.array_equal(speak(s, e, 0.0), speak(s, "neutral", 1.0))
        for s in sentences[:2]
        for e in emotions[:2]
    )
    report: dict[str, Any] = {
        "sentences": len(sentences),
        "intensity_0_is_neutral": same_at_zero,
        "neutral": [asdict(p) for p in neutral[:5]],
        "emotions": {},
    }
    for emotion in emotions:
        rows: dict[str, Any] = {}
        for intensity in intensities:
            diffs = [
                compare(measure(speak(s, emotion, intensity)), n)
                for s, n in zip(sentences, neutral, strict=True)
            ]
            medians = {k: float(np.nanmedian([d[k] for d in diffs])) for k in diffs[0]}
            rows[str(float(intensity))] = {"median": medians}
        judge(rows, emotion)
        report["emotions"][emotion] = rows
        log.info("%s: %s", emotion, rows)
    return report


def write(report: dict[str, Any], out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    path = out / "emotions.json"
    path.write_text(json.dumps(report, indent=1), encoding="utf-8")
    _plot(report, out / "emotions.png")
    return path


def _plot(report: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keys = ["f0_shift", "range_ratio", "level_db", "duration_ratio"]
    emotions = list(report["emotions"])
    fig, axes = plt.subplots(1, 4, figsize=(13, 3))
    for ax, key in zip(axes, keys, strict=True):
        for i, intensity in enumerate(("1.0", "0.5")):
            values = [
                report["emotions"][e].get(intensity, {}).get("median", {}).get(key, 0)
                for e in emotions
            ]
            ax.bar(np.arange(len(emotions)) + 0.4 * i, values, 0.4, label=f"intensity {intensity}")
        ax.set_xticks(np.arange(len(emotions)) + 0.2, emotions, rotation=45, fontsize=7)
        ax.set_title(key, fontsize=9)
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
