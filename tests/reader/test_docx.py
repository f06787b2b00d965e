"""Word documents written with python-docx: headings by style, tables in order, bad files."""

import zipfile
from pathlib import Path

import docx
import pytest

from assistant.reader.document import DocumentError
from assistant.reader.documents import open_document
from assistant.reader.formats import docx as docx_format
from tests.reader.helpers import chapter_text, check_structure


def write_report(path: Path) -> Path:
    document = docx.Document()
    document.core_properties.title = "Harbour Report"
    document.add_paragraph("Prepared for the harbour board.")
    document.add_heading("Tides", level=1)
    document.add_paragraph("High water came at six. Low water came at noon.")
    document.add_heading("Spring tides", level=2)
    document.add_paragraph("They were the highest of the year.")
    table = document.add_table(rows=2, cols=3)
    rows = [("Day", "High", "Low"), ("Monday", "6 am", "noon")]
    for row, cells in zip(table.rows, rows, strict=True):
        for cell, text in zip(row.cells, cells, strict=True):
            cell.text = text
    document.add_paragraph("After the table.")
    document.add_heading("Ships", level=1)
    paragraph = document.add_paragraph("Three ships came in. ")
    paragraph.add_run("One was late.").bold = True
    document.save(str(path))
    return path


def test_headings_make_chapters_and_tables_are_read_in_place(tmp_path: Path) -> None:
    doc = open_document(write_report(tmp_path / "report.docx"))
    check_structure(doc)
    assert doc.title == "Harbour Report"
    assert [c.title for c in doc.chapters] == ["Harbour Report", "Tides", "Ships"]
    assert chapter_text(doc, 0) == "Prepared for the harbour board."
    assert chapter_text(doc, 1) == (
        "Tides\n\nHigh water came at six. Low water came at noon.\n\nSpring tides\n\n"
        "They were the highest of the year.\n\nDay; High; Low\n\nMonday; 6 am; noon\n\n"
        "After the table."
    )
    assert chapter_text(doc, 2) == "Ships\n\nThree ships came in. One was late."
    headings = [doc.text[p.start : p.end] for p in doc.paragraphs if p.heading]
    assert headings == ["Tides", "Spring tides", "Ships"]


def test_title_style_is_a_top_heading(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_heading("A Tale", level=0)  # the "Title" style
    document.add_paragraph("Once upon a time.")
    path = tmp_path / "tale.docx"
    document.save(str(path))
    doc = open_document(path)
    assert doc.title == "A Tale" and doc.chapters[0].title == "A Tale"
    assert doc.paragraphs[0].heading and doc.text.endswith("Once upon a time.")


def test_truncated_docx_is_damaged(tmp_path: Path) -> None:
    data = write_report(tmp_path / "whole.docx").read_bytes()
    path = tmp_path / "cut.docx"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(DocumentError) as error:
        open_document(path)
    assert str(error.value) == (
        "cut.docx is damaged or is not really a Word document; the reader cannot open it."
    )


def test_a_zip_that_is_not_a_word_document(tmp_path: Path) -> None:
    path = tmp_path / "archive.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "not a document")
    with pytest.raises(DocumentError, match=r"^archive\.docx is damaged or is not really a Word"):
        open_document(path)


def test_a_zip_bomb_is_refused_before_unpacking(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(docx_format, "MAX_UNPACKED_BYTES", 2 * 2**20)
    path = tmp_path / "bomb.docx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"\0" * (3 * 2**20))
    assert path.stat().st_size < 2**16
    with pytest.raises(DocumentError, match=r"^bomb\.docx unpacks to 3 MB"):
        open_document(path)
