"""Reference-free speech quality: DNSMOS P.835 overall, signal, background (speechmos models)."""

# The pip `speechmos` package carries Microsoft's DNSMOS ONNX models, but its own module imports
# librosa (only for the P.808 score we do not need). So we read its `sig_bak_ovr.onnx` and run the
# reference procedure ourselves: 16 kHz audio, 9.01 s windows hopped by 1 s (short clips repeated to
# fill one window), raw scores mapped through the published polynomials, window scores averaged.

from __future__ import annotations

import importlib.resources
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.audio.convert import to_mono
from assistant.onnx import OnnxError, cpu_session

log = logging.getLogger(__name__)

DNSMOS_RATE = 16000  # Hz, what the model listens at
WINDOW_SECONDS = 9.01  # the model's fixed input length
_MODEL = "sig_bak_ovr.onnx"
_INSTALL_HINT = "install the DNSMOS models with: pip install speechmos"
# Polynomials (highest power first) from raw model outputs to MOS, non-personalised DNSMOS.
_POLY_SIG = np.poly1d([-0.08397278, 1.22083953, 0.0052439])
_POLY_BAK = np.poly1d([-0.13166888, 1.60915514, -0.39604546])
_POLY_OVR = np.poly1d([-0.06766283, 1.11546468, 0.04602535])


class QualityError(RuntimeError):
    """DNSMOS cannot run: its model file or onnxruntime is missing; the message says what to do."""


@dataclass(frozen=True)
class MosScore:
    """DNSMOS P.835 scores on the 1–5 MOS scale."""

    overall: float
    signal: float  # speech distortion
    background: float  # noise intrusiveness


def model_path() -> Path:
    """The DNSMOS sig/bak/ovr ONNX model inside the installed speechmos package."""
    try:
        root = importlib.resources.files("speechmos")
    except ModuleNotFoundError as err:
        raise QualityError(f"speechmos is not installed; {_INSTALL_HINT}") from err
    path = Path(str(root / "dnsmos_models" / _MODEL))
    if not path.is_file():
        raise QualityError(f"DNSMOS model missing: {path}; reinstall: {_INSTALL_HINT}")
    return path


def to_dnsmos_input(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """Mono float32 audio at 16 kHz, clipped to [-1, 1] (resampling may overshoot slightly)."""
    samples = to_mono(audio, sample_rate, DNSMOS_RATE)
    return np.clip(samples, -1.0, 1.0).astype(np.float32)


def windows(samples: np.ndarray) -> np.ndarray:
    """The model inputs for one clip, (W, 144160): the reference DNSMOS segmentation."""
    if samples.size == 0:
        raise ValueError("cannot score empty audio")
    length = int(WINDOW_SECONDS * DNSMOS_RATE)
    while samples.size < length:  # short clips are repeated, as the reference does
        samples = np.concatenate([samples, samples])
    hops = int(np.floor(samples.size / DNSMOS_RATE) - WINDOW_SECONDS) + 1
    chosen = []
    for i in range(hops):
        # the same float arithmetic as the reference, so window edges (and scores) match it
        segment = samples[int(i * DNSMOS_RATE) : int((i + WINDOW_SECONDS) * DNSMOS_RATE)]
        if segment.size >= length:
            chosen.append(segment[:length])
    return np.stack(chosen).astype(np.float32)


class Dnsmos:
    """Scores waveforms with DNSMOS; the ONNX model loads on `load()` (or the first `score`)."""

    def __init__(self, path: Path | None = None, threads: int = 2) -> None:
        self.path = path
        self.threads = threads
        self._session: Any = None

    def load(self) -> None:
        """Load the model (a second call does nothing)."""
        if self._session is not None:
            return
        path = self.path or model_path()
        if not path.is_file():
            raise QualityError(f"DNSMOS model not found: {path}; {_INSTALL_HINT}")
        try:
            self._session = cpu_session(path, self.threads, "the DNSMOS model")
        except OnnxError as err:
            raise QualityError(str(err)) from None
        log.info("loaded DNSMOS from %s (%d threads)", path, self.threads)

    def score(self, audio: np.ndarray, sample_rate: int) -> MosScore:
        """DNSMOS of one clip (float samples in [-1, 1] at any rate), averaged over its windows."""
        self.load()
        name = self._session.get_inputs()[0].name
        raw = [
            self._session.run(None, {name: window[np.newaxis, :]})[0][0]  # (3,): sig, bak, ovr
            for window in windows(to_dnsmos_input(audio, sample_rate))
        ]
        sig, bak, ovr = np.asarray(raw, dtype=np.float64).T  # each (W,)
        return MosScore(
            overall=float(np.mean(_POLY_OVR(ovr))),
            signal=float(np.mean(_POLY_SIG(sig))),
            background=float(np.mean(_POLY_BAK(bak))),
        )

    def close(self) -> None:
        """Release the model; `load()` brings it back."""
        self._session = None
