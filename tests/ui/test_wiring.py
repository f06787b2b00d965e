"""One Wiring serves both front ends: the same requests reach the same callbacks."""

from __future__ import annotations

import io

from textual.widgets import Input

from assistant.audio.devices import AudioStatus
from assistant.config import Config
from assistant.ui.app import AssistantApp
from assistant.ui.plain import PlainApp
from assistant.ui.wiring import Wiring

NO_DEVICES = AudioStatus(None, None)


def recording_wiring(calls: list[str]) -> Wiring:
    return Wiring(
        on_user_text=lambda text: calls.append(f"text {text}"),
        on_stop_speaking=lambda: calls.append("stop"),
        on_talk_key=lambda: calls.append("talk"),
        on_open_file=lambda path: calls.append(f"open {path.name}"),
        voices=("lj", "joe"),
        on_choose_voice=lambda name: calls.append(f"voice {name}"),
        on_say_again=lambda text: calls.append(f"again {text}"),
    )


def test_plain_mode_uses_the_wiring() -> None:
    calls: list[str] = []
    out = io.StringIO()
    app = PlainApp(Config(), NO_DEVICES, wiring=recording_wiring(calls), out=out)
    for line in ("hello", "/stop", "/talk", "/open notes.md", "/set voice.voice joe"):
        assert app.handle(line)
    assert calls == ["text hello", "stop", "talk", "open notes.md", "voice joe"]
    assert "(echo)" not in out.getvalue()  # the wiring answered, not the echo


async def test_the_textual_app_uses_the_same_wiring() -> None:
    calls: list[str] = []
    app = AssistantApp(Config(), NO_DEVICES, "none", wiring=recording_wiring(calls))
    async with app.run_test() as pilot:
        app.chat.query_one(Input).value = "hello"
        await pilot.press("enter", "escape", "f3")
        app.action_next_voice()  # lj speaks now: the next one is joe
        await pilot.pause()
    assert calls == ["text hello", "stop", "talk", "voice joe"]


async def test_no_wiring_echoes_typed_text_in_both() -> None:
    out = io.StringIO()
    plain = PlainApp(Config(), NO_DEVICES, out=out)
    plain.handle("hi")
    assert out.getvalue().splitlines() == ["You: hi", "Assistant: (echo) hi"]
    app = AssistantApp(Config(), NO_DEVICES, "none")
    async with app.run_test() as pilot:
        app.chat.query_one(Input).value = "hi"
        await pilot.press("enter")
        await pilot.pause()
        assert "(echo) hi" in app.chat.transcript.plain_text()
