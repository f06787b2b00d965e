"""How a document is said: each sentence's words, voice, emotion, rate and the pause after it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from assistant.conversation.speaking import Synthesizer
from assistant.reader.document import Document, pause_after, speakable
from assistant.tts.voice import SENTENCE_PAUSE

CHARS_PER_SECOND = 14.0  # at rate 1, pauses included (measured: lj 13.6, joe 16.2) for "time left"


@dataclass(frozen=True)
class Part:
    """A stretch of a sentence said one way (a whole sentence, or the quoted speech in it)."""

    text: str
    emotion: str = "neutral"
    other_voice: bool = False  # said by the narration's second voice (quoted speech)


Plan = Callable[[int], list[Part]]  # sentence index → its parts (expressive reading)


@dataclass(frozen=True)
class Style:
    """The listener's choices; read before each sentence, so a change applies from the next."""

    emotion: str = "neutral"
    intensity: float = 1.0
    rate: float = 1.0  # 0.5 to 3
    read_notes: bool = False  # also say footnote markers and web addresses


class Narration:
    """Renders sentence `index` of `doc` as audio: speech then the pause that follows it.

    `plan` (expressive reading) may split a sentence into parts with their own emotion and
    voice; without it each sentence is one part in the style's emotion.
    """

    def __init__(
        self,
        doc: Document,
        voice: Synthesizer,
        style: Style = Style(),
        plan: Plan | None = None,
        other_voice: Synthesizer | None = None,
    ) -> None:
        self.doc, self.voice, self.style = doc, voice, style
        self.plan, self.other_voice = plan, other_voice

    @property
    def sample_rate(self) -> int:
        return self.voice.sample_rate

    def parts(self, index: int) -> list[Part]:
        if self.plan is not None:
            return self.plan(index)
        return [Part(self.doc.sentence_text(index), self.style.emotion)]

    def speech(self, index: int) -> np.ndarray:
        """The sentence's speech alone (float32 at `sample_rate`); empty if nothing is said."""
        style = self.style
        pieces = []
        for part in self.parts(index):
            words = speakable(part.text, style.read_notes)
            if not any(ch.isalnum() for ch in words):
                continue
            voice = self.other_voice if part.other_voice and self.other_voice else self.voice
            emotion = part.emotion if self.plan is not None else style.emotion
            audio = voice.sentence_audio(words, emotion, style.intensity, style.rate)
            pieces.append(np.asarray(audio, np.float32))
        return np.concatenate(pieces) if pieces else np.zeros(0, np.float32)

    def pause(self, index: int) -> np.ndarray:
        """Silence after the sentence: longer after paragraphs, headings and chapters."""
        seconds = pause_after(self.doc, index) or SENTENCE_PAUSE
        return np.zeros(int(seconds * self.sample_rate / self.style.rate), np.float32)

    def audio(self, index: int) -> np.ndarray:
        """Speech then the pause after it (empty when the sentence has nothing to say)."""
        speech = self.speech(index)
        if not len(speech):
            return speech
        return np.concatenate([speech, self.pause(index)])


def seconds_left(doc: Document, index: int, rate: float) -> float:
    """An estimate of the time to read from sentence `index` to the end at `rate`."""
    if index >= len(doc.sentences):
        return 0.0
    chars = len(doc.text) - doc.sentences[index].start
    return chars / CHARS_PER_SECOND / rate
