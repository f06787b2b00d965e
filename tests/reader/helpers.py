"""Checks every extracted document must pass: offsets, order and nesting of its structure."""

from assistant.reader.document import Document


def check_structure(doc: Document) -> None:
    """Each sentence is doc.text[start:end], non-empty, inside its paragraph and chapter, in
    order; paragraphs and chapters likewise."""
    assert doc.sentences and doc.paragraphs and doc.chapters
    previous_end = 0
    for index, s in enumerate(doc.sentences):
        text = doc.text[s.start : s.end]
        assert text and text == text.strip() and doc.sentence_text(index) == text
        assert previous_end <= s.start < s.end
        paragraph = doc.paragraphs[s.paragraph]
        assert paragraph.start <= s.start and s.end <= paragraph.end
        assert paragraph.chapter == s.chapter and paragraph.heading == s.heading
        chapter = doc.chapters[s.chapter]
        assert chapter.start <= s.start and s.end <= chapter.end
        previous_end = s.end
    for i, p in enumerate(doc.paragraphs):
        assert doc.sentences[p.first_sentence].paragraph == i
        assert doc.text[p.start : p.end].strip() == doc.text[p.start : p.end]
    for i, c in enumerate(doc.chapters):
        assert c.title and doc.sentences[c.first_sentence].chapter == i
        assert i == 0 or doc.chapters[i - 1].end <= c.start
    assert doc.chapters[-1].end == len(doc.text)


def chapter_text(doc: Document, index: int) -> str:
    return doc.text[doc.chapters[index].start : doc.chapters[index].end]
