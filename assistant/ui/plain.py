"""Plain mode (`assistant --plain`): the conversation as lines of text, only ever appended.

For screen readers: no full-screen drawing, no box characters, no animation, no colour; each
turn starts with who speaks ("You:", "Assistant:", "Note:"), and a reply is written a whole
sentence at a time. Keys become typed commands (/help).
"""

from __future__ import annotations

import logging
import re
import sys
import threading
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from assistant import events
from assistant.config import Config, ConfigError
from assistant.config import save as save_config
from assistant.reply.conversations import ConversationError
from assistant.ui.screens.history import ConversationLibrary
from assistant.ui.screens.settings import FIELDS
from assistant.ui.wiring import Wiring

if TYPE_CHECKING:
    from assistant.reader.document import Document
    from assistant.reply.conversations import Summary
    from assistant.ui.messages import AudioInfo

log = logging.getLogger(__name__)

SENTENCE_END = re.compile(r"[.!?…][\"')\]]*\s+")
HELP = (
    "Type a message and press Enter. Commands:",
    "/stop  stop speaking, reading or music",
    "/talk  start or end a spoken turn (push-to-talk)",
    "/open FILE  read a document aloud (./2 for a file named 2)",
    "/history  list past conversations, numbered (newest first)",
    "/open N  continue conversation N of /history (its turns are shown)",
    "/new  begin a new conversation",
    "/export N FILE  save conversation N as Markdown",
    "/again [N]  say reply N of this conversation again (the last without N)",
    "/settings  list the settings",
    "/set SECTION.KEY VALUE  change one (e.g. /set voice.rate 1.5)",
    "/help  this list",
    "/quit  leave (Ctrl+D too)",
)


class PlainApp:
    """The app as a line-based front end; the same Wiring and events as AssistantApp."""

    def __init__(
        self,
        config: Config,
        audio: AudioInfo,
        *,
        wiring: Wiring | None = None,
        out: TextIO | None = None,
        inp: TextIO | None = None,
    ) -> None:
        """`wiring` connects it to the parts (None: typed text is echoed back); it writes to
        `out` and reads typed lines from `inp` (stdout and stdin by default)."""
        self.config, self.audio = config, audio
        self.wiring = wiring or Wiring()
        self.out, self.inp = out or sys.stdout, inp or sys.stdin
        self._listed: list[Summary] = []  # what /history numbered
        self.is_running = False
        self._reply = ""  # reply text not written yet (an unfinished sentence)
        self._replying = False  # the "Assistant:" line of this reply is written
        self._lock = threading.RLock()

    # Output: whole lines, from any thread.

    def say(self, line: str) -> None:
        with self._lock:
            self.out.write(line + "\n")
            self.out.flush()

    def note(self, text: str) -> None:
        self.say(f"Note: {text}")
        self.announce(text)

    def announce(self, text: str) -> None:
        hooks = self.wiring.hooks
        if self.config.ui.self_voicing and hooks is not None and hooks.announce:
            hooks.announce(text)

    def post_event(self, event: events.PipelineEvent) -> None:
        """Show a pipeline event; safe from any thread."""
        with self._lock:
            self.show_event(event)

    def show_event(self, event: events.PipelineEvent) -> None:
        match event:
            case events.ReplyPiece(text):
                self._reply_piece(text)
            case events.ReplyDone() | events.NoReply():
                self._end_reply()
            case events.HeardFinal(text):
                self.say(f"You: {text}")
            case events.Notice(text):
                self._end_reply()
                self.note(text)
            case events.EmotionChanged(emotion, intensity):
                self._change("voice", emotion=emotion, intensity=intensity)
                self.note(f"Emotion {emotion}, intensity {intensity:.1f}.")
            case events.VoiceChanged(name):
                self._change("voice", voice=name)
                self.note(f"The {name} voice speaks now.")
            case events.Listening(engine):
                self.note(f"Listening with {engine}.")
            case events.AudioChanged(input_name, output_name):
                mic, speaker = input_name or "none", output_name or "none"
                self.note(f"Microphone: {mic}. Speaker: {speaker}.")
            case events.DocumentOpened(document):
                self._read(document)
            case _:  # levels, partial words, latencies: many a second, not for a screen reader
                log.debug("pipeline: %s", event)

    def _reply_piece(self, text: str) -> None:
        self._reply += text
        ends = list(SENTENCE_END.finditer(self._reply))
        if ends:
            cut = ends[-1].end()
            self._write_reply(self._reply[:cut])
            self._reply = self._reply[cut:]

    def _write_reply(self, text: str) -> None:
        text = " ".join(text.split())
        if text:
            self.say(text if self._replying else f"Assistant: {text}")
            self._replying = True

    def _end_reply(self) -> None:
        self._write_reply(self._reply)
        self._reply, self._replying = "", False

    # Input: typed lines and commands.

    def run(self) -> None:
        """Read lines until /quit or the end of input."""
        self.is_running = True
        self.say("assistant, plain mode. Type a message and press Enter; /help lists commands.")
        try:
            while (line := self.inp.readline()) and self.handle(line.strip()):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            self.is_running = False
            self.say("Goodbye.")

    def handle(self, line: str) -> bool:
        """One typed line; False to quit."""
        if not line:
            return True
        if not line.startswith("/"):
            self.say(f"You: {line}")
            if self.wiring.on_user_text is None:
                self.say(f"Assistant: (echo) {line}")
            else:
                self.wiring.on_user_text(line)
            return True
        command, _, rest = line[1:].partition(" ")
        if command in ("quit", "exit", "q"):
            return False
        wiring = self.wiring
        handlers: dict[str, Callable[[str], None]] = {
            "help": self._help,
            "stop": lambda _: self._call(wiring.on_stop_speaking, "Nothing is being spoken."),
            "talk": lambda _: self._call(wiring.on_talk_key, "Not listening: type your message."),
            "open": lambda rest: (
                self._open_conversation(rest) if rest.strip().isdigit() else self._open(rest)
            ),
            "settings": lambda _: self._list_settings(),
            "set": self._set,
            "history": lambda _: self._history(),
            "new": lambda _: self._new(),
            "export": self._export,
            "again": self._again,
        }
        handlers.get(command, lambda _: self.note(f"Unknown command /{command}; see /help."))(rest)
        return True

    def _help(self, _: str) -> None:
        for line in HELP:
            self.say(line)

    def _call(self, action: Callable[[], None] | None, otherwise: str) -> None:
        if action is None:
            self.note(otherwise)
        else:
            action()

    def _open(self, path: str) -> None:
        if self.wiring.on_open_file is None or not path.strip():
            self.note("Say which file: /open FILE" if path.strip() == "" else "Cannot open here.")
            return
        self.wiring.on_open_file(Path(path.strip()).expanduser())

    def _read(self, document: Document) -> None:
        if self.wiring.make_reader is None:
            self.note(f"Cannot read {document.title} here.")
            return
        self.note(f"Reading {document.title}. /stop stops.")
        self.wiring.make_reader(document).play()

    # Conversations.

    def _library(self) -> ConversationLibrary | None:
        if self.wiring.conversations is None:
            self.note("Past conversations are not available here.")
        return self.wiring.conversations

    def _history(self) -> None:
        if (library := self._library()) is None:
            return
        self._listed = library.summaries()
        if not self._listed:
            self.say("No saved conversations yet.")
        for n, summary in enumerate(self._listed, 1):
            current = " (current)" if summary.id == library.current_id else ""
            self.say(f"{n}. {summary.label()}{current}")

    def _numbered(self, text: str, usage: str) -> Summary | None:
        if not self._listed and self.wiring.conversations is not None:
            self._listed = self.wiring.conversations.summaries()
        if not text.strip().isdigit() or not 1 <= int(text) <= len(self._listed):
            self.note(f"{usage}: N is a number from /history (1 to {len(self._listed)}).")
            return None
        return self._listed[int(text) - 1]

    def _open_conversation(self, rest: str) -> None:
        library = self._library()
        summary = self._numbered(rest, "/open N") if library is not None else None
        if library is None or summary is None:
            return
        if self.wiring.on_stop_speaking is not None:
            self.wiring.on_stop_speaking()
        try:
            turns = library.open(summary.id)
        except ConversationError as e:
            self.note(str(e))
            return
        for n, turn in enumerate(turns, 1):
            self.say(f"You: {turn.user}")
            self.say(f"Assistant (reply {n}): {turn.assistant}")
        self.note(f"Reopened {summary.title}: {len(turns)} turns; go on. /again N says one again.")

    def _new(self) -> None:
        if (library := self._library()) is None:
            return
        if self.wiring.on_stop_speaking is not None:
            self.wiring.on_stop_speaking()
        library.new()
        self._listed = []
        self.note("A new conversation.")

    def _export(self, rest: str) -> None:
        number, _, file = rest.strip().partition(" ")
        library = self._library()
        summary = self._numbered(number, "/export N FILE") if library is not None else None
        if library is None or summary is None:
            return
        if not file.strip():
            self.note("Say where: /export N FILE (e.g. ~/chat.md).")
            return
        try:
            written = library.export(summary.id, Path(file.strip()))
        except ConversationError as e:
            self.note(f"Not exported: {e}")
            return
        self.note(f"Exported to {written}")

    def _again(self, rest: str) -> None:
        if (library := self._library()) is None:
            return
        replies = [t.assistant for t in library.turns(library.current_id)]
        if not replies:
            self.note("No reply to say again yet.")
            return
        if rest.strip() and not (rest.strip().isdigit() and 1 <= int(rest) <= len(replies)):
            self.note(f"/again N: N is a reply of this conversation, 1 to {len(replies)}.")
            return
        text = replies[int(rest) - 1] if rest.strip() else replies[-1]
        if self.wiring.on_say_again is None:
            self.note("Saying a reply again is not available here.")
            return
        self.say(f"Saying again: {text}")
        self.wiring.on_say_again(text)

    def _list_settings(self) -> None:
        for field in FIELDS:
            value = getattr(getattr(self.config, field.section), field.key)
            when = "now" if field.live else "at next start"
            self.say(f"{field.section}.{field.key} = {value!r}  ({field.label}; applies {when})")

    def _set(self, rest: str) -> None:
        name, _, text = rest.strip().partition(" ")
        section, _, key = name.partition(".")
        try:
            value: Any = tomllib.loads(f"v = {text}")["v"]
        except tomllib.TOMLDecodeError:
            value = text.strip()  # a bare word: a string
        try:
            new = self.config.replace(section, **{key: value})
        except (ConfigError, AttributeError, TypeError) as e:
            self.note(f"Not changed: {e}")
            return
        old = self.config
        self._change(section, **{key: value})
        choose, hooks = self.wiring.on_choose_voice, self.wiring.hooks
        if new.voice.voice != old.voice.voice and choose is not None:
            choose(new.voice.voice)
        if new.audio != old.audio and hooks is not None and hooks.audio_changed:
            hooks.audio_changed(new.audio)
        live = any(f.live for f in FIELDS if (f.section, f.key) == (section, key))
        live = live or section in ("voice", "reader")
        self.note(f"{name} is {value!r}; applies {'now' if live else 'at next start'}.")

    def _change(self, section: str, **changes: Any) -> None:
        self.config = self.config.replace(section, **changes)
        try:
            save_config(self.config)
        except ConfigError as e:
            self.say(f"Note: Could not save the settings: {e}")
