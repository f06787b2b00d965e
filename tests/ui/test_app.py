"""Pilot and snapshot tests of the chat shell: what the user types, picks and sees."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input

from assistant import config
from assistant.audio.devices import AudioStatus
from assistant.config import Config
from assistant.ui.app import AssistantApp
from assistant.ui.screens.chat import ChatScreen
from assistant.ui.screens.emotion import EmotionPicker
from assistant.ui.widgets.status import AudioNotice, StatusBar
from assistant.ui.widgets.transcript import Transcript, Turn
from assistant.ui.wiring import Wiring

DEVICES = AudioStatus(input_name="USB Mic [hw:1,0]", output_name="Speakers")
NO_DEVICES = AudioStatus(None, None, problem="no audio server running")


def make_app(audio: AudioStatus = DEVICES, **kwargs: Any) -> AssistantApp:
    return AssistantApp(Config(), audio, "vosk", wiring=Wiring(**kwargs), cursor_blink=False)


def transcript(app: AssistantApp) -> str:
    return app.chat.query_one(Transcript).plain_text()


def status(app: AssistantApp) -> str:
    return app.chat.query_one(StatusBar).text


async def type_and_send(pilot: Pilot[None], text: str) -> None:
    pilot.app.screen.query_one(Input).value = text
    await pilot.press("enter")
    await pilot.pause()


async def test_typed_message_and_its_echo_are_shown() -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press(*"hello", "enter")
        await pilot.pause()
        assert transcript(app) == "You: hello\nAssistant: (echo) hello"
        assert app.chat.query_one(Input).value == ""


async def test_empty_and_blank_input_is_ignored() -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("enter")
        await type_and_send(pilot, "   \t ")
        assert transcript(app) == ""
        assert app.chat.query_one(Input).value == ""


async def test_markup_in_user_text_is_shown_literally() -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await type_and_send(pilot, "[bold]hi[/bold] [red]x")
        turns = list(app.chat.query(Turn))
        assert [t.text for t in turns] == [
            "[bold]hi[/bold] [red]x",
            "(echo) [bold]hi[/bold] [red]x",
        ]
        shown = turns[0].render()
        assert "[bold]hi[/bold] [red]x" in str(shown)


async def test_callback_gets_typed_text_instead_of_the_echo() -> None:
    got: list[str] = []
    app = make_app(on_user_text=got.append)
    async with app.run_test() as pilot:
        await type_and_send(pilot, "  what time is it?  ")
        assert got == ["what time is it?"]
        assert transcript(app) == "You: what time is it?"


async def test_failing_callback_is_reported_in_the_transcript() -> None:
    def broken(text: str) -> None:
        raise RuntimeError("boom")

    app = make_app(on_user_text=broken)
    async with app.run_test() as pilot:
        await type_and_send(pilot, "hi")
        assert transcript(app).splitlines()[-1].startswith("Note: Something went wrong")


async def test_very_long_input_is_cut_on_screen_but_kept_for_the_handler() -> None:
    got: list[str] = []
    app = make_app(on_user_text=got.append)
    text = "word " * 20_000 + "end"  # about 100 kB
    async with app.run_test() as pilot:
        await type_and_send(pilot, text)
        assert got == [text]
        shown = transcript(app)
        assert len(shown) < 5000
        assert "more characters not shown" in shown


async def test_pipeline_methods_work_from_another_thread() -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await asyncio.to_thread(app.call_from_thread, app.add_user_text, "spoken words")
        await asyncio.to_thread(app.call_from_thread, app.add_assistant_text, "Hel")
        await asyncio.to_thread(app.call_from_thread, app.append_assistant_text, "lo there")
        await asyncio.to_thread(app.call_from_thread, app.set_speaking, True)
        await pilot.pause()
        assert transcript(app) == "You: spoken words\nAssistant: Hello there"
        assert "SPEAKING" in status(app)


async def test_status_bar_shows_devices_engine_voice_and_emotion() -> None:
    app = make_app()
    async with app.run_test():
        assert status(app) == (
            "mic: USB Mic [hw:1,0] · speaker: Speakers · speech: vosk · voice: lj"
            " · emotion: neutral 1.0"
        )
        assert not app.chat.query_one(AudioNotice).display


async def test_text_mode_notice_when_there_are_no_devices() -> None:
    app = make_app(NO_DEVICES)
    async with app.run_test() as pilot:
        notice = app.chat.query_one(AudioNotice)
        assert notice.display
        assert "no microphone" in notice.notice
        assert "type your messages" in notice.notice
        assert "(no audio server running)" in notice.notice
        assert status(app).startswith("mic: none · speaker: none")
        await type_and_send(pilot, "still works")  # typing works without devices
        assert transcript(app) == "You: still works\nAssistant: (echo) still works"


async def test_notice_when_only_the_microphone_is_missing() -> None:
    app = make_app(AudioStatus(None, "Speakers", problem="no input device"))
    async with app.run_test():
        notice = app.chat.query_one(AudioNotice).notice
        assert notice == "Notice: no microphone — type your messages (no input device)"


async def test_notice_goes_away_when_devices_appear() -> None:
    app = make_app(NO_DEVICES)
    async with app.run_test() as pilot:
        app.set_audio(DEVICES)
        await pilot.pause()
        assert not app.chat.query_one(AudioNotice).display
        assert status(app).startswith("mic: USB Mic [hw:1,0] · speaker: Speakers")


async def test_f2_picks_an_emotion_and_intensity_and_saves_them() -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("f2")
        assert isinstance(app.screen, EmotionPicker)
        # neutral -> happy -> sad; 1.0 (capped) -> 0.9 -> 0.8 -> 0.7 -> 0.6 -> 0.7
        await pilot.press("down", "down", "right", "left", "left", "minus", "left", "plus")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ChatScreen)
        assert status(app).endswith("emotion: sad 0.7")
        assert (app.config.voice.emotion, app.config.voice.intensity) == ("sad", 0.7)
    saved = config.load()
    assert (saved.voice.emotion, saved.voice.intensity) == ("sad", 0.7)


async def test_escape_in_the_picker_cancels_without_change() -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("f2", "down", "left", "left")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ChatScreen)
        assert status(app).endswith("emotion: neutral 1.0")
        assert app.config == Config()
    assert config.load() == Config()


async def test_picker_marks_and_highlights_the_current_emotion() -> None:
    app = AssistantApp(
        Config().replace("voice", emotion="angry", intensity=0.4), DEVICES, cursor_blink=False
    )
    async with app.run_test() as pilot:
        await pilot.press("f2")
        picker = app.screen
        assert isinstance(picker, EmotionPicker)
        options = picker.query_one("#emotion-list")
        assert getattr(options, "highlighted", None) == 3
        assert "Intensity: [####------] 0.4" in str(picker.query_one("#intensity").render())
        await pilot.press("enter")
        await pilot.pause()
        assert status(app).endswith("emotion: angry 0.4")


async def test_escape_on_the_chat_screen_asks_to_stop_speaking() -> None:
    stops: list[bool] = []
    app = make_app(on_stop_speaking=lambda: stops.append(True))
    async with app.run_test() as pilot:
        await pilot.press("escape")
        await pilot.pause()
        assert stops == [True]


async def test_f3_is_the_talk_key() -> None:
    presses: list[bool] = []
    app = make_app(on_talk_key=lambda: presses.append(True))
    async with app.run_test() as pilot:
        await pilot.press("f3", "f3")
        await pilot.pause()
        assert presses == [True, True]


async def test_auto_emotion_can_be_picked() -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("f2", "end", "enter")
        await pilot.pause()
        assert status(app).endswith("emotion: auto 1.0")
        assert app.config.voice.emotion == "auto"
    assert config.load().voice.emotion == "auto"


async def test_f1_lists_the_keys() -> None:
    from assistant.ui.screens.help import HelpScreen

    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = app.screen.text
    assert all(key in text for key in ("F2", "F3", "F4", "Esc", "Enter", "Ctrl+Q", "Ctrl+P"))


def test_snapshot_chat_in_text_mode(snap_compare: Callable[..., bool]) -> None:
    app = make_app(NO_DEVICES)
    assert snap_compare(app, press=[*"hi [bold]there", "enter"], terminal_size=(90, 24))


def test_snapshot_emotion_picker(snap_compare: Callable[..., bool]) -> None:
    app = make_app()
    assert snap_compare(app, press=["f2", "down", "left", "left"], terminal_size=(90, 24))
