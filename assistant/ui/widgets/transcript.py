"""The scrolling transcript: one speaker-labelled, markup-safe block per turn; with focus, Up/Down
choose a reply and Enter (or R) has it said again."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, Literal

from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Static

Speaker = Literal["user", "assistant", "note"]

LABELS: dict[Speaker, str] = {"user": "You", "assistant": "Assistant", "note": "Note"}
MAX_DISPLAY_CHARS = 4000  # longer turns are cut on screen (the handler still gets all of it)
MAX_TURNS = 500  # the oldest turns are dropped beyond this, so a long session stays responsive
SHOWN_TURNS = 100  # of a reopened conversation's (question, reply) pairs (its export has all)
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

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "choose_reply(-1)", "Transcript: the reply before", show=False),
        Binding("down", "choose_reply(1)", "Transcript: the reply after", show=False),
        Binding("enter,r", "say_again", "Transcript: say the chosen reply again", show=False),
    ]

    class SayAgain(Message):
        """The user asked to hear a reply of the transcript again."""

        def __init__(self, turn: Turn) -> None:
            super().__init__()
            self.turn = turn
            self.text = turn.text

    class Chosen(Message):
        """Up/Down moved to a reply: where it is, for self-voicing."""

        def __init__(self, number: int, count: int) -> None:
            super().__init__()
            self.number, self.count = number, count

    chosen: Turn | None = None  # the reply Up/Down moved to
    speaking: Turn | None = None  # a reply being said again: its sentences are highlighted

    def on_mount(self) -> None:
        self.anchor()

    @property
    def replies(self) -> list[Turn]:
        return [t for t in self.turns if t.speaker == "assistant"]

    def on_focus(self) -> None:
        if self.chosen not in self.replies:
            self.choose_reply(0)

    def choose_reply(self, step: int) -> Turn | None:
        """Move the choice `step` replies on (0: the last reply); None when there is none."""
        replies = self.replies
        if not replies:
            return None
        at = replies.index(self.chosen) + step if self.chosen in replies else len(replies) - 1
        if self.chosen is not None:
            self.chosen.remove_class("-chosen")
        at = max(0, min(at, len(replies) - 1))
        self.chosen = replies[at]
        self.chosen.add_class("-chosen")
        self.chosen.scroll_visible()
        self.post_message(self.Chosen(at + 1, len(replies)))
        return self.chosen

    def action_choose_reply(self, step: int) -> None:
        if self.choose_reply(step) is None:  # no reply yet: the arrows scroll
            self.scroll_relative(y=step)

    def action_say_again(self) -> None:
        chosen = self.chosen if self.chosen in self.replies else self.choose_reply(0)
        if chosen is None:
            self.notify("No reply to say again yet.", timeout=3)
            return
        self.post_message(self.SayAgain(chosen))

    def clear(self) -> None:
        """Remove every turn (another conversation is shown)."""
        self.chosen = self.speaking = None
        self.remove_children(Turn)

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
        if speaker == "user":
            self.speaking = None  # a new question: replies are highlighted as they come
        return turn

    def show_conversation(self, pairs: Sequence[tuple[str, str]]) -> int:
        """Show only a conversation's last SHOWN_TURNS (question, reply) pairs; how many
        earlier ones are left out."""
        self.clear()
        shown = pairs[-SHOWN_TURNS:]
        turns = [(Turn("user", asked), Turn("assistant", reply)) for asked, reply in shown]
        self.mount_all([turn for pair in turns for turn in pair])
        return len(pairs) - len(shown)

    def append_text(self, speaker: Speaker, chunk: str) -> Turn:
        """Extend the last turn if it is this speaker's, else start a new one (streamed replies)."""
        turns = self.turns
        if turns and turns[-1].speaker == speaker:
            turns[-1].append(chunk)
            return turns[-1]
        return self.add_turn(speaker, chunk)

    def mark_spoken(self, sentence: str | None) -> None:
        """Highlight the sentence being said in the latest reply, or in the reply being said
        again (None: stop highlighting)."""
        turns = self.replies
        if self.speaking in turns:
            turns = [self.speaking]
        if turns:
            turns[-1].mark_spoken(sentence)

    def said(self, text: str) -> None:
        """A reply ended: if it was the one said again, new replies are highlighted again."""
        if self.speaking is not None and self.speaking.text.strip() == text.strip():
            self.speaking.mark_spoken(None)
            self.speaking = None

    def plain_text(self) -> str:
        """Everything shown, one turn a line, as a screen reader or a test would read it."""
        return "\n".join(f"{LABELS[t.speaker]}: {display_text(t.text)}" for t in self.turns)
