"""The high-contrast theme: white and yellow on black, for low vision."""

from __future__ import annotations

from textual.theme import Theme

HIGH_CONTRAST = Theme(
    name="high-contrast",
    primary="#FFFF00",
    secondary="#00FFFF",
    accent="#FFFF00",
    foreground="#FFFFFF",
    background="#000000",
    surface="#000000",
    panel="#1A1A1A",
    success="#00FF00",
    warning="#FFA500",
    error="#FF5555",
    dark=True,
    variables={
        "text-muted": "#FFFFFF",
        "block-cursor-background": "#FFFF00",
        "block-cursor-foreground": "#000000",
        "input-selection-background": "#FFFF00 60%",
        "footer-key-foreground": "#FFFF00",
    },
)

DEFAULT_THEME = "textual-dark"


def theme_name(setting: str) -> str:
    """The Textual theme of the `ui.theme` setting."""
    return HIGH_CONTRAST.name if setting == "high-contrast" else DEFAULT_THEME
