"""Plain text, reStructuredText and Markdown, in any common encoding (charset-normalizer)."""

from __future__ import annotations

import codecs
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import charset_normalizer
from markdown_it import MarkdownIt
from markdown_it.token import Token

from assistant.reader.document import Block, Document, DocumentError, from_blocks
from assistant.reader.formats import GARBAGE_SHARE, garbage_share

log = logging.getLogger(__name__)

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_PREFERRED = "cp1252"  # chosen over a look-alike code page that detection found no better
_CHAOS_MARGIN = 0.15
_WIDE = ["utf_16", "utf_16_be", "utf_16_le", "utf_32", "utf_32_be", "utf_32_le"]


def decode(data: bytes, name: str) -> str:
    """The text of `data` in its detected encoding; DocumentError where it is not text."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _checked(data.decode(encoding, errors="replace"), name)
    try:
        text = _detected(data, name) if b"\x00" in data else data.decode("utf-8")
    except UnicodeDecodeError:  # not UTF-8; NUL bytes may still be UTF-16 or UTF-32 without a BOM
        text = _detected(data, name)
    if "\x00" in text:
        raise DocumentError(f"{name} does not look like text; it holds binary data.")
    return _checked(text, name)


def _detected(data: bytes, name: str) -> str:
    wide = b"\x00" in data  # UTF-16 and UTF-32 text always has NUL bytes; short text may look wide
    matches = charset_normalizer.from_bytes(data, cp_exclusion=None if wide else _WIDE)
    best = matches.best()
    if best is None:
        raise DocumentError(f"{name} does not look like text; it may be a binary file.")
    for match in matches:
        if _PREFERRED in match.could_be_from_charset and match.chaos <= best.chaos + _CHAOS_MARGIN:
            log.debug("%s: %s chosen over %s", name, _PREFERRED, best.encoding)
            return data.decode(_PREFERRED, errors="replace")
    log.debug("%s: encoding %s (chaos %.2f)", name, best.encoding, best.chaos)
    return str(best)


def _checked(text: str, name: str) -> str:
    if garbage_share(text) > GARBAGE_SHARE:
        raise DocumentError(f"{name} is mostly unreadable characters; the reader will not read it.")
    return text


def extract_text(path: Path, data: bytes) -> Document:
    """Paragraphs are separated by blank lines; a file without any has a paragraph a line."""
    text = decode(data, path.name)
    return from_blocks(path, path.stem, text_blocks(text))


def text_blocks(text: str) -> list[Block]:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    parts = re.split(r"\n[^\S\n]*\n", text)
    if len(parts) == 1:
        parts = text.split("\n")
    return [Block(part) for part in parts]


_ADORNMENT = re.compile(r"([=\-~^\"'`#*+_:.<>])\1{2,}\s*")


def extract_rst(path: Path, data: bytes) -> Document:
    """reStructuredText read as plain text; underlined titles become headings (levels in the
    order their adornment first appears), and adornment lines are not read."""
    lines = decode(data, path.name).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    order: list[str] = []
    blocks: list[Block] = []
    paragraph: list[str] = []
    for i, line in enumerate(lines):
        if _ADORNMENT.fullmatch(line):
            if paragraph and i and lines[i - 1].strip() and len(paragraph) == 1:
                order += [] if line[0] in order else [line[0]]
                blocks.append(Block(paragraph.pop(), min(order.index(line[0]) + 1, 6)))
            continue
        if not line.strip():
            blocks.append(Block(" ".join(paragraph)))
            paragraph = []
            continue
        paragraph.append(line)
    blocks.append(Block(" ".join(paragraph)))
    return from_blocks(path, path.stem, blocks)


def extract_markdown(path: Path, data: bytes) -> Document:
    """Headings, paragraphs, list items and table rows; code blocks and raw HTML are skipped,
    links keep their text, images their alt text."""
    tokens = (
        MarkdownIt("commonmark").enable(["table", "strikethrough"]).parse(decode(data, path.name))
    )
    blocks = list(_markdown_blocks(tokens))
    title = next((b.text for b in blocks if b.level == 1), path.stem)
    return from_blocks(path, title, blocks)


def _markdown_blocks(tokens: list[Token]) -> Iterator[Block]:
    level, cell = 0, False
    row: list[str] = []
    for token in tokens:
        if token.type == "heading_open":
            level = int(token.tag[1:])
        elif token.type == "heading_close":
            level = 0
        elif token.type in ("th_open", "td_open", "th_close", "td_close"):
            cell = token.type.endswith("open")
        elif token.type == "tr_open":
            row = []
        elif token.type == "tr_close":
            yield Block("; ".join(text for text in row if text.strip()))
        elif token.type == "inline" and cell:
            row.append(_inline_text(token))
        elif token.type == "inline":
            yield Block(_inline_text(token), level)


def _inline_text(token: Token) -> str:
    parts: list[str] = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif child.type == "image":
            parts.append(child.content)  # the alt text
    return "".join(parts)
