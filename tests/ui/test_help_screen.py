"""The help screen (F1): it opens and closes, lists every key, and its spoken commands work."""

from __future__ import annotations

from collections.abc import Callable

from textual.binding import Binding

from assistant.audio.devices import AudioStatus
from assistant.config import Config
from assistant.ui.app import AssistantApp
from assistant.ui.screens.chat import ChatScreen
from assistant.ui.screens.emotion import EmotionPicker
from assistant.ui.screens.help import HelpScreen, key_name
from assistant.ui.screens.reader import ReaderScreen


def make_app() -> AssistantApp:
    return AssistantApp(Config(), AudioStatus("USB Mic", "Speakers"), "vosk", cursor_blink=False)


def test_key_names_read_as_people_write_them() -> None:
    names = ["ctrl+o", "f1", "escape", "pageup", "up", "c", "equals_sign", "shift+tab"]
    assert [key_name(k) for k in names] == [
        "Ctrl+O",
        "F1",
        "Esc",
        "PgUp",
        "Up",
        "C",
        "=",
        "Shift+Tab",
    ]


async def test_f1_opens_the_help_and_esc_or_f1_closes_it() -> None:
    app = make_app()
    async with app.run_test() as pilot:
        for close in ("escape", "f1", "q"):
            await pilot.press("f1")
            await pilot.pause()
            assert isinstance(app.screen, HelpScreen)
            await pilot.press(close)
            await pilot.pause()
            assert isinstance(app.screen, ChatScreen), close


async def test_every_key_of_every_screen_is_listed() -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("f1")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, HelpScreen)
        lines = screen.text.splitlines()
        screens = (AssistantApp, ChatScreen, ReaderScreen, EmotionPicker)
        for binding in Binding.make_bindings(b for s in screens for b in s.BINDINGS):
            name = key_name(binding.key)
            assert any(
                name in line.split("  ")[0] and binding.description in line for line in lines
            ), (binding.key, binding.description)
        for other in ("Enter", "Tab / Shift+Tab", "Ctrl+P"):
            assert any(line.startswith(other) for line in lines)


async def test_the_help_scrolls_to_the_spoken_commands() -> None:
    app = make_app()
    async with app.run_test(size=(90, 24)) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        body = app.screen.query_one("#help-body")
        assert body.max_scroll_y > 0  # taller than the dialog
        await pilot.press("end")
        await pilot.pause()
        assert body.scroll_y == body.max_scroll_y


async def test_help_and_latency_are_in_the_command_palette() -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"help")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert isinstance(app.screen, HelpScreen)


def test_snapshot_help(snap_compare: Callable[..., bool]) -> None:
    assert snap_compare(make_app(), press=["f1"], terminal_size=(100, 40))


def test_every_key_of_the_app_and_chat_screen_is_in_the_command_palette() -> None:
    from assistant.ui.app import AssistantApp
    from assistant.ui.commands import PALETTE
    from assistant.ui.screens.chat import ChatScreen

    in_palette = {c.action for c in PALETTE}
    for binding in [*AssistantApp.BINDINGS, *ChatScreen.BINDINGS]:
        assert isinstance(binding, Binding)
        action = binding.action.removeprefix("app.")
        assert action in in_palette, f"{binding.key} ({action}) is not in Ctrl+P"
