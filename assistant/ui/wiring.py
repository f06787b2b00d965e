"""What connects a front end (AssistantApp or PlainApp) to the parts; chat.build_app fills it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # no Textual import here: plain mode and tests build a Wiring cheaply
    from assistant.reader.document import Document
    from assistant.ui.access import SettingsHooks
    from assistant.ui.screens.history import ConversationLibrary
    from assistant.ui.screens.reader import ReaderControl


@dataclass(frozen=True)
class Wiring:
    """The callbacks and parts both front ends use; None (or no voices): not available here.

    "The UI thread" is Textual's event loop in AssistantApp and the thread reading typed lines
    in PlainApp. A callback called there must return quickly: long work goes to a thread.
    """

    on_user_text: Callable[[str], object] | None = None
    """A typed message (Enter in the chat, a line in plain mode), on the UI thread; None: the
    front end echoes it back."""

    on_stop_speaking: Callable[[], None] | None = None
    """The stop key or /stop, on the UI thread; also called before switching conversations so
    that the reply being said does not run on into the other one."""

    on_talk_key: Callable[[], None] | None = None
    """The push-to-talk key or /talk, on the UI thread."""

    make_reader: Callable[[Document], ReaderControl] | None = None
    """The reader of an opened document (its play/pause steer the reading). Called when a
    DocumentOpened event is shown: on the UI thread in AssistantApp, on the thread that emitted
    the event in PlainApp."""

    on_open_file: Callable[[Path], object] | None = None
    """A file chosen in the open dialog or by /open FILE, on the UI thread; it answers later
    with a DocumentOpened event or a Notice saying why not."""

    voices: tuple[str, ...] = ()
    """The voice names the voice key cycles through and the settings offer."""

    on_choose_voice: Callable[[str], object] | None = None
    """Another voice by name (voice key, settings, /set voice.voice), on the UI thread; it loads
    in the background and answers with a VoiceChanged event or a Notice."""

    hooks: SettingsHooks | None = None
    """What the settings and self-voicing need from the parts (devices, test tone, reopening
    the audio, speaking a line); called on the UI thread."""

    conversations: ConversationLibrary | None = None
    """Past conversations to list, reopen, export and start anew (F6, /history), used on the
    UI thread."""

    on_say_again: Callable[[str], object] | None = None
    """The text of a reply to speak again (Enter on a chosen reply, /again), on the UI thread."""
