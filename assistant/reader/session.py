"""Where the listener is in a document: moves by sentence, paragraph, chapter; the saved place."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path

from assistant import paths
from assistant.reader.document import Document

log = logging.getLogger(__name__)

MAX_SAVED = 500  # documents whose place is remembered; the least recently read are forgotten


@dataclass(frozen=True)
class Progress:
    chapter: int  # 1-based
    chapters: int
    title: str
    percent: float  # of the document's text before the current sentence
    seconds_left: float

    def line(self) -> str:
        minutes = round(self.seconds_left / 60)
        left = f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"
        return (
            f"Chapter {self.chapter} of {self.chapters}: {self.title} · "
            f"{self.percent:.0f} % · {left} left at this rate"
        )


class Cursor:
    """A sentence index in `doc` and the moves a listener makes."""

    def __init__(self, doc: Document, index: int = 0) -> None:
        self.doc = doc
        self.index = max(0, min(index, len(doc.sentences) - 1))

    def _go(self, index: int) -> int:
        self.index = max(0, min(index, len(self.doc.sentences) - 1))
        return self.index

    def next_sentence(self) -> int:
        return self._go(self.index + 1)

    def previous_sentence(self) -> int:
        return self._go(self.index - 1)

    def next_paragraph(self) -> int:
        paragraph = self.doc.sentences[self.index].paragraph
        if paragraph + 1 >= len(self.doc.paragraphs):
            return self.index
        return self._go(self.doc.paragraphs[paragraph + 1].first_sentence)

    def previous_paragraph(self) -> int:
        """To this paragraph's start, or from its first sentence to the previous one's."""
        paragraph = self.doc.sentences[self.index].paragraph
        first = self.doc.paragraphs[paragraph].first_sentence
        if self.index > first or paragraph == 0:
            return self._go(first)
        return self._go(self.doc.paragraphs[paragraph - 1].first_sentence)

    def next_chapter(self) -> int:
        chapter = self.doc.sentences[self.index].chapter
        if chapter + 1 >= len(self.doc.chapters):
            return self.index
        return self._go(self.doc.chapters[chapter + 1].first_sentence)

    def previous_chapter(self) -> int:
        """To this chapter's start, or from its first sentence to the previous one's."""
        chapter = self.doc.sentences[self.index].chapter
        first = self.doc.chapters[chapter].first_sentence
        if self.index > first or chapter == 0:
            return self._go(first)
        return self._go(self.doc.chapters[chapter - 1].first_sentence)

    def go_to_chapter(self, chapter: int) -> int:
        return self._go(self.doc.chapters[chapter].first_sentence)

    def go_to(self, index: int) -> int:
        return self._go(index)

    def progress(self, seconds_left: float) -> Progress:
        sentence = self.doc.sentences[self.index]
        chapter = self.doc.chapters[sentence.chapter]
        percent = 100.0 * sentence.start / max(len(self.doc.text), 1)
        return Progress(
            sentence.chapter + 1, len(self.doc.chapters), chapter.title, percent, seconds_left
        )


class Places:
    """The saved place in each document, keyed by its content, in one JSON file written
    atomically (a kill -9 at any moment leaves the old or the new file, never a torn one)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or paths.data_dir() / "reading" / "places.json"

    def _read(self) -> dict[str, dict[str, object]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as e:
            log.warning("ignoring unreadable %s: %s", self.path, e)
            return {}
        return data if isinstance(data, dict) else {}

    def load(self, doc: Document) -> int:
        """The sentence to start at: where the listener stopped, or 0 (also after the end)."""
        entry = self._read().get(doc.key)
        if not isinstance(entry, dict) or entry.get("finished"):
            return 0
        offset = entry.get("offset")
        if not isinstance(offset, int) or not 0 <= offset < len(doc.text):
            return 0
        return doc.sentence_at(offset)

    def save(self, doc: Document, index: int, finished: bool = False) -> None:
        """Remember sentence `index` of `doc`; an OSError (disk full) keeps the old file."""
        places = self._read()
        places.pop(doc.key, None)
        places[doc.key] = {
            "offset": doc.sentences[index].start,
            "finished": finished,
            "path": str(doc.path),
            "title": doc.title,
            "saved": round(time.time()),
        }
        for key in list(places)[: max(0, len(places) - MAX_SAVED)]:
            del places[key]
        data = json.dumps(places, indent=1, ensure_ascii=False).encode("utf-8")
        try:
            paths.atomic_write(self.path, data)
        except OSError as e:
            log.warning("could not save the reading place: %s", e)
