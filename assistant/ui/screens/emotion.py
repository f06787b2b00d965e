"""The emotion picker: choose the voice's emotion and its intensity, or cancel."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from assistant import EMOTIONS

STEP = 0.1
CHOICES = (*EMOTIONS, "auto")  # auto: an emotion per sentence, from what it says
BAR_CELLS = 10


def intensity_bar(intensity: float) -> str:
    """E.g. 'Intensity: [######----] 0.6' — readable without colour, and by screen readers."""
    filled = round(intensity * BAR_CELLS)
    return f"Intensity: [{'#' * filled}{'-' * (BAR_CELLS - filled)}] {intensity:.1f}"


def step_intensity(intensity: float, steps: int) -> float:
    """Move by `steps` tenths, kept within 0.0 .. 1.0 and rounded to one decimal."""
    return min(1.0, max(0.0, round(intensity + steps * STEP, 1)))


def label(name: str, current: str) -> str:
    text = "auto (by what each sentence says)" if name == "auto" else name
    return f"{text} (current)" if name == current else text


class EmotionPicker(ModalScreen[tuple[str, float] | None]):
    """Dismisses with (emotion, intensity) on Enter, or None on Escape."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("left,minus", "intensity(-1)", "Less intense"),
        Binding("right,plus,equals_sign", "intensity(1)", "More intense"),
    ]

    def __init__(self, emotion: str, intensity: float) -> None:
        super().__init__()
        self.current = emotion
        self.intensity = step_intensity(intensity, 0)

    def compose(self) -> ComposeResult:
        options = [Option(label(name, self.current), id=name) for name in CHOICES]
        with Vertical(id="emotion-dialog"):
            yield Label("Voice emotion", id="emotion-title")
            yield OptionList(*options, id="emotion-list")
            yield Static(intensity_bar(self.intensity), id="intensity", markup=False)
            yield Static(
                "Up/Down: choose · Left/Right or -/+: intensity · Enter: confirm · Esc: cancel",
                id="emotion-help",
                markup=False,
            )

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = CHOICES.index(self.current) if self.current in CHOICES else 0
        options.focus()

    def action_intensity(self, steps: int) -> None:
        self.intensity = step_intensity(self.intensity, steps)
        self.query_one("#intensity", Static).update(intensity_bar(self.intensity))

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option_id is not None:
            self.dismiss((event.option_id, self.intensity))
