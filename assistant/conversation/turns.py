"""One spoken reply: sentences cut from streamed text, the audio queued for them, what was heard."""

from __future__ import annotations

import queue
import re
import threading
from dataclasses import dataclass

import numpy as np

from assistant.conversation.speaking import Output, Playback
from assistant.events import TurnLatency
from assistant.reply.engine import Reply
from assistant.tts.text import sentence_spans


@dataclass(frozen=True)
class VoiceSettings:
    """What the UI chose; read before each sentence so a change applies at once."""

    voice: str = "lj"
    emotion: str = "neutral"  # one of EMOTIONS, or "auto" (per sentence)
    intensity: float = 1.0
    rate: float = 1.0


_CLAUSE_END = re.compile(r"[,;:](?=\s+\S)")  # "3,000" is no clause end: a space must follow
# words that begin a clause ("and", "or", "with", "so" join words and phrases too often)
_PHRASE_WORDS = "that|which|who|whose|because|while|when|where|although|but"
# a clause begins before one of those words, once the word after it has begun ("do that?" stays)
_PHRASE_START = re.compile(rf"\s+(?=(?:{_PHRASE_WORDS})\s+\S)", re.IGNORECASE)


class SentenceCutter:
    """Text pieces in, complete sentences out: a sentence is complete once the next one begins.

    To speak sooner, the reply's first piece may be a clause: the text up to a comma, semicolon
    or colon, or up to a word that starts a clause ("that", "which", "because" ...), once
    `first_clause_words` words have come and the next word has begun (0: never).
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
            cuts = [m.end() for m in _CLAUSE_END.finditer(rest)]
            cuts += [m.start() for m in _PHRASE_START.finditer(rest)]
            for cut in sorted(cuts):
                if len(rest[:cut].split()) >= self.first_clause_words:
                    self._done = cut
                    return [rest[:cut].strip()]
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
    """One reply being said: its sentences, and once it speaks, its playback."""

    def __init__(self, reply: Reply, timing: Timing) -> None:
        self.reply, self.timing = reply, timing
        self.sentences: queue.Queue[str | None] = queue.Queue()
        self.cancelled = threading.Event()
        self.lock = threading.Lock()  # queueing audio vs stop/pause
        self.emotion: tuple[str, float] | None = None  # set by "sound happy" for its own answer
        self.playback: Playback[str | None] | None = None  # set when a speaker says it
        self.audio: list[np.ndarray] = []  # everything queued, to resume after a pause
        self.rate = 0  # of self.audio (the first sentence's voice)
        self.sounding = False  # its first audio has been queued

    def speak_on(self, speaker: Output) -> Playback[str | None]:
        self.playback = Playback(speaker, cancelled=self.cancelled, lock=self.lock)
        return self.playback

    def heard_text(self, played_s: float) -> str:
        """The sentences whose speech was all played (items None are a sentence's first piece)."""
        if self.playback is None:
            return ""
        return " ".join(s for s in self.playback.heard(played_s) if s is not None)


def latency_summary(latencies: list[TurnLatency]) -> dict[str, dict[str, float]]:
    """p50/p95 (seconds) and count of each latency stage over `latencies`."""
    out: dict[str, dict[str, float]] = {}
    for name in TurnLatency.__dataclass_fields__:
        values = [v for t in latencies if (v := getattr(t, name)) is not None]
        if values:
            p50, p95 = np.percentile(values, [50, 95])
            out[name] = {"p50": float(p50), "p95": float(p95), "n": float(len(values))}
    return out
