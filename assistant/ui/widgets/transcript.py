"""The scrolling transcript: one speaker-labelled, markup-safe block per turn."""

from __future__ import annotations

from typing import Literal

from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

Speaker = Literal["user", "assistant", "note"]

LABELS: dict[Speaker, str] = {"user": "You", "assistant": "Assistant", "note": "Note"}
MAX_DISPLAY_CHARS = 4000  # longer turns are cut on screen (the handler still gets all of it)
MAX_TURNS = 500  # the oldest turns are dropped beyond this, so a long session stays responsive
SPOKEN_STYLE = "reverse bold underline"  # the sentence being said: shape, not colour alone


def display_text(text: str, limit: int = MAX_DISPLAY_CHARS) -> str:
    """The text as shown: cut at `limit` characters with a note saying how much is hidden."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]} … [{len(text) - limit} more characters not shown]"


class Turn(Static):
    """One turn of the conversation; its text may grow as a reply streams in."""

    def __init__(self, speaker: Speaker, text: str = "") -> None:
        super().__init__(classes=f"turn -{speaker}")
        self.speaker: Speaker = speaker
        self._parts: list[str] = [text] if text else []
        self.spoken: tuple[int, int] | None = None  # the characters being said now
        self.update(self._render_turn())

    @property
    def text(self) -> str:
        """The full text of the turn (never truncated)."""
        return "".join(self._parts)

    def append(self, chunk: str) -> None:
        self._parts.append(chunk)
        self.update(self._render_turn())

    def mark_spoken(self, sentence: str | None) -> bool:
        """Highlight `sentence`, searched from the one highlighted before (None: no highlight);
        False when the text does not hold it."""
        if sentence is None:
            found = None
        else:
            text, after = self.text, self.spoken[1] if self.spoken else 0
            start = text.find(sentence, after)
            start = text.find(sentence) if start < 0 else start
            found = None if start < 0 else (start, start + len(sentence))
        if found != self.spoken:
            self.spoken = found
            self.update(self._render_turn())
        return found is not None or sentence is None

    def _render_turn(self) -> Content:
        # Content(...) is literal text: "[bold]" typed by the user is shown as typed.
        body = Content(display_text(self.text))
        if self.spoken is not None and self.spoken[1] <= MAX_DISPLAY_CHARS:
            body = body.stylize(SPOKEN_STYLE, *self.spoken)
        return Content.assemble((f"{LABELS[self.speaker]}:", "bold underline"), " ", body)


class Transcript(VerticalScroll):
    """The conversation so far, newest at the bottom; stays at the bottom unless scrolled up."""

    def on_mount(self) -> None:
        self.anchor()

    @property
    def turns(self) -> list[Turn]:
        return list(self.query_children(Turn))

    def add_turn(self, speaker: Speaker, text: str) -> Turn:
        """Start a new turn and show it."""
        turns = self.turns
        for stale in turns[: max(0, len(turns) - MAX_TURNS + 1)]:
            stale.remove()
        turn = Turn(speaker, text)
        self.mount(turn)
        return turn

    def append_text(self, speaker: Speaker, chunk: str) -> Turn:
        """Extend the last turn if it is this speaker's, else start a new one (streamed replies)."""
        turns = self.turns
        if turns and turns[-1].speaker == speaker:
            turns[-1].append(chunk)
            return turns[-1]
        return self.add_turn(speaker, chunk)

    def mark_spoken(self, sentence: str | None) -> None:
        """Highlight the sentence being said in the latest reply (None: stop highlighting)."""
        turns = [t for t in self.turns if t.speaker == "assistant"]
        if turns:
            turns[-1].mark_spoken(sentence)

    def plain_text(self) -> str:
        """Everything shown, one turn a line, as a screen reader or a test would read it."""
        return "\n".join(f"{LABELS[t.speaker]}: {display_text(t.text)}" for t in self.turns)
