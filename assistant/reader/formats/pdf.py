"""PDF: the text layer in reading order (pdfminer.six); outline, title and encryption (pypdf)."""

from __future__ import annotations

import io
import logging
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pypdf
from pdfminer.high_level import extract_pages
from pdfminer.layout import LAParams, LTFigure, LTPage, LTTextBox, LTTextLine
from pdfminer.pdfdocument import PDFPasswordIncorrect

from assistant.reader.document import Block, Document, DocumentError, from_blocks
from assistant.reader.formats import GARBAGE_SHARE, garbage_share
from assistant.reader.formats.pdf_layout import (
    Box,
    Line,
    Page,
    Para,
    drop_running_matter,
    join_pages,
    paragraphs,
    reading_order,
)

log = logging.getLogger(__name__)

_CID = re.compile(r"\(cid:\d+\)")  # a glyph pdfminer could not map to a character
_LEADERS = re.compile(r"(?:\s?\.){4,}")  # the dots between a contents entry and its page
_LIGATURES = {c: unicodedata.normalize("NFKC", chr(c)) for c in range(0xFB00, 0xFB07)}  # ﬁ → fi
_NO_TITLE = re.compile(r"\(.*\)|untitled|anonymous|microsoft word.*|.*\.\w{2,4}", re.IGNORECASE)


@dataclass(frozen=True)
class _Entry:
    """An outline (bookmark) entry: a heading's page, title and level."""

    page: int
    title: str
    level: int


def extract(path: Path, data: bytes) -> Document:
    name = path.name
    reader = _reader(name, data)
    outline = list(_outline(reader)) if reader is not None else []
    pages = _pages(name, data)
    if not any(line.text.strip() for page in pages for box in page.boxes for line in box.lines):
        raise DocumentError(
            f"{name} has no text layer (it is probably a scanned image); "
            "it needs text recognition (OCR) before it can be read aloud."
        )
    raw = "".join(line.text for page in pages for box in page.boxes for line in box.lines)
    if garbage_share(raw) > GARBAGE_SHARE:  # fonts without a character map: nothing to say
        raise DocumentError(f"{name} is mostly unreadable characters; the reader will not read it.")
    for page in pages:
        for box in page.boxes:
            for line in box.lines:
                line.text = _LEADERS.sub(" ", _CID.sub("", line.text)).translate(_LIGATURES)
    drop_running_matter(pages)
    paras: list[Para] = []
    for index, page in enumerate(pages):
        page.boxes = reading_order(page.boxes)
        paras.extend(paragraphs(index, page))
    paras = join_pages(_with_headings(paras, outline), _is_word)
    title = _title(reader) or (outline[0].title if len(outline) == 1 else path.stem)
    return from_blocks(path, title, [Block(para.lines[0], para.heading) for para in paras])


def _reader(name: str, data: bytes) -> pypdf.PdfReader | None:
    """pypdf's view of the file, for its encryption and outline; None where it cannot parse it
    (pdfminer may still read the text)."""
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        locked = reader.is_encrypted and reader.decrypt("") == pypdf.PasswordType.NOT_DECRYPTED
    except Exception:
        log.debug("pypdf cannot parse %s", name, exc_info=True)
        return None
    if locked:
        raise DocumentError(f"{name} is password-protected; the reader cannot open it.")
    return reader


def _outline(reader: pypdf.PdfReader) -> Iterator[_Entry]:
    try:
        yield from _entries(reader, reader.outline, 1)
    except Exception:
        log.debug("the outline cannot be read", exc_info=True)


def _entries(reader: pypdf.PdfReader, items: list[Any], level: int) -> Iterator[_Entry]:
    for item in items:
        if isinstance(item, list):
            if level < 6:
                yield from _entries(reader, item, level + 1)
            continue
        page = reader.get_destination_page_number(item)
        title = " ".join(str(item.title or "").split())
        if page is not None and page >= 0 and title:
            yield _Entry(page, title, level)


def _title(reader: pypdf.PdfReader | None) -> str:
    try:
        title = reader.metadata.title if reader is not None and reader.metadata else None
    except Exception:
        return ""
    title = " ".join(str(title or "").split())
    return "" if _NO_TITLE.fullmatch(title) else title


def _pages(name: str, data: bytes) -> list[Page]:
    try:
        return [_page(layout) for layout in extract_pages(io.BytesIO(data), laparams=LAParams())]
    except PDFPasswordIncorrect:
        raise DocumentError(f"{name} is password-protected; the reader cannot open it.") from None


def _page(layout: LTPage) -> Page:
    bottom = layout.y0
    boxes = [
        Box([Line(line.get_text().strip(), line.x0, line.y0 - bottom, line.x1, line.y1 - bottom)
             for line in box if isinstance(line, LTTextLine) and line.get_text().strip()])
        for box in _text_boxes(layout)
    ]  # fmt: skip
    return Page(layout.height, [box for box in boxes if box.lines])


def _text_boxes(container: Any) -> Iterator[LTTextBox]:
    for element in container:
        if isinstance(element, LTTextBox):
            yield element
        elif isinstance(element, LTFigure):
            yield from _text_boxes(element)


def _with_headings(paras: list[Para], outline: list[_Entry]) -> list[Para]:
    """Mark the paragraph an outline entry names as a heading of its level; where its page has
    none that reads the same, the entry's title is put first on that page."""
    result = list(paras)
    for entry in outline:
        match = next((p for p in result if p.page == entry.page and _names(p, entry.title)), None)
        if match is not None:
            match.heading = entry.level
            continue
        at = next(
            (
                i
                for i, p in enumerate(result)
                if p.page > entry.page or (p.page == entry.page and not p.heading)
            ),
            len(result),
        )
        result.insert(at, Para(entry.page, [entry.title], entry.level))
    return result


def _names(para: Para, title: str) -> bool:
    """Whether the paragraph reads as the title, give or take a number ("1.2 Title")."""
    if para.heading:
        return False
    text, wanted = _plain(" ".join(para.lines)), _plain(title)
    return bool(wanted) and (text == wanted or (wanted in text and len(text) <= len(wanted) + 6))


def _plain(text: str) -> str:
    return re.sub(r"\W+", "", text.lower())


def _is_word(word: str) -> bool:
    from assistant.tts.phonemes import cmu_dict  # the pronouncing dictionary as a word list

    return word.lower() in cmu_dict()
