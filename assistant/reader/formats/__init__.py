"""Extractors, one per document format family; each alone imports its parsing library."""

from __future__ import annotations

import re
import unicodedata

GARBAGE_SHARE = 0.3  # refuse text where more than this share of its characters is unreadable
_CID = re.compile(r"\(cid:\d+\)")  # pdfminer's stand-in for a glyph it could not map
_UNREADABLE = frozenset({"Cc", "Cs", "Co", "Cn"})  # control, surrogate, private-use, unassigned


def garbage_share(text: str) -> float:
    """The share of non-space characters that cannot be read: replacement marks, control and
    private-use characters, glyphs without a character."""
    text = _CID.sub("\ufffd", text)
    bad = total = 0
    for ch in text:
        if ch.isspace():
            continue
        total += 1
        if ch == "\ufffd" or unicodedata.category(ch) in _UNREADABLE:
            bad += 1
    return bad / total if total else 0.0
