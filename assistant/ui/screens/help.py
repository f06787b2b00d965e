"""The help screen (F1): every key of every screen, and the spoken commands."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from assistant.reply.spoken import SPOKEN_COMMANDS
from assistant.ui.screens.chat import ChatScreen
from assistant.ui.screens.emotion import EmotionPicker
from assistant.ui.screens.history import HistoryScreen
from assistant.ui.screens.reader import ReaderScreen
from assistant.ui.screens.settings import SettingsScreen
from assistant.ui.widgets.transcript import Transcript

# Keys that are not bindings of a screen (Textual's own, or the text input's).
OTHER_KEYS: tuple[tuple[str, str], ...] = (
    ("Enter", "Send the typed message (in a dialog: confirm)"),
    ("Tab / Shift+Tab", "Move between the transcript and the input"),
    ("PgUp / PgDn", "Scroll the transcript (when it has focus)"),
    ("Ctrl+P", "Command palette: every action, searchable (themes too)"),
)

_KEY_NAMES = {
    "escape": "Esc",
    "pageup": "PgUp",
    "pagedown": "PgDn",
    "minus": "-",
    "plus": "+",
    "equals_sign": "=",
    "space": "Space",
}


def key_name(key: str) -> str:
    """Textual's key name as people write it: 'ctrl+o' → 'Ctrl+O', 'f1' → 'F1'."""
    *mods, last = key.split("+")
    short = len(last) == 1 or (last[0] == "f" and last[1:].isdigit())
    name = _KEY_NAMES.get(last, last.upper() if short else last.capitalize())
    return "+".join([*(m.capitalize() for m in mods), name])


def key_rows(bindings: Iterable[BindingType]) -> list[tuple[str, str]]:
    """(keys, what they do) per action, in the order bound; keys of one action joined by ' / '."""
    rows: dict[tuple[str, str], list[str]] = {}
    for binding in Binding.make_bindings(bindings):
        rows.setdefault((binding.action, binding.description), []).append(key_name(binding.key))
    return [(" / ".join(keys), description) for (_, description), keys in rows.items()]


HISTORY_ACTIONS = frozenset({"history"})  # keys listed with the conversations' own


def help_sections(app_bindings: Iterable[BindingType]) -> list[tuple[str, list[tuple[str, str]]]]:
    """(title, rows of (keys or words, what they do)) for each part of the help."""
    everywhere = list(Binding.make_bindings(app_bindings))
    history = [b for b in everywhere if b.action in HISTORY_ACTIONS]
    return [
        ("Keys everywhere", key_rows(b for b in everywhere if b.action not in HISTORY_ACTIONS)),
        ("Chat keys", key_rows(ChatScreen.BINDINGS) + list(OTHER_KEYS)),
        ("Reader keys", key_rows(ReaderScreen.BINDINGS)),
        ("Emotion picker keys", key_rows(EmotionPicker.BINDINGS)),
        ("Settings keys", key_rows(SettingsScreen.BINDINGS)),
        (
            "Conversations (F6), and replies said again (Tab to the transcript first)",
            key_rows([*history, *HistoryScreen.BINDINGS, *Transcript.BINDINGS]),
        ),
        (
            "Spoken commands (say or type them; anything else goes to the language model)",
            [(f"“{' · '.join(c.says)}”", c.does) for c in SPOKEN_COMMANDS],
        ),
    ]


def help_content(app_bindings: Iterable[BindingType]) -> Content:
    """The help: a title and an aligned two-column table per part (titles underlined)."""
    sections = help_sections(app_bindings)
    keys_width = max(len(left) for _, rows in sections[:-1] for left, _ in rows)
    lines: list[Content] = []
    for n, (title, rows) in enumerate(sections):  # the key tables share a column width
        width = keys_width if n < len(sections) - 1 else max(len(left) for left, _ in rows)
        lines.append(Content.styled(title, "bold underline"))
        lines += [Content.assemble((a.ljust(width), "bold"), "  ", b) for a, b in rows]
        lines.append(Content(""))
    return Content("\n").join(lines[:-1])


class HelpScreen(ModalScreen[None]):
    """Scrolls with the arrows and PgUp/PgDn; Esc, F1 or q closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1,q", "close", "Close"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="help-dialog"):
            yield Label("Help — keys and spoken commands (Esc closes)", id="help-title")
            with VerticalScroll(id="help-body"):
                yield Static(help_content(type(self.app).BINDINGS), id="help-text")

    def on_mount(self) -> None:
        self.query_one("#help-body").focus()

    @property
    def text(self) -> str:
        """The help as plain text (what a screen reader or a test reads)."""
        return help_content(type(self.app).BINDINGS).plain

    def action_close(self) -> None:
        self.dismiss(None)
