"""EPUB 2 and 3: the spine's documents in order, titled from the navigation document or NCX."""

from __future__ import annotations

import io
import logging
import posixpath
import zipfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urldefrag
from xml.etree import ElementTree

from assistant.reader.document import Document, DocumentError, Section, from_sections
from assistant.reader.formats.html import content_blocks, parse
from assistant.reader.formats.text import decode

log = logging.getLogger(__name__)

MAX_MEMBER_BYTES = 64 * 1024 * 1024  # uncompressed; a larger part is refused (a zip bomb)
_CONTAINER = "META-INF/container.xml"


@dataclass(frozen=True)
class _Item:
    href: str  # the path inside the zip
    media_type: str
    properties: str


def extract(path: Path, data: bytes) -> Document:
    name = path.name
    book = zipfile.ZipFile(io.BytesIO(data))
    book.filename = name  # for messages
    opf_path = _rootfile(book, name)
    opf = _xml(book, opf_path)
    base = posixpath.dirname(opf_path)
    items = {
        item.get("id", ""): _Item(
            _resolve(base, item.get("href", "")),
            item.get("media-type", ""),
            item.get("properties", ""),
        )
        for item in opf.iterfind(".//{*}manifest/{*}item")
    }
    spine_node = opf.find(".//{*}spine")
    spine = [
        items[ref.get("idref", "")]
        for ref in (spine_node.iterfind("{*}itemref") if spine_node is not None else [])
        if ref.get("idref", "") in items and ref.get("linear", "yes") != "no"
    ]
    _refuse_drm(book, name, {item.href for item in spine})
    nav = next((item for item in items.values() if "nav" in item.properties.split()), None)
    toc_id = spine_node.get("toc", "") if spine_node is not None else ""
    titles = _titles(book, nav.href if nav else "", items[toc_id].href if toc_id in items else "")
    sections = [
        _section(book, item, titles.get(item.href, ""))
        for item in spine
        if "html" in item.media_type and (nav is None or item.href != nav.href)
    ]
    title = " ".join("".join(opf.findtext(".//{*}metadata/{*}title") or "").split())
    return from_sections(path, title or path.stem, sections)


def _read(book: zipfile.ZipFile, member: str) -> bytes:
    info = book.getinfo(member)
    if info.file_size > MAX_MEMBER_BYTES:
        raise DocumentError(
            f"{book.filename}: its part {member} is too large to read ({info.file_size} bytes)."
        )
    with book.open(info) as handle:
        return handle.read(MAX_MEMBER_BYTES + 1)[:MAX_MEMBER_BYTES]


def _xml(book: zipfile.ZipFile, member: str) -> ElementTree.Element:
    return ElementTree.fromstring(_read(book, member))


def _rootfile(book: zipfile.ZipFile, name: str) -> str:
    if _CONTAINER not in book.namelist():
        raise DocumentError(f"{name} is not a valid EPUB book (it has no {_CONTAINER}).")
    rootfile = _xml(book, _CONTAINER).find(".//{*}rootfile")
    full_path = rootfile.get("full-path", "") if rootfile is not None else ""
    if full_path not in book.namelist():
        raise DocumentError(f"{name} is not a valid EPUB book (its package file is missing).")
    return full_path


def _resolve(base: str, href: str) -> str:
    """A link relative to `base` as a path inside the zip, without its #fragment."""
    target = unquote(urldefrag(href)[0])
    return posixpath.normpath(posixpath.join(base, target)) if target else ""


def _refuse_drm(book: zipfile.ZipFile, name: str, parts: set[str]) -> None:
    """Font obfuscation is allowed; encrypted chapters mean DRM."""
    if "META-INF/encryption.xml" not in book.namelist():
        return
    encryption = _xml(book, "META-INF/encryption.xml")
    for reference in encryption.iterfind(".//{*}CipherReference"):
        if unquote(reference.get("URI", "")) in parts:
            raise DocumentError(f"{name} is protected by DRM; the reader cannot open it.")


def _titles(book: zipfile.ZipFile, nav: str, ncx: str) -> dict[str, str]:
    """Chapter titles by file from the EPUB 3 navigation document, else the EPUB 2 NCX; a
    table of contents that cannot be read only costs the titles."""
    try:
        return (_nav_titles(book, nav) if nav else {}) or (_ncx_titles(book, ncx) if ncx else {})
    except Exception:
        log.debug("the table of contents cannot be read", exc_info=True)
        return {}


def _nav_titles(book: zipfile.ZipFile, href: str) -> dict[str, str]:
    """The first title the EPUB 3 navigation document's table of contents gives each file."""
    tree = parse(decode(_read(book, href), href), href)
    navs = tree.css("nav")
    toc = next(
        (n for n in navs if n.attributes.get("epub:type") == "toc"), navs[0] if navs else None
    )
    titles: dict[str, str] = {}
    base = posixpath.dirname(href)
    for link in toc.css("a[href]") if toc is not None else []:
        target = _resolve(base, link.attributes.get("href") or "")
        text = " ".join(link.text().split())
        if target and text:
            titles.setdefault(target, text)
    return titles


def _ncx_titles(book: zipfile.ZipFile, href: str) -> dict[str, str]:
    """The same from an EPUB 2 NCX file."""
    titles: dict[str, str] = {}
    base = posixpath.dirname(href)
    for point in _xml(book, href).iterfind(".//{*}navPoint"):
        content = point.find("{*}content")
        target = _resolve(base, content.get("src", "") if content is not None else "")
        text = " ".join((point.findtext("{*}navLabel/{*}text") or "").split())
        if target and text:
            titles.setdefault(target, text)
    return titles


def _section(book: zipfile.ZipFile, item: _Item, title: str) -> Section:
    """A spine document's headings and paragraphs; titled by the table of contents, else by
    its first heading (a section without either gets a number from `from_sections`)."""
    try:
        markup = decode(_read(book, item.href), item.href)
    except KeyError:
        log.debug("the spine names %s, which the book does not hold", item.href)
        return Section(title, ())
    except DocumentError as error:  # one unreadable part does not spoil the rest
        log.debug("skipping %s: %s", item.href, error)
        return Section(title, ())
    root = parse(markup, item.href).body
    blocks = content_blocks(root, web_page=False) if root is not None else []
    if not title:
        title = next((b.text for b in blocks if b.level), "")
    return Section(title, tuple(blocks))
