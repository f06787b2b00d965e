"""Discriminators for the fast vocoder's adversarial losses (as in HiFi-GAN and Vocos).

Spectral losses alone leave a vocoder's output buzzy: they score each bin's average and a
regression to the mean blurs fine structure. A discriminator learns what real (here: teacher or
recorded) audio looks like and scores the student's audio against it:

- the multi-period discriminator folds the waveform by periods 2, 3, 5, 7 and 11 and judges each
  fold with 2-D convolutions (pitch periods, phase coherence);
- the multi-resolution discriminator judges log-magnitude spectrograms at three resolutions
  (harmonics, noise floor).

Widths are smaller than HiFi-GAN's (16 → 256 instead of 32 → 1024 channels): they have to train
on 2 CPU cores. Losses are least squares (HiFi-GAN): real → 1, generated → 0, plus feature
matching (L1 between the discriminators' inner activations on real and generated audio).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.parametrizations import weight_norm

PERIODS = (2, 3, 5, 7, 11)
RESOLUTIONS = ((512, 128), (1024, 256), (2048, 512))  # (n_fft, hop)
WIDTHS = (16, 64, 128, 256)

Judgement = tuple[torch.Tensor, list[torch.Tensor]]  # (scores, inner activations)


class PeriodDiscriminator(nn.Module):
    """Judges the waveform folded into rows of `period` samples: each of the `period` phases is
    a sequence convolved along time (HiFi-GAN's (k, 1) 2-D kernels, as 1-D convolutions over
    batch × period, which CPUs run several times faster)."""

    def __init__(self, period: int) -> None:
        super().__init__()
        self.period = period
        layers, before = [], 1
        for width in WIDTHS:
            layers.append(weight_norm(nn.Conv1d(before, width, 5, 3, padding=2)))
            before = width
        layers.append(weight_norm(nn.Conv1d(before, before, 5, 1, padding=2)))
        self.layers = nn.ModuleList(layers)
        self.out = weight_norm(nn.Conv1d(before, 1, 3, 1, padding=1))

    def forward(self, audio: torch.Tensor) -> Judgement:  # audio (B, N)
        batch, n = audio.shape
        extra = (-n) % self.period
        x = nn.functional.pad(audio, (0, extra), mode="reflect") if extra else audio
        # (B, N) → (B, N / p, p) → (B * p, 1, N / p): one sequence per phase of the period
        x = x.view(batch, -1, self.period).transpose(1, 2).reshape(batch * self.period, 1, -1)
        inner = []
        for layer in self.layers:
            x = nn.functional.leaky_relu(layer(x), 0.1)
            inner.append(x)
        return self.out(x).reshape(batch, -1), inner


class ResolutionDiscriminator(nn.Module):
    """Judges the log-magnitude spectrogram at one (n_fft, hop)."""

    def __init__(self, n_fft: int, hop: int) -> None:
        super().__init__()
        self.n_fft, self.hop = n_fft, hop
        self.window: torch.Tensor
        self.register_buffer("window", torch.hann_window(n_fft), persistent=False)
        width = 32
        self.layers = nn.ModuleList(
            [
                weight_norm(nn.Conv2d(1, width, (7, 5), (2, 2), padding=(3, 2))),
                weight_norm(nn.Conv2d(width, width, (5, 3), (2, 1), padding=(2, 1))),
                weight_norm(nn.Conv2d(width, width, (5, 3), (2, 1), padding=(2, 1))),
                weight_norm(nn.Conv2d(width, width, 3, 1, padding=1)),
            ]
        )
        self.out = weight_norm(nn.Conv2d(width, 1, 3, 1, padding=1))

    def forward(self, audio: torch.Tensor) -> Judgement:
        spec = torch.stft(audio, self.n_fft, self.hop, window=self.window, return_complex=True)
        x = torch.log(spec.abs().clamp(min=1e-5)).unsqueeze(1)  # (B, 1, bins, frames)
        inner = []
        for layer in self.layers:
            x = nn.functional.leaky_relu(layer(x), 0.1)
            inner.append(x)
        return self.out(x).flatten(1), inner


class Discriminators(nn.Module):
    """All period and resolution discriminators; each returns its own judgement."""

    def __init__(self) -> None:
        super().__init__()
        self.judges = nn.ModuleList(
            [*(PeriodDiscriminator(p) for p in PERIODS)]
            + [ResolutionDiscriminator(n, h) for n, h in RESOLUTIONS]
        )

    def forward(self, audio: torch.Tensor) -> list[Judgement]:
        return [judge(audio) for judge in self.judges]


def discriminator_loss(real: list[Judgement], fake: list[Judgement]) -> torch.Tensor:
    """Least squares: each judge pushes real audio's scores to 1 and generated audio's to 0."""
    total = torch.zeros((), device=real[0][0].device)
    for (r, _), (f, _) in zip(real, fake, strict=True):
        total = total + (1 - r).square().mean() + f.square().mean()
    return total / len(real)


def generator_loss(fake: list[Judgement]) -> torch.Tensor:
    """The student wants every judge to score its audio as real (1)."""
    return sum(((1 - f).square().mean() for f, _ in fake), torch.zeros(())) / len(fake)


def feature_matching(real: list[Judgement], fake: list[Judgement]) -> torch.Tensor:
    """L1 between the judges' inner activations on real and generated audio (real detached)."""
    total, count = torch.zeros(()), 0
    for (_, real_inner), (_, fake_inner) in zip(real, fake, strict=True):
        for r, f in zip(real_inner, fake_inner, strict=True):
            total = total + (r.detach() - f).abs().mean()
            count += 1
    return total / count
