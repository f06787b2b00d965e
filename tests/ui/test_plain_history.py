"""Plain mode's conversation commands: /history, /open N, /new, /export N FILE, /again N."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

from assistant.audio.devices import AudioStatus
from assistant.chat import settings_of
from assistant.config import Config
from assistant.conversation.pipeline import Pipeline
from assistant.reply.conversations import Conversations, Library, to_markdown
from assistant.reply.engine import EchoLLM, ReplyEngine
from assistant.reply.skills import Skills
from assistant.ui.plain import PlainApp
from assistant.ui.wiring import Wiring
from tests.ui.test_history_screen import NEWER, OLD, save

NO_DEVICES = AudioStatus(None, None, problem="no audio server running")


class Plain:
    def __init__(self) -> None:
        self.store = Conversations(max_turns=4)
        save(self.store, OLD, ("my name is Ada", "Hello Ada."), ("I like tea", "Noted: tea."))
        save(self.store, NEWER, ("what is the capital of France", "Paris."))
        self.llm = EchoLLM("Ada.")
        self.engine = ReplyEngine(Skills(), self.llm, self.store.begin(datetime(2026, 12, 2, 11)))
        self.out = io.StringIO()
        self.said: list[str] = []
        box: list[PlainApp] = []
        self.pipeline = Pipeline(
            self.engine, None, None, lambda e: box[0].post_event(e), lambda: settings_of(Config())
        )
        self.app = PlainApp(
            Config(),
            NO_DEVICES,
            wiring=Wiring(
                on_user_text=self.pipeline.submit_text,
                on_stop_speaking=self.pipeline.stop,
                conversations=Library(self.store, self.engine),
                on_say_again=self.said.append,
            ),
            out=self.out,
        )
        box.append(self.app)

    def lines(self) -> list[str]:
        return self.out.getvalue().splitlines()


def test_history_open_and_go_on() -> None:
    p = Plain()
    try:
        p.app.handle("/history")
        assert p.lines() == [
            "1. what is the capital of France — 2026-12-02 10:30, 1 turn",
            "2. my name is Ada — 2026-12-01 09:00, 2 turns",
        ]
        p.app.handle("/open 2")
        assert p.lines()[2:] == [
            "You: my name is Ada",
            "Assistant (reply 1): Hello Ada.",
            "You: I like tea",
            "Assistant (reply 2): Noted: tea.",
            "Note: Reopened my name is Ada: 2 turns; go on. /again N says one again.",
        ]
        p.app.handle("what is my name?")
        assert p.pipeline.join()
        assert [m["content"] for m in p.llm.calls[-1][1:3]] == ["my name is Ada", "Hello Ada."]
        assert p.lines()[-1] == "Assistant: Ada."
        assert len(p.store.open(OLD).all_turns) == 3
        p.app.handle("/again 1")
        assert p.said == ["Hello Ada."] and p.lines()[-1] == "Saying again: Hello Ada."
        p.app.handle("/again")
        assert p.said[-1] == "Ada."
    finally:
        p.pipeline.close()


def test_new_export_and_bad_numbers(tmp_path: Path) -> None:
    p = Plain()
    try:
        p.app.handle("/open 9")
        assert p.lines()[-1] == "Note: /open N: N is a number from /history (1 to 2)."
        p.app.handle("/again")
        assert p.lines()[-1] == "Note: No reply to say again yet."
        p.app.handle("/export 2 " + str(tmp_path / "ada.md"))
        assert p.lines()[-1] == f"Note: Exported to {tmp_path / 'ada.md'}"
        assert (tmp_path / "ada.md").read_text() == to_markdown(p.store.open(OLD))
        p.app.handle("/export 2 " + str(tmp_path / "no" / "ada.md"))
        assert p.lines()[-1].startswith("Note: Not exported: the folder")
        p.app.handle("/export 2")
        assert p.lines()[-1] == "Note: Say where: /export N FILE (e.g. ~/chat.md)."
        p.app.handle("/open 1")
        p.app.handle("/new")
        assert p.lines()[-1] == "Note: A new conversation." and p.engine.history.turns == ()
    finally:
        p.pipeline.close()


def test_without_a_library_the_commands_say_so() -> None:
    out = io.StringIO()
    app = PlainApp(Config(), NO_DEVICES, out=out)
    for command in ("/history", "/open 1", "/new", "/export 1 x.md", "/again"):
        app.handle(command)
    assert out.getvalue().splitlines() == ["Note: Past conversations are not available here."] * 5
