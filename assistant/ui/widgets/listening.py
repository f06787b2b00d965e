"""What the assistant hears: the listening state, a microphone level meter and the partial text."""

from __future__ import annotations

import time
from typing import Literal

from textual.content import Content
from textual.timer import Timer
from textual.widget import Widget

State = Literal["off", "idle", "hearing", "thinking", "speaking"]

STATE_LABELS: dict[State, tuple[str, str]] = {  # (shape, words): never colour alone
    "off": ("○", "Not listening — type your messages"),
    "idle": ("●", "Idle — listening"),
    "hearing": ("◉", "Hearing speech…"),
    "thinking": ("◌", "Thinking…"),
    "speaking": ("▶", "Speaking (Esc stops)"),
}
METER_CELLS = 20
METER_FLOOR_DB = -60.0  # an empty bar; 0 dBFS fills it
SILENCE_DB = -99.5  # at or below: digital silence (the microphone reports -100)
REFRESH_S = 0.1  # redraw at most ten times a second, however often the microphone reports
PARTIAL_CHARS = 300  # the end of a long partial is what matters


def meter(rms_db: float | None, cells: int = METER_CELLS) -> str:
    """E.g. 'mic ▕██████████··········▏ -30 dB': `cells` characters from -60 to 0 dBFS, and the
    level in the bar's steps (3 dB)."""
    if rms_db is None:
        return ""
    step = -METER_FLOOR_DB / cells  # dB a cell: the number moves in the same steps (fewer redraws)
    shown = step * round(rms_db / step)
    filled = round(min(1.0, max(0.0, 1 - shown / METER_FLOOR_DB)) * cells)
    level = f"{shown:4.0f} dB" if rms_db > SILENCE_DB else " -∞ dB"
    return f"mic ▕{'█' * filled}{'·' * (cells - filled)}▏{level}"


class ListeningBar(Widget):
    """Two lines: the state and the level meter; then the partial transcript (or a hint).

    The pipeline reports levels ~12 times a second and partials on every microphone block; the
    bar keeps only the latest values and redraws when what it shows changes, ten times a second
    at most (the last change is always drawn).
    """

    def __init__(self, *, listening: bool = False, id: str | None = None) -> None:
        super().__init__(id=id)
        self._hearing = self._thinking = self._speaking = False
        self._listening = listening
        self._level: float | None = None
        self._partial = ""
        self._text = self._compose_text()
        self._drawn_at = 0.0
        self._pending: Timer | None = None

    @property
    def state(self) -> State:
        """Hearing outranks speaking (barge-in), which outranks thinking."""
        if self._hearing:
            return "hearing"
        if self._speaking:
            return "speaking"
        if self._thinking:
            return "thinking"
        return "idle" if self._listening else "off"

    @property
    def partial(self) -> str:
        return self._partial

    @property
    def text(self) -> str:
        """The plain text shown (what a test or a screen reader reads)."""
        return self._text

    def set_listening(self, listening: bool) -> None:
        self._listening = listening
        if not listening:
            self._hearing, self._level = False, None
        self._changed()

    def set_hearing(self, active: bool) -> None:
        """The user started (True) or stopped (False) speaking; a new turn clears the partial."""
        if active and not self._hearing:
            self._partial = ""
        self._hearing = active
        self._changed()

    def set_partial(self, text: str) -> None:
        self._partial = text[-PARTIAL_CHARS:]
        self._changed()

    def set_level(self, rms_db: float) -> None:
        self._level = rms_db
        self._changed()

    def set_thinking(self, thinking: bool) -> None:
        """A request was sent (heard or typed) and is answered; its partial is in the transcript
        now."""
        self._thinking = thinking
        if thinking:
            self._partial = ""
        self._changed()

    def set_speaking(self, speaking: bool) -> None:
        self._speaking = speaking
        if speaking:
            self._thinking = False
        self._changed()

    def _compose_text(self) -> str:
        shape, words = STATE_LABELS[self.state]
        line = f"{shape} {words}"
        if self._listening:
            line = f"{line:<40}{meter(self._level)}"
        partial = f"“{self._partial}”" if self._partial else ""
        if not partial and self.state == "hearing":
            partial = "(the words show when they are recognised)"
        return f"{line.rstrip()}\n{partial}"

    def _changed(self) -> None:
        text = self._compose_text()
        if text == self._text:
            return
        self._text = text
        if self._pending is not None:
            return  # the timer draws the latest text
        wait = self._drawn_at + REFRESH_S - time.monotonic()
        if wait <= 0 or not self.is_mounted:
            self._draw()
        else:
            self._pending = self.set_timer(wait, self._draw)

    def _draw(self) -> None:
        self._pending = None
        self._drawn_at = time.monotonic()
        self.refresh()

    def render(self) -> Content:
        first, _, second = self._text.partition("\n")
        return Content.assemble((first, "bold"), "\n", (second, "italic"))
