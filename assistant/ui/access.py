"""Accessibility helpers of the app: its hooks into the parts, and what a widget is in words."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual.content import Content
from textual.widget import Widget
from textual.widgets import Button, Input

from assistant.config import AudioConfig


@dataclass(frozen=True)
class SettingsHooks:
    """What the settings and self-voicing need from the parts (chat.py); None: not available.

    `device_names`: (microphones, speakers); `test_tone` plays one, or says why it cannot;
    `audio_changed` reopens the devices and sets the volume; `announce` speaks a line.
    """

    device_names: Callable[[], tuple[list[str], list[str]]] | None = None
    test_tone: Callable[[], str | None] | None = None
    audio_changed: Callable[[AudioConfig], object] | None = None
    announce: Callable[[str], object] | None = None


def plain_text(markup: str) -> str:
    try:
        return Content.from_markup(markup).plain
    except Exception:  # MarkupError: said as written
        return markup


def focus_name(widget: Widget) -> str:
    """What a focused widget is, in words (for self-voicing)."""
    if widget.name:
        return widget.name
    if isinstance(widget, Button):
        return str(widget.label)
    if isinstance(widget, Input):
        return widget.placeholder or "text input"
    return (widget.id or type(widget).__name__).replace("-", " ")
