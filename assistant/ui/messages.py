"""Typed Textual messages of the UI, and the audio-status shape the UI reads."""

from __future__ import annotations

from typing import Protocol

from textual.message import Message

from assistant.events import PipelineEvent


class AudioInfo(Protocol):
    """What the UI needs to know about the audio devices (matches audio.devices.AudioStatus)."""

    @property
    def input_name(self) -> str | None: ...  # None = no microphone

    @property
    def output_name(self) -> str | None: ...  # None = no speaker

    @property
    def problem(self) -> str: ...  # why a device is missing, "" when none is

    @property
    def text_mode(self) -> bool: ...  # True when neither device works


class UserTextSubmitted(Message):
    """The user typed a message and pressed Enter (already stripped, never empty)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class EmotionChosen(Message):
    """The user chose the voice's emotion and intensity (0.0 to 1.0)."""

    def __init__(self, emotion: str, intensity: float) -> None:
        super().__init__()
        self.emotion = emotion
        self.intensity = intensity


class StopSpeaking(Message):
    """The user asked the assistant to stop speaking (Escape)."""


class TalkKeyPressed(Message):
    """The user pressed the talk key: start a spoken turn, or end the open one."""


class PipelineEventPosted(Message):
    """An event of the conversation pipeline, posted from its threads (post_message is safe)."""

    def __init__(self, event: PipelineEvent) -> None:
        super().__init__()
        self.event = event


class ReaderRateStepped(Message):
    """The listener asked to read faster (+1) or slower (-1)."""

    def __init__(self, steps: int) -> None:
        super().__init__()
        self.steps = steps


class VoiceCycled(Message):
    """The listener asked for the next voice."""
