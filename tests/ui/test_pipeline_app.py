"""The app wired to the pipeline (fakes for the models): what the user sees of a turn."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest
from textual.widgets import Input

from assistant.audio.devices import AudioStatus
from assistant.chat import settings_of
from assistant.config import Config
from assistant.conversation.pipeline import Pipeline
from assistant.events import Listening, Notice, PipelineEvent
from assistant.reply.engine import EchoLLM, ReplyEngine
from assistant.reply.history import History
from assistant.reply.skills import Skills
from assistant.ui.app import AssistantApp
from assistant.ui.widgets.status import StatusBar
from assistant.ui.widgets.transcript import Transcript
from assistant.ui.wiring import Wiring

NO_DEVICES = AudioStatus(None, None, problem="no audio server running")


def wire(tmp_path: Path, answer: str) -> tuple[AssistantApp, Pipeline]:
    engine = ReplyEngine(Skills(), EchoLLM(answer), History(directory=tmp_path))
    box: list[AssistantApp] = []

    def emit(event: PipelineEvent) -> None:
        box[0].post_event(event)

    pipeline = Pipeline(engine, None, None, emit, lambda: settings_of(box[0].config))

    def submit(text: str) -> None:
        pipeline.submit_text(text)

    app = AssistantApp(
        Config(),
        NO_DEVICES,
        "none",
        wiring=Wiring(on_user_text=submit, on_stop_speaking=pipeline.stop),
        cursor_blink=False,
    )
    box.append(app)
    return app, pipeline


async def wait_for(condition: object, timeout: float = 5.0) -> None:
    for _ in range(int(timeout / 0.02)):
        if callable(condition) and condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("timed out")


async def test_typed_text_is_answered_in_text_mode(tmp_path: Path) -> None:
    app, pipeline = wire(tmp_path, "Paris is the capital. It is in France.")
    async with app.run_test() as pilot:
        app.screen.query_one(Input).value = "capital of france?"
        await pilot.press("enter")

        def shown() -> str:
            return app.chat.query_one(Transcript).plain_text()

        await wait_for(lambda: "France." in shown())
        assert shown() == (
            "You: capital of france?\nAssistant: Paris is the capital. It is in France."
        )
        pipeline.close()


async def test_events_from_threads_update_the_screen(tmp_path: Path) -> None:
    app, pipeline = wire(tmp_path, "Okay.")
    async with app.run_test() as pilot:
        await asyncio.to_thread(pipeline.emit, Listening("whisper tiny.en (test)"))
        await asyncio.to_thread(pipeline.emit, Notice("The voice is loading."))
        await asyncio.to_thread(pipeline.submit_text, "sound very happy")
        status = app.chat.query_one(StatusBar)
        await wait_for(lambda: "happy" in status.text)
        await pilot.pause()
        assert "speech: whisper tiny.en (test)" in status.text
        assert "emotion: happy 1.0" in status.text
        assert app.config.voice.emotion == "happy"
        text = app.chat.query_one(Transcript).plain_text()
        assert "The voice is loading." in text and "Okay, I'll sound very happy." in text


async def test_turn_latencies_show_as_p50_and_p95_in_the_status_bar() -> None:
    from assistant import events
    from assistant.audio.devices import AudioStatus
    from assistant.config import Config
    from assistant.ui.app import AssistantApp
    from assistant.ui.widgets.status import StatusBar

    app = AssistantApp(Config(), AudioStatus("mic", "spk"), "whisper", cursor_blink=False)
    async with app.run_test() as pilot:
        for total in (1.0, 2.0, 3.0):
            app.show_event(events.TurnLatency(None, 0.01, 0.5, total))
        await pilot.pause()
        assert "first audio p50 2.0 s / p95 2.9 s" in app.chat.query_one(StatusBar).text


async def test_typed_read_request_opens_the_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """'read notes.md' typed → the pipeline opens it → the app shows it in the reader; in text
    mode the reader says it cannot read aloud, and the text is still there to read."""
    from assistant.chat import make_reader
    from assistant.ui.screens.reader import ReaderScreen
    from assistant.ui.widgets.document_view import DocumentView

    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.md").write_text("# Shopping\n\nBuy bread. Buy milk.\n", encoding="utf-8")
    app, pipeline = wire(tmp_path, "unused")
    app.wiring = replace(
        app.wiring, make_reader=lambda doc: make_reader(doc, pipeline, lambda: app.config)
    )
    async with app.run_test() as pilot:
        app.screen.query_one(Input).value = "please read notes.md"
        await pilot.press("enter")
        await wait_for(lambda: isinstance(app.screen, ReaderScreen))
        await pilot.pause()
        view = app.screen.query_one(DocumentView)
        assert view.doc.title == "Shopping" and view.sentence == 0
        assert pipeline.reader is not None and not pipeline.reader.playing
        await pilot.press("q")
        notes = app.chat.query_one(Transcript).plain_text()
        assert "cannot be read aloud" in notes
        pipeline.close()


async def test_the_sentence_sounding_now_is_highlighted(tmp_path: Path) -> None:
    """The pipeline follows the speaker's progress; the reply's sentence being heard is marked."""
    from assistant.ui.widgets.listening import ListeningBar
    from assistant.ui.widgets.transcript import Turn
    from tests.conversation.test_pipeline import FakeSpeaker, FakeVoice

    app, pipeline = wire(tmp_path, "One two three. Four five six.")
    speaker = FakeSpeaker()
    pipeline.voice, pipeline.speaker = FakeVoice(), speaker
    async with app.run_test() as pilot:
        app.screen.query_one(Input).value = "count"
        await pilot.press("enter")

        def spoken() -> str | None:
            turns = [t for t in app.chat.query(Turn) if t.speaker == "assistant"]
            span = turns[-1].spoken if turns else None
            return None if span is None else turns[-1].text[span[0] : span[1]]

        await wait_for(lambda: spoken() == "One two three.")
        assert app.chat.query_one(ListeningBar).state == "speaking"
        speaker.advance(0.6)  # the first sentence and its pause were heard
        await wait_for(lambda: spoken() == "Four five six.")
        speaker.advance(10.0)
        await wait_for(lambda: spoken() is None)
        await wait_for(lambda: app.chat.query_one(ListeningBar).state == "off")
        pipeline.close()


async def test_a_command_with_no_reply_ends_the_thinking_state(tmp_path: Path) -> None:
    from assistant.ui.widgets.listening import ListeningBar

    app, pipeline = wire(tmp_path, "unused")
    async with app.run_test() as pilot:
        bar = app.chat.query_one(ListeningBar)
        thinking: list[bool] = []
        set_thinking = bar.set_thinking
        bar.set_thinking = lambda on: (thinking.append(on), set_thinking(on))  # type: ignore[method-assign]
        app.screen.query_one(Input).value = "stop"  # nothing is playing: no ReplyDone comes
        await pilot.press("enter")
        await wait_for(lambda: thinking == [True, False])
        assert bar.state == "off"
        assert app.chat.query_one(Transcript).plain_text() == "You: stop"
        pipeline.close()
