"""Word documents (.docx): paragraphs, headings by style, tables row by row (python-docx)."""

from __future__ import annotations

import io
import logging
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import docx
from docx.table import Table
from docx.text.paragraph import Paragraph

from assistant.reader.document import Block, Document, DocumentError, from_blocks

log = logging.getLogger(__name__)

MAX_UNPACKED_BYTES = 256 * 1024 * 1024  # all parts together, uncompressed (a zip bomb is refused)
_HEADING = re.compile(r"heading ([1-9])", re.IGNORECASE)


def extract(path: Path, data: bytes) -> Document:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        unpacked = sum(info.file_size for info in package.infolist())
    if unpacked > MAX_UNPACKED_BYTES:
        raise DocumentError(
            f"{path.name} unpacks to {unpacked // 2**20} MB; the reader will not open it."
        )
    document = docx.Document(io.BytesIO(data))
    blocks = list(_blocks(document.iter_inner_content()))
    try:
        title = " ".join((document.core_properties.title or "").split())
    except Exception:  # broken document properties cost only the title
        title = ""
    if not title:
        title = next((b.text for b in blocks if b.level == 1), path.stem)
    return from_blocks(path, title, blocks)


def _blocks(content: Iterator[Paragraph | Table]) -> Iterator[Block]:
    for item in content:
        if isinstance(item, Paragraph):
            yield Block(item.text, _level(item))
        else:
            yield from _rows(item)


def _level(paragraph: Paragraph) -> int:
    """Styles Title and Heading 1 are level 1, Heading N level N (at most 6), also for a style
    based on one of them; anything else is a paragraph."""
    style = paragraph.style
    for _ in range(5):  # up the chain of base styles
        if style is None:
            break
        name = style.name or ""
        if name.lower() == "title":
            return 1
        match = _HEADING.fullmatch(name)
        if match:
            return min(int(match[1]), 6)
        style = style.base_style
    return 0


def _rows(table: Table) -> Iterator[Block]:
    """A row's cells joined with semicolons (a merged cell once); nested tables are skipped."""
    try:
        for row in table.rows:
            cells: list[str] = []
            for cell in row.cells:
                text = " ".join(cell.text.split())
                if text and (not cells or cells[-1] != text):
                    cells.append(text)
            yield Block("; ".join(cells))
    except Exception:
        log.debug("a table could not be read", exc_info=True)
