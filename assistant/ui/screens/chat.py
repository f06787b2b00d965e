"""The chat screen: notice, transcript, what is heard, text input, latency panel, status bar."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Header, Input

from assistant import events
from assistant.ui.messages import AudioInfo, StopSpeaking, TalkKeyPressed, UserTextSubmitted
from assistant.ui.widgets.latency import LatencyPanel, first_audio_summary
from assistant.ui.widgets.listening import ListeningBar
from assistant.ui.widgets.status import AudioNotice, StatusBar, StatusInfo
from assistant.ui.widgets.transcript import Transcript


class ChatScreen(Screen[None]):
    """Typed messages always work here, whether or not there is a microphone."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # ctrl+e would clash with Input's "end of line", so F2 alone opens the picker.
        Binding("f2", "app.pick_emotion", "Emotion"),
        Binding("f3", "talk", "Talk"),
        Binding("f4", "toggle_latency", "Latency", show=False),  # in F1 and Ctrl+P
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
        yield LatencyPanel(id="latency")
        yield ListeningBar(id="listening")
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

    @property
    def listening(self) -> ListeningBar:
        return self.query_one(ListeningBar)

    @property
    def latency(self) -> LatencyPanel:
        return self.query_one(LatencyPanel)

    def follow(self, event: events.PipelineEvent) -> None:
        """What the listening bar, the latency panel and the reply's highlight make of an event
        (the transcript is the app's)."""
        if not self.query(ListeningBar):
            return  # before the screen is composed or after it is gone (the app is closing)
        bar = self.listening
        match event:
            case events.Listening():
                bar.set_listening(True)
            case events.AudioChanged(input_name=None):
                bar.set_listening(False)
            case events.MicLevel(rms_db):
                bar.set_level(rms_db)
            case events.HearingSpeech(active):
                bar.set_hearing(active)
            case events.HeardPartial(text):
                bar.set_partial(text)
            case events.HeardFinal():
                bar.set_thinking(True)
            case events.Speaking(active):
                bar.set_speaking(active)
                if not active:
                    self.transcript.mark_spoken(None)
            case events.SpeakingSentence(text):
                self.transcript.mark_spoken(text)
            case events.ReplyDone() | events.NoReply():
                bar.set_thinking(False)
                self.transcript.mark_spoken(None)
                if isinstance(event, events.ReplyDone):
                    self.transcript.said(event.text)  # a reply said again is over
            case events.TurnLatency() as latency:
                self.latency.add(latency)
                self.status_bar.set_info(latency=first_audio_summary(self.latency.turns))

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

    def action_toggle_latency(self) -> None:
        self.latency.toggle()
