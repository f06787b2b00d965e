"""The document's text around the reading place, the sentence being read highlighted and in view."""

from __future__ import annotations

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from assistant.reader.document import Document

BEFORE, AFTER = 12, 40  # paragraphs shown before and after the current one


class Passage(Static):
    """One paragraph; a heading is shown bold."""

    def __init__(self, doc: Document, paragraph: int) -> None:
        self.doc, self.paragraph = doc, paragraph
        p = doc.paragraphs[paragraph]
        super().__init__(self.render_text(None), classes="heading" if p.heading else "")

    def render_text(self, sentence: int | None) -> Text:
        p = self.doc.paragraphs[self.paragraph]
        text = Text(self.doc.text[p.start : p.end], style="bold" if p.heading else "")
        if sentence is not None:
            s = self.doc.sentences[sentence]
            text.stylize("reverse bold underline", s.start - p.start, s.end - p.start)
        return text


class DocumentView(VerticalScroll, can_focus=True):
    """Shows a window of paragraphs (a book has thousands) and moves it with the reading."""

    def __init__(self, doc: Document, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.doc = doc
        self.window = range(0)
        self.sentence: int | None = None
        self._passages: dict[int, Passage] = {}

    def show(self, sentence: int) -> None:
        """Highlight sentence `sentence` and scroll it into the middle of the view."""
        paragraph = self.doc.sentences[sentence].paragraph
        if paragraph not in self.window:
            self._fill(paragraph)
        old, self.sentence = self.sentence, sentence
        for index in {old, sentence} - {None}:
            assert index is not None
            passage = self._passage(self.doc.sentences[index].paragraph)
            if passage is not None:
                passage.update(passage.render_text(sentence if index == sentence else None))
        current = self._passage(paragraph)
        if current is not None:
            self.call_after_refresh(self.scroll_to_widget, current, center=True, animate=False)

    def _fill(self, paragraph: int) -> None:
        start = max(0, paragraph - BEFORE)
        self.window = range(start, min(len(self.doc.paragraphs), paragraph + AFTER))
        self.sentence = None
        self.remove_children()
        self._passages = {p: Passage(self.doc, p) for p in self.window}
        self.mount_all(self._passages.values())

    def _passage(self, paragraph: int) -> Passage | None:
        return self._passages.get(paragraph)
