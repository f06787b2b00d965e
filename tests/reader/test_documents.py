"""open_document: text in its encodings, Markdown, reStructuredText, web pages, and every kind
of file that cannot be read, each with its one message."""

import io
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from PIL import Image

from assistant.reader import documents
from assistant.reader.document import Block, DocumentError, from_blocks
from assistant.reader.documents import SUFFIXES, open_document
from assistant.reader.formats import garbage_share
from assistant.reader.formats import html as html_format
from tests.reader.helpers import chapter_text, check_structure

REPO = Path(__file__).resolve().parents[2]
FRENCH = "Le café coûte 5 €. « Déjà vu », dit-elle — naïve et sûre.\n\nÇa suffit."


def test_the_suffixes() -> None:
    assert {
        ".txt", ".text", ".md", ".markdown", ".rst", ".html", ".htm", ".xhtml", ".pdf",
        ".epub", ".docx",
    } == SUFFIXES  # fmt: skip


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "cp1252"])
def test_text_in_common_encodings(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "note.txt"
    path.write_bytes(FRENCH.encode(encoding))
    doc = open_document(path)
    check_structure(doc)
    assert doc.text == FRENCH
    assert [doc.sentence_text(i) for i in range(len(doc.sentences))] == [
        "Le café coûte 5 €.", "« Déjà vu », dit-elle — naïve et sûre.", "Ça suffit.",
    ]  # fmt: skip


def test_latin1_text(tmp_path: Path) -> None:
    text = "Grüße aus Köln. Die Straße ist schön, der Fluss fließt ruhig."
    path = tmp_path / "gruss.text"
    path.write_bytes(text.encode("latin-1"))
    assert open_document(path).text == text


def test_plain_text_paragraphs(tmp_path: Path) -> None:
    path = tmp_path / "story.txt"
    path.write_text("First line\nwrapped here.\r\n\r\nSecond paragraph.\n\n\n", encoding="utf-8")
    doc = open_document(path)
    assert doc.text == "First line wrapped here.\n\nSecond paragraph."
    assert len(doc.paragraphs) == 2 and doc.chapters[0].title == "story"


def test_markdown(tmp_path: Path) -> None:
    path = tmp_path / "guide.md"
    path.write_text(
        "# Getting started\n\nRead the [manual](https://example.com/manual) first.\n\n"
        "- one item\n- two items\n\n```sh\nrm -rf /tmp/x\n```\n\n![A red door](door.png)\n\n"
        "# Next steps\n\n## Details\n\nUse `--help` for **more**.\n",
        encoding="utf-8",
    )
    doc = open_document(path)
    check_structure(doc)
    assert doc.title == "Getting started"
    assert [c.title for c in doc.chapters] == ["Getting started", "Next steps"]
    assert chapter_text(doc, 0) == (
        "Getting started\n\nRead the manual first.\n\none item\n\ntwo items\n\nA red door"
    )
    assert chapter_text(doc, 1) == "Next steps\n\nDetails\n\nUse --help for more."
    assert [p.heading for p in doc.paragraphs].count(True) == 3


def test_restructured_text_titles(tmp_path: Path) -> None:
    path = tmp_path / "notes.rst"
    path.write_text(
        "=====\nNotes\n=====\n\nIntro text.\n\nFirst\n=====\n\nAlpha.\n\nSub\n---\n\nBeta.\n\n"
        "Second\n======\n\nGamma.\n",
        encoding="utf-8",
    )
    doc = open_document(path)
    check_structure(doc)
    assert "===" not in doc.text and "---" not in doc.text
    assert [c.title for c in doc.chapters] == ["Notes", "First", "Second"]


PAGE = """<!DOCTYPE html><html><head><title>River news</title>
<style>body { color: red }</style><script>alert("menu")</script></head><body>
<header><a href="/">Home</a> <a href="/about">About us</a></header>
<nav><ul><li><a href="/a">Menu one</a></li><li><a href="/b">Menu two</a></li></ul></nav>
<div class="menu" role="navigation">Skip to content</div>
<article><header><h1>The flood has passed</h1><p>By a reporter</p></header>
<p>The water fell overnight.<br>Roads <a href="https://x.example/roads">reopened</a> at noon.</p>
<h2>What comes next</h2><p>Repairs start on Monday.</p>
<footer>Share this article</footer></article>
<aside>Related: other floods</aside>
<footer>Copyright 2024 River News</footer></body></html>"""


def test_html_main_content_only(tmp_path: Path) -> None:
    path = tmp_path / "news.html"
    path.write_text(PAGE, encoding="utf-8")
    doc = open_document(path)
    check_structure(doc)
    assert doc.title == "River news"
    assert doc.text == (
        "The flood has passed\n\nBy a reporter\n\nThe water fell overnight. Roads reopened at "
        "noon.\n\nWhat comes next\n\nRepairs start on Monday."
    )
    assert doc.chapters[0].title == "The flood has passed"


def test_html_without_article_drops_the_chrome_around_the_body(tmp_path: Path) -> None:
    page = PAGE.replace("<article>", "<div>").replace("</article>", "</div>")
    path = tmp_path / "page.htm"
    path.write_text(page, encoding="cp1252")
    doc = open_document(path)
    for chrome in ("Home", "Menu one", "Skip to content", "Copyright", "Related", "alert", "color"):
        assert chrome not in doc.text
    assert "Repairs start on Monday." in doc.text


def _message(path: Path, **kwargs: int) -> str:
    with pytest.raises(DocumentError) as error:
        open_document(path, **kwargs)
    return str(error.value)


def test_empty_file(tmp_path: Path) -> None:
    (tmp_path / "blank.md").write_bytes(b"")
    assert _message(tmp_path / "blank.md") == "blank.md is empty; there is nothing to read."


def test_whitespace_only_has_no_text(tmp_path: Path) -> None:
    (tmp_path / "spaces.txt").write_text(" \n\n ... --- \n")
    assert _message(tmp_path / "spaces.txt") == "spaces.txt: there is no text to read in it"


def test_binary_renamed_to_txt(tmp_path: Path) -> None:
    picture = io.BytesIO()
    Image.effect_noise((64, 64), 50).save(picture, "PNG")
    (tmp_path / "photo.txt").write_bytes(picture.getvalue())
    assert _message(tmp_path / "photo.txt").startswith("photo.txt does not look like text")
    (tmp_path / "program.txt").write_bytes(Path(sys.executable).read_bytes()[:100_000])
    assert _message(tmp_path / "program.txt").startswith("program.txt does not look like text")


def test_control_characters_are_garbage(tmp_path: Path) -> None:
    (tmp_path / "noise.txt").write_bytes(bytes(range(1, 32)) * 40 + b"some words")
    assert _message(tmp_path / "noise.txt") == (
        "noise.txt is mostly unreadable characters; the reader will not read it."
    )


def test_missing_file(tmp_path: Path) -> None:
    assert _message(tmp_path / "gone.pdf") == f"gone.pdf was not found (looked in {tmp_path})."


def test_a_directory(tmp_path: Path) -> None:
    (tmp_path / "books.epub").mkdir()
    assert _message(tmp_path / "books.epub") == "books.epub is a folder, not a document."


def test_unsupported_formats_name_the_supported_ones(tmp_path: Path) -> None:
    (tmp_path / "song.mp3").write_bytes(b"ID3")
    (tmp_path / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0")
    message = _message(tmp_path / "song.mp3")
    assert message.startswith("song.mp3 is a .mp3 file, which the reader cannot open. It opens ")
    assert all(kind in message for kind in ("plain text", "Markdown", "PDF", "EPUB", "Word"))
    assert "save it as .docx first" in _message(tmp_path / "old.doc")


def test_size_is_checked_before_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:
        handle.truncate(50 * 2**20)  # sparse: 50 MB that take no disk

    def no_reading(*args: object, **kwargs: object) -> None:
        raise AssertionError("the file was read")

    monkeypatch.setattr(Path, "open", no_reading)
    assert _message(path) == "huge.txt is too large to read aloud (50.0 MB; the limit is 20.0 MB)."
    assert "the limit is 0.0 MB" in _message(path, max_bytes=1000)


def test_the_size_limit_can_be_raised(tmp_path: Path) -> None:
    path = tmp_path / "long.txt"
    path.write_text("A sentence that repeats. " * 4000)
    assert _message(path, max_bytes=50_000).startswith("long.txt is too large")
    assert len(open_document(path, max_bytes=200_000).sentences) == 4000


def test_unreadable_permissions(tmp_path: Path) -> None:
    expected = "secret.txt cannot be opened: permission denied."
    if os.geteuid() != 0:
        (tmp_path / "secret.txt").write_text("Hidden.")
        (tmp_path / "secret.txt").chmod(0)
        assert _message(tmp_path / "secret.txt") == expected
        return
    # root reads anything: ask from a child that is the user nobody, in a folder it may enter
    with tempfile.TemporaryDirectory() as folder:
        os.chmod(folder, 0o755)
        path = Path(folder) / "secret.txt"
        path.write_text("Hidden.")
        path.chmod(0)
        assert _as_nobody(path) == expected


def _as_nobody(path: Path) -> str:
    """The message open_document gives in a forked child without root's rights."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: drop root, try, report through the pipe, never return
        message = "no error"
        try:
            os.setgroups([])
            os.setresgid(65534, 65534, 65534)
            os.setresuid(65534, 65534, 65534)
            open_document(path)
        except DocumentError as error:
            message = str(error)
        except BaseException as error:
            message = repr(error)
        finally:
            os.write(write, message.encode())
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        message = pipe.read()
    os.waitpid(pid, 0)
    return message


def test_a_library_failure_becomes_one_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(path: Path, data: bytes) -> None:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(html_format, "extract", broken)
    (tmp_path / "deep.html").write_text("<p>text</p>")
    assert _message(tmp_path / "deep.html") == (
        "deep.html is damaged or is not really a web page; the reader cannot open it."
    )


def test_extractors_load_lazily() -> None:
    code = (
        "import sys, assistant.reader.documents\n"
        "print(sorted(m for m in ('pdfminer', 'pypdf', 'docx', 'selectolax', 'markdown_it') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert out.stdout.strip() == "[]" and documents.MAX_BYTES == 20 * 2**20


def test_markup_nested_too_deeply_is_refused_quickly(tmp_path: Path) -> None:
    (tmp_path / "deep.xhtml").write_text("<div>" * 5000 + "Deep." + "</div>" * 5000)
    assert _message(tmp_path / "deep.xhtml") == (
        "deep.xhtml is nested too deeply (5000 levels) to be read."
    )
    (tmp_path / "fine.html").write_text("<div>" * 500 + "Deep." + "</div>" * 500)
    assert open_document(tmp_path / "fine.html").text == "Deep."


def test_unmapped_pdf_glyphs_count_as_garbage() -> None:
    assert garbage_share("(cid:12)(cid:7) ab") == pytest.approx(2 / 4)
    assert garbage_share("plain words\n") == 0.0
    assert garbage_share("\ufffd\x07\ue000ok") == pytest.approx(3 / 5)


def test_a_heading_without_words_is_no_chapter() -> None:
    doc = from_blocks(Path("x.md"), "X", [Block("* * *", 1), Block("Text."), Block("Real", 2)])
    assert [c.title for c in doc.chapters] == ["X", "Real"]
