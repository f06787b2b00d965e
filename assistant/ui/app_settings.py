"""How the Textual app changes its settings: the Ctrl+S dialog, applying what changed, the
reading rate keys, and saving the config file."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from assistant.config import Config, ConfigError
from assistant.config import save as save_config
from assistant.tts.rate import MAX_RATE, MIN_RATE
from assistant.ui.screens.settings import FIELDS, Field, SettingsScreen
from assistant.ui.themes import theme_name

if TYPE_CHECKING:
    from assistant.ui.app import AssistantApp

RATE_STEP = 0.25  # of the reading rate, per key press

log = logging.getLogger(__name__)


def save(app: AssistantApp) -> None:
    """Keep the app's config for the next start; if that fails it stays in effect now."""
    try:
        save_config(app.config)
    except ConfigError as e:
        log.warning("could not save the config: %s", e)
        app.notify(f"Could not save the settings: {e}", severity="error", markup=False)


def open_dialog(app: AssistantApp) -> None:
    """Show the settings screen; what it saves goes to `app.apply_settings`."""
    if isinstance(app.screen, SettingsScreen):
        return
    hooks = app.hooks
    inputs, outputs = hooks.device_names() if hooks.device_names else ((), ())

    def chosen(cfg: Config | None) -> None:
        if cfg is not None:
            app.apply_settings(cfg)

    screen = SettingsScreen(
        app.config,
        inputs=inputs,
        outputs=outputs,
        voices=app.wiring.voices,
        on_test_tone=hooks.test_tone,
    )
    app.push_screen(screen, callback=chosen)


def apply(app: AssistantApp, cfg: Config) -> None:
    """Use `cfg` from now on where that is safe, save it, and say what waits for a restart."""
    old, app.config = app.config, cfg
    later = [f.label for f in FIELDS if not f.live and _get(old, f) != _get(cfg, f)]
    save(app)
    voice = cfg.voice
    app.chat.status_bar.set_info(emotion=voice.emotion, intensity=voice.intensity)
    if voice.voice != old.voice.voice and app.wiring.on_choose_voice is not None:
        app.wiring.on_choose_voice(voice.voice)
    if cfg.audio != old.audio and app.hooks.audio_changed is not None:
        app.hooks.audio_changed(cfg.audio)
    app.theme = theme_name(cfg.ui.theme)
    if app.reader is not None:
        app.reader.reader.restyled()
    said = "Settings saved and applied."
    if later:
        said += f" At the next start: {', '.join(later)}."
    app.add_note(said)
    app.announce(said)


def step_rate(app: AssistantApp, steps: int) -> None:
    """Read faster (steps > 0) or slower, within the rates the voice allows, and keep it."""
    rate = app.config.reader.rate + steps * RATE_STEP
    rate = round(min(MAX_RATE, max(MIN_RATE, rate)), 2)
    app.config = app.config.replace("reader", rate=rate)
    save(app)
    app.notify(f"Reading rate {rate:g}×", timeout=2)
    if app.reader is not None:
        app.reader.reader.restyled()
        app.reader.show_at(app.reader.reader.index, app.reader.reader.playing)


def _get(cfg: Config, field: Field) -> object:
    return getattr(getattr(cfg, field.section), field.key)
