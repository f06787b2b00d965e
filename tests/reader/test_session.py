"""The cursor's moves and the saved place (keyed by content, written atomically)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.reader.document import Block, Document, from_blocks
from assistant.reader.session import Cursor, Places


def book() -> Document:
    return from_blocks(
        Path("book.md"),
        "Book",
        [
            Block("One", 1),
            Block("First para. Has two."),
            Block("Second para alone."),
            Block("Two", 1),
            Block("Third para. Three. Sentences."),
            Block("Three", 1),
            Block("Last words."),
        ],
    )


def said(doc: Document, index: int) -> str:
    return doc.sentence_text(index)


def test_moves_by_sentence_paragraph_and_chapter() -> None:
    doc = book()
    cursor = Cursor(doc)
    assert said(doc, cursor.index) == "One"
    assert said(doc, cursor.next_sentence()) == "First para."
    assert said(doc, cursor.next_sentence()) == "Has two."
    assert said(doc, cursor.previous_paragraph()) == "First para."  # back to its start first
    assert said(doc, cursor.previous_paragraph()) == "One"  # then to the one before
    assert said(doc, cursor.next_paragraph()) == "First para."
    assert said(doc, cursor.next_paragraph()) == "Second para alone."
    assert said(doc, cursor.next_chapter()) == "Two"
    assert said(doc, cursor.next_sentence()) == "Third para."
    assert said(doc, cursor.previous_chapter()) == "Two"
    assert said(doc, cursor.previous_chapter()) == "One"
    assert said(doc, cursor.go_to_chapter(2)) == "Three"
    assert said(doc, cursor.next_chapter()) == "Three"  # no chapter after the last
    last = len(doc.sentences) - 1
    assert cursor.go_to(last + 5) == last and cursor.next_sentence() == last
    assert Cursor(doc, -3).index == 0 and Cursor(doc).previous_sentence() == 0


def test_progress_line_names_chapter_percent_and_time_left() -> None:
    doc = book()
    cursor = Cursor(doc)
    cursor.go_to_chapter(1)
    progress = cursor.progress(seconds_left=3725)
    assert (progress.chapter, progress.chapters, progress.title) == (2, 3, "Two")
    assert 0 < progress.percent < 100
    assert progress.line().startswith("Chapter 2 of 3: Two · ")
    assert "1 h 02 min left" in progress.line()


def test_the_place_is_saved_per_content(tmp_path: Path) -> None:
    places = Places(tmp_path / "places.json")
    doc = book()
    assert places.load(doc) == 0
    places.save(doc, 5)
    assert Places(tmp_path / "places.json").load(doc) == 5
    moved = from_blocks(Path("elsewhere/renamed.md"), "Renamed", [Block("Other text. Here.")])
    assert places.load(moved) == 0  # another content has its own place
    same_content = Document(Path("copy.md"), "Copy", *_fields(doc))
    assert places.load(same_content) == 5  # the same content, moved or renamed, resumes
    places.save(doc, len(doc.sentences) - 1, finished=True)
    assert places.load(doc) == 0  # read to the end: start again


def _fields(doc: Document) -> tuple:
    return doc.text, doc.chapters, doc.paragraphs, doc.sentences


@pytest.mark.parametrize("junk", [b"", b"{", b"[1, 2]", b'{"x": 3}', b"\xff\xfe"])
def test_an_unreadable_places_file_means_the_start(tmp_path: Path, junk: bytes) -> None:
    path = tmp_path / "places.json"
    path.write_bytes(junk)
    places = Places(path)
    assert places.load(book()) == 0
    places.save(book(), 2)  # and saving replaces it with a good one
    assert Places(path).load(book()) == 2


def test_a_failed_save_keeps_the_old_place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "places.json"
    places = Places(path)
    places.save(book(), 3)

    def disk_full(path: Path, data: bytes) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("assistant.paths.atomic_write", disk_full)
    places.save(book(), 6)  # logged, not raised
    assert Places(path).load(book()) == 3
    assert json.loads(path.read_text())  # still whole
    assert [p.name for p in tmp_path.iterdir()] == ["places.json"]  # no temporary left
