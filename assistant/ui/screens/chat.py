"""The chat screen: notice, transcript, text input and status bar."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Header, Input

from assistant.ui.messages import AudioInfo, StopSpeaking, TalkKeyPressed, UserTextSubmitted
from assistant.ui.widgets.status import AudioNotice, StatusBar, StatusInfo
from assistant.ui.widgets.transcript import Transcript


class ChatScreen(Screen[None]):
    """Typed messages always work here, whether or not there is a microphone."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # ctrl+e would clash with Input's "end of line", so F2 alone opens the picker.
        Binding("f2", "app.pick_emotion", "Emotion"),
        Binding("f3", "talk", "Talk"),
        Binding("escape", "stop_speaking", "Stop speaking"),
    ]

    def __init__(self, status: StatusInfo, audio: AudioInfo, *, cursor_blink: bool = True) -> None:
        super().__init__()
        self._status = status
        self._audio = audio
        self._cursor_blink = cursor_blink

    def compose(self) -> ComposeResult:
        yield Header()
        yield AudioNotice(self._audio, id="audio-notice")
        yield Transcript(id="transcript")
        message = Input(placeholder="Type a message and press Enter", id="message")
        message.cursor_blink = self._cursor_blink
        yield message
        yield StatusBar(self._status, id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @property
    def transcript(self) -> Transcript:
        return self.query_one(Transcript)

    @property
    def status_bar(self) -> StatusBar:
        return self.query_one(StatusBar)

    @property
    def notice(self) -> AudioNotice:
        return self.query_one(AudioNotice)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        event.input.clear()
        if text:
            self.post_message(UserTextSubmitted(text))

    def action_stop_speaking(self) -> None:
        self.post_message(StopSpeaking())

    def action_talk(self) -> None:
        self.post_message(TalkKeyPressed())
