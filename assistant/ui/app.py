"""The Textual app: owns the chat screen, the voice settings and where typed text goes."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.events import DescendantFocus
from textual.notifications import SeverityLevel
from textual.screen import Screen

from assistant import events
from assistant.config import Config
from assistant.reply.conversations import ConversationError
from assistant.reply.history import title_of
from assistant.ui import app_settings
from assistant.ui.access import SettingsHooks, focus_name, plain_text
from assistant.ui.commands import AssistantCommands
from assistant.ui.messages import (
    AudioInfo,
    EmotionChosen,
    PipelineEventPosted,
    ReaderRateStepped,
    StopSpeaking,
    TalkKeyPressed,
    UserTextSubmitted,
    VoiceCycled,
)
from assistant.ui.screens.chat import ChatScreen
from assistant.ui.screens.emotion import EmotionPicker
from assistant.ui.screens.help import HelpScreen
from assistant.ui.screens.history import HistoryChoice, HistoryScreen
from assistant.ui.screens.open_file import OpenFile
from assistant.ui.screens.reader import ReaderScreen
from assistant.ui.screens.settings import SettingsScreen
from assistant.ui.themes import HIGH_CONTRAST, theme_name
from assistant.ui.widgets.status import StatusInfo
from assistant.ui.widgets.transcript import Transcript
from assistant.ui.wiring import Wiring

if TYPE_CHECKING:
    from assistant.reader.document import Document

log = logging.getLogger(__name__)


class AssistantApp(App[None]):
    """The chat shell.

    Pipeline threads must not touch widgets: they call the `add_*`/`set_*` methods through
    `app.call_from_thread(app.add_user_text, text)`, which runs them on the UI thread.
    """

    TITLE = "assistant"
    SUB_TITLE = "offline voice assistant"
    CSS_PATH = "assistant.tcss"
    COMMANDS = App.COMMANDS | {AssistantCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "help", "Help"),
        Binding("ctrl+o", "open_file", "Open document"),
        # Not Ctrl+H: most terminals send it for Backspace.
        Binding("f6", "history", "Conversations", show=False),
        Binding("ctrl+s,f5", "settings", "Settings"),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    def __init__(
        self,
        config: Config,
        audio: AudioInfo,
        speech_engine: str = "none",
        *,
        wiring: Wiring | None = None,
        document_suffixes: frozenset[str] = frozenset(),
        cursor_blink: bool = True,
    ) -> None:
        """`wiring` connects the app to the parts (None: nothing is, and typed text is echoed
        back). The open dialog offers `document_suffixes`; `cursor_blink=False` makes
        screenshots deterministic."""
        super().__init__()
        self.config = config
        self.audio = audio
        self.speech_engine = speech_engine
        self.wiring = wiring or Wiring()
        self.document_suffixes = document_suffixes
        self.reader: ReaderScreen | None = None
        self._cursor_blink = cursor_blink
        self._chat: ChatScreen | None = None
        self.register_theme(HIGH_CONTRAST)
        self.theme = theme_name(config.ui.theme)

    def get_default_screen(self) -> Screen[None]:
        status = StatusInfo.of(self.config.voice, self.audio, self.speech_engine)
        self._chat = ChatScreen(status, self.audio, cursor_blink=self._cursor_blink)
        return self._chat

    @property
    def hooks(self) -> SettingsHooks:
        """What the settings and self-voicing may use of the parts (none without wiring)."""
        return self.wiring.hooks or SettingsHooks()

    @property
    def chat(self) -> ChatScreen:
        """The chat screen (also while a dialog is open on top of it)."""
        if self._chat is None:
            raise RuntimeError("the app is not running")
        return self._chat

    # Called by the pipeline (through call_from_thread) or by the shell itself.

    def add_user_text(self, text: str) -> None:
        """Show what the user said or typed as a new turn."""
        self.chat.transcript.add_turn("user", text)

    def add_assistant_text(self, text: str) -> None:
        """Start a new assistant turn."""
        self.chat.transcript.add_turn("assistant", text)

    def append_assistant_text(self, chunk: str) -> None:
        """Extend the assistant's current turn with streamed tokens (starts one if needed)."""
        self.chat.transcript.append_text("assistant", chunk)

    def add_note(self, text: str) -> None:
        """A line from the app itself (errors, state changes), labelled "Note:"."""
        self.chat.transcript.add_turn("note", text)

    def set_speaking(self, speaking: bool) -> None:
        self.chat.status_bar.set_info(speaking=speaking)

    def set_audio(self, audio: AudioInfo) -> None:
        """Devices changed (plugged in, server started): update the status bar and notice."""
        self.audio = audio
        self.chat.status_bar.set_info(mic=audio.input_name, speaker=audio.output_name)
        self.chat.notice.set_audio(audio)

    def set_speech_engine(self, name: str) -> None:
        self.speech_engine = name
        self.chat.status_bar.set_info(speech=name)

    def set_emotion(self, emotion: str, intensity: float) -> None:
        """Use a new emotion from now on, show it, and save it in the config file."""
        self.config = self.config.replace("voice", emotion=emotion, intensity=intensity)
        self.chat.status_bar.set_info(emotion=emotion, intensity=intensity)
        app_settings.save(self)
        if self.reader is not None:
            self.reader.reader.restyled()

    def set_voice(self, name: str) -> None:
        """Another voice speaks from now on: show it and keep it in the settings."""
        self.config = self.config.replace("voice", voice=name)
        self.chat.status_bar.set_info(voice=name)
        app_settings.save(self)

    def post_event(self, event: events.PipelineEvent) -> None:
        """Hand a pipeline event to the UI thread; safe from any thread, never blocks."""
        self.post_message(PipelineEventPosted(event))

    def show_event(self, event: events.PipelineEvent) -> None:
        """Turn a pipeline event into what the screen shows."""
        self.chat.follow(event)  # the listening bar, the latency panel, the spoken sentence
        match event:
            case events.ReplyPiece(text):
                self.append_assistant_text(text)
            case events.HeardFinal(text):
                self.add_user_text(text)
            case events.Speaking(active):
                self.set_speaking(active)
            case events.Notice(text):
                self.add_note(text)
                self.announce(text)
                if self.reader is not None:  # the chat is hidden behind the reader
                    self.notify(text, timeout=8, markup=False)
            case events.EmotionChanged(emotion, intensity):
                self.set_emotion(emotion, intensity)
            case events.VoiceChanged(name):
                self.set_voice(name)
            case events.DocumentOpened(document):
                self.open_reader(document)
            case events.ReadingAt(index, playing) if self.reader is not None:
                self.reader.show_at(index, playing)
            case events.Listening(engine):
                self.set_speech_engine(engine)
            case events.AudioChanged() as audio:
                self.set_audio(audio)
            case events.MicLevel(rms_db) if isinstance(self.screen, SettingsScreen):
                self.screen.set_level(rms_db)
            case events.MicLevel() | events.HeardPartial() | events.SpeakingSentence():
                pass  # many a second (the chat screen shows them, and latencies)
            case _:  # the ends of replies and of speech: the log has them
                log.debug("pipeline: %s", event)

    # Messages and actions.

    def on_pipeline_event_posted(self, message: PipelineEventPosted) -> None:
        self.show_event(message.event)

    def on_user_text_submitted(self, message: UserTextSubmitted) -> None:
        self.add_user_text(message.text)
        on_user_text = self.wiring.on_user_text
        if on_user_text is None:
            self.add_assistant_text(f"(echo) {message.text}")
            return
        self.chat.listening.set_thinking(True)
        try:
            on_user_text(message.text)
        except Exception:
            log.exception("the handler of typed text failed")
            self.chat.listening.set_thinking(False)
            self.add_note("Something went wrong handling that message (see the log).")

    def on_talk_key_pressed(self, message: TalkKeyPressed) -> None:
        if self.wiring.on_talk_key is None:
            self.notify("Not listening: type your message.", timeout=3)
        else:
            self.wiring.on_talk_key()

    def on_emotion_chosen(self, message: EmotionChosen) -> None:
        self.set_emotion(message.emotion, message.intensity)

    def on_stop_speaking(self, message: StopSpeaking) -> None:
        if self.wiring.on_stop_speaking is None:
            self.notify("Nothing is being spoken.", timeout=3)
        else:
            self.wiring.on_stop_speaking()

    def action_pick_emotion(self) -> None:
        voice = self.config.voice

        def chosen(result: tuple[str, float] | None) -> None:
            if result is not None:
                self.post_message(EmotionChosen(*result))

        self.push_screen(EmotionPicker(voice.emotion, voice.intensity), callback=chosen)

    def open_reader(self, document: Document) -> None:
        """Show the reader for `document` and start reading at its saved place."""
        make_reader = self.wiring.make_reader
        if make_reader is None:
            self.add_note(f"Cannot read {document.title} here.")
            return
        if self.reader is not None:
            self.reader.reader.pause()
            self.reader.dismiss(None)
        control = make_reader(document)
        self.reader = ReaderScreen(control)

        def closed(_: None) -> None:
            self.reader = None

        self.push_screen(self.reader, callback=closed)
        control.play()

    def action_open_file(self) -> None:
        on_open_file = self.wiring.on_open_file

        def chosen(path: Path | None) -> None:
            if path is not None and on_open_file is not None:
                on_open_file(path)

        if on_open_file is None:
            self.notify("Opening documents is not available here.", timeout=3)
            return
        self.push_screen(OpenFile(Path.cwd(), self.document_suffixes), callback=chosen)

    def on_reader_rate_stepped(self, message: ReaderRateStepped) -> None:
        app_settings.step_rate(self, message.steps)

    def on_voice_cycled(self, message: VoiceCycled) -> None:
        voices, choose = self.wiring.voices, self.wiring.on_choose_voice
        if not voices or choose is None:
            self.notify("No other voice to choose.", timeout=3)
            return
        current = self.config.voice.voice
        after = voices.index(current) + 1 if current in voices else 0
        following = voices[after % len(voices)]
        self.notify(f"Loading the {following} voice…", timeout=2)
        choose(following)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    # The chat screen's keys, for the command palette (they work behind the reader too).

    def action_talk(self) -> None:
        self.post_message(TalkKeyPressed())

    def action_stop_speaking(self) -> None:
        self.post_message(StopSpeaking())

    def action_next_voice(self) -> None:
        self.post_message(VoiceCycled())

    def action_toggle_latency(self) -> None:
        self.chat.latency.toggle()

    # Conversations (F6) and replies said again.

    def action_history(self) -> None:
        if self.wiring.conversations is None:
            self.notify("Past conversations are not available here.", timeout=3)
        elif not isinstance(self.screen, HistoryScreen):
            library = self.wiring.conversations
            self.push_screen(HistoryScreen(library), callback=self.show_conversation)

    def action_new_conversation(self) -> None:
        if self.wiring.conversations is None:
            self.notify("Past conversations are not available here.", timeout=3)
        self.show_conversation(HistoryChoice("new"))

    def show_conversation(self, choice: HistoryChoice | None) -> None:
        """Continue the chosen conversation (its turns in the transcript), or a new one."""
        library = self.wiring.conversations
        if choice is None or library is None:
            return
        if self.wiring.on_stop_speaking is not None:
            self.wiring.on_stop_speaking()  # the reply being said belongs to the other conversation
        try:
            turns = library.open(choice.conversation_id) if choice.action == "open" else ()
            if choice.action == "new":
                library.new()
        except ConversationError as e:
            self.notify(str(e), severity="error", timeout=8, markup=False)
            return
        hidden = self.chat.transcript.show_conversation([(t.user, t.assistant) for t in turns])
        said = "A new conversation."
        if turns:
            said = f"Reopened “{title_of(turns[0].user)}”: {len(turns)} turns; go on."
        if hidden:
            said += f" The {hidden} earliest are in its export (F6, then E)."
        self.add_note(said)
        self.announce(said)

    def action_choose_reply(self) -> None:
        """Move to the transcript with its last reply chosen (Enter then says it again)."""
        self.chat.transcript.focus()
        if self.chat.transcript.choose_reply(0) is None:
            self.notify("No reply to say again yet.", timeout=3)

    def on_transcript_chosen(self, message: Transcript.Chosen) -> None:
        self.announce(f"Reply {message.number} of {message.count}; Enter says it again.")

    def on_transcript_say_again(self, message: Transcript.SayAgain) -> None:
        if self.wiring.on_say_again is None:
            self.notify("Saying a reply again is not available here.", timeout=3)
            return
        self.chat.transcript.speaking = message.turn
        self.wiring.on_say_again(message.text)

    # Settings (Ctrl+S) and self-voicing.

    def action_settings(self) -> None:
        app_settings.open_dialog(self)

    def apply_settings(self, cfg: Config) -> None:
        """Use `cfg` from now on where that is safe, save it, and say what waits for a restart."""
        app_settings.apply(self, cfg)

    def announce(self, text: str) -> None:
        """Say `text` in the user's voice when self-voicing is on."""
        if self.config.ui.self_voicing and self.hooks.announce is not None:
            self.hooks.announce(text)

    def on_descendant_focus(self, event: DescendantFocus) -> None:
        self.announce(focus_name(event.widget))

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """A toast, also said when self-voicing is on."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)
        if self.config.ui.self_voicing:
            self.announce(plain_text(message) if markup else message)
