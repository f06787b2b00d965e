"""Without any audio server the real device probe finds nothing and the app runs in text mode."""

import pytest

from assistant.audio.devices import probe
from assistant.config import AudioConfig, Config
from assistant.ui.app import AssistantApp
from assistant.ui.widgets.status import AudioNotice
from assistant.ui.widgets.transcript import Transcript


async def test_app_starts_in_text_mode_when_no_audio_server_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PULSE_SERVER", "unix:/nonexistent/native")
    status = probe(AudioConfig())
    assert status.text_mode and status.problem
    app = AssistantApp(Config(), status, cursor_blink=False)
    async with app.run_test() as pilot:
        notice = app.chat.query_one(AudioNotice)
        assert notice.display and "type your messages" in notice.notice
        await pilot.press(*"hello", "enter")
        await pilot.pause()
        assert app.chat.query_one(Transcript).plain_text() == "You: hello\nAssistant: (echo) hello"
