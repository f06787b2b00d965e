"""One spoken reply: sentences cut from streamed text, the audio queued for them, what was heard."""

from __future__ import annotations

import queue
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from assistant.events import TurnLatency
from assistant.reply.engine import Reply
from assistant.tts.text import sentence_spans

HEARD_SLACK_S = 0.05  # a sentence counts as heard when its speech ended this close to the cut


@dataclass(frozen=True)
class VoiceSettings:
    """What the UI chose; read before each sentence so a change applies at once."""

    voice: str = "lj"
    emotion: str = "neutral"  # one of EMOTIONS, or "auto" (per sentence)
    intensity: float = 1.0
    rate: float = 1.0


class Synthesizer(Protocol):
    """A voice (assistant.tts.voice.Voice) or a fake."""

    @property
    def name(self) -> str: ...

    @property
    def sample_rate(self) -> int: ...

    def sentence_audio(
        self, sentence: str, emotion: str = "neutral", intensity: float = 1.0, rate: float = 1.0
    ) -> np.ndarray: ...

    def sentence_pieces(
        self, sentence: str, emotion: str = "neutral", intensity: float = 1.0, rate: float = 1.0
    ) -> Iterator[np.ndarray]: ...


class Output(Protocol):
    """A speaker (assistant.audio.devices.Speaker) or a fake."""

    def play(self, samples: np.ndarray, sample_rate: int | None = None) -> None: ...

    def stop(self) -> float: ...

    @property
    def progress(self) -> tuple[float, float]: ...

    @property
    def playing(self) -> bool: ...


_CLAUSE_END = re.compile(r"[,;:](?=\s+\S)")  # "3,000" is no clause end: a space must follow


class SentenceCutter:
    """Text pieces in, complete sentences out: a sentence is complete once the next one begins.

    To speak sooner, the reply's first piece may be a clause: the text up to a comma, semicolon
    or colon once `first_clause_words` words have come and the next word has begun (0: never).
    """

    def __init__(self, first_clause_words: int = 5) -> None:
        self.first_clause_words = first_clause_words
        self._text = ""
        self._done = 0  # characters of _text already handed out

    def feed(self, piece: str) -> list[str]:
        self._text += piece
        rest = self._text[self._done :]
        spans = sentence_spans(rest)
        if len(spans) >= 2:
            self._done += spans[-1][0]
            return [rest[start:end] for start, end in spans[:-1]]
        if self._done == 0 and self.first_clause_words > 0:
            for mark in _CLAUSE_END.finditer(rest):
                clause = rest[: mark.end()]
                if len(clause.split()) >= self.first_clause_words:
                    self._done = mark.end()
                    return [clause.strip()]
        return []

    def flush(self) -> list[str]:
        """The rest, at the end of the stream (an unfinished last sentence is spoken too)."""
        rest, self._done = self._text[self._done :], len(self._text)
        return [rest[start:end] for start, end in sentence_spans(rest)]


@dataclass
class Timing:
    """perf_counter() stamps of one turn's stages."""

    speech_end: float | None = None
    final: float = 0.0
    first_piece: float | None = None
    first_audio: float | None = None

    def latency(self) -> TurnLatency:
        def gap(a: float | None, b: float | None) -> float | None:
            return None if a is None or b is None else b - a

        start = self.speech_end if self.speech_end is not None else self.final
        return TurnLatency(
            gap(self.speech_end, self.final),
            gap(self.final, self.first_piece),
            gap(self.first_piece, self.first_audio),
            gap(start, self.first_audio),
        )


class Turn:
    """One reply being said: its sentences, the audio queued for them and where playback is."""

    def __init__(self, reply: Reply, timing: Timing) -> None:
        self.reply, self.timing = reply, timing
        self.sentences: queue.Queue[str | None] = queue.Queue()
        self.cancelled = threading.Event()
        self.lock = threading.Lock()  # queueing audio vs stop/pause
        self.emotion: tuple[str, float] | None = None  # set by "sound happy" for its own answer
        self.spoken: list[tuple[str, float]] = []  # (sentence, where its speech ends, in s)
        self.audio: list[np.ndarray] = []  # everything queued, to resume after a pause
        self.rate = 0  # of self.audio (the first sentence's voice)
        self.queued_s = 0.0
        self.offset_s = 0.0  # turn time at which the speaker's progress counts from zero
        self.paused_at: float | None = None
        self.sounding = False  # its first audio has been queued

    def played(self, speaker: Output) -> float:
        """Seconds of this turn's audio that reached the speaker."""
        if self.paused_at is not None:
            return self.paused_at
        return self.offset_s + speaker.progress[0]

    def heard_text(self, played_s: float) -> str:
        return " ".join(s for s, end in self.spoken if end <= played_s + HEARD_SLACK_S)
