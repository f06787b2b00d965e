"""Pilot and snapshot tests of the chat screen: listening bar, spoken sentence, latency panel."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from assistant import events
from assistant.audio.devices import AudioStatus
from assistant.config import Config
from assistant.ui.app import AssistantApp
from assistant.ui.widgets import listening
from assistant.ui.widgets.latency import LatencyPanel
from assistant.ui.widgets.listening import ListeningBar, meter
from assistant.ui.widgets.status import StatusBar
from assistant.ui.widgets.transcript import Turn
from assistant.ui.wiring import Wiring

DEVICES = AudioStatus(input_name="USB Mic", output_name="Speakers")


def make_app(**kwargs: Any) -> AssistantApp:
    wiring = Wiring(**kwargs)
    return AssistantApp(Config(), DEVICES, "vosk (small)", wiring=wiring, cursor_blink=False)


def bar(app: AssistantApp) -> ListeningBar:
    return app.chat.query_one(ListeningBar)


async def show(pilot: Pilot[None], *shown: events.PipelineEvent) -> None:
    """Post events as the pipeline's threads do, and let the bar draw the last of them."""
    app = pilot.app
    assert isinstance(app, AssistantApp)
    for event in shown:
        app.post_event(event)
    await pilot.pause(listening.REFRESH_S + 0.05)


def test_the_meter_is_a_bar_and_a_number() -> None:
    assert meter(None) == ""
    assert meter(-100.0) == "mic ▕····················▏ -∞ dB"
    assert meter(-30.0) == "mic ▕██████████··········▏ -30 dB"
    assert meter(0.0) == "mic ▕████████████████████▏   0 dB"
    assert meter(6.0).count("█") == 20  # clipped, not wider
    assert meter(-31.4).endswith("▏ -30 dB")  # the number moves in the bar's 3 dB steps


async def test_a_spoken_turn_moves_through_the_states() -> None:
    app = make_app()
    async with app.run_test() as pilot:
        seen = [bar(app).state]
        await show(pilot, events.Listening("vosk (small)"), events.MicLevel(-71.0))
        seen.append(bar(app).state)
        assert "-72 dB" in bar(app).text  # in the bar's 3 dB steps
        await show(pilot, events.HearingSpeech(True), events.MicLevel(-20.0))
        seen.append(bar(app).state)
        assert "(the words show when they are recognised)" in bar(app).text  # none yet
        await show(pilot, events.HeardPartial("what time"), events.HeardPartial("what time is"))
        assert bar(app).text.splitlines()[1] == "“what time is”"
        await show(pilot, events.HearingSpeech(False), events.HeardFinal("what time is it"))
        seen.append(bar(app).state)
        assert bar(app).partial == ""  # it moved to the transcript
        await show(pilot, events.ReplyPiece("It's ten."), events.Speaking(True))
        seen.append(bar(app).state)
        await show(pilot, events.Speaking(False), events.ReplyDone("It's ten.", "It's ten."))
        seen.append(bar(app).state)
        assert seen == ["off", "idle", "hearing", "thinking", "speaking", "idle"]
        assert "Idle — listening" in bar(app).text and "-21 dB" in bar(app).text


async def test_barge_in_shows_the_user_speaking_whatever_the_order() -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await show(pilot, events.Listening("vosk"), events.Speaking(True))
        assert bar(app).state == "speaking"
        # Ears reports the speech after the pipeline has stopped the reply
        await show(pilot, events.Speaking(False), events.ReplyDone("a", "", True))
        await show(pilot, events.HearingSpeech(True))
        assert bar(app).state == "hearing"
        # ... and hearing outranks speaking if the reply's end comes after
        await show(pilot, events.Speaking(True), events.HearingSpeech(True))
        assert bar(app).state == "hearing"


async def test_no_microphone_says_not_listening_and_typing_thinks() -> None:
    got: list[str] = []
    wiring = Wiring(on_user_text=got.append)
    app = AssistantApp(
        Config(), AudioStatus(None, "Speakers"), "none", wiring=wiring, cursor_blink=False
    )
    async with app.run_test() as pilot:
        assert bar(app).text.startswith("○ Not listening — type your messages")
        assert "mic ▕" not in bar(app).text
        app.chat.query_one(Input).value = "hello"
        await pilot.press("enter")
        await pilot.pause()
        assert got == ["hello"] and bar(app).state == "thinking"
        await show(pilot, events.NoReply())  # e.g. "stop" typed with nothing to stop
        assert bar(app).state == "off"


async def test_a_lost_microphone_stops_the_meter() -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await show(pilot, events.Listening("vosk"), events.MicLevel(-30.0))
        assert "mic ▕" in bar(app).text
        await show(pilot, events.AudioChanged(None, "Speakers"))
        assert bar(app).state == "off" and "mic ▕" not in bar(app).text


async def test_levels_and_partials_redraw_ten_times_a_second_at_most(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await show(pilot, events.Listening("vosk"), events.HearingSpeech(True))
        draws: list[float] = []
        widget = bar(app)
        draw = widget._draw
        monkeypatch.setattr(widget, "_draw", lambda: (draws.append(time.monotonic()), draw()))
        start = time.monotonic()
        for n in range(200):  # ~1 s of a busy microphone: a level and a partial every 5 ms
            app.post_event(events.MicLevel(-60.0 + n % 40))
            app.post_event(events.HeardPartial("word " * (n // 10 + 1)))
            await pilot.pause(0.005)
        await pilot.pause(0.3)
        seconds = time.monotonic() - start
        assert 1 <= len(draws) <= seconds / listening.REFRESH_S + 2
        assert all(b - a >= listening.REFRESH_S * 0.9 for a, b in itertools.pairwise(draws))
        assert widget.partial == ("word " * 20)  # the last change is drawn
        assert f"{-60.0 + 199 % 40:4.0f} dB" in widget.text


async def test_the_sentence_being_said_is_highlighted() -> None:
    app = make_app()
    async with app.run_test() as pilot:
        reply = "Yes. It is ten. Yes."
        await show(pilot, events.ReplyPiece(reply), events.Speaking(True))
        turn = app.chat.query(Turn).last()
        await show(pilot, events.SpeakingSentence("Yes."))
        assert turn.spoken == (0, 4)
        await show(pilot, events.SpeakingSentence("It is ten."))
        assert turn.spoken == (5, 15)
        await show(pilot, events.SpeakingSentence("Yes."))  # the next one, not the first again
        assert turn.spoken == (16, 20)
        spans = [(s.start, s.end, str(s.style)) for s in turn.render().spans]  # type: ignore[attr-defined]
        label = len("Assistant: ")
        assert (label + 16, label + 20, "reverse bold underline") in spans
        await show(pilot, events.Speaking(False))
        assert turn.spoken is None
        assert all("reverse" not in str(s.style) for s in turn.render().spans)  # type: ignore[attr-defined]


async def test_f4_toggles_the_latency_panel_with_the_last_turn_and_percentiles() -> None:
    app = make_app()
    async with app.run_test() as pilot:
        panel = app.chat.query_one(LatencyPanel)
        assert not panel.display
        await show(
            pilot,
            events.TurnLatency(0.1, 0.5, 0.3, 0.9),
            events.TurnLatency(0.3, 0.7, 0.5, 1.5),
            events.TurnLatency(None, 0.4, None, None),  # typed text, not spoken: no audio
        )
        await pilot.press("f4")
        assert panel.display
        rows = {line[:30].strip(): line[30:].split() for line in panel.text.splitlines()[1:]}
        assert rows["end of speech → transcript"] == ["—", "0.20", "0.29", "2"]
        assert rows["transcript → first reply text"] == ["0.40", "0.50", "0.68", "3"]
        assert rows["total: request → first audio"] == ["—", "1.20", "1.47", "2"]
        assert "first audio p50 1.2 s / p95 1.5 s" in app.chat.query_one(StatusBar).text
        await pilot.press("f4")
        assert not panel.display


async def test_the_palette_runs_the_apps_actions() -> None:
    talks: list[bool] = []
    app = make_app(on_talk_key=lambda: talks.append(True))
    async with app.run_test() as pilot:
        for query, check in (
            ("latency", lambda: app.chat.query_one(LatencyPanel).display),
            ("talk", lambda: talks == [True]),
        ):
            await pilot.press("ctrl+p")
            await pilot.pause()
            await pilot.press(*query)
            await pilot.pause(0.5)
            await pilot.press("enter")
            await pilot.pause(0.2)
            assert check(), query


def test_snapshot_chat_hearing_with_the_latency_panel(snap_compare: Callable[..., bool]) -> None:
    app = make_app(on_user_text=lambda text: None)

    async def hear(pilot: Pilot[None]) -> None:
        await show(
            pilot,
            events.Listening("vosk (small)"),
            events.HeardFinal("what time is it"),
            events.ReplyPiece("It's ten fifteen. Anything else?"),
            events.TurnLatency(0.12, 0.4, 0.3, 0.82),
            events.Speaking(True),
            events.SpeakingSentence("Anything else?"),
            events.HearingSpeech(True),
            events.MicLevel(-23.4),
            events.HeardPartial("play some calm"),
        )
        await pilot.press("f4")

    assert snap_compare(app, run_before=hear, terminal_size=(100, 30))
