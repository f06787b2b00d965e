"""Fuzzing: any bytes under any suffix give a Document or a DocumentError, nothing else; any
text gives consistent offsets."""

import io
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.reader.document import Block, DocumentError, from_blocks
from assistant.reader.documents import SUFFIXES, open_document
from tests.reader.helpers import check_structure

FUZZ = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
_MARKUP = st.sampled_from(
    ["<p>", "</p>", "<h1>", "</h2>", "<nav>", "<article>", "<br/>", "<title/>", "&amp;", "\n",
     "# ", "- ", "```", "[a](b)", "===", "\x00", "\ufffd", "é", "Word. ", "<script>", "-->"]
)  # fmt: skip
_TEXTISH = st.lists(st.one_of(_MARKUP, st.text(max_size=20)), max_size=40).map("".join)


def _check(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    try:
        doc = open_document(path)
    except DocumentError as error:
        assert str(error).startswith(path.name)
    else:
        check_structure(doc)


@pytest.mark.parametrize("suffix", sorted(SUFFIXES))
@FUZZ
@given(data=st.binary(max_size=3000))
def test_any_bytes(suffix: str, data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        _check(Path(folder) / f"fuzz{suffix}", data)


@pytest.mark.parametrize("suffix", [".txt", ".md", ".rst", ".html", ".xhtml"])
@FUZZ
@given(text=_TEXTISH, encoding=st.sampled_from(["utf-8", "utf-16", "cp1252", "utf-8-sig"]))
def test_any_markup(suffix: str, text: str, encoding: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        _check(Path(folder) / f"fuzz{suffix}", text.encode(encoding, errors="replace"))


_MEMBERS = st.dictionaries(
    st.sampled_from(
        ["mimetype", "META-INF/container.xml", "OEBPS/content.opf", "content.opf", "nav.xhtml",
         "OEBPS/a.xhtml", "[Content_Types].xml", "word/document.xml", "_rels/.rels",
         "word/_rels/document.xml.rels", "META-INF/encryption.xml"]
    ),
    st.one_of(_TEXTISH, st.sampled_from([
        '<container><rootfiles><rootfile full-path="OEBPS/content.opf"/></rootfiles></container>',
        '<package><manifest><item id="a" href="a.xhtml" media-type="application/xhtml+xml"/>'
        '</manifest><spine><itemref idref="a"/></spine></package>',
    ])),
    max_size=6,
)  # fmt: skip


@pytest.mark.parametrize("suffix", [".epub", ".docx"])
@FUZZ
@given(members=_MEMBERS)
def test_any_zip(suffix: str, members: dict[str, str]) -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as book:
        for name, text in members.items():
            book.writestr(name, text)
    with tempfile.TemporaryDirectory() as folder:
        _check(Path(folder) / f"fuzz{suffix}", archive.getvalue())


@FUZZ
@given(data=st.binary(max_size=2000))
def test_any_pdf_body(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        _check(Path(folder) / "fuzz.pdf", b"%PDF-1.4\n" + data + b"\n%%EOF\n")


_BLOCKS = st.lists(
    st.builds(Block, text=st.one_of(_TEXTISH, st.text()), level=st.integers(0, 6)), max_size=12
)


@settings(max_examples=200, deadline=None)
@given(blocks=_BLOCKS)
def test_from_blocks_offsets(blocks: list[Block]) -> None:
    try:
        doc = from_blocks(Path("fuzz.txt"), "Fuzz", blocks)
    except DocumentError as error:
        assert str(error) == "fuzz.txt: there is no text to read in it"
        assert not any(ch.isalnum() for b in blocks for ch in b.text)
        return
    check_structure(doc)
    headings = [b for b in blocks if b.level and any(ch.isalnum() for ch in b.text)]
    assert any(p.heading for p in doc.paragraphs) == bool(headings)
