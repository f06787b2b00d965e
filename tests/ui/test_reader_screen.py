"""Pilot and snapshot tests of the reader screen: keys steer the reader, the screen follows it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import OptionList, Static

from assistant import events
from assistant.audio.devices import AudioStatus
from assistant.config import Config
from assistant.reader.document import Block, Document, from_blocks
from assistant.reader.session import Cursor, Progress
from assistant.ui.app import AssistantApp
from assistant.ui.screens.chat import ChatScreen
from assistant.ui.screens.reader import ChapterList, ReaderScreen
from assistant.ui.widgets.document_view import DocumentView
from assistant.ui.wiring import Wiring


def book() -> Document:
    blocks = []
    for n in range(1, 4):
        blocks.append(Block(f"Chapter {n}", 1))
        blocks.append(Block(f"The start of chapter {n}. It goes on a while."))
        blocks.append(Block(f"A second paragraph in chapter {n}."))
    return from_blocks(Path("book.md"), "A small book", blocks)


class FakeReader:
    """Records what the screen asked; moves a real cursor."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.cursor = Cursor(doc)
        self.playing = False
        self.calls: list[str] = []

    @property
    def index(self) -> int:
        return self.cursor.index

    def play(self) -> None:
        self.calls.append("play")
        self.playing = True

    def pause(self) -> None:
        self.calls.append("pause")
        self.playing = False

    def toggle(self) -> None:
        self.pause() if self.playing else self.play()

    def move(self, how: Callable[[Cursor], int]) -> int:
        self.calls.append("move")
        return how(self.cursor)

    def progress(self) -> Progress:
        return self.cursor.progress(600.0)

    def restyled(self) -> None:
        self.calls.append("restyled")


def make_app(
    doc: Document, document_suffixes: frozenset[str] = frozenset(), **wiring: Any
) -> tuple[AssistantApp, list[FakeReader]]:
    readers: list[FakeReader] = []

    def make_reader(d: Document) -> FakeReader:
        readers.append(FakeReader(d))
        return readers[-1]

    app = AssistantApp(
        Config(),
        AudioStatus("mic", "speaker"),
        "vosk",
        wiring=Wiring(make_reader=make_reader, **wiring),
        document_suffixes=document_suffixes,
        cursor_blink=False,
    )
    return app, readers


def highlighted(app: AssistantApp) -> str:
    view = app.screen.query_one(DocumentView)
    assert view.sentence is not None
    return view.doc.sentence_text(view.sentence)


def progress_line(app: AssistantApp) -> str:
    return str(app.screen.query_one("#reader-progress", Static).render())


async def test_a_document_opened_by_the_pipeline_is_shown_and_read() -> None:
    app, readers = make_app(book())
    async with app.run_test() as pilot:
        app.post_event(events.DocumentOpened(book()))
        await pilot.pause()
        assert isinstance(app.screen, ReaderScreen)
        assert readers[0].calls == ["play"]
        assert highlighted(app) == "Chapter 1"
        app.post_event(events.ReadingAt(2, playing=True))  # the reader moved on
        await pilot.pause()
        assert highlighted(app) == "It goes on a while."
        assert progress_line(app).startswith("Reading · Chapter 1 of 3: Chapter 1 · ")


async def test_keys_steer_the_reader() -> None:
    app, readers = make_app(book())
    async with app.run_test() as pilot:
        app.open_reader(book())
        await pilot.pause()
        reader = readers[0]
        await pilot.press("right", "right")
        assert highlighted(app) == "It goes on a while."
        await pilot.press("down")
        assert highlighted(app) == "A second paragraph in chapter 1."
        await pilot.press("pagedown")
        assert highlighted(app) == "Chapter 2"
        await pilot.press("pageup", "pageup")
        assert highlighted(app) == "Chapter 1"
        await pilot.press("space")
        assert not reader.playing and "Paused" in progress_line(app)
        await pilot.press("space")
        assert reader.playing
        await pilot.press("escape")
        assert not reader.playing and reader.calls[-1] == "pause"
        await pilot.press("plus", "plus", "plus")
        assert app.config.reader.rate == 1.75 and reader.calls[-1] == "restyled"
        for _ in range(12):
            await pilot.press("minus")
        assert app.config.reader.rate == 0.5  # the slowest
        await pilot.press("q")
        assert isinstance(app.screen, ChatScreen) and app.reader is None


async def test_the_chapter_list_jumps_to_a_chapter() -> None:
    app, _ = make_app(book())
    async with app.run_test() as pilot:
        app.open_reader(book())
        await pilot.pause()
        await pilot.press("c")
        assert isinstance(app.screen, ChapterList)
        options = app.screen.query_one(OptionList)
        assert options.option_count == 3 and options.highlighted == 0
        await pilot.press("down", "down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ReaderScreen)
        assert highlighted(app) == "Chapter 3"


async def test_voice_key_asks_for_the_next_voice() -> None:
    chosen: list[str] = []
    app, _ = make_app(book(), voices=("joe", "lj"), on_choose_voice=chosen.append)
    async with app.run_test() as pilot:
        app.open_reader(book())
        await pilot.pause()
        await pilot.press("v")
        assert chosen == ["joe"]  # after the configured lj comes joe


async def test_ctrl_o_picks_a_file_to_open(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.md").write_text("# Notes\n\nHello.")
    opened: list[Path] = []
    app, _ = make_app(book(), on_open_file=opened.append, document_suffixes=frozenset({".md"}))
    async with app.run_test() as pilot:
        await pilot.press("ctrl+o")
        await pilot.pause()
        await pilot.press(*"notes.md", "enter")
        await pilot.pause()
        assert opened == [Path("notes.md")]


def test_snapshot_reader(snap_compare: Callable[..., bool]) -> None:
    app, _ = make_app(book())

    async def open_it(pilot: Any) -> None:
        app.open_reader(book())
        await pilot.pause()
        await pilot.press("right", "right")

    assert snap_compare(app, run_before=open_it, terminal_size=(90, 24))


async def test_notices_show_over_the_reader_too() -> None:
    app, _ = make_app(book())
    said: list[str] = []
    async with app.run_test() as pilot:
        app.open_reader(book())
        await pilot.pause()
        app.notify = lambda message, **kw: said.append(message)  # type: ignore[method-assign]
        app.post_event(events.Notice("Finished reading A small book."))
        await pilot.pause()
        assert said == ["Finished reading A small book."]
        assert "Finished reading" in app.chat.transcript.plain_text()
