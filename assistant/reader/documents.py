"""Opening a document to read aloud: the checks every file passes, then its format's extractor."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

from assistant.reader.document import Document, DocumentError
from assistant.reader.formats import GARBAGE_SHARE, garbage_share

log = logging.getLogger(__name__)

_TEXT = frozenset({".txt", ".text"})
_MARKDOWN = frozenset({".md", ".markdown"})
_HTML = frozenset({".html", ".htm", ".xhtml"})
_PACKAGES = frozenset({".pdf", ".epub", ".docx"})
SUFFIXES: frozenset[str] = _TEXT | _MARKDOWN | _HTML | _PACKAGES | {".rst"}
"""The one list of the file name endings the reader opens (lower case, with the dot)."""

MAX_BYTES = 20 * 2**20
"""The largest text, Markdown or web page file the reader opens (20 MB)."""
MAX_PACKAGE_BYTES = 100 * 2**20
"""The largest PDF, EPUB or Word file (100 MB: pictures make these larger for the same text)."""

SUPPORTED = (
    "plain text (.txt), Markdown (.md), reStructuredText (.rst), web pages (.html, .xhtml), "
    "PDF, EPUB and Word (.docx)"
)
_KIND = {".pdf": "a PDF file", ".epub": "an EPUB book", ".docx": "a Word document"}
_KIND.update(
    {s: "a text file" for s in (*_TEXT, ".rst")} | {s: "a Markdown file" for s in _MARKDOWN}
)
_KIND.update({s: "a web page" for s in _HTML})
_HINTS = {
    ".doc": "it is an old Word document; save it as .docx first",
    ".odt": "save it as .docx first",
    ".rtf": "save it as .docx or plain text first",
    ".mobi": "convert it to EPUB first",
    ".azw": "convert it to EPUB first",
    ".azw3": "convert it to EPUB first",
}


def open_document(path: str | os.PathLike[str], *, max_bytes: int | None = None) -> Document:
    """The document at `path`, its text extracted; DocumentError with one plain message (naming
    the file and the reason) for anything that cannot be read aloud. `max_bytes` replaces the
    size limits (MAX_BYTES, MAX_PACKAGE_BYTES), which are checked before anything is read."""
    path = Path(path).expanduser()
    name = path.name or str(path)
    size = _file_size(path, name)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise DocumentError(_unsupported(name, suffix))
    limit = max_bytes if max_bytes is not None else _limit(suffix)
    if size > limit:
        raise DocumentError(
            f"{name} is too large to read aloud ({_mb(size)}; the limit is {_mb(limit)})."
        )
    if size == 0:
        raise DocumentError(f"{name} is empty; there is nothing to read.")
    data = _read(path, name, limit)
    try:
        document = _extract(suffix, path, data)
    except DocumentError:
        raise
    except Exception as error:  # a library's parser failing on a bad file
        log.debug("cannot extract %s: %r", path, error, exc_info=True)
        raise DocumentError(
            f"{name} is damaged or is not really {_KIND[suffix]}; the reader cannot open it."
        ) from None
    if garbage_share(document.text) > GARBAGE_SHARE:
        raise DocumentError(f"{name} is mostly unreadable characters; the reader will not read it.")
    log.info(
        "%s: %d chapters, %d paragraphs, %d sentences",
        name,
        len(document.chapters),
        len(document.paragraphs),
        len(document.sentences),
    )
    return document


def _limit(suffix: str) -> int:
    return MAX_PACKAGE_BYTES if suffix in _PACKAGES else MAX_BYTES


def _mb(size: int) -> str:
    return f"{size / 2**20:.1f} MB"


def _unsupported(name: str, suffix: str) -> str:
    ending = f"a {suffix} file" if suffix else "a file without an ending like .txt or .pdf"
    hint = f" ({_HINTS[suffix]})" if suffix in _HINTS else ""
    return f"{name} is {ending}, which the reader cannot open{hint}. It opens {SUPPORTED}."


def _file_size(path: Path, name: str) -> int:
    """The size of a regular file, checked before anything is read."""
    try:
        info = path.stat()
    except FileNotFoundError:
        where = path.parent if str(path.parent) != "." else Path.cwd()
        raise DocumentError(f"{name} was not found (looked in {where}).") from None
    except PermissionError:
        raise DocumentError(f"{name} cannot be opened: permission denied.") from None
    except OSError as error:
        raise DocumentError(f"{name} cannot be opened: {error.strerror or error}.") from None
    if stat.S_ISDIR(info.st_mode):
        raise DocumentError(f"{name} is a folder, not a document.")
    if not stat.S_ISREG(info.st_mode):
        raise DocumentError(f"{name} is not a regular file (it may be a device or a pipe).")
    return info.st_size


def _read(path: Path, name: str, limit: int) -> bytes:
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except PermissionError:
        raise DocumentError(f"{name} cannot be opened: permission denied.") from None
    except OSError as error:
        raise DocumentError(f"{name} cannot be read: {error.strerror or error}.") from None
    if len(data) > limit:  # it grew since it was measured
        raise DocumentError(f"{name} is too large to read aloud (the limit is {_mb(limit)}).")
    return data


def _extract(suffix: str, path: Path, data: bytes) -> Document:
    """The format's extractor, imported only when a file needs it (some libraries are slow)."""
    if suffix == ".pdf":
        from assistant.reader.formats import pdf

        return pdf.extract(path, data)
    if suffix == ".epub":
        from assistant.reader.formats import epub

        return epub.extract(path, data)
    if suffix == ".docx":
        from assistant.reader.formats import docx

        return docx.extract(path, data)
    if suffix in _HTML:
        from assistant.reader.formats import html

        return html.extract(path, data)
    from assistant.reader.formats import text

    if suffix in _MARKDOWN:
        return text.extract_markdown(path, data)
    if suffix == ".rst":
        return text.extract_rst(path, data)
    return text.extract_text(path, data)
