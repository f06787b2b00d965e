"""EPUB extraction on books written with zipfile: spine order, navigation titles, bad books."""

import zipfile
from pathlib import Path

import pytest

from assistant.reader.document import DocumentError
from assistant.reader.documents import open_document
from tests.reader.helpers import chapter_text, check_structure

CONTAINER = """<?xml version="1.0"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>
  </rootfiles></container>"""

# The spine reads c_intro, b_middle, a_end: the opposite of the files' alphabetical order.
OPF = """<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id">
  <metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
    <dc:identifier id="id">urn:uuid:1</dc:identifier><dc:title>The Lighthouse Keeper</dc:title>
  </metadata>
  <manifest>
    <item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>
    <item id="end" href="text/a_end.xhtml" media-type="application/xhtml+xml"/>
    <item id="mid" href="text/b%20middle.xhtml" media-type="application/xhtml+xml"/>
    <item id="intro" href="text/c_intro.xhtml" media-type="application/xhtml+xml"/>
    <item id="css" href="style.css" media-type="text/css"/>
  </manifest>
  <spine><itemref idref="nav"/><itemref idref="intro"/><itemref idref="mid"/>
    <itemref idref="end"/></spine>
</package>"""

NAV = """<?xml version="1.0" encoding="utf-8"?>
<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops">
<head><title/></head><body>
<nav epub:type="landmarks"><ol><li><a href="text/a_end.xhtml">Wrong title</a></li></ol></nav>
<nav epub:type="toc"><h1>Contents</h1><ol>
  <li><a href="text/c_intro.xhtml">Arrival at the Rock</a></li>
  <li><a href="text/b%20middle.xhtml#start">The Long Winter</a></li>
</ol></nav></body></html>"""


def chapter(body: str) -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<html xmlns="http://www.w3.org/1999/xhtml"><head><title/>'
        '<link rel="stylesheet" href="../style.css"/></head>'
        f"<body>{body}</body></html>"
    )


CHAPTERS = {
    "OEBPS/text/c_intro.xhtml": chapter(
        "<h1>One</h1><p>The keeper came to the rock in spring.</p><p>He carried a lamp.</p>"
    ),
    "OEBPS/text/b middle.xhtml": chapter(
        '<section><h2 id="start">Two</h2><p>Snow closed the sea road.</p>'
        "<p>The light burned every night.</p></section>"
    ),
    "OEBPS/text/a_end.xhtml": chapter(
        "<h2>Three: The Relief Boat</h2><p>A boat came at last, in April.</p>"
    ),
}


def write_epub(path: Path, files: dict[str, str], *, mimetype: bool = True) -> Path:
    with zipfile.ZipFile(path, "w") as book:
        if mimetype:
            book.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        for name, text in files.items():
            book.writestr(name, text, compress_type=zipfile.ZIP_DEFLATED)
    return path


def book_files() -> dict[str, str]:
    return {
        "META-INF/container.xml": CONTAINER,
        "OEBPS/content.opf": OPF,
        "OEBPS/nav.xhtml": NAV,
        "OEBPS/style.css": "p { margin: 0 }",
        **CHAPTERS,
    }


def test_spine_order_and_titles_from_the_navigation_document(tmp_path: Path) -> None:
    doc = open_document(write_epub(tmp_path / "keeper.epub", book_files()))
    check_structure(doc)
    assert doc.title == "The Lighthouse Keeper"
    titles = [c.title for c in doc.chapters]
    assert titles == ["Arrival at the Rock", "The Long Winter", "Three: The Relief Boat"]
    assert (
        chapter_text(doc, 0)
        == "One\n\nThe keeper came to the rock in spring.\n\nHe carried a lamp."
    )
    assert chapter_text(doc, 1).endswith("The light burned every night.")
    assert chapter_text(doc, 2) == "Three: The Relief Boat\n\nA boat came at last, in April."
    assert "Contents" not in doc.text  # the navigation document is not read as a chapter
    heading = doc.sentences[0]
    assert heading.heading and doc.sentence_text(0) == "One"


def test_epub2_titles_from_the_ncx(tmp_path: Path) -> None:
    files = book_files()
    del files["OEBPS/nav.xhtml"]
    files["OEBPS/content.opf"] = (
        OPF.replace('<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" '
                    'properties="nav"/>',
                    '<item id="ncx" href="toc.ncx" media-type="application/x-dtbncx+xml"/>')
        .replace('<spine><itemref idref="nav"/>', '<spine toc="ncx">')
    )  # fmt: skip
    files["OEBPS/toc.ncx"] = """<?xml version="1.0"?>
<ncx xmlns="http://www.daisy.org/z3986/2005/ncx/" version="2005-1"><navMap>
<navPoint id="p1"><navLabel><text>Arrival</text></navLabel><content src="text/c_intro.xhtml"/>
</navPoint><navPoint id="p3"><navLabel><text>Relief</text></navLabel>
<content src="text/a_end.xhtml"/></navPoint></navMap></ncx>"""
    doc = open_document(write_epub(tmp_path / "keeper2.epub", files))
    check_structure(doc)
    # the middle file is not in the NCX: its first heading titles it
    assert [c.title for c in doc.chapters] == ["Arrival", "Two", "Relief"]


def test_missing_container_is_not_an_epub(tmp_path: Path) -> None:
    files = book_files()
    del files["META-INF/container.xml"]
    with pytest.raises(DocumentError, match=r"^broken\.epub is not a valid EPUB book"):
        open_document(write_epub(tmp_path / "broken.epub", files))


def test_truncated_epub_is_damaged(tmp_path: Path) -> None:
    data = write_epub(tmp_path / "whole.epub", book_files()).read_bytes()
    path = tmp_path / "cut.epub"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(DocumentError) as error:
        open_document(path)
    assert str(error.value) == (
        "cut.epub is damaged or is not really an EPUB book; the reader cannot open it."
    )


def test_drm_protected_chapters_are_refused(tmp_path: Path) -> None:
    files = book_files()
    files["META-INF/encryption.xml"] = """<?xml version="1.0"?>
<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container"
 xmlns:enc="http://www.w3.org/2001/04/xmlenc#"><enc:EncryptedData>
<enc:CipherData><enc:CipherReference URI="OEBPS/text/c_intro.xhtml"/></enc:CipherData>
</enc:EncryptedData></encryption>"""
    with pytest.raises(DocumentError, match=r"^drm\.epub is protected by DRM"):
        open_document(write_epub(tmp_path / "drm.epub", files))


def test_a_book_without_text_says_so(tmp_path: Path) -> None:
    files = book_files()
    for name in CHAPTERS:
        files[name] = chapter('<img src="cover.jpg" alt=""/>')
    with pytest.raises(DocumentError, match=r"^pictures\.epub: there is no text to read"):
        open_document(write_epub(tmp_path / "pictures.epub", files))
