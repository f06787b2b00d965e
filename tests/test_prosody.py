"""Measuring emotional prosody on real signals: pitch level and range, loudness, duration."""

import numpy as np
import pytest

from assistant.prosody import compare, evaluate_emotions, measure, verdict, without_octave_errors

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
