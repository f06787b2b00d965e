"""A fast vocoder: ConvNeXt blocks at the mel frame rate and an inverse-STFT head (as in Vocos).

HiFi-GAN V1 upsamples to the sample rate with wide convolutions; this network stays at one step per
mel frame (86 per second) and predicts each frame's complex spectrum (log magnitude and phase),
which an overlap-add inverse FFT turns into samples — tens of times less arithmetic per second of
audio. The framing is HiFi-GAN's (n_fft 1024, hop 256, Hann window, (n_fft - hop) / 2 padding), so
frame t of the output covers the same samples as frame t of the mel it was given.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file
from torch import nn

from assistant.tts import features, streaming

WEIGHTS, CONFIG = "vocoder.safetensors", "vocoder.json"
CHUNK_FRAMES = 172  # the longest piece of a streamed sentence (2 s)
PACE = 0.02  # compute seconds per second of audio on 2 cores, until measured (0.008 idle)
CONTEXT_FRAMES = 32  # beyond the receptive field (±27 frames for 8 blocks of kernel 7, ±2 for OLA)
_PAD = (features.N_FFT - features.HOP) // 2  # 384 samples trimmed from each end of the overlap-add


@dataclass(frozen=True)
class FastVocoderConfig:
    n_mels: int = features.N_MELS
    channels: int = 384
    blocks: int = 8
    kernel: int = 7
    expand: int = 3  # the pointwise layers' width is channels * expand
    max_log_magnitude: float = (
        6.0  # exp(6) ≈ 400: louder than any real frame; keeps early steps sane
    )
    head_hidden: int = 0  # > 0: a GELU layer this wide beside the linear head (`WideHead`)


class ConvNeXtBlock(nn.Module):
    """Depthwise conv → LayerNorm → pointwise expand → GELU → pointwise back, scaled, residual."""

    def __init__(self, channels: int, kernel: int, expand: int) -> None:
        super().__init__()
        self.depthwise = nn.Conv1d(channels, channels, kernel, padding=kernel // 2, groups=channels)
        self.norm = nn.LayerNorm(channels)
        self.up = nn.Linear(channels, channels * expand)
        self.down = nn.Linear(channels * expand, channels)
        self.scale = nn.Parameter(torch.full((channels,), 0.1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, C, T) → (B, C, T)
        y = self.depthwise(x).transpose(1, 2)  # (B, T, C)
        y = self.down(nn.functional.gelu(self.up(self.norm(y))))  # (B, T, C)
        return x + (self.scale * y).transpose(1, 2)


class WideHead(nn.Module):
    """A GELU layer beside the linear head, added to its output (B, T, C) → (B, T, 3 * 513).

    A linear layer alone keeps the 1,539 outputs of a frame (log magnitude, phase as x, y) in a
    `channels`-dimensional subspace: V1's spectra projected onto the best 256-dimensional one
    score DNSMOS 2.38 (V1 2.98), onto a 1,024-dimensional one 2.99 (`lj`, 8 sentences) — the
    phase needs the room. Its output layer starts at zero, so a trained vocoder grows one
    without changing what it says."""

    def __init__(self, channels: int, outputs: int, hidden: int) -> None:
        super().__init__()
        self.up = nn.Linear(channels, hidden)
        self.out = nn.Linear(hidden, outputs)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(nn.functional.gelu(self.up(x)))


GROWN = "wide."  # the parameters a vocoder without a wide head lacks


class FastVocoderNet(nn.Module):
    """log mel (B, 80, T) → waveform (B, T * 256)."""

    def __init__(self, config: FastVocoderConfig | None = None) -> None:
        super().__init__()
        self.config = cfg = config or FastVocoderConfig()
        self.embed = nn.Conv1d(cfg.n_mels, cfg.channels, cfg.kernel, padding=cfg.kernel // 2)
        self.norm_in = nn.LayerNorm(cfg.channels)
        self.blocks = nn.ModuleList(
            ConvNeXtBlock(cfg.channels, cfg.kernel, cfg.expand) for _ in range(cfg.blocks)
        )
        self.norm_out = nn.LayerNorm(cfg.channels)
        self.bins = features.N_FFT // 2 + 1
        self.head = nn.Linear(cfg.channels, 3 * self.bins)  # log magnitude, phase as (x, y)
        self.wide = (
            WideHead(cfg.channels, 3 * self.bins, cfg.head_hidden) if cfg.head_hidden else None
        )
        self.window: torch.Tensor
        self.register_buffer("window", torch.hann_window(features.N_FFT), persistent=False)

    def spectrum(self, mel: torch.Tensor) -> torch.Tensor:
        """The complex spectrum of each frame: (B, 80, T) → (B, 513, T)."""
        x = self.embed(mel)  # (B, C, T)
        x = self.norm_in(x.transpose(1, 2)).transpose(1, 2)
        for block in self.blocks:
            x = block(x)
        x = self.norm_out(x.transpose(1, 2))  # (B, T, C)
        out = self.head(x) if self.wide is None else self.head(x) + self.wide(x)
        out = out.transpose(1, 2)  # (B, 3 * 513, T)
        log_mag, px, py = out.split(self.bins, dim=1)  # each (B, 513, T)
        magnitude = torch.exp(log_mag.clamp(max=self.config.max_log_magnitude))
        norm = torch.sqrt(px.square() + py.square() + 1e-9)
        return torch.complex(magnitude * px / norm, magnitude * py / norm)

    def forward(self, mel: torch.Tensor) -> torch.Tensor:  # (B, 80, T) → (B, T * 256)
        return overlap_add(self.spectrum(mel), self.window)


def overlap_add(spec: torch.Tensor, window: torch.Tensor) -> torch.Tensor:
    """Inverse of HiFi-GAN's framing: (B, 513, T) complex → (B, T * HOP) samples."""
    frames = torch.fft.irfft(spec, n=features.N_FFT, dim=1) * window[None, :, None]  # (B, 1024, T)
    n_frames = spec.shape[-1]
    length = (n_frames - 1) * features.HOP + features.N_FFT
    fold = nn.functional.fold
    audio = fold(frames, (1, length), (1, features.N_FFT), stride=(1, features.HOP))  # (B,1,1,L)
    squares = window.square()[None, :, None].expand(1, -1, n_frames)
    envelope = fold(squares, (1, length), (1, features.N_FFT), stride=(1, features.HOP))
    audio = audio / envelope.clamp(min=1e-8)
    return audio[:, 0, 0, _PAD : length - _PAD]  # (B, T * HOP)


def complex_spectrum(audio: torch.Tensor) -> torch.Tensor:
    """HiFi-GAN's framing of `audio` (B, N) as complex frames (B, 513, N // HOP)."""
    _, window = features._basis(audio.device, audio.dtype)
    padded = nn.functional.pad(audio.unsqueeze(1), (_PAD, _PAD), mode="reflect").squeeze(1)
    return torch.stft(
        padded, features.N_FFT, features.HOP, features.WIN, window, center=False,
        return_complex=True,
    )  # fmt: skip


class FastVocoderError(RuntimeError):
    """The fast vocoder's files are missing or unusable; the message names the file."""


class FastVocoder:
    """The trained network, loaded from a folder; called like `Vocoder`: mel → float32 samples."""

    sample_rate = features.SAMPLE_RATE
    hop_length = features.HOP

    context, longest = CONTEXT_FRAMES, CHUNK_FRAMES

    def __init__(self, net: FastVocoderNet, name: str = "fast") -> None:
        self.net = net.eval().requires_grad_(False)
        self.name = name
        self.pace = streaming.Pace(PACE)

    @classmethod
    def load(cls, folder: Path) -> FastVocoder:
        try:
            config = FastVocoderConfig(**json.loads((folder / CONFIG).read_text())["config"])
            net = FastVocoderNet(config)
            net.load_state_dict({k: v.float() for k, v in load_file(str(folder / WEIGHTS)).items()})
        except (OSError, ValueError, KeyError, TypeError, RuntimeError, SafetensorError) as e:
            raise FastVocoderError(f"cannot load the fast vocoder in {folder}: {e}") from None
        return cls(net, folder.name)

    def save(self, folder: Path, extra: dict[str, object] | None = None) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        state = {k: v.detach().half().contiguous() for k, v in self.net.state_dict().items()}
        save_file(state, str(folder / WEIGHTS))
        meta = {"config": asdict(self.net.config), **(extra or {})}
        (folder / CONFIG).write_text(json.dumps(meta, indent=1))

    @torch.inference_mode()
    def __call__(self, mel: torch.Tensor) -> np.ndarray:
        """(80, T) log mel → (T * 256,) float32 samples in [-1, 1]."""
        if mel.dim() != 2 or mel.shape[0] != features.N_MELS:
            raise ValueError(f"mel must be (80, T), got {tuple(mel.shape)}")
        began = time.perf_counter()
        audio = self.net(mel.float().unsqueeze(0))[0]
        streaming.timed(self.pace, mel.shape[-1], began)
        return audio.clamp(-1.0, 1.0).numpy().astype(np.float32)

    def pieces(self, mel: torch.Tensor, first: int, ahead_s: float = 0.0) -> Iterator[np.ndarray]:
        """(80, T) → its audio in pieces that play without a gap at this vocoder's pace after
        `ahead_s` seconds still to play (see `streaming.plan`); they join to `self(mel)`."""
        return streaming.stream(self, mel, first, ahead_s)
