"""PDF extraction on files reportlab writes: reading order, running matter, hyphens, outline."""

import re
from pathlib import Path

import pypdf
import pytest
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
)

from assistant.reader.document import DocumentError
from assistant.reader.documents import open_document
from assistant.reader.formats.pdf_layout import Box, Line, reading_order, unhyphenate
from tests.reader.helpers import chapter_text, check_structure

WIDTH, HEIGHT = A4
HEADER = "A Study of Quiet Rivers"
HYPHENATED = (
    "The surveyors measured every bend with great care and recorded an exam-<br/>ple of each "
    "kind of pool in their notebooks, a well-<br/>known habit of theirs."
)


def _decorate(page: canvas.Canvas, doc: BaseDocTemplate) -> None:
    page.saveState()
    page.setFont("Helvetica", 9)
    page.drawString(2 * cm, HEIGHT - 1.5 * cm, HEADER)
    page.drawCentredString(WIDTH / 2, 1.2 * cm, f"Page {doc.page}")
    page.restoreState()


class _Book(BaseDocTemplate):
    """Every Heading1 paragraph gets a bookmark and an outline entry."""

    def afterFlowable(self, flowable: Flowable) -> None:
        if isinstance(flowable, Paragraph) and flowable.style.name == "Heading1":
            key = f"h{id(flowable)}"
            self.canv.bookmarkPage(key)
            self.canv.addOutlineEntry(flowable.getPlainText(), key, level=0)


def build_book(path: Path) -> Path:
    """Chapter one: one column over two pages, with a hyphenated line break at its end;
    chapter two: a page of two columns. A running header and a page number on every page."""
    styles = getSampleStyleSheet()
    body = styles["BodyText"]
    one = Frame(2 * cm, 2.5 * cm, WIDTH - 4 * cm, HEIGHT - 5 * cm, id="one")
    column = (WIDTH - 5 * cm) / 2
    left = Frame(2 * cm, 2.5 * cm, column, HEIGHT - 5 * cm, id="left")
    right = Frame(3 * cm + column, 2.5 * cm, column, HEIGHT - 5 * cm, id="right")
    doc = _Book(str(path), pagesize=A4)
    doc.addPageTemplates(
        [
            PageTemplate("one", [one], onPage=_decorate),
            PageTemplate("two", [left, right], onPage=_decorate),
        ]
    )
    story: list[Flowable] = [Paragraph("Chapter One: The Source", styles["Heading1"])]
    for i in range(1, 31):
        sentence = f"Paragraph {i} of the first chapter tells how the water gathers in the hills. "
        story.append(Paragraph(sentence + "It is a calm and steady river. " * 3, body))
    story += [Paragraph(HYPHENATED, body), NextPageTemplate("two"), PageBreak()]
    story.append(Paragraph("Chapter Two: The Delta", styles["Heading1"]))
    for i in range(1, 23):
        text = f"Column paragraph {i} describes the delta where the river slows and spreads."
        story.append(Paragraph(text, body))
    doc.build(story)
    return path


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_book(tmp_path_factory.mktemp("pdf") / "rivers.pdf")


def test_book_reads_in_order_without_running_matter(book: Path) -> None:
    doc = open_document(book)
    check_structure(doc)
    assert [c.title for c in doc.chapters] == ["Chapter One: The Source", "Chapter Two: The Delta"]
    assert HEADER not in doc.text
    assert not re.search(r"\bPage \d", doc.text)
    numbers = [int(n) for n in re.findall(r"Paragraph (\d+) of", doc.text)]
    assert numbers == list(range(1, 31))
    columns = [int(n) for n in re.findall(r"Column paragraph (\d+) ", doc.text)]
    assert columns == list(range(1, 23))  # the left column, then the right one
    assert "Chapter Two" not in chapter_text(doc, 0)
    assert chapter_text(doc, 1).startswith("Chapter Two: The Delta")


def test_paragraphs_come_from_the_layout(book: Path) -> None:
    """One paragraph per printed paragraph, also one broken across a page or a column."""
    doc = open_document(book)
    texts = [doc.text[p.start : p.end] for p in doc.paragraphs]
    assert len(texts) == 2 + 31 + 22
    assert texts[0] == "Chapter One: The Source" and doc.paragraphs[0].heading
    assert all(t.startswith(("Paragraph", "Column", "Chapter", "The surveyors")) for t in texts)
    assert all(t.endswith(".") for t in texts if not t.startswith("Chapter"))


def test_hyphenated_line_breaks_are_joined_and_compounds_kept(book: Path) -> None:
    doc = open_document(book)
    assert "recorded an example of each kind" in doc.text
    assert "a well-known habit" in doc.text
    assert "exam-" not in doc.text and "exam ple" not in doc.text


def test_unhyphenate_rules() -> None:
    words = {"example", "well", "known", "continue", "self", "aware"}.__contains__
    assert unhyphenate(["an exam-", "ple here"], words) == "an example here"
    assert unhyphenate(["a well-", "known fact"], words) == "a well-known fact"
    assert unhyphenate(["self-", "aware"], words) == "self-aware"
    assert unhyphenate(["Zyx-", "quorp"], words) == "Zyxquorp"  # unknown: a broken word
    assert unhyphenate(["pages 10-", "20"], words) == "pages 10-20"
    assert unhyphenate(["a dash -", "then"], words) == "a dash - then"
    assert unhyphenate(["Anglo-", "Saxon"], words) == "Anglo-Saxon"  # a capital: a compound
    assert unhyphenate(["soft\u00ad", "ware"], words) == "software"


def test_encrypted_pdf_is_refused_as_password_protected(book: Path, tmp_path: Path) -> None:
    writer = pypdf.PdfWriter(clone_from=str(book))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-256")
    path = tmp_path / "notes.pdf"
    with path.open("wb") as handle:
        writer.write(handle)
    with pytest.raises(DocumentError) as error:
        open_document(path)
    assert str(error.value) == "notes.pdf is password-protected; the reader cannot open it."


def test_owner_password_only_still_opens(book: Path, tmp_path: Path) -> None:
    """Encrypted with an empty user password: anyone may read it, and so does the reader."""
    writer = pypdf.PdfWriter(clone_from=str(book))
    writer.encrypt(user_password="", owner_password="owner", algorithm="AES-128")
    path = tmp_path / "open.pdf"
    with path.open("wb") as handle:
        writer.write(handle)
    doc = open_document(path)
    assert "Column paragraph 22 describes" in doc.text


def test_scanned_pdf_has_no_text_layer(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    page = canvas.Canvas(str(path), pagesize=A4)
    image = Image.new("RGB", (400, 300), "white")
    page.drawImage(ImageReader(image), 50, 400, width=400, height=300)
    page.showPage()
    page.save()
    with pytest.raises(DocumentError, match=r"^scan\.pdf has no text layer .*OCR"):
        open_document(path)


@pytest.mark.parametrize("cut", [0.5, 0.1])
def test_truncated_pdf_is_refused_or_read_without_a_traceback(
    book: Path, tmp_path: Path, cut: float
) -> None:
    data = book.read_bytes()
    path = tmp_path / "cut.pdf"
    path.write_bytes(data[: int(len(data) * cut)])
    try:
        doc = open_document(path)
    except DocumentError as error:
        assert str(error).startswith("cut.pdf ")
    else:  # pdfminer may recover the pages before the cut; then they must read right
        check_structure(doc)
        assert "Paragraph 1 of the first chapter" in doc.text


def test_not_a_pdf_is_called_damaged(tmp_path: Path) -> None:
    path = tmp_path / "fake.pdf"
    path.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 20)
    with pytest.raises(DocumentError) as error:
        open_document(path)
    assert str(error.value).startswith("fake.pdf ")


def test_without_an_outline_a_pdf_is_one_chapter(tmp_path: Path) -> None:
    path = tmp_path / "letter.pdf"
    page = canvas.Canvas(str(path), pagesize=A4)
    page.setTitle("A Short Letter")
    page.drawString(72, 750, "Dear reader, this letter has no outline.")
    page.drawString(72, 730, "It is read as one chapter, titled after the file's title.")
    page.drawString(72, 710, "Contents . . . . . . . . . 3")
    page.save()
    doc = open_document(path)
    check_structure(doc)
    assert doc.title == "A Short Letter"
    assert len(doc.chapters) == 1 and doc.chapters[0].title == "A Short Letter"
    assert doc.text.startswith("Dear reader, this letter has no outline.")
    assert doc.text.endswith("Contents 3")  # no dot leaders


def _box(name: str, x0: float, top: float, x1: float, bottom: float) -> Box:
    return Box([Line(name, x0, bottom, x1, top)])


def test_reading_order_of_columns_and_single_lines() -> None:
    two_columns = [
        _box("right 1", 320, 700, 540, 600),
        _box("heading", 60, 760, 540, 740),
        _box("left 2", 60, 590, 290, 500),
        _box("left 1", 60, 700, 290, 600),
        _box("right 2", 320, 590, 540, 540),
        _box("left 3", 60, 490, 290, 450),  # the left column runs longer
        _box("footnote", 60, 100, 540, 90),
    ]
    order = [box.lines[0].text for box in reading_order(two_columns)]
    assert order == ["heading", "left 1", "left 2", "left 3", "right 1", "right 2", "footnote"]
    title_page = [_box("By John", 60, 650, 200, 640), _box("Chapter 1", 250, 700, 345, 680)]
    assert [box.lines[0].text for box in reading_order(title_page)] == ["Chapter 1", "By John"]
