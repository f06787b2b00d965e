"""The settings screen: devices, listening, model, voice, speech and display, keyboard only."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from assistant.config import THEMES, VOCODERS, Config, ConfigError
from assistant.reply.catalogue import CHAT_MODELS, installed, is_installed
from assistant.tts.rate import MAX_RATE, MIN_RATE
from assistant.ui.screens.emotion import CHOICES

LIVE = "applies now"
NEXT_START = "applies at next start"


@dataclass(frozen=True)
class Field:
    """One setting: where it is kept, its label, and whether it applies without a restart."""

    section: str
    key: str
    label: str
    live: bool

    @property
    def id(self) -> str:
        return f"set-{self.section}-{self.key}".replace("_", "-")


FIELDS: tuple[Field, ...] = (
    Field("audio", "input_device", "Microphone", True),
    Field("audio", "output_device", "Speaker", True),
    Field("audio", "volume", "Volume", True),
    Field("asr", "engine", "Listening engine", False),
    Field("asr", "endpoint_silence_s", "Endpoint pause", False),
    Field("asr", "endpoint_by_words", "Smart endpoint", False),
    Field("reply", "model", "Language model", False),
    Field("voice", "voice", "Voice", True),
    Field("voice", "emotion", "Emotion", True),
    Field("voice", "intensity", "Intensity", True),
    Field("voice", "rate", "Speech rate", True),
    Field("voice", "vocoder", "Vocoder", False),
    Field("ui", "theme", "Theme", True),
    Field("ui", "self_voicing", "Self-voicing", True),
    Field("ui", "plain", "Plain mode (screen readers)", False),
)


def _steps(low: float, high: float, step: float) -> list[float]:
    count = round((high - low) / step)
    return [round(low + n * step, 2) for n in range(count + 1)]


def _choices(values: Sequence[Any], current: Any, show: Callable[[Any], str]) -> list[Any]:
    """Options of a Select: (label, value), the current value included even if unusual."""
    values = list(values) if current in values else [*values, current]
    return [(show(v), v) for v in values]


def _device(name: str) -> str:
    return name or "System default"


def _chat_model(model: str) -> str:
    if model == "embedded":
        return "SmolLM2-135M (embedded)"
    if model in CHAT_MODELS:
        spec = CHAT_MODELS[model]
        return spec.label if is_installed(model) else f"{spec.label} (not installed)"
    return model


def _vocoder(name: str) -> str:
    labels = {
        "": "The voice's own (HiFi-GAN V1)",
        "fast": "Fast: answers sooner, never stalls on a small CPU; a little rougher",
    }
    return labels.get(name, f"HiFi-GAN V1, {name} weights")


def options(
    field: Field, cfg: Config, inputs: Sequence[str], outputs: Sequence[str], voices: Sequence[str]
) -> list[Any]:
    """The choices of a Select field (an empty list: the field is typed or ticked)."""
    current = getattr(getattr(cfg, field.section), field.key)
    table: dict[str, tuple[Sequence[Any], Callable[[Any], str]]] = {
        "input_device": (["", *inputs], _device),
        "output_device": (["", *outputs], _device),
        "volume": (_steps(0.0, 1.0, 0.1), lambda v: f"{v:.0%}"),
        "engine": (["auto", "vosk", "whisper"], str),
        "endpoint_silence_s": (_steps(0.2, 2.0, 0.1), lambda v: f"{v:.1f} s"),
        "model": (["embedded", *installed()], _chat_model),  # more: `assistant models fetch`
        "voice": (list(voices), str),
        "emotion": (list(CHOICES), str),
        "intensity": (_steps(0.0, 1.0, 0.1), lambda v: f"{v:.1f}"),
        "rate": (_steps(MIN_RATE, MAX_RATE, 0.25), lambda v: f"{v:g}×"),
        "vocoder": (VOCODERS, _vocoder),
        "theme": (list(THEMES), str),
    }
    if field.key not in table:
        return []
    values, show = table[field.key]
    return _choices(values, current, show)


class SettingsScreen(ModalScreen[Config | None]):
    """Tab moves between the settings; Enter opens a list; Ctrl+S saves, Esc cancels.

    Dismisses with the new settings (validated), or None when cancelled.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "save", "Save and apply"),
        Binding("ctrl+t", "test_tone", "Play a test tone"),
    ]

    def __init__(
        self,
        config: Config,
        *,
        inputs: Sequence[str] = (),
        outputs: Sequence[str] = (),
        voices: Sequence[str] = (),
        on_test_tone: Callable[[], str | None] | None = None,
    ) -> None:
        super().__init__()
        self.config = config
        self.inputs, self.outputs, self.voices = inputs, outputs, voices or [config.voice.voice]
        self._on_test_tone = on_test_tone

    def compose(self) -> ComposeResult:
        with Vertical(id="settings-dialog"):
            yield Label("Settings (Tab: next · Ctrl+S: save · Esc: cancel)", id="settings-title")
            with VerticalScroll(id="settings-body"):
                for field in FIELDS:
                    with Horizontal(classes="setting"):
                        yield Label(f"{field.label}:", classes="setting-label")
                        yield self._editor(field)
                        note = LIVE if field.live else NEXT_START
                        yield Static(f"({note})", classes="setting-note", markup=False)
                with Horizontal(classes="setting"):
                    yield Button("Play test tone", id="test-tone", name="Play test tone")
                    yield Static("Level heard: nothing yet", id="level-heard", markup=False)
            with Horizontal(id="settings-buttons"):
                yield Button("Save", id="settings-save", name="Save and apply")
                yield Button("Cancel", id="settings-cancel", name="Cancel")
            yield Static("", id="settings-problem", markup=False)

    def _editor(self, field: Field) -> Widget:
        current = getattr(getattr(self.config, field.section), field.key)
        name = f"{field.label}, {LIVE if field.live else NEXT_START}"
        if isinstance(current, bool):
            return Checkbox(field.label, current, id=field.id, name=name)
        choices = options(field, self.config, self.inputs, self.outputs, self.voices)
        if not choices:
            return Input(str(current), id=field.id, name=name)
        return Select(choices, value=current, allow_blank=False, id=field.id, name=name)

    def on_mount(self) -> None:
        self.query_one(f"#{FIELDS[0].id}").focus()

    def value(self, field: Field) -> Any:
        widget = self.query_one(f"#{field.id}")
        if isinstance(widget, Input):
            return widget.value.strip()
        return widget.value  # type: ignore[attr-defined]

    def chosen(self) -> Config:
        """The settings as shown; ConfigError when one is not valid."""
        cfg = self.config
        for section in dict.fromkeys(f.section for f in FIELDS):
            changes = {f.key: self.value(f) for f in FIELDS if f.section == section}
            cfg = cfg.replace(section, **changes)
        return cfg

    def set_level(self, rms_db: float) -> None:
        """The microphone's level, in words and a bar (from the pipeline's MicLevel events)."""
        cells = max(0, min(20, round((rms_db + 60) / 3)))
        bar = "#" * cells + "-" * (20 - cells)
        self.query_one("#level-heard", Static).update(f"Level heard: [{bar}] {rms_db:.0f} dB")

    def action_test_tone(self) -> None:
        if self._on_test_tone is None:
            self.notify("No speaker to test here.", timeout=3)
            return
        problem = self._on_test_tone()
        self.notify(problem or "Playing a test tone.", timeout=3, markup=False)

    def action_save(self) -> None:
        try:
            cfg = self.chosen()
        except ConfigError as e:
            self.query_one("#settings-problem", Static).update(f"Not saved: {e}")
            self.notify(f"Not saved: {e}", severity="error", markup=False)
            return
        self.dismiss(cfg)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        actions = {
            "test-tone": self.action_test_tone,
            "settings-save": self.action_save,
            "settings-cancel": self.action_cancel,
        }
        if event.button.id in actions:
            actions[event.button.id]()
