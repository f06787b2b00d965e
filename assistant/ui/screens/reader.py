"""The reader: a document read aloud, steered from the keyboard without looking."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar, Protocol

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Header, Label, OptionList, Static
from textual.widgets.option_list import Option

from assistant.reader.document import Document
from assistant.reader.session import Cursor, Progress
from assistant.ui.messages import ReaderRateStepped, VoiceCycled
from assistant.ui.widgets.document_view import DocumentView

KEYS_HELP = (
    "Space: play/pause · Left/Right: sentence · Up/Down: paragraph · "
    "PgUp/PgDn: chapter · c: chapters · -/+: rate · v: voice · e: emotion · Esc: pause · "
    "q: back to the chat"
)


class ReaderControl(Protocol):
    """What the screen steers (assistant.conversation.reading.Reader, or a fake in tests)."""

    doc: Document

    @property
    def index(self) -> int: ...

    @property
    def playing(self) -> bool: ...

    def play(self) -> None: ...

    def pause(self) -> None: ...

    def toggle(self) -> None: ...

    def move(self, how: Callable[[Cursor], int]) -> int: ...

    def progress(self) -> Progress: ...

    def restyled(self) -> None: ...


MOVES: dict[str, Callable[[Cursor], int]] = {
    "next_sentence": Cursor.next_sentence,
    "previous_sentence": Cursor.previous_sentence,
    "next_paragraph": Cursor.next_paragraph,
    "previous_paragraph": Cursor.previous_paragraph,
    "next_chapter": Cursor.next_chapter,
    "previous_chapter": Cursor.previous_chapter,
}


class ReaderScreen(Screen[None]):
    """Shows the text around the place being read; every action is a key (and in Ctrl+P).
    The moving keys take priority over the text view's scrolling: the view follows the reading."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "play_pause", "Play/pause", priority=True),
        Binding("escape", "pause", "Pause", show=False),
        Binding("left", "move('previous_sentence')", "Sentence back", show=False, priority=True),
        Binding("right", "move('next_sentence')", "Sentence on", show=False, priority=True),
        Binding("up", "move('previous_paragraph')", "Paragraph back", show=False, priority=True),
        Binding("down", "move('next_paragraph')", "Paragraph on", show=False, priority=True),
        Binding("pageup", "move('previous_chapter')", "Chapter back", show=False, priority=True),
        Binding("pagedown", "move('next_chapter')", "Chapter on", show=False, priority=True),
        Binding("c", "chapters", "Chapters"),
        Binding("minus", "rate(-1)", "Slower"),
        Binding("plus,equals_sign", "rate(1)", "Faster"),
        Binding("v", "voice", "Voice"),
        Binding("e", "app.pick_emotion", "Emotion"),
        Binding("q", "close", "Back"),
    ]

    def __init__(self, reader: ReaderControl) -> None:
        super().__init__()
        self.reader = reader

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(self.reader.doc.title, id="reader-title", markup=False)
        yield DocumentView(self.reader.doc, id="document")
        yield Static("", id="reader-progress", markup=False)
        yield Static(KEYS_HELP, id="reader-keys", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.show_at(self.reader.index, self.reader.playing)
        self.query_one("#document").focus()

    def show_at(self, index: int, playing: bool) -> None:
        """The reader is at sentence `index` (reading it, or paused there)."""
        self.query_one(DocumentView).show(index)
        state = "Reading" if playing else "Paused"
        line = f"{state} · {self.reader.progress().line()}"
        self.query_one("#reader-progress", Static).update(line)

    def action_play_pause(self) -> None:
        self.reader.toggle()
        self.show_at(self.reader.index, self.reader.playing)

    def action_pause(self) -> None:
        self.reader.pause()
        self.show_at(self.reader.index, False)

    def action_move(self, how: str) -> None:
        index = self.reader.move(MOVES[how])
        self.show_at(index, self.reader.playing)

    def action_rate(self, steps: int) -> None:
        self.post_message(ReaderRateStepped(steps))

    def action_voice(self) -> None:
        self.post_message(VoiceCycled())

    def action_chapters(self) -> None:
        def chosen(chapter: int | None) -> None:
            if chapter is not None:
                self.action_go_to_chapter(chapter)

        current = self.reader.doc.sentences[self.reader.index].chapter
        self.app.push_screen(ChapterList(self.reader.doc, current), callback=chosen)

    def action_go_to_chapter(self, chapter: int) -> None:
        index = self.reader.move(lambda cursor: cursor.go_to_chapter(chapter))
        self.show_at(index, self.reader.playing)

    def action_close(self) -> None:
        self.reader.pause()
        self.dismiss(None)


class ChapterList(ModalScreen[int | None]):
    """Pick a chapter with Up/Down and Enter; Esc goes back."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, doc: Document, current: int) -> None:
        super().__init__()
        self.doc, self.current = doc, current

    def compose(self) -> ComposeResult:
        options = [
            Option(f"{n + 1}. {c.title}" + (" (current)" if n == self.current else ""), id=str(n))
            for n, c in enumerate(self.doc.chapters)
        ]
        with Vertical(id="chapter-dialog"):
            yield Label(f"Chapters of {self.doc.title}", id="chapter-title")
            yield OptionList(*options, id="chapter-list")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = self.current
        options.focus()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option_id is not None:
            self.dismiss(int(event.option_id))
