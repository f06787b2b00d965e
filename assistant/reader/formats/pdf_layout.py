"""PDF page geometry to paragraphs: no running matter, columns in order, hyphens undone."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

EDGE_ROWS = 2  # rows of text at the top and at the bottom of a page that may be running matter
EDGE_ZONE = 0.2  # ... and only within this share of the page height from its edge
RUNNING_SHARE = 0.4  # a line repeated at an edge of at least this share of pages is running matter
MIN_GUTTER = 6.0  # points: the narrowest empty strip that separates two columns
MAX_BOXES = 2000  # a page with more blocks of text is read top to bottom (the analysis is slow)
_PAGE_NUMBER = re.compile(
    r"\W*(?:page|p\.|seite|pagina|página)?\s*"
    r"(?:\d{1,4}|(?=[ivxlcdm])m{0,3}(?:cm|cd|d?c{0,3})(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3}))"
    r"(?:\s*(?:of|/|von|de)\s*\d{1,4})?\W*",
    re.IGNORECASE,
)
_HYPHENS = "-\u2010\u00ad"
_ENDS_SENTENCE = re.compile(r"[.!?:;…\"'”’)\]]\s*$")
_WORD_BEFORE = re.compile(r"([^\W\d_]+)[" + _HYPHENS + r"]$")
_WORD_AFTER = re.compile(r"^([^\W\d_]+)")


@dataclass
class Line:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def height(self) -> float:
        return self.y1 - self.y0


@dataclass
class Box:
    """A block of lines pdfminer grouped together, top to bottom."""

    lines: list[Line]

    @property
    def x0(self) -> float:
        return min(line.x0 for line in self.lines)

    @property
    def x1(self) -> float:
        return max(line.x1 for line in self.lines)

    @property
    def top(self) -> float:
        return max(line.y1 for line in self.lines)

    @property
    def bottom(self) -> float:
        return min(line.y0 for line in self.lines)


@dataclass
class Page:
    height: float
    boxes: list[Box]


@dataclass
class Para:
    page: int
    lines: list[str] = field(default_factory=list)
    heading: int = 0  # outline level, set by pdf.py


def _key(text: str) -> str:
    return " ".join(re.sub(r"\d+", "#", text).lower().split())


def _edge_lines(page: Page) -> list[Line]:
    """Lines in the top and bottom EDGE_ROWS rows, within EDGE_ZONE of the page's edges."""
    lines = [line for box in page.boxes for line in box.lines if line.text.strip()]
    rows = sorted({round(line.y1) for line in lines}, reverse=True)
    top_rows, bottom_rows = set(rows[:EDGE_ROWS]), set(rows[-EDGE_ROWS:])
    zone = page.height * EDGE_ZONE
    return [
        line
        for line in lines
        if (round(line.y1) in top_rows and line.y0 > page.height - zone)
        or (round(line.y1) in bottom_rows and line.y1 < zone)
    ]


def drop_running_matter(pages: list[Page]) -> None:
    """Remove page numbers and lines (digits aside) repeated at the top or bottom of pages."""
    edges = [_edge_lines(page) for page in pages]
    counts = Counter(key for lines in edges for key in {_key(line.text) for line in lines})
    enough = max(2, RUNNING_SHARE * len(pages))
    for page, lines in zip(pages, edges, strict=True):
        drop = {
            id(line)
            for line in lines
            if counts[_key(line.text)] >= enough or _PAGE_NUMBER.fullmatch(line.text.strip())
        }
        for box in page.boxes:
            box.lines = [line for line in box.lines if id(line) not in drop]
        page.boxes = [box for box in page.boxes if box.lines]


def reading_order(boxes: list[Box], depth: int = 0) -> list[Box]:
    """Bands split by clean horizontal gaps; neighbouring bands that share a column gutter are
    one band, read column by column (left to right), each column in the same way."""
    if len(boxes) <= 1 or len(boxes) > MAX_BOXES or depth > 20:
        return sorted(boxes, key=lambda b: (-b.top, b.x0))
    ordered: list[Box] = []
    for band in _bands(boxes):
        gutters = _gutters(band)
        if not gutters:
            ordered.extend(sorted(band, key=lambda b: (-b.top, b.x0)))
            continue
        edges = [(lo + hi) / 2 for lo, hi in gutters]
        columns: list[list[Box]] = [[] for _ in range(len(edges) + 1)]
        for box in band:
            columns[sum(box.x0 >= edge for edge in edges)].append(box)
        for column in columns:
            ordered.extend(reading_order(column, depth + 1))
    return ordered


def _bands(boxes: list[Box]) -> list[list[Box]]:
    bands: list[list[Box]] = []
    bottom = float("inf")
    for box in sorted(boxes, key=lambda b: -b.top):
        if bands and box.top > bottom:  # overlaps the band above vertically
            bands[-1].append(box)
            bottom = min(bottom, box.bottom)
        else:
            bands.append([box])
            bottom = box.bottom
    merged: list[list[Box]] = [bands[0]]
    for band in bands[1:]:  # joined where one already has columns and together they still do
        if (_gutters(merged[-1]) or _gutters(band)) and _gutters(merged[-1] + band):
            merged[-1] = merged[-1] + band
        else:
            merged.append(band)
    return merged


def _gutters(boxes: list[Box]) -> list[tuple[float, float]]:
    """Empty vertical strips, at least MIN_GUTTER wide, between the boxes' left and right."""
    spans = sorted((box.x0, box.x1) for box in boxes)
    gaps: list[tuple[float, float]] = []
    reach = spans[0][1]
    for x0, x1 in spans[1:]:
        if x0 - reach >= MIN_GUTTER:
            gaps.append((reach, x0))
        reach = max(reach, x1)
    return gaps


def paragraphs(index: int, page: Page) -> list[Para]:
    """A box's lines make a paragraph, split where the text size changes (a heading above its
    text) or where a line is indented (a book's first line)."""
    paras: list[Para] = []
    for box in page.boxes:
        left = box.x0
        previous: Line | None = None
        for line in box.lines:
            if previous is None or _starts_paragraph(previous, line, left):
                paras.append(Para(index))
            paras[-1].lines.append(line.text)
            previous = line
    return paras


def _starts_paragraph(previous: Line, line: Line, left: float) -> bool:
    sizes = sorted((previous.height, line.height))
    if sizes[1] > 1.2 * sizes[0]:
        return True
    indent = 0.8 * line.height
    return line.x0 - left > indent and previous.x0 - left < indent / 2


def join_pages(paras: list[Para], is_word: Callable[[str], bool]) -> list[Para]:
    """Paragraphs carried over to the next column or page are joined again."""
    joined: list[Para] = []
    for para in paras:
        last = joined[-1] if joined else None
        if last is not None and not last.heading and not para.heading and _continues(last, para):
            last.lines.extend(para.lines)
        else:
            joined.append(para)
    for para in joined:
        para.lines = [unhyphenate(para.lines, is_word)]
    return joined


def _continues(last: Para, para: Para) -> bool:
    end, start = last.lines[-1].rstrip(), para.lines[0].lstrip()
    if not end or not start:
        return False
    if end[-1] in _HYPHENS and start[0].islower():
        return True
    return start[0].islower() and not _ENDS_SENTENCE.search(end)


def unhyphenate(lines: list[str], is_word: Callable[[str], bool]) -> str:
    """Lines joined with spaces, except after a hyphen that ends a line right after a letter or
    digit: a word broken there is made whole ("exam-" "ple" → "example") unless it is a
    compound of two words whose joined form is no word ("well-" "known" → "well-known"); before
    a capital or a digit the hyphen stays ("Anglo-Saxon", "10-20")."""
    text = ""
    for line in lines:
        line = line.strip()
        if not (text and line and text[-1] in _HYPHENS and text[-2:-1].isalnum()):
            text = f"{text} {line}" if text else line
            continue
        before, after = _WORD_BEFORE.search(text), _WORD_AFTER.match(line)
        hyphen = text[-1] != "\u00ad"
        if hyphen and before and after and after[1][0].islower():
            left, right = before[1], after[1]
            hyphen = not is_word(left + right) and is_word(left) and is_word(right)
        text = text[:-1] + ("-" if hyphen else "") + line
    return text
