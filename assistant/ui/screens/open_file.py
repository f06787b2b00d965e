"""Choose a document to read: type a path, or walk the folders (only readable kinds are shown)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DirectoryTree, Input, Label


class DocumentTree(DirectoryTree):
    """Folders, and the files the reader can open; hidden entries left out."""

    def __init__(self, path: Path, suffixes: frozenset[str], *, id: str | None = None) -> None:
        super().__init__(path, id=id)
        self.suffixes = suffixes

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        return [
            p
            for p in paths
            if not p.name.startswith(".") and (p.is_dir() or p.suffix.lower() in self.suffixes)
        ]


class OpenFile(ModalScreen[Path | None]):
    """Dismisses with the chosen file, or None on Esc."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, start: Path, suffixes: frozenset[str]) -> None:
        super().__init__()
        self.start, self.suffixes = start, suffixes

    def compose(self) -> ComposeResult:
        kinds = ", ".join(sorted(self.suffixes))
        with Vertical(id="open-dialog"):
            yield Label(f"Open a document ({kinds})", id="open-title")
            yield Input(
                placeholder="Type a path and press Enter, or Tab to the folders", id="open-path"
            )
            yield DocumentTree(self.start, self.suffixes, id="open-tree")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value.strip():
            self.dismiss(Path(event.value.strip()).expanduser())

    def on_directory_tree_file_selected(self, event: DirectoryTree.FileSelected) -> None:
        event.stop()
        self.dismiss(event.path)

    def action_cancel(self) -> None:
        self.dismiss(None)
