"""The Textual app: owns the chat screen, the voice settings and where typed text goes."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.events import DescendantFocus
from textual.notifications import SeverityLevel
from textual.screen import Screen

from assistant import events
from assistant.config import Config, ConfigError
from assistant.config import save as save_config
from assistant.reply.conversations import ConversationError
from assistant.reply.history import title_of
from assistant.tts.rate import MAX_RATE, MIN_RATE
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
from assistant.ui.screens.history import ConversationLibrary, HistoryChoice, HistoryScreen
from assistant.ui.screens.open_file import OpenFile
from assistant.ui.screens.reader import ReaderControl, ReaderScreen
from assistant.ui.screens.settings import FIELDS, Field, SettingsScreen
from assistant.ui.themes import HIGH_CONTRAST, theme_name
from assistant.ui.widgets.status import StatusInfo
from assistant.ui.widgets.transcript import Transcript

if TYPE_CHECKING:
    from assistant.reader.document import Document

RATE_STEP = 0.25  # of the reading rate, per key press

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
        on_user_text: Callable[[str], object] | None = None,
        on_stop_speaking: Callable[[], None] | None = None,
        on_talk_key: Callable[[], None] | None = None,
        make_reader: Callable[[Document], ReaderControl] | None = None,
        on_open_file: Callable[[Path], object] | None = None,
        voices: Sequence[str] = (),
        on_choose_voice: Callable[[str], object] | None = None,
        document_suffixes: frozenset[str] = frozenset(),
        cursor_blink: bool = True,
        hooks: SettingsHooks | None = None,
        conversations: ConversationLibrary | None = None,
        on_say_again: Callable[[str], object] | None = None,
    ) -> None:
        """`on_user_text` gets each typed message on the UI thread (hand long work to a thread);
        None echoes it back. `make_reader` gives the reader of an opened document, `on_open_file`
        opens one (it answers with a DocumentOpened event or a notice). `cursor_blink=False`
        makes screenshots deterministic. `conversations` lists and reopens past conversations;
        `on_say_again` speaks a reply of the transcript again."""
        super().__init__()
        self.config = config
        self.audio = audio
        self.speech_engine = speech_engine
        self._on_user_text = on_user_text
        self._on_stop_speaking = on_stop_speaking
        self._on_talk_key = on_talk_key
        self._make_reader, self._on_open_file = make_reader, on_open_file
        self.voices, self._on_choose_voice = tuple(voices), on_choose_voice
        self.document_suffixes = document_suffixes
        self.reader: ReaderScreen | None = None
        self._cursor_blink = cursor_blink
        self._chat: ChatScreen | None = None
        self.hooks = hooks or SettingsHooks()
        self.conversations, self._on_say_again = conversations, on_say_again
        self.register_theme(HIGH_CONTRAST)
        self.theme = theme_name(config.ui.theme)

    def get_default_screen(self) -> Screen[None]:
        status = StatusInfo.of(self.config.voice, self.audio, self.speech_engine)
        self._chat = ChatScreen(status, self.audio, cursor_blink=self._cursor_blink)
        return self._chat

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
        self._save()
        if self.reader is not None:
            self.reader.reader.restyled()

    def set_voice(self, name: str) -> None:
        """Another voice speaks from now on: show it and keep it in the settings."""
        self.config = self.config.replace("voice", voice=name)
        self.chat.status_bar.set_info(voice=name)
        self._save()

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
        if self._on_user_text is None:
            self.add_assistant_text(f"(echo) {message.text}")
            return
        self.chat.listening.set_thinking(True)
        try:
            self._on_user_text(message.text)
        except Exception:
            log.exception("the handler of typed text failed")
            self.chat.listening.set_thinking(False)
            self.add_note("Something went wrong handling that message (see the log).")

    def on_talk_key_pressed(self, message: TalkKeyPressed) -> None:
        if self._on_talk_key is None:
            self.notify("Not listening: type your message.", timeout=3)
        else:
            self._on_talk_key()

    def on_emotion_chosen(self, message: EmotionChosen) -> None:
        self.set_emotion(message.emotion, message.intensity)

    def on_stop_speaking(self, message: StopSpeaking) -> None:
        if self._on_stop_speaking is None:
            self.notify("Nothing is being spoken.", timeout=3)
        else:
            self._on_stop_speaking()

    def action_pick_emotion(self) -> None:
        voice = self.config.voice

        def chosen(result: tuple[str, float] | None) -> None:
            if result is not None:
                self.post_message(EmotionChosen(*result))

        self.push_screen(EmotionPicker(voice.emotion, voice.intensity), callback=chosen)

    def open_reader(self, document: Document) -> None:
        """Show the reader for `document` and start reading at its saved place."""
        if self._make_reader is None:
            self.add_note(f"Cannot read {document.title} here.")
            return
        if self.reader is not None:
            self.reader.reader.pause()
            self.reader.dismiss(None)
        control = self._make_reader(document)
        self.reader = ReaderScreen(control)

        def closed(_: None) -> None:
            self.reader = None

        self.push_screen(self.reader, callback=closed)
        control.play()

    def action_open_file(self) -> None:
        def chosen(path: Path | None) -> None:
            if path is not None and self._on_open_file is not None:
                self._on_open_file(path)

        if self._on_open_file is None:
            self.notify("Opening documents is not available here.", timeout=3)
            return
        self.push_screen(OpenFile(Path.cwd(), self.document_suffixes), callback=chosen)

    def on_reader_rate_stepped(self, message: ReaderRateStepped) -> None:
        rate = self.config.reader.rate + message.steps * RATE_STEP
        rate = round(min(MAX_RATE, max(MIN_RATE, rate)), 2)
        self.config = self.config.replace("reader", rate=rate)
        self._save()
        self.notify(f"Reading rate {rate:g}×", timeout=2)
        if self.reader is not None:
            self.reader.reader.restyled()
            self.reader.show_at(self.reader.reader.index, self.reader.reader.playing)

    def on_voice_cycled(self, message: VoiceCycled) -> None:
        if not self.voices or self._on_choose_voice is None:
            self.notify("No other voice to choose.", timeout=3)
            return
        current = self.config.voice.voice
        after = self.voices.index(current) + 1 if current in self.voices else 0
        following = self.voices[after % len(self.voices)]
        self.notify(f"Loading the {following} voice…", timeout=2)
        self._on_choose_voice(following)

    def _save(self) -> None:
        try:
            save_config(self.config)
        except ConfigError as e:  # in effect now, not kept for the next start
            log.warning("could not save the config: %s", e)
            self.notify(f"Could not save the settings: {e}", severity="error", markup=False)

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
        if self.conversations is None:
            self.notify("Past conversations are not available here.", timeout=3)
        elif not isinstance(self.screen, HistoryScreen):
            self.push_screen(HistoryScreen(self.conversations), callback=self.show_conversation)

    def action_new_conversation(self) -> None:
        if self.conversations is None:
            self.notify("Past conversations are not available here.", timeout=3)
        self.show_conversation(HistoryChoice("new"))

    def show_conversation(self, choice: HistoryChoice | None) -> None:
        """Continue the chosen conversation (its turns in the transcript), or a new one."""
        library = self.conversations
        if choice is None or library is None:
            return
        if self._on_stop_speaking is not None:
            self._on_stop_speaking()  # the reply being said belongs to the other conversation
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
        if self._on_say_again is None:
            self.notify("Saying a reply again is not available here.", timeout=3)
            return
        self.chat.transcript.speaking = message.turn
        self._on_say_again(message.text)

    # Settings (Ctrl+S) and self-voicing.

    def action_settings(self) -> None:
        if isinstance(self.screen, SettingsScreen):
            return
        inputs, outputs = self.hooks.device_names() if self.hooks.device_names else ((), ())

        def chosen(cfg: Config | None) -> None:
            if cfg is not None:
                self.apply_settings(cfg)

        screen = SettingsScreen(
            self.config,
            inputs=inputs,
            outputs=outputs,
            voices=self.voices,
            on_test_tone=self.hooks.test_tone,
        )
        self.push_screen(screen, callback=chosen)

    def apply_settings(self, cfg: Config) -> None:
        """Use `cfg` from now on where that is safe, save it, and say what waits for a restart."""
        old, self.config = self.config, cfg
        later = [f.label for f in FIELDS if not f.live and _get(old, f) != _get(cfg, f)]
        self._save()
        voice = cfg.voice
        self.chat.status_bar.set_info(emotion=voice.emotion, intensity=voice.intensity)
        if voice.voice != old.voice.voice and self._on_choose_voice is not None:
            self._on_choose_voice(voice.voice)
        if cfg.audio != old.audio and self.hooks.audio_changed is not None:
            self.hooks.audio_changed(cfg.audio)
        self.theme = theme_name(cfg.ui.theme)
        if self.reader is not None:
            self.reader.reader.restyled()
        said = "Settings saved and applied."
        if later:
            said += f" At the next start: {', '.join(later)}."
        self.add_note(said)
        self.announce(said)

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


def _get(cfg: Config, field: Field) -> object:
    return getattr(getattr(cfg, field.section), field.key)
