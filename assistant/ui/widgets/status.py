"""The status bar (devices, speech engine, voice, emotion) and the missing-device notice."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from textual.widgets import Static

from assistant.config import VoiceConfig
from assistant.ui.messages import AudioInfo


@dataclass(frozen=True)
class StatusInfo:
    """Everything the status bar shows."""

    mic: str | None  # None = no microphone
    speaker: str | None  # None = no speaker
    speech: str  # the speech-recognition engine, "none" when there is none
    voice: str
    emotion: str
    intensity: float  # 0.0 .. 1.0
    speaking: bool = False
    latency: str = ""  # "first audio p50 1.2 s / p95 2.0 s" once turns were timed

    @classmethod
    def of(cls, voice: VoiceConfig, audio: AudioInfo, speech: str) -> StatusInfo:
        """What the bar shows at start."""
        return cls(
            audio.input_name, audio.output_name, speech, voice.voice, voice.emotion, voice.intensity
        )


def status_text(info: StatusInfo) -> str:
    parts = [
        f"mic: {info.mic or 'none'}",
        f"speaker: {info.speaker or 'none'}",
        f"speech: {info.speech}",
        f"voice: {info.voice}",
        f"emotion: {info.emotion} {info.intensity:.1f}",
    ]
    if info.latency:
        parts.append(info.latency)
    if info.speaking:
        parts.append("SPEAKING (Esc stops)")
    return " · ".join(parts)


def audio_notice(audio: AudioInfo) -> str:
    """A plain-words notice for a missing device, or "" when both work."""
    reason = f" ({audio.problem})" if audio.problem else ""
    if audio.text_mode or (audio.input_name is None and audio.output_name is None):
        return (
            "Notice: no microphone and no speaker — type your messages; "
            f"replies are shown as text only{reason}"
        )
    if audio.input_name is None:
        return f"Notice: no microphone — type your messages{reason}"
    if audio.output_name is None:
        return f"Notice: no speaker — replies are shown as text only{reason}"
    return ""


class StatusBar(Static):
    """One line (wrapping if needed) of plain text; device names are never parsed as markup."""

    def __init__(self, info: StatusInfo, *, id: str | None = None) -> None:
        super().__init__(status_text(info), markup=False, id=id)
        self._info = info

    @property
    def info(self) -> StatusInfo:
        return self._info

    def set_info(self, **changes: Any) -> None:
        """Change some fields (e.g. emotion=..., intensity=...) and redraw."""
        self._info = dataclasses.replace(self._info, **changes)
        self.update(status_text(self._info))

    @property
    def text(self) -> str:
        return status_text(self._info)


class AudioNotice(Static):
    """Shown above the transcript only while a device is missing."""

    def __init__(self, audio: AudioInfo, *, id: str | None = None) -> None:
        super().__init__(markup=False, id=id)
        self.set_audio(audio)

    def set_audio(self, audio: AudioInfo) -> None:
        self.notice = audio_notice(audio)
        self.update(self.notice)
        self.display = bool(self.notice)
