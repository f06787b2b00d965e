"""A voice is a folder: voice.json + model.safetensors + MODEL_CARD.md. Load it and speak."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from assistant import EMOTIONS, paths
from assistant.tts import features, text
from assistant.tts.fast_vocoder import FastVocoder, FastVocoderError
from assistant.tts.model import AcousticModel, ModelConfig
from assistant.tts.phonemes import BOUNDARY, PAD, PITCHED, PUNCTUATION
from assistant.tts.rate import check_rate
from assistant.tts.vocoder import Vocoder, VocoderError

log = logging.getLogger(__name__)

SENTENCE_PAUSE = 0.25  # seconds of silence after each sentence
OWN_VOCODER = "vocoder"  # a voice folder's own fast vocoder (fine-tuned for its speaker), if any
FIRST_PIECE_S = 0.5  # a reply's first sentence starts playing after this much is vocoded
_NOT_SPOKEN = frozenset((PAD, BOUNDARY, *PUNCTUATION))


class VoiceError(RuntimeError):
    """A voice folder is missing, incomplete or corrupt; the message names the file."""


def _checked(rate: float) -> float:
    try:
        return check_rate(rate)
    except ValueError as e:
        raise ValueError(f"rate {rate}: {e}") from None


def symbols_digest(symbols: tuple[str, ...] | list[str]) -> str:
    return hashlib.sha256("\n".join(symbols).encode("utf-8")).hexdigest()[:16]


def find_voice(name_or_path: str | Path) -> Path:
    """A path to a voice folder, or a voice's name (the user's data dir, then the shipped ones)."""
    candidate = Path(name_or_path)
    if candidate.is_dir():
        return candidate
    folders = paths.voice_folders()
    if str(name_or_path) in folders:
        return folders[str(name_or_path)]
    known = ", ".join(folders) or "none"
    raise VoiceError(f"no voice '{name_or_path}' (available: {known})")


def load_weights(path: Path) -> dict[str, torch.Tensor]:
    """fp16 safetensors → fp32 state dict (no pickle involved)."""
    try:
        return {k: v.float() for k, v in load_file(str(path)).items()}
    except (SafetensorError, OSError, ValueError) as e:
        raise VoiceError(f"cannot read {path}: {e}") from None


def load_vocoder(name: str, voice_folder: Path | None = None) -> Vocoder | FastVocoder:
    """A vocoder by name: "fast" (the voice's own fast vocoder in `voice_folder`/vocoder if it
    has one, else the one shipped in assistant/vocoders/fast), a HiFi-GAN V1 one, or a folder
    holding a fast vocoder (e.g. one just exported by `scripts/train_vocoder`)."""
    if name == "fast":
        if voice_folder is not None and (voice_folder / OWN_VOCODER).is_dir():
            own = FastVocoder.load(voice_folder / OWN_VOCODER)
            own.name = f"fast-{voice_folder.name}"
            return own
        return FastVocoder.load(paths.fast_vocoder_dir())
    if "/" in name:
        return FastVocoder.load(Path(name).expanduser())
    return Vocoder.load(name)


@dataclass(frozen=True)
class VoiceInfo:
    name: str
    speaker_id: int
    vocoder: str
    sample_rate: int
    model: ModelConfig
    meta: dict[str, Any]


def read_info(folder: Path) -> VoiceInfo:
    try:
        meta = json.loads((folder / "voice.json").read_text(encoding="utf-8"))
        info = VoiceInfo(
            meta["name"],
            int(meta["speaker_id"]),
            meta["vocoder"],
            int(meta["sample_rate"]),
            ModelConfig.from_dict(meta["model"]),
            meta,
        )
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise VoiceError(f"{folder / 'voice.json'} is missing or invalid: {e}") from None
    if meta.get("symbols_digest") != symbols_digest(text.SYMBOLS):
        raise VoiceError(f"{folder.name}: made for another phoneme table; retrain or update it")
    return info


class Voice:
    """Text → speech with a chosen emotion; `stream` yields a sentence at a time."""

    def __init__(
        self, info: VoiceInfo, model: AcousticModel, vocoder: Vocoder | FastVocoder
    ) -> None:
        self.info, self.model, self.vocoder = info, model, vocoder

    @property
    def name(self) -> str:
        return self.info.name

    @property
    def sample_rate(self) -> int:
        return self.info.sample_rate

    @classmethod
    def load(cls, name_or_path: str | Path, vocoder: str | None = None) -> Voice:
        """The voice in a folder (or shipped/installed by name); `vocoder` overrides voice.json's
        ("lj" or "universal": HiFi-GAN V1; "fast": the fast vocoder)."""
        folder = find_voice(name_or_path)
        info = read_info(folder)
        model = AcousticModel(info.model)
        try:
            model.load_state_dict(load_weights(folder / "model.safetensors"))
        except RuntimeError as e:
            raise VoiceError(
                f"{folder / 'model.safetensors'} does not fit voice.json: {e}"
            ) from None
        try:
            chosen = load_vocoder(vocoder or info.vocoder, folder)
        except (VocoderError, FastVocoderError) as e:  # missing or corrupt: it cannot speak
            raise VoiceError(f"the voice {info.name} cannot load its vocoder: {e}") from None
        return cls(info, model.eval(), chosen)

    def warm_up(self) -> None:
        """Make one short sentence for nobody: each network's first call prepares its kernels
        (about 1.5 s of the acoustic model and 0.7 s of HiFi-GAN V1 on 2 cores), which the first
        reply would otherwise wait for. Its audio is made twice: a first call is no measure of
        the vocoder's pace, the second is, so the first reply's pieces are sized to it rather
        than to a guess (with V1's guess a first piece of 1.45 s of audio took 0.67 s to make;
        sized to the measured pace, 0.59 s of audio in 0.32 s)."""
        mel = self._mel("Hello there.", "neutral", 1.0, 1.0)
        assert mel is not None
        self.vocoder(mel)
        self.vocoder(mel)
        self.vocoder.pace.rtf = self.vocoder.pace.last

    def sentence_audio(
        self, sentence: str, emotion: str = "neutral", intensity: float = 1.0, rate: float = 1.0
    ) -> np.ndarray:
        """One sentence (no splitting) → float32 audio; empty if it has nothing to say."""
        mel = self._mel(sentence, emotion, intensity, rate)
        return np.zeros(0, np.float32) if mel is None else self.vocoder(mel)

    def sentence_pieces(
        self,
        sentence: str,
        emotion: str = "neutral",
        intensity: float = 1.0,
        rate: float = 1.0,
        first_s: float = FIRST_PIECE_S,
        ahead_s: float = 0.0,
    ) -> Iterator[np.ndarray]:
        """One sentence's audio in pieces that play one after another without a gap, each
        ready as soon as it is made. `ahead_s`: audio still playing before it, in which its
        first piece is made if it can be; else that piece lasts at least `first_s` seconds
        (longer when the vocoder is slow: it must cover the making of the next)."""
        mel = self._mel(sentence, emotion, intensity, rate)
        if mel is not None:
            first = max(1, round(first_s * self.sample_rate / features.HOP))
            yield from self.vocoder.pieces(mel, first, ahead_s)

    def _mel(
        self, sentence: str, emotion: str, intensity: float, rate: float
    ) -> torch.Tensor | None:
        """(80, T) log mel of one sentence, or None if it has nothing to say."""
        if emotion not in EMOTIONS:
            raise ValueError(f"unknown emotion '{emotion}' (one of {', '.join(EMOTIONS)})")
        _checked(rate)
        tokens = text.phonemize(sentence)
        if not any(t not in _NOT_SPOKEN for t in tokens):
            return None
        ids = text.symbol_ids(tokens)
        on = next(self.model.parameters()).device  # the CPU, or a GPU that makes training pairs
        pitched = torch.tensor([token in PITCHED for token in tokens], device=on)
        spoken = torch.tensor([token not in _NOT_SPOKEN for token in tokens], device=on)
        return self.model.infer(
            torch.tensor(ids, device=on),
            self.info.speaker_id,
            EMOTIONS.index(emotion),
            max(0.0, min(1.0, intensity)),
            rate,
            pitched,
            spoken,
        )

    def stream(
        self,
        content: str,
        emotion: str = "neutral",
        intensity: float = 1.0,
        rate: float = 1.0,
        whole: bool = False,
    ) -> Iterator[np.ndarray]:
        """Audio a sentence at a time (each followed by a short pause), lazily; the first
        sentence comes in pieces (`sentence_pieces`), so playing can start before it is all
        made, unless `whole`."""
        pause = np.zeros(int(SENTENCE_PAUSE * self.sample_rate / _checked(rate)), np.float32)
        started = whole
        for start, end in text.sentence_spans(content):
            sentence = content[start:end]
            if started:
                audio = self.sentence_audio(sentence, emotion, intensity, rate)
                if len(audio):
                    yield np.concatenate([audio, pause])
                continue
            pieces = self.sentence_pieces(sentence, emotion, intensity, rate)
            first = next(pieces, None)
            if first is None:
                continue
            started = True
            yield first  # before the rest of the sentence is made
            yield from pieces
            yield pause

    def synthesize(
        self,
        content: str,
        emotion: str = "neutral",
        intensity: float = 1.0,
        rate: float = 1.0,
        whole: bool = False,
    ) -> tuple[np.ndarray, int]:
        """All of `content`'s audio. `whole`: every sentence vocoded in one piece, so the same
        input gives the same samples on every run (streamed pieces follow the vocoder's
        measured pace and join the whole within 60 dB, not bit for bit)."""
        chunks = list(self.stream(content, emotion, intensity, rate, whole))
        audio = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
        return audio, self.sample_rate


def export_voice(
    model: AcousticModel,
    folder: Path,
    name: str,
    speaker_id: int,
    vocoder: str,
    extra: dict[str, Any] | None = None,
) -> Path:
    """Write fp16 weights and voice.json (MODEL_CARD.md is written separately)."""
    folder.mkdir(parents=True, exist_ok=True)
    weights = {k: v.detach().to(torch.float16).contiguous() for k, v in model.state_dict().items()}
    save_file(weights, str(folder / "model.safetensors"), metadata={"format": "pt"})
    meta = {
        "name": name,
        "speaker_id": speaker_id,
        "vocoder": vocoder,
        "sample_rate": 22050,
        "emotions": list(EMOTIONS),
        "symbols_digest": symbols_digest(text.SYMBOLS),
        "n_symbols": len(text.SYMBOLS),
        "model": model.config.to_dict(),
        **(extra or {}),
    }
    paths.atomic_write(folder / "voice.json", json.dumps(meta, indent=1).encode("utf-8"))
    return folder
