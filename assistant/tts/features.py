"""Audio features shared by training and inference: HiFi-GAN V1 log-mels, energy, loading."""

from __future__ import annotations

import functools
import logging
import math
from pathlib import Path

import numpy as np
import torch
from scipy.signal import resample_poly

log = logging.getLogger(__name__)

SAMPLE_RATE = 22050  # Hz
N_FFT = 1024
WIN = 1024
HOP = 256
N_MELS = 80
FMIN = 0.0  # Hz
FMAX = 8000.0  # Hz
LOG_FLOOR = 1e-5  # mel magnitudes are clamped to this before the natural log
SILENCE_LOG_MEL = math.log(LOG_FLOOR)  # the value of a silent frame, ≈ -11.51

_PAD = (N_FFT - HOP) // 2  # reflect padding on both sides; with center=False gives n // HOP frames
_MIN_SAMPLES = _PAD + 1  # reflect padding needs more samples than the pad width

# Slaney mel scale (librosa's default, htk=False): linear below 1 kHz, logarithmic above.
_F_SP = 200.0 / 3.0  # Hz per mel in the linear part
_MIN_LOG_HZ = 1000.0
_MIN_LOG_MEL = _MIN_LOG_HZ / _F_SP  # = 15
_LOG_STEP = math.log(6.4) / 27.0


def hz_to_mel(hz: np.ndarray) -> np.ndarray:
    """Slaney mel of frequencies in Hz."""
    hz = np.asarray(hz, dtype=np.float64)
    linear = hz / _F_SP
    logpart = _MIN_LOG_MEL + np.log(np.maximum(hz, _MIN_LOG_HZ) / _MIN_LOG_HZ) / _LOG_STEP
    return np.where(hz >= _MIN_LOG_HZ, logpart, linear)


def mel_to_hz(mel: np.ndarray) -> np.ndarray:
    """Frequencies in Hz of Slaney mel values (inverse of `hz_to_mel`)."""
    mel = np.asarray(mel, dtype=np.float64)
    linear = mel * _F_SP
    logpart = _MIN_LOG_HZ * np.exp(_LOG_STEP * (np.maximum(mel, _MIN_LOG_MEL) - _MIN_LOG_MEL))
    return np.where(mel >= _MIN_LOG_MEL, logpart, linear)


def mel_band_edges() -> np.ndarray:
    """The N_MELS + 2 band edge frequencies in Hz; band i peaks at edges[i + 1]."""
    return mel_to_hz(np.linspace(hz_to_mel(np.array(FMIN)), hz_to_mel(np.array(FMAX)), N_MELS + 2))


def mel_filterbank() -> np.ndarray:
    """Slaney-normalised triangular mel filters (80, 513) float32, as librosa builds them."""
    fft_hz = np.linspace(0.0, SAMPLE_RATE / 2, N_FFT // 2 + 1)  # (F,)
    edges = mel_band_edges()  # (M + 2,)
    widths = np.diff(edges)  # (M + 1,)
    ramps = edges[:, None] - fft_hz[None, :]  # (M + 2, F)
    rising = -ramps[:-2] / widths[:-1, None]  # (M, F)
    falling = ramps[2:] / widths[1:, None]  # (M, F)
    weights = np.maximum(0.0, np.minimum(rising, falling))  # (M, F)
    area_norm = 2.0 / (edges[2:] - edges[:-2])  # each triangle gets unit area in Hz
    return (weights * area_norm[:, None]).astype(np.float32)


@functools.lru_cache(maxsize=8)
def _basis(device: torch.device, dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor]:
    """The mel filterbank and the Hann window on a device, built once per (device, dtype)."""
    mel = torch.from_numpy(mel_filterbank()).to(device=device, dtype=dtype)  # (80, 513)
    window = torch.hann_window(WIN, device=device, dtype=dtype)  # (1024,)
    return mel, window


def _as_tensor(audio: np.ndarray | torch.Tensor) -> torch.Tensor:
    """A float tensor; numpy input becomes float32 on the CPU."""
    if isinstance(audio, np.ndarray):
        if not np.issubdtype(audio.dtype, np.floating):
            raise TypeError(f"audio must be a float waveform in [-1, 1], got {audio.dtype}")
        audio = torch.from_numpy(np.ascontiguousarray(audio, dtype=np.float32))
    tensor = audio
    if not tensor.is_floating_point():
        raise TypeError(f"audio must be a float waveform, got {tensor.dtype}")
    if tensor.dim() not in (1, 2):
        raise ValueError(f"audio must be (N,) or (B, N), got shape {tuple(tensor.shape)}")
    if tensor.shape[-1] < _MIN_SAMPLES:
        raise ValueError(
            f"audio too short: {tensor.shape[-1]} samples, need at least {_MIN_SAMPLES}"
        )
    return tensor


def stft_magnitude(audio: np.ndarray | torch.Tensor) -> torch.Tensor:
    """Magnitude STFT, HiFi-GAN framing: (N,) → (513, T) or (B, N) → (B, 513, T); T = N // HOP."""
    wave = _as_tensor(audio)
    single = wave.dim() == 1
    batch = wave.unsqueeze(0) if single else wave  # (B, N)
    _, window = _basis(batch.device, batch.dtype)
    padded = torch.nn.functional.pad(
        batch.unsqueeze(1), (_PAD, _PAD), mode="reflect"
    )  # (B, 1, N + 768)
    spec = torch.stft(
        padded.squeeze(1),
        N_FFT,
        hop_length=HOP,
        win_length=WIN,
        window=window,
        center=False,
        normalized=False,
        onesided=True,
        return_complex=True,
    )  # (B, 513, T)
    magnitude = torch.sqrt(spec.real.pow(2) + spec.imag.pow(2) + 1e-9)  # (B, 513, T)
    return magnitude.squeeze(0) if single else magnitude


def mel_spectrogram(audio: np.ndarray | torch.Tensor) -> torch.Tensor:
    """Natural-log mel spectrogram: (N,) → (80, T) or (B, N) → (B, 80, T), T = N // HOP."""
    magnitude = stft_magnitude(audio)  # (513, T) or (B, 513, T)
    mel_basis, _ = _basis(magnitude.device, magnitude.dtype)
    mel = torch.matmul(mel_basis, magnitude)  # (80, T) or (B, 80, T)
    return torch.log(torch.clamp(mel, min=LOG_FLOOR))


def energy(audio: np.ndarray | torch.Tensor) -> torch.Tensor:
    """Per-frame energy, the L2 norm of each magnitude STFT frame: (N,) → (T,), (B, N) → (B, T)."""
    return torch.linalg.vector_norm(stft_magnitude(audio), dim=-2)


def n_frames(n_samples: int) -> int:
    """Mel frames produced for a waveform of n_samples (each frame covers HOP samples)."""
    if n_samples < _MIN_SAMPLES:
        raise ValueError(f"audio too short: {n_samples} samples, need at least {_MIN_SAMPLES}")
    return (n_samples + 2 * _PAD - N_FFT) // HOP + 1


def load_audio(path: str | Path) -> np.ndarray:
    """Read an audio file as float32 mono at SAMPLE_RATE, resampling when its rate differs."""
    import soundfile  # here, so training (mel features only) runs without libsndfile

    data, rate = soundfile.read(str(path), dtype="float32", always_2d=True)  # (N, channels)
    mono = data.mean(axis=1)
    if rate != SAMPLE_RATE:
        log.debug("resampling %s from %d Hz to %d Hz", path, rate, SAMPLE_RATE)
        gcd = math.gcd(int(rate), SAMPLE_RATE)
        mono = resample_poly(mono, SAMPLE_RATE // gcd, int(rate) // gcd)
    return np.ascontiguousarray(mono, dtype=np.float32)
