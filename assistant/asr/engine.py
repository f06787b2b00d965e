"""Engine selection (Vosk when a model is installed, else Whisper) and the listening loop."""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from assistant.asr import models
from assistant.asr.types import AsrError, Final, Partial, Recognizer
from assistant.asr.vad import (
    Endpointer,
    SpeechEnded,
    SpeechPaused,
    SpeechResumed,
    SpeechStarted,
)
from assistant.asr.whisper import WhisperEngine
from assistant.config import AsrConfig

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EngineChoice:
    """Which engine listens, with which model, and why (shown on screen)."""

    engine: Literal["vosk", "whisper"]
    reason: str
    model: Path | None = None

    @property
    def name(self) -> str:
        if self.engine == "whisper":
            return f"whisper tiny.en ({self.reason})"
        from assistant.asr.vosk import model_label

        assert self.model is not None
        return f"vosk ({model_label(self.model)})"


def choose_engine(cfg: AsrConfig) -> EngineChoice:
    """Apply asr.engine: 'auto' prefers Vosk (configured, or installed in the data dir)."""
    from assistant.asr.vosk import model_problem

    configured = Path(cfg.vosk_model).expanduser() if cfg.vosk_model else None
    model = configured or models.model_path("vosk-en")
    problem = model_problem(model)
    if cfg.engine == "whisper":
        return EngineChoice("whisper", "asr.engine = whisper")
    if cfg.engine == "vosk":
        if problem:
            raise AsrError(
                f"asr.engine = vosk, but the Vosk model folder {model} {problem}; "
                "run 'assistant models fetch vosk-en', set asr.vosk_model, or use asr.engine = auto"
            )
        return EngineChoice("vosk", "asr.engine = vosk", model)
    if not problem:
        return EngineChoice("vosk", "asr.vosk_model" if configured else "installed", model)
    if configured:
        reason = f"offline fallback: asr.vosk_model {configured} {problem}"
    else:
        reason = "offline fallback: no Vosk model installed; 'assistant models fetch vosk-en'"
    return EngineChoice("whisper", reason)


def create_recognizer(cfg: AsrConfig, words: bool = False) -> Recognizer:
    """The recogniser asr.engine asks for (not loaded yet: `start()` loads it)."""
    choice = choose_engine(cfg)
    if choice.engine == "whisper":
        log.info("speech recognition: %s", choice.name)
        return WhisperEngine(choice.reason)
    from assistant.asr.vosk import VoskRecognizer

    assert choice.model is not None
    log.info("speech recognition: %s (%s)", choice.name, choice.reason)
    return VoskRecognizer(choice.model, words=words)


@dataclass(frozen=True)
class Tentative:
    """What the open turn said up to a pause that may end it (after SpeechPaused): a guess
    that the turn's Final will confirm (same text) or not (different text, or SpeechResumed)."""

    text: str


ListenEvent = (
    SpeechStarted | SpeechPaused | SpeechResumed | SpeechEnded | Partial | Tentative | Final
)


class Listener:
    """Microphone blocks in; turn events, partial text and one Final per turn out.

    The endpointer decides where turns start and end; the recogniser hears each turn from
    `preroll_s` before the start the endpointer reports (which can lie well before the moment it
    decided: a first word, then a softer stretch), so first syllables are not cut off.
    Vosk may settle parts of a long turn early; they are joined into the turn's one Final.
    At a pause that may end the turn (SpeechPaused) the text so far comes as a Tentative: the
    latest partial, or what a recogniser with `peek()` (Whisper) makes of the turn so far; its
    words tell the endpointer how long this pause must last to end the turn. When
    the turn then ends with nothing but silence after the pause, that decode is its Final (the
    silence is not decoded again). A recogniser with `peek()` and no partials of its own
    (Whisper) is also asked for a running guess every `guess_every_s` of voiced audio, shown as a
    Partial while the user speaks (0 turns that off).
    """

    def __init__(
        self,
        endpointer: Endpointer,
        recognizer: Recognizer,
        preroll_s: float = 0.3,
        guess_every_s: float = 1.5,
    ) -> None:
        self.endpointer, self.recognizer = endpointer, recognizer
        self.preroll_s = preroll_s
        self.guess_every_s = guess_every_s
        self._unguessed = 0  # samples of the turn heard since the last running guess
        self.lookback_s = 2.0  # the furthest back a reported start is heard from
        self.sample_rate = 0
        self._recent: deque[np.ndarray] = deque()
        self._recent_samples = 0
        self._settled: list[Final] = []  # parts of the current turn already final
        self._partial = ""  # the turn's latest partial text
        self._peeked: str | None = None  # the turn decoded at the current pause, if it was

    def start(self, sample_rate: int) -> None:
        """Load the VAD and the recogniser's model."""
        self.sample_rate = sample_rate
        self.endpointer.start(sample_rate)
        self.recognizer.start(sample_rate)
        self._recent.clear()
        self._recent_samples = 0

    def feed(self, block: np.ndarray) -> list[ListenEvent]:
        """Consume one microphone block; the events it produced, in order."""
        out: list[ListenEvent] = []
        heard = False
        for event in self.endpointer.feed(block):
            if isinstance(event, SpeechStarted):
                out.append(event)
                # seconds of audio before this block that belong to the turn, pre-roll included
                back = self.endpointer.time - event.at + self.preroll_s - len(block) / self.rate
                self._open_turn(back)
                continue
            if isinstance(event, SpeechResumed):
                self._peeked = None
                out.append(event)
                continue
            if not heard:  # the block's audio belongs to the turn that pauses or ends
                out.extend(self._hear(block))
                heard = True
            if isinstance(event, SpeechPaused):
                out += [event, *self._tentative()]
            else:
                out += [event, self._close_turn()]
        if not heard:
            if self.endpointer.in_speech:
                out.extend(self._hear(block))
            else:
                self._remember(block)
        return out

    def press(self) -> list[ListenEvent]:
        """Push-to-talk: start a turn now (the pre-roll is not used)."""
        event = self.endpointer.press()
        if event is None:
            return []
        self._recent.clear()
        self._recent_samples = 0
        self._open_turn(0.0)
        return [event]

    def release(self) -> list[ListenEvent]:
        """Push-to-talk: end the turn now and transcribe it."""
        event = self.endpointer.release()
        return [] if event is None else [event, self._close_turn()]

    def _open_turn(self, back_s: float) -> None:
        """Start hearing a turn with the last `back_s` seconds of remembered audio."""
        self.recognizer.reset()
        self._settled, self._partial, self._peeked = [], "", None
        self._unguessed = 0
        skip = self._recent_samples - round(max(back_s, 0.0) * self.rate)
        preroll = list(self._recent)
        self._recent.clear()
        self._recent_samples = 0
        for old in preroll:
            if skip < len(old):
                self._hear(old[max(skip, 0) :])
            skip -= len(old)

    def _hear(self, block: np.ndarray) -> list[ListenEvent]:
        result = self.recognizer.accept(block)
        if self.endpointer.probability >= self.endpointer.threshold:  # voiced: worth a new guess
            self._unguessed += len(block)
        if isinstance(result, Final):
            self._settled.append(result)
            self._partial, self._peeked = _joined(self._settled), None
        elif isinstance(result, Partial):
            self._partial = _joined([*self._settled, Final(result.text)])
        else:
            peek = self._peek
            if peek is None or not self._guess_due():
                return []
            guess = _joined([*self._settled, Final(peek().text)])
            if not guess or guess == self._partial:
                return []
            self._partial = guess
        self._unguessed = 0
        return [Partial(self._partial)]

    @property
    def _peek(self) -> Callable[[], Partial] | None:
        return getattr(self.recognizer, "peek", None)

    def _guess_due(self) -> bool:
        """Time for a running guess: mid-turn, after enough new speech."""
        every = self.guess_every_s * self.rate
        return every > 0 and self._unguessed >= every and self.endpointer.in_speech

    def _tentative(self) -> list[ListenEvent]:
        """The turn's text so far, at a pause that may end it (none if nothing was heard)."""
        peek = self._peek
        if peek is None:
            text = self._partial
        else:
            text = self._peeked = _joined([*self._settled, Final(peek().text)])
        self.endpointer.heard_words(text)
        return [Tentative(text)] if text else []

    def _close_turn(self) -> Final:
        peeked, self._peeked = self._peeked, None
        if peeked is not None:  # decoded at this pause, and only silence came since
            self.recognizer.reset()
            parts = self._settled
        else:
            parts = [*self._settled, self.recognizer.finish()]
        self._settled, self._partial = [], ""
        words = tuple(w for part in parts for w in part.words)
        return Final(peeked if peeked is not None else _joined(parts), words)

    def _remember(self, block: np.ndarray) -> None:
        self._recent.append(block)
        self._recent_samples += len(block)
        keep = (self.preroll_s + self.lookback_s) * self.rate
        while self._recent and self._recent_samples - len(self._recent[0]) >= keep:
            self._recent_samples -= len(self._recent.popleft())

    @property
    def rate(self) -> int:
        return max(self.sample_rate, 1)

    def close(self) -> None:
        self.recognizer.close()
        self.endpointer.close()


def _joined(parts: list[Final]) -> str:
    return " ".join(part.text for part in parts if part.text)
