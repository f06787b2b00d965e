"""A document as the reader sees it: chapters → paragraphs → sentences, offsets into its text."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from assistant.tts.text import sentence_spans

PARAGRAPH_GAP = "\n\n"  # between blocks in Document.text


class DocumentError(Exception):
    """A file cannot be read aloud; the message names the file and says why, in plain words."""


@dataclass(frozen=True)
class Block:
    """A piece of extracted text: a heading (level 1–6) or a paragraph (level 0)."""

    text: str
    level: int = 0


@dataclass(frozen=True)
class Section:
    """A chapter given by the format itself (an EPUB spine item), with its blocks."""

    title: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Sentence:
    start: int  # offsets into Document.text
    end: int
    paragraph: int  # index into Document.paragraphs
    chapter: int  # index into Document.chapters
    heading: bool = False  # the sentence is (part of) a heading


@dataclass(frozen=True)
class Paragraph:
    start: int
    end: int
    chapter: int
    first_sentence: int  # index into Document.sentences
    heading: bool = False


@dataclass(frozen=True)
class Chapter:
    title: str
    start: int
    end: int
    first_sentence: int


@dataclass(frozen=True)
class Document:
    """Extracted text and its structure; `key` identifies the content (for the saved position)."""

    path: Path
    title: str
    text: str
    chapters: tuple[Chapter, ...]
    paragraphs: tuple[Paragraph, ...]
    sentences: tuple[Sentence, ...]

    @property
    def key(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()[:32]

    def sentence_text(self, index: int) -> str:
        s = self.sentences[index]
        return self.text[s.start : s.end]

    def sentence_at(self, offset: int) -> int:
        """Index of the sentence containing (or first after) character `offset`."""
        lo, hi = 0, len(self.sentences) - 1
        while lo < hi:
            mid = (lo + hi) // 2
            if self.sentences[mid].end <= offset:
                lo = mid + 1
            else:
                hi = mid
        return lo


def from_blocks(path: Path, title: str, blocks: Iterable[Block]) -> Document:
    """Chapters start at the highest heading level present (none: one chapter, the title)."""
    items = [b for b in blocks if any(ch.isalnum() for ch in b.text)]  # others are never read
    levels = [b.level for b in items if b.level > 0]
    top = min(levels) if levels else 0
    sections: list[Section] = []
    current: list[Block] = []
    current_title = title
    for block in items:
        if top and block.level == top and current:
            sections.append(Section(current_title, tuple(current)))
            current = []
        if top and block.level == top:
            current_title = _one_line(block.text)
        current.append(block)
    if current:
        sections.append(Section(current_title, tuple(current)))
    return from_sections(path, title, sections)


def from_sections(path: Path, title: str, sections: Iterable[Section]) -> Document:
    """Join the sections' blocks into one text, recording every offset; empty ones are dropped."""
    parts: list[str] = []
    length = 0
    chapters: list[Chapter] = []
    paragraphs: list[Paragraph] = []
    sentences: list[Sentence] = []
    for section in sections:
        chapter_start, first = None, len(sentences)
        for block in section.blocks:
            body = _clean(block.text, heading=block.level > 0)
            spans = sentence_spans(body)
            if not spans:
                continue
            if parts:
                parts.append(PARAGRAPH_GAP)
                length += len(PARAGRAPH_GAP)
            start = length
            chapter_start = start if chapter_start is None else chapter_start
            heading = block.level > 0
            paragraphs.append(
                Paragraph(start, start + len(body), len(chapters), len(sentences), heading)
            )
            sentences.extend(
                Sentence(start + a, start + b, len(paragraphs) - 1, len(chapters), heading)
                for a, b in spans
            )
            parts.append(body)
            length += len(body)
        if chapter_start is not None:
            name = _one_line(section.title) or f"Part {len(chapters) + 1}"
            chapters.append(Chapter(name, chapter_start, length, first))
    if not sentences:
        raise DocumentError(f"{path.name}: there is no text to read in it")
    text = "".join(parts)
    return Document(path, title, text, tuple(chapters), tuple(paragraphs), tuple(sentences))


_SPACES = re.compile(r"[^\S\n]+")
_LINE_BREAKS = re.compile(r"\s*\n\s*")


def _clean(text: str, heading: bool) -> str:
    """One paragraph: inner line breaks and runs of spaces become single spaces."""
    text = text.replace("\u00ad", "").replace("\x00", "")
    text = _LINE_BREAKS.sub(" ", text.strip())
    text = _SPACES.sub(" ", text)
    return text


def _one_line(text: str) -> str:
    return " ".join(text.split())[:200]


_URL = re.compile(r"\b(?:https?://|ftp://|www\.)[^\s<>\"')\]]+[^\s<>\"')\].,;:!?]", re.IGNORECASE)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.-]+\b")
_NOTE_MARK = re.compile(  # [1] [a] ¹² ^3 right after a word
    r"(?<=\S)(?:\[\d{1,3}\]|\[[a-z]\]|[\u00b9\u00b2\u00b3\u2070-\u2079]+|\^\d{1,3})"
)


def speakable(sentence: str, read_notes: bool = False) -> str:
    """What is said for a sentence: footnote markers and web addresses dropped unless asked."""
    if read_notes:
        return sentence
    text = _NOTE_MARK.sub("", sentence)
    text = _URL.sub("", text)
    text = _EMAIL.sub("", text)
    return _SPACES.sub(" ", text).strip()


PARAGRAPH_PAUSE = 0.6  # seconds of silence after a paragraph's last sentence (at rate 1)
HEADING_PAUSE = 1.0  # after a heading
CHAPTER_PAUSE = 1.6  # after a chapter's last sentence


def pause_after(doc: Document, index: int) -> float | None:
    """Seconds of silence after sentence `index` at rate 1: a paragraph's, a heading's or a
    chapter's pause, or None where the voice's usual sentence pause is enough."""
    s = doc.sentences[index]
    last = index + 1 >= len(doc.sentences)
    if last or doc.sentences[index + 1].chapter != s.chapter:
        return CHAPTER_PAUSE
    if doc.sentences[index + 1].paragraph == s.paragraph:
        return None
    return HEADING_PAUSE if s.heading else PARAGRAPH_PAUSE
