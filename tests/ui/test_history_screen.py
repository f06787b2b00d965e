"""The conversations screen (F6) with real files, the real engine and a text-mode pipeline:
listed newest first, reopened and continued, begun afresh, deleted, exported; replies said again."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, OptionList

from assistant import events
from assistant.audio.devices import AudioStatus
from assistant.chat import settings_of
from assistant.config import Config
from assistant.conversation.pipeline import Pipeline
from assistant.events import PipelineEvent
from assistant.reply.conversations import Conversations, Library, to_markdown
from assistant.reply.engine import EchoLLM, ReplyEngine
from assistant.reply.skills import Skills
from assistant.ui.access import SettingsHooks
from assistant.ui.app import AssistantApp
from assistant.ui.commands import PALETTE
from assistant.ui.screens.chat import ChatScreen
from assistant.ui.screens.dialogs import AskPath, Confirm
from assistant.ui.screens.history import HistoryScreen
from assistant.ui.widgets.transcript import SHOWN_TURNS, Transcript
from assistant.ui.wiring import Wiring

NO_DEVICES = AudioStatus(None, None, problem="no audio server running")
OLD = "2026-12-01T09-00-00"
NEWER = "2026-12-02T10-30-00"


def save(store: Conversations, conversation_id: str, *turns: tuple[str, str]) -> None:
    history = store.history(conversation_id)
    for user, reply in turns:
        history.add(user, reply)
    data = json.loads(history.path.read_text())
    when = datetime.strptime(conversation_id, "%Y-%m-%dT%H-%M-%S").isoformat()
    data["created"] = data["updated"] = when
    history.path.write_text(json.dumps(data))


class Wired:
    """The app with real conversations on disk, the engine and a pipeline without devices."""

    def __init__(self, answer: str = "Your name is Ada.") -> None:
        self.store = Conversations(max_turns=4)
        save(self.store, OLD, ("my name is Ada", "Hello Ada."), ("I like tea", "Noted: tea."))
        save(self.store, NEWER, ("what is the capital of France", "Paris."))
        self.llm = EchoLLM(answer)
        self.engine = ReplyEngine(Skills(), self.llm, self.store.begin(datetime(2026, 12, 2, 11)))
        self.library = Library(self.store, self.engine)
        self.said_again: list[str] = []
        box: list[AssistantApp] = []

        def emit(event: PipelineEvent) -> None:
            box[0].post_event(event)

        self.pipeline = Pipeline(self.engine, None, None, emit, lambda: settings_of(Config()))
        self.app = AssistantApp(
            Config(),
            NO_DEVICES,
            "none",
            wiring=Wiring(
                on_user_text=self.pipeline.submit_text,
                on_stop_speaking=self.pipeline.stop,
                conversations=self.library,
                on_say_again=self.said_again.append,
            ),
            cursor_blink=False,
        )
        box.append(self.app)

    def shown(self) -> str:
        return self.app.chat.query_one(Transcript).plain_text()

    def history_screen(self) -> HistoryScreen:
        screen = self.app.screen
        assert isinstance(screen, HistoryScreen)
        return screen


async def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    for _ in range(int(timeout / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("timed out")


async def open_history(pilot: Pilot[None]) -> HistoryScreen:
    await pilot.press("f6")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, HistoryScreen)
    return screen


async def test_f6_lists_the_conversations_newest_first() -> None:
    w = Wired()
    async with w.app.run_test() as pilot:
        screen = await open_history(pilot)
        options = screen.query_one(OptionList)
        labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert labels == [
            "what is the capital of France — 2026-12-02 10:30, 1 turn",
            "my name is Ada — 2026-12-01 09:00, 2 turns",
        ]
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(w.app.screen, ChatScreen) and w.shown() == ""
        w.pipeline.close()


async def test_a_reopened_conversation_is_shown_and_continued() -> None:
    w = Wired()
    async with w.app.run_test() as pilot:
        await open_history(pilot)
        await pilot.press("down", "enter")
        await pilot.pause()
        assert isinstance(w.app.screen, ChatScreen)
        assert w.shown().startswith(
            "You: my name is Ada\nAssistant: Hello Ada.\n"
            "You: I like tea\nAssistant: Noted: tea.\n"
            "Note: Reopened “my name is Ada”: 2 turns; go on."
        )
        assert w.library.current_id == OLD
        w.app.screen.query_one(Input).value = "what is my name?"
        await pilot.press("enter")
        await wait_for(lambda: "Your name is Ada." in w.shown())
        context = [m["content"] for m in w.llm.calls[-1][1:]]
        assert context == ["my name is Ada", "Hello Ada.", "I like tea", "Noted: tea.", context[-1]]
        assert context[-1] == "what is my name?"
        await wait_for(lambda: len(w.store.open(OLD).all_turns) == 3)  # saved in its own file
        screen = await open_history(pilot)
        options = screen.query_one(OptionList)
        assert "(current)" in str(options.get_option_at_index(0).prompt)  # changed last: first
        w.pipeline.close()


async def test_a_long_conversation_shows_its_last_turns_and_keeps_all() -> None:
    w = Wired()
    save(w.store, "2026-12-03T08-00-00", *[(f"q{i}", f"a{i}") for i in range(150)])
    async with w.app.run_test() as pilot:
        await open_history(pilot)
        await pilot.press("enter")  # the newest: the long one
        await pilot.pause()
        transcript = w.app.chat.query_one(Transcript)
        assert len(transcript.turns) == 2 * SHOWN_TURNS + 1
        assert transcript.turns[0].text == "q50" and "50 earliest" in transcript.turns[-1].text
        assert len(w.engine.history.all_turns) == 150 and len(w.engine.history.turns) == 4
        w.pipeline.close()


async def test_n_begins_a_new_conversation() -> None:
    w = Wired()
    async with w.app.run_test() as pilot:
        await open_history(pilot)
        await pilot.press("down", "enter")
        await pilot.pause()
        await open_history(pilot)
        await pilot.press("n")
        await pilot.pause()
        assert w.shown() == "Note: A new conversation."
        assert w.library.current_id not in (OLD, NEWER) and w.engine.history.turns == ()
        w.pipeline.close()


async def test_d_deletes_after_asking() -> None:
    w = Wired()
    async with w.app.run_test() as pilot:
        screen = await open_history(pilot)
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(w.app.screen, Confirm)
        await pilot.press("n")  # no: nothing happens
        await pilot.pause()
        assert (w.store.directory / f"{NEWER}.json").exists()
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("enter")  # the focused button is Cancel: Enter alone deletes nothing
        await pilot.pause()
        assert (w.store.directory / f"{NEWER}.json").exists()
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert w.app.screen is screen and not (w.store.directory / f"{NEWER}.json").exists()
        assert screen.status.startswith("Deleted “what is the capital of France”")
        assert [s.id for s in screen.summaries] == [OLD]
        w.pipeline.close()


async def test_e_exports_markdown_to_the_offered_path_or_another(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    w = Wired()
    async with w.app.run_test() as pilot:
        screen = await open_history(pilot)
        await pilot.press("down", "e")
        await pilot.pause()
        dialog = w.app.screen
        assert isinstance(dialog, AskPath)
        offered = tmp_path / "home" / f"conversation-{OLD}.md"
        assert dialog.query_one(Input).value == str(offered)
        await pilot.press("enter")
        await pilot.pause()
        assert offered.read_text(encoding="utf-8") == to_markdown(w.store.open(OLD))
        assert "**You:** I like tea" in offered.read_text(encoding="utf-8")
        assert screen.status == f"Exported to {offered}"

        offered.write_text("keep me")  # a file there: asked before it is replaced
        await pilot.press("e")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(w.app.screen, Confirm)
        await pilot.press("n")
        await pilot.pause()
        assert offered.read_text() == "keep me"

        await pilot.press("e", "escape")  # Esc: nothing written, back to the list
        await pilot.pause()
        assert w.app.screen is screen and offered.read_text() == "keep me"

        await pilot.press("e")  # another folder, one that does not exist: said, nothing written
        await pilot.pause()
        w.app.screen.query_one(Input).value = str(tmp_path / "nowhere" / "chat.md")
        await pilot.press("enter")
        await pilot.pause()
        assert w.app.screen is screen
        assert screen.status.startswith("Not exported: the folder") and "does not exist" in (
            screen.status
        )
        assert not (tmp_path / "nowhere").exists()
        w.pipeline.close()


async def test_an_unreadable_conversation_is_listed_and_can_be_deleted() -> None:
    w = Wired()
    (w.store.directory / "2026-12-03T08-00-00.json").write_text("{torn")
    async with w.app.run_test() as pilot:
        screen = await open_history(pilot)
        assert len(screen.summaries) == 3 and screen.summaries[0].problem  # newest by file time
        await pilot.press("enter")
        await pilot.pause()
        assert w.app.screen is screen and screen.status.startswith("Cannot open it")
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert len(screen.summaries) == 2
        w.pipeline.close()


async def test_a_reply_chosen_in_the_transcript_is_said_again() -> None:
    w = Wired()
    async with w.app.run_test() as pilot:
        await open_history(pilot)
        await pilot.press("down", "enter")
        await pilot.pause()
        transcript = w.app.chat.query_one(Transcript)
        await pilot.press("shift+tab")  # from the message box to the transcript
        await pilot.pause()
        assert transcript.has_focus and transcript.chosen is transcript.replies[-1]
        await pilot.press("up")
        await pilot.press("enter")
        await pilot.pause()
        assert w.said_again == ["Hello Ada."]
        w.app.post_event(events.SpeakingSentence("Hello Ada."))  # the pipeline says it
        await pilot.pause()
        assert transcript.replies[0].spoken == (0, 10) and transcript.replies[1].spoken is None
        w.app.post_event(events.ReplyDone("Hello Ada.", "Hello Ada."))
        await pilot.pause()
        assert transcript.speaking is None and transcript.replies[0].spoken is None
        await pilot.press("down", "r")
        await pilot.pause()
        assert w.said_again == ["Hello Ada.", "Noted: tea."]
        w.pipeline.close()


async def test_self_voicing_says_which_reply_is_chosen() -> None:
    said: list[str] = []
    cfg = Config().replace("ui", self_voicing=True)
    wiring = Wiring(hooks=SettingsHooks(announce=said.append))
    app = AssistantApp(cfg, NO_DEVICES, "none", wiring=wiring)
    async with app.run_test() as pilot:
        for text in ("one", "two"):
            app.add_user_text(text)
            app.add_assistant_text(f"Reply {text}.")
        await pilot.pause()
        await pilot.press("shift+tab", "up")
        await pilot.pause()
        assert said[-2:] == [
            "Reply 2 of 2; Enter says it again.",
            "Reply 1 of 2; Enter says it again.",
        ]


async def test_the_palette_and_the_help_know_the_history() -> None:
    actions = [c.action for c in PALETTE]
    assert {"history", "new_conversation", "choose_reply"} <= set(actions)
    w = Wired()
    async with w.app.run_test(size=(100, 40)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"conversations")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert isinstance(w.app.screen, HistoryScreen)
        await pilot.press("escape", "f1")
        await pilot.pause()
        text = w.app.screen.text  # type: ignore[attr-defined]
        assert "F6" in text and "Export to Markdown" in text and "say the chosen reply" in text
        w.pipeline.close()


async def test_without_a_library_f6_says_so() -> None:
    app = AssistantApp(Config(), NO_DEVICES, "none", cursor_blink=False)
    async with app.run_test() as pilot:
        await pilot.press("f6")
        await pilot.pause()
        assert isinstance(app.screen, ChatScreen)


def test_snapshot_history(snap_compare: Callable[..., bool]) -> None:
    w = Wired()
    try:
        assert snap_compare(w.app, press=["f6", "down"], terminal_size=(90, 24))
    finally:
        w.pipeline.close()
