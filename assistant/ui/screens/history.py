"""The conversations (F6): past ones newest first; reopen, begin a new one, delete, export."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Literal, Protocol

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from assistant.reply.conversations import ConversationError, default_export_path
from assistant.ui.screens.dialogs import AskPath, Confirm

if TYPE_CHECKING:
    from assistant.reply.conversations import Summary
    from assistant.reply.history import Turn

HELP = "Enter: open and go on · N: new · D: delete · E: export to Markdown · Esc: close"


class ConversationLibrary(Protocol):
    """The app's conversations (reply.conversations.Library)."""

    @property
    def current_id(self) -> str: ...

    def summaries(self) -> list[Summary]: ...

    def turns(self, conversation_id: str) -> tuple[Turn, ...]: ...

    def open(self, conversation_id: str) -> tuple[Turn, ...]: ...

    def new(self) -> None: ...

    def delete(self, conversation_id: str) -> None: ...

    def export(self, conversation_id: str, path: Path) -> Path: ...


@dataclass(frozen=True)
class HistoryChoice:
    """What the chat should show now: a reopened conversation, or an empty one."""

    action: Literal["open", "new"]
    conversation_id: str = ""


class HistoryScreen(ModalScreen[HistoryChoice | None]):
    """Dismisses with the conversation to continue, a new one, or None (nothing changes)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close"),
        Binding("n", "new", "New conversation"),
        Binding("d,delete", "delete", "Delete (asks first)"),
        Binding("e", "export", "Export to Markdown"),
    ]

    def __init__(self, library: ConversationLibrary) -> None:
        super().__init__()
        self.library = library
        self.summaries: list[Summary] = []
        self.status = ""  # the last line said under the list
        self._current_deleted = False  # the library began a new one: the chat must empty

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="history-dialog"):
            yield Label("Conversations, newest first", id="history-title")
            yield OptionList(id="history-list")
            yield Static("", id="history-status", markup=False)
            yield Static(HELP, id="history-help", markup=False)

    def on_mount(self) -> None:
        self.refresh_list()
        self.query_one(OptionList).focus()

    def say(self, text: str, error: bool = False) -> None:
        """A line under the list (and a toast, said aloud with self-voicing)."""
        self.status = text
        self.query_one("#history-status", Static).update(text)
        self.notify(text, severity="error" if error else "information", timeout=6, markup=False)

    def refresh_list(self, keep: int | None = None) -> None:
        options = self.query_one(OptionList)
        highlighted = options.highlighted if keep is None else keep
        self.summaries = self.library.summaries()
        options.clear_options()
        if not self.summaries:
            options.add_option(Option("No saved conversations yet.", disabled=True))
            return
        current = self.library.current_id
        options.add_options(
            Option(s.label() + (" (current)" if s.id == current else ""), id=s.id)
            for s in self.summaries
        )
        options.highlighted = min(highlighted or 0, len(self.summaries) - 1)

    def chosen(self) -> Summary | None:
        index = self.query_one(OptionList).highlighted
        if index is None or not self.summaries:
            self.say("There is no conversation to choose.")
            return None
        return self.summaries[index]

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        summary = self.chosen()
        if summary is None:
            return
        if summary.problem:
            self.say(f"Cannot open it: {summary.problem}. D deletes it.", error=True)
            return
        self.dismiss(HistoryChoice("open", summary.id))

    def action_new(self) -> None:
        self.dismiss(HistoryChoice("new"))

    def action_close(self) -> None:
        self.dismiss(HistoryChoice("new") if self._current_deleted else None)

    def action_delete(self) -> None:
        summary = self.chosen()
        if summary is None:
            return
        what = summary.id if summary.problem else f"“{summary.title}” ({summary.count})"
        index = self.query_one(OptionList).highlighted

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            current = summary.id == self.library.current_id
            try:
                self.library.delete(summary.id)
            except ConversationError as e:
                self.say(str(e), error=True)
                return
            self._current_deleted = self._current_deleted or current
            self.refresh_list(keep=index)
            self.say(f"Deleted {what}." + (" A new conversation begins." if current else ""))

        self.app.push_screen(Confirm(f"Delete {what}? This cannot be undone.", "Delete"), answered)

    def action_export(self) -> None:
        summary = self.chosen()
        if summary is None:
            return
        if summary.problem:
            self.say(f"Cannot export it: {summary.problem}.", error=True)
            return

        def write(path: Path) -> None:
            try:
                written = self.library.export(summary.id, path)
            except ConversationError as e:
                self.say(f"Not exported: {e}", error=True)
                return
            self.say(f"Exported to {written}")

        def chosen(path: Path | None) -> None:
            if path is None:
                return
            if path.is_file():
                question = f"{path} exists. Replace it?"
                replace = Confirm(question, "Replace")
                self.app.push_screen(replace, lambda yes: write(path) if yes else None)
                return
            write(path)

        title = f"Export “{summary.title}” to a Markdown file"
        self.app.push_screen(AskPath(title, default_export_path(summary.id)), chosen)
