"""`assistant ask`: one question answered by the app's own commands and language model."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assistant import paths
from assistant.config import Config
from assistant.reply.skills import SetEmotion, Skills

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)


class AskError(Exception):
    """The question cannot be answered (no language model, no voice): the message says why."""


@dataclass(frozen=True)
class Answer:
    text: str
    skill: str | None  # the built-in command that answered; None for the language model
    emotion: str  # to say it with
    intensity: float

    @property
    def shown(self) -> str:
        """What to print: the text, or the command that took it where it says nothing (stop)."""
        return self.text or f"({self.skill})"


def skills() -> Skills:
    """The built-in commands, knowing the installed voices (light: no model is loaded)."""
    return Skills(sorted(paths.voice_folders()))


def which_intent(text: str) -> str:
    """The command that would take `text` with its slots ("time_in place=tokyo"), or "model"."""
    result = skills().match(text)
    return "model" if result is None else result.describe()


def answer(text: str, cfg: Config) -> Answer:
    """The reply the app would give to `text`; the model loads only if no command takes it."""
    from assistant.reply.engine import ReplyEngine
    from assistant.reply.history import History
    from assistant.reply.llm import LLMError, TransformersLLM

    # as chat.build_engine, without the app's parts (fast when a command answers), and with a
    # history of its own: one question leaves the app's conversation untouched
    llm = TransformersLLM.from_config(cfg.reply)
    history = History("ask", max_turns=0)
    auto = cfg.voice.emotion == "auto"
    engine = ReplyEngine(skills(), llm, history, emotion_tags=auto, voice_fn=lambda: cfg.voice)
    try:
        if engine.skills.match(text) is None:
            try:
                engine.load()
            except LLMError as e:
                raise AskError(f"the language model is not available: {e}") from None
        reply = engine.reply(text)
        said = reply.text().strip()
    finally:
        engine.close()
    emotion, intensity = cfg.voice.emotion, cfg.voice.intensity
    if isinstance(reply.action, SetEmotion):  # said in the emotion it asked for
        emotion, intensity = reply.action.emotion, reply.action.intensity
    elif emotion == "auto":
        emotion = reply.emotion or "neutral"
    return Answer(said, reply.skill, emotion, intensity)


def speech(reply: Answer, cfg: Config) -> tuple[Iterator[np.ndarray], int]:
    """The reply in the configured voice: audio chunks and their sample rate."""
    from assistant.tts.voice import Voice, VoiceError

    try:
        voice = Voice.load(cfg.voice.voice, vocoder=cfg.voice.vocoder or None)
    except VoiceError as e:
        raise AskError(str(e)) from None
    chunks = voice.stream(reply.text, reply.emotion, reply.intensity, cfg.voice.rate)
    return chunks, voice.sample_rate
