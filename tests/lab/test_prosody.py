"""Measuring emotional prosody on real signals: pitch level and range, loudness, duration."""

from typing import Any

import numpy as np
import pytest

from assistant.lab.prosody import (
    NEUTRAL,
    compare,
    evaluate_emotions,
    in_between,
    measure,
    merge,
    verdict,
    without_octave_errors,
)

RATE = 22050


def voiced_glide(
    start_hz: float, end_hz: float, seconds: float = 1.0, amp: float = 0.3
) -> np.ndarray:
    """A buzzy vowel-like tone (10 harmonics) gliding from start_hz to end_hz."""
    t = np.arange(int(seconds * RATE)) / RATE
    f0 = np.geomspace(start_hz, end_hz, t.size)
    phase = 2 * np.pi * np.cumsum(f0) / RATE
    tone = sum(np.sin(k * phase) / k for k in range(1, 11))
    return (amp * tone / np.abs(tone).max()).astype(np.float32)


def test_a_glide_measures_its_median_span_level_and_length() -> None:
    p = measure(voiced_glide(150, 200, 1.0))
    assert p.f0_median_hz == pytest.approx(np.sqrt(150 * 200), rel=0.03)
    expected_span = 12 * np.log2(200 / 150) * 0.8  # 10th to 90th percentile of a steady glide
    assert p.f0_span_st == pytest.approx(expected_span, abs=0.5)
    assert p.seconds == pytest.approx(1.0, abs=0.05)
    assert -20 < p.level_db < -8


def test_compare_reads_a_shift_a_wider_range_louder_and_slower() -> None:
    neutral = measure(voiced_glide(150, 200, 1.0))
    higher = measure(2 * voiced_glide(150 * 2 ** (3 / 12), 200 * 2 ** (3 / 12) * 1.1, 1.2))
    d = compare(higher, neutral)
    assert 2.5 < d["f0_shift"] < 4.5
    assert d["range_ratio"] > 1.2
    assert d["level_db"] == pytest.approx(6.0, abs=1.0)
    assert d["duration_ratio"] == pytest.approx(1.2, abs=0.06)


def test_octave_errors_are_left_out_of_the_range() -> None:
    f0 = np.array([110.0] * 40 + [220.0] * 8 + [55.0] * 2 + [120.0] * 10)
    kept = without_octave_errors(f0)
    assert set(kept) == {110.0, 120.0}
    assert without_octave_errors(np.array([])).size == 0


def test_verdict_checks_the_issue_s_bounds() -> None:
    happy = {"f0_shift": 2.5, "range_ratio": 1.25, "level_db": 3.0, "duration_ratio": 1.0}
    assert all(verdict("happy", happy).values())
    assert not verdict("happy", {**happy, "range_ratio": 1.1})["range_ratio"]


def test_evaluate_emotions_reports_medians_and_neutral_at_intensity_zero() -> None:
    def speak(text: str, emotion: str, intensity: float) -> np.ndarray:
        up = 3.0 * intensity if emotion == "happy" else 0.0
        return voiced_glide(150 * 2 ** (up / 12), 200 * 2 ** (up / 12), 0.8)

    report = evaluate_emotions(speak, ["one", "two"], ["happy", "calm"], (1.0, 0.5))
    assert report["intensity_0_is_neutral"] is True
    happy = report["emotions"]["happy"]
    assert happy["1.0"]["median"]["f0_shift"] == pytest.approx(3.0, abs=0.4)
    assert happy["0.5"]["median"]["f0_shift"] == pytest.approx(1.5, abs=0.4)
    assert happy["1.0"]["passes"]["f0_shift"] and not happy["1.0"]["passes"]["level_db"]
    assert all(happy["0.5"]["in_between"].values()) and "passes" not in happy["0.5"]


def test_in_between_is_between_neutral_and_full_intensity_either_way_round() -> None:
    full = {"f0_shift": -2.5, "range_ratio": 0.7, "level_db": -4.0, "duration_ratio": 1.15}
    half = {"f0_shift": -1.2, "range_ratio": 0.85, "level_db": -2.0, "duration_ratio": 1.07}
    assert all(in_between(half, full).values())
    assert all(in_between(full, full).values()) and all(in_between(NEUTRAL, full).values())
    beyond = in_between({**half, "f0_shift": -3.0, "range_ratio": 1.1}, full)
    assert not beyond["f0_shift"] and not beyond["range_ratio"] and beyond["level_db"]


def test_merge_joins_runs_and_judges_again() -> None:
    def run(intensity: str, shift: float, zero_ok: bool = True) -> dict[str, Any]:
        median = {**NEUTRAL, "f0_shift": shift, "range_ratio": 0.8, "level_db": -3.0}
        return {
            "sentences": 50,
            "intensity_0_is_neutral": zero_ok,
            "emotions": {"calm": {intensity: {"median": {**median, "duration_ratio": 1.1}}}},
        }

    merged = merge([run("1.0", 1.5), run("0.5", 0.4), run("1.0", -0.2)])  # the last 1.0 wins
    calm = merged["emotions"]["calm"]
    assert calm["1.0"]["median"]["f0_shift"] == -0.2 and all(calm["1.0"]["passes"].values())
    assert not calm["0.5"]["in_between"]["f0_shift"] and calm["0.5"]["in_between"]["level_db"]
    assert not merge([run("1.0", 0.0), run("0.5", 0.0, zero_ok=False)])["intensity_0_is_neutral"]
    with pytest.raises(ValueError, match="different numbers of sentences"):
        merge([run("1.0", 0.0), {**run("0.5", 0.0), "sentences": 20}])
