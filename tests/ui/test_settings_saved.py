"""Choices made in the app are saved into the user's own config file, or a message says why not."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import config, paths
from assistant.audio.devices import AudioStatus
from assistant.ui.app import AssistantApp

USERS_FILE = '# mine\n[voice]\nvoice = "joe"  # the deeper one\n\n[future]\nx = 1\n'


def make_app() -> AssistantApp:
    return AssistantApp(config.load(), AudioStatus("mic", "spk"), "vosk", cursor_blink=False)


async def test_an_emotion_chosen_in_the_app_changes_only_that_key() -> None:
    path = paths.config_file()
    path.parent.mkdir(parents=True)
    path.write_text(USERS_FILE)
    app = make_app()
    async with app.run_test() as pilot:
        app.set_emotion("sad", 0.5)
        await pilot.pause()
    text = path.read_text()
    assert text.startswith(USERS_FILE.split("\n\n")[0])  # comments, order, the voice kept
    assert "[future]\nx = 1" in text  # a newer version's section is not clobbered
    assert config.load().voice.emotion == "sad" and config.load().voice.intensity == 0.5


async def test_an_unwritable_config_is_said_and_the_choice_still_applies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("ASSISTANT_CONFIG_DIR", str(blocker / "assistant"))
    app = AssistantApp(config.Config(), AudioStatus("mic", "spk"), "vosk", cursor_blink=False)
    said: list[str] = []
    monkeypatch.setattr(app, "notify", lambda message, **kw: said.append(message))
    async with app.run_test() as pilot:
        app.set_emotion("happy", 1.0)
        await pilot.pause()
        assert app.config.voice.emotion == "happy"
        assert "emotion: happy" in app.chat.status_bar.text
    assert len(said) == 1 and said[0].startswith("Could not save the settings:")
