"""The HiFi-GAN mel format: band placement, framing, silence, batching, audio loading."""

import math
from pathlib import Path

import numpy as np
import pytest
import soundfile
import torch

from assistant.tts import features

RATE = features.SAMPLE_RATE


def sine(freq: float, seconds: float = 1.0, amplitude: float = 0.5) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def nearest_band(freq: float) -> int:
    centres = features.mel_band_edges()[1:-1]  # band i peaks at edges[i + 1]
    return int(np.argmin(np.abs(centres - freq)))


@pytest.mark.parametrize("freq", [440.0, 3000.0])
def test_sine_lands_in_its_mel_band(freq: float) -> None:
    mel = features.mel_spectrogram(sine(freq))  # (80, T)
    loudest = torch.argmax(mel, dim=0)  # (T,)
    band = int(torch.mode(loudest).values)
    assert abs(band - nearest_band(freq)) <= 1


def test_higher_tone_lands_in_a_higher_band() -> None:
    low = torch.mode(torch.argmax(features.mel_spectrogram(sine(440.0)), dim=0)).values
    high = torch.mode(torch.argmax(features.mel_spectrogram(sine(3000.0)), dim=0)).values
    assert int(high) > int(low) + 20


@pytest.mark.parametrize("k", [2, 3, 10, 87, 400])
def test_frame_count_follows_the_hop(k: int) -> None:
    n = k * features.HOP
    audio = np.random.default_rng(k).uniform(-0.5, 0.5, n).astype(np.float32)
    assert features.n_frames(n) == k
    assert features.mel_spectrogram(audio).shape == (features.N_MELS, k)
    assert features.energy(audio).shape == (k,)


@pytest.mark.parametrize("n", [385, 1000, 22050, 22050 + 255])
def test_frame_count_for_any_length(n: int) -> None:
    audio = np.zeros(n, dtype=np.float32)
    assert features.mel_spectrogram(audio).shape[-1] == features.n_frames(n) == n // features.HOP


def test_too_short_audio_is_refused() -> None:
    with pytest.raises(ValueError, match="too short"):
        features.mel_spectrogram(np.zeros(100, dtype=np.float32))
    with pytest.raises(ValueError, match="too short"):
        features.n_frames(100)
    with pytest.raises(TypeError, match="float"):
        features.mel_spectrogram(np.zeros(1000, dtype=np.int16))


def test_silence_sits_at_the_log_floor() -> None:
    mel = features.mel_spectrogram(np.zeros(RATE, dtype=np.float32))
    assert torch.allclose(mel, torch.full_like(mel, math.log(1e-5)), atol=1e-3)
    assert math.isclose(features.SILENCE_LOG_MEL, math.log(1e-5))


def test_batch_equals_per_item() -> None:
    rng = np.random.default_rng(0)
    batch = rng.uniform(-0.5, 0.5, (3, 5000)).astype(np.float32)
    together = features.mel_spectrogram(batch)  # (3, 80, T)
    assert together.shape == (3, features.N_MELS, features.n_frames(5000))
    for item, mel in zip(batch, together, strict=True):
        assert torch.allclose(features.mel_spectrogram(item), mel, atol=1e-5)
    assert torch.allclose(features.energy(batch)[1], features.energy(batch[1]), atol=1e-5)


def test_numpy_and_torch_inputs_agree() -> None:
    audio = sine(1000.0, 0.3)
    from_numpy = features.mel_spectrogram(audio)
    from_torch = features.mel_spectrogram(torch.from_numpy(audio))
    assert from_numpy.dtype == torch.float32
    assert torch.equal(from_numpy, from_torch)


def test_energy_grows_with_loudness() -> None:
    quiet = features.energy(sine(440.0, amplitude=0.05))
    loud = features.energy(sine(440.0, amplitude=0.5))
    assert torch.allclose(loud, 10 * quiet, rtol=1e-3)


def test_filterbank_triangles_have_unit_area() -> None:
    bank = features.mel_filterbank()  # (80, 513)
    assert bank.shape == (features.N_MELS, features.N_FFT // 2 + 1)
    assert bank.dtype == np.float32 and (bank >= 0).all()
    bin_hz = RATE / features.N_FFT
    areas = bank.sum(axis=1) * bin_hz
    assert np.allclose(areas[20:], 1.0, rtol=0.1)  # narrow low bands are under-sampled by the FFT
    assert areas[40:].mean() == pytest.approx(1.0, rel=0.01)
    assert features.mel_band_edges()[-1] == pytest.approx(features.FMAX)


def test_slaney_mel_scale() -> None:
    assert features.hz_to_mel(np.array(1000.0)) == pytest.approx(15.0)
    assert features.hz_to_mel(np.array(6400.0)) == pytest.approx(42.0)
    hz = np.array([0.0, 440.0, 1000.0, 3000.0, 8000.0])
    assert np.allclose(features.mel_to_hz(features.hz_to_mel(hz)), hz)


def test_load_audio_reads_an_lj_clip(lj_dir: Path) -> None:
    path = next(iter(sorted((lj_dir / "wavs").glob("*.flac"))))
    audio = features.load_audio(path)
    assert audio.dtype == np.float32 and audio.ndim == 1
    assert len(audio) == soundfile.info(str(path)).frames
    assert 0.05 < np.abs(audio).max() <= 1.0


def test_load_audio_resamples_and_mixes_down(tmp_path: Path) -> None:
    t = np.arange(44100) / 44100
    stereo = np.stack([0.4 * np.sin(2 * np.pi * 440 * t)] * 2, axis=1)  # (N, 2)
    path = tmp_path / "tone.wav"
    soundfile.write(str(path), stereo, 44100)
    audio = features.load_audio(path)
    assert audio.dtype == np.float32 and audio.shape == (RATE,)
    band = int(torch.mode(torch.argmax(features.mel_spectrogram(audio), dim=0)).values)
    assert abs(band - nearest_band(440.0)) <= 1
