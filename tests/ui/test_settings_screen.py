"""The settings screen (Ctrl+S): keyboard only, saved into the user's file, applied at once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from textual.pilot import Pilot
from textual.widgets import Select

from assistant import config, events, paths
from assistant.audio.devices import AudioStatus
from assistant.config import AudioConfig, Config
from assistant.reply.catalogue import model_file
from assistant.ui.access import SettingsHooks
from assistant.ui.app import AssistantApp
from assistant.ui.commands import PALETTE
from assistant.ui.screens.chat import ChatScreen
from assistant.ui.screens.help import HelpScreen
from assistant.ui.screens.settings import FIELDS, NEXT_START, SettingsScreen
from assistant.ui.wiring import Wiring

USERS_FILE = '# my settings\n[voice]\nvoice = "lj"  # the clear one\n'


class Calls:
    """What the app asked of the parts."""

    def __init__(self) -> None:
        self.voices: list[str] = []
        self.audio: list[AudioConfig] = []
        self.tones = 0
        self.said: list[str] = []

    def tone(self) -> str | None:
        self.tones += 1
        return None

    def hooks(self) -> SettingsHooks:
        return SettingsHooks(
            device_names=lambda: (["USB Mic"], ["Speakers", "Headphones"]),
            test_tone=self.tone,
            audio_changed=self.audio.append,
            announce=self.said.append,
        )


def make_app(calls: Calls, cfg: Config | None = None) -> AssistantApp:
    return AssistantApp(
        cfg or config.load(),
        AudioStatus("USB Mic", "Speakers"),
        "vosk",
        wiring=Wiring(
            voices=("lj", "joe"), on_choose_voice=calls.voices.append, hooks=calls.hooks()
        ),
        cursor_blink=False,
    )


async def open_settings(pilot: Pilot[None]) -> SettingsScreen:
    await pilot.press("ctrl+s")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, SettingsScreen)
    return screen


async def tab_to(pilot: Pilot[None], field_id: str) -> None:
    for _ in range(40):
        if pilot.app.focused is not None and pilot.app.focused.id == field_id:
            return
        await pilot.press("tab")
    raise AssertionError(f"Tab never reached {field_id}")


async def choose(pilot: Pilot[None], field_id: str, downs: int) -> None:
    """Tab to a list, open it with Enter, move down (up if negative) and confirm: keys only."""
    await tab_to(pilot, field_id)
    await pilot.press("enter", *["down" if downs > 0 else "up"] * abs(downs), "enter")
    await pilot.pause()


async def test_keys_alone_change_settings_which_are_saved_and_applied() -> None:
    path = paths.config_file()
    path.parent.mkdir(parents=True)
    path.write_text(USERS_FILE)
    calls = Calls()
    app = make_app(calls)
    async with app.run_test(size=(110, 40)) as pilot:
        await open_settings(pilot)
        await choose(pilot, "set-voice-rate", 1)  # 1.0 → 1.25
        await choose(pilot, "set-voice-voice", 1)  # lj → joe
        await choose(pilot, "set-audio-output-device", 2)  # default → Headphones
        await choose(pilot, "set-audio-volume", -2)  # 100% → 80%
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ChatScreen)
        assert app.config.voice.rate == 1.25  # the pipeline reads app.config before each sentence
        assert calls.voices == ["joe"]  # loaded by the pipeline, which then says VoiceChanged
        assert [(a.output_device, a.volume) for a in calls.audio] == [("Headphones", 0.8)]
        assert "Settings saved and applied." in app.chat.transcript.plain_text()
    text = path.read_text()
    assert text.startswith("# my settings\n[voice]\n") and "# the clear one" in text
    saved = config.load()
    assert saved.voice.rate == 1.25 and saved.audio.output_device == "Headphones"


async def test_escape_cancels_and_nothing_changes() -> None:
    calls = Calls()
    app = make_app(calls)
    async with app.run_test(size=(110, 40)) as pilot:
        await open_settings(pilot)
        await choose(pilot, "set-voice-rate", 2)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ChatScreen)
        assert app.config == Config() and not calls.audio and not calls.voices
    assert not paths.config_file().exists()


async def test_what_waits_for_a_restart_is_said_on_screen_and_after_saving() -> None:
    model_file("qwen2.5-0.5b").parent.mkdir(parents=True)
    model_file("qwen2.5-0.5b").write_bytes(b"GGUF")  # as if fetched: offered in the list
    app = make_app(Calls())
    async with app.run_test(size=(110, 40)) as pilot:
        screen = await open_settings(pilot)
        later = [f for f in FIELDS if not f.live]
        assert {f.key for f in later} == {
            "engine",
            "endpoint_silence_s",
            "endpoint_by_words",
            "model",
            "vocoder",
            "plain",
        }
        for field in later:
            row = screen.query_one(f"#{field.id}").parent
            assert row is not None and f"({NEXT_START})" in str(row.children[-1].render())
        await choose(pilot, "set-asr-engine", 2)  # auto → whisper
        await choose(pilot, "set-reply-model", 1)  # embedded → qwen2.5-0.5b
        await pilot.press("ctrl+s")
        await pilot.pause()
        note = app.chat.transcript.plain_text().splitlines()[-1]
        assert note.endswith("At the next start: Listening engine, Language model.")
        assert app.config.asr.engine == "whisper"  # saved for the next start
        assert app.config.reply.model == "qwen2.5-0.5b"


async def test_theme_and_self_voicing_apply_at_once() -> None:
    calls = Calls()
    app = make_app(calls)
    async with app.run_test(size=(110, 40)) as pilot:
        await open_settings(pilot)
        await pilot.press("tab")  # a focus change: not spoken while self-voicing is off
        assert calls.said == []
        await choose(pilot, "set-ui-theme", 1)
        await tab_to(pilot, "set-ui-self-voicing")
        await pilot.press("space")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.theme == "high-contrast"
        assert app.config.ui.self_voicing
        assert calls.said[-1] == "Settings saved and applied."
        await open_settings(pilot)  # now each focus change is said, by name
        assert calls.said[-1] == "Microphone, applies now"
        await pilot.press("tab")
        assert calls.said[-1] == "Speaker, applies now"
        app.post_event(events.Notice("The voice is ready."))
        await pilot.pause()
        assert calls.said[-1] == "The voice is ready."
        app.notify("Reading rate [b]2×[/b]")
        assert calls.said[-1] == "Reading rate 2×"


async def test_test_tone_and_the_level_heard() -> None:
    calls = Calls()
    app = make_app(calls)
    async with app.run_test(size=(110, 40)) as pilot:
        screen = await open_settings(pilot)
        await pilot.press("ctrl+t")
        assert calls.tones == 1
        app.post_event(events.MicLevel(-30.0))
        await pilot.pause()
        level = str(screen.query_one("#level-heard").render())
        assert level == "Level heard: [##########----------] -30 dB"


async def test_a_device_not_in_the_list_stays_chosen() -> None:
    cfg = replace(Config(), audio=AudioConfig(input_device="Old Mic"))
    app = make_app(Calls(), cfg)
    async with app.run_test(size=(110, 40)) as pilot:
        screen = await open_settings(pilot)
        mic = screen.query_one("#set-audio-input-device", Select)
        assert mic.value == "Old Mic"
        assert screen.chosen() == cfg


async def test_settings_are_in_the_palette_and_the_help() -> None:
    assert "settings" in [c.action for c in PALETTE]
    app = make_app(Calls())
    async with app.run_test(size=(110, 40)) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = app.screen.text
    lines = [" ".join(line.split()) for line in text.splitlines()]
    assert "Ctrl+S / F5 Settings" in lines and "Ctrl+T Play a test tone" in lines


def test_snapshot_settings(snap_compare: Callable[..., bool]) -> None:
    app = make_app(Calls(), Config())
    assert snap_compare(app, press=["ctrl+s"], terminal_size=(110, 40))


async def test_the_theme_of_the_config_file_is_used_from_the_start() -> None:
    cfg = Config().replace("ui", theme="high-contrast")
    app = make_app(Calls(), cfg)
    async with app.run_test(size=(110, 40)):
        assert app.theme == "high-contrast"
        assert app.current_theme.background == "#000000"


def test_snapshot_chat_in_high_contrast(snap_compare: Callable[..., bool]) -> None:
    app = make_app(Calls(), Config().replace("ui", theme="high-contrast"))
    assert snap_compare(app, press=[*"hello", "enter"], terminal_size=(110, 24))
