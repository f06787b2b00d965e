"""DNSMOS: the reference segmentation, resampling, and scores on real speech versus noise."""

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from assistant.lab.quality import (
    DNSMOS_RATE,
    Dnsmos,
    QualityError,
    model_path,
    to_dnsmos_input,
    windows,
)
from assistant.tts.features import load_audio

WINDOW = 144160  # 9.01 s at 16 kHz


@pytest.mark.parametrize(
    ("seconds", "count"),
    [
        (0.5, 7),  # doubled until it fills a window: 16 s, so 7 one-second hops
        (3.0, 3),  # doubled to 12 s
        (9.5, 1),
        (12.0, 3),
        (20.0, 7),  # 11 hops, 4 skipped: see below
    ],
)
def test_windows_follow_the_reference_segmentation(seconds: float, count: int) -> None:
    samples = np.linspace(-0.5, 0.5, round(seconds * DNSMOS_RATE), dtype=np.float32)
    chosen = windows(samples)
    assert chosen.shape[1] == WINDOW and chosen.dtype == np.float32
    # The reference's float window edges skip some hops (int((i + 9.01) * 16000) rounds down to
    # one sample short); we keep that quirk so that scores match the published implementation.
    assert chosen.shape[0] == count
    np.testing.assert_array_equal(chosen[0][: samples.size], samples[:WINDOW])


def test_short_clips_are_repeated_not_padded() -> None:
    clip = np.arange(1, 1001, dtype=np.float32) / 1000
    window = windows(clip)[0]
    np.testing.assert_array_equal(window[1000:2000], clip)


def test_empty_audio_is_refused() -> None:
    with pytest.raises(ValueError, match="empty"):
        windows(np.zeros(0, dtype=np.float32))


def test_input_is_resampled_mono_and_clipped() -> None:
    stereo = np.full((22050, 2), 1.2, dtype=np.float32)
    samples = to_dnsmos_input(stereo, 22050)
    assert samples.shape == (16000,) and samples.dtype == np.float32
    assert samples.max() <= 1.0
    with pytest.raises(ValueError, match="shape"):
        to_dnsmos_input(np.zeros((2, 2, 2), dtype=np.float32), 16000)


def test_missing_model_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(QualityError, match="not found"):
        Dnsmos(path=tmp_path / "missing.onnx").load()


def test_model_ships_with_speechmos() -> None:
    assert model_path().stat().st_size > 100_000


@pytest.fixture(scope="module")
def dnsmos() -> Iterator[Dnsmos]:
    scorer = Dnsmos(threads=2)
    scorer.load()
    yield scorer
    scorer.close()


@pytest.mark.slow
def test_matches_the_speechmos_reference_on_a_real_clip(lj_dir: Path, dnsmos: Dnsmos) -> None:
    # Values from speechmos.dnsmos.run on the same 16 kHz samples (its librosa-only P.808 part
    # stubbed out), so our own windowing and polynomials reproduce the package's scores.
    score = dnsmos.score(load_audio(lj_dir / "wavs" / "LJ001-0024.flac"), 22050)
    assert score.overall == pytest.approx(3.2944, abs=1e-3)
    assert score.signal == pytest.approx(3.6091, abs=1e-3)
    assert score.background == pytest.approx(3.9822, abs=1e-3)


@pytest.mark.slow
def test_speech_scores_above_noise_and_silence(lj_dir: Path, dnsmos: Dnsmos) -> None:
    speech = load_audio(lj_dir / "wavs" / "LJ001-0043.flac")
    noise = np.random.default_rng(0).normal(0, 0.1, speech.size).astype(np.float32)
    speech_score = dnsmos.score(speech, 22050)
    noise_score = dnsmos.score(noise, 22050)
    assert speech_score.overall > 2.7
    assert noise_score.overall < 1.6
    assert noise_score.background < speech_score.background
    assert dnsmos.score(np.zeros(22050, dtype=np.float32), 22050).overall < speech_score.overall
