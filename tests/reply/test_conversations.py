"""The saved conversations: new ones per start, listed newest first, bounded, migrated, corrupt
files listed (never a crash), reopened as the model's context, exported to Markdown."""

from __future__ import annotations

import json
import logging
import os
from datetime import datetime
from pathlib import Path

import pytest

from assistant import paths
from assistant.reply.conversations import (
    ConversationError,
    Conversations,
    Library,
    default_export_path,
    export,
    to_markdown,
)
from assistant.reply.engine import EchoLLM, ReplyEngine
from assistant.reply.history import Turn
from assistant.reply.skills import Skills


def at(minute: int) -> datetime:
    return datetime(2026, 12, 2, 15, minute, 0)


def saved(store: Conversations, minute: int, *turns: tuple[str, str]) -> str:
    """A conversation begun at 15:`minute`, with `turns`; its file's times as if written then."""
    history = store.begin(at(minute))
    for user, reply in turns:
        history.add(user, reply)
    data = json.loads(history.path.read_text())
    data["created"] = data["updated"] = at(minute).isoformat()
    history.path.write_text(json.dumps(data))
    return history.conversation_id


def test_each_start_is_a_new_conversation_with_a_time_id() -> None:
    store = Conversations()
    first = store.begin(at(30))
    assert first.conversation_id == "2026-12-02T15-30-00"
    assert first.path.parent == paths.data_dir() / "conversations"
    first.add("hi", "Hello!")
    assert store.begin(at(30)).conversation_id == "2026-12-02T15-30-00-2"  # the same second


def test_the_list_is_newest_first_with_titles_and_counts() -> None:
    store = Conversations()
    saved(store, 1, ("what is the capital of France", "Paris."))
    saved(store, 5, ("tell me a joke", "Why did…"), ("another", "Sure."))
    store.begin(at(9))  # begun, nothing said: not written, not listed
    listed = store.summaries()
    assert [(s.title, s.turns) for s in listed] == [
        ("tell me a joke", 2),
        ("what is the capital of France", 1),
    ]
    assert listed[0].label() == "tell me a joke — 2026-12-02 15:05, 2 turns"


def test_a_corrupt_file_is_listed_as_unreadable_and_kept(caplog: pytest.LogCaptureFixture) -> None:
    store = Conversations()
    good = saved(store, 1, ("hello", "Hi."))
    bad = store.directory / "2026-12-02T15-02-00.json"
    bad.write_bytes(b"{torn")
    (store.directory / "2026-12-02T15-03-00.json").write_bytes(b"\xff\xfe")
    with caplog.at_level(logging.WARNING):
        listed = store.summaries()
    assert {s.id for s in listed} == {good, "2026-12-02T15-02-00", "2026-12-02T15-03-00"}
    broken = [s for s in listed if s.problem]
    assert len(broken) == 2 and all("unreadable" in s.label() for s in broken)
    assert bad.read_bytes() == b"{torn"  # listing never moves or changes it
    with pytest.raises(ConversationError, match="cannot open"):
        store.open("2026-12-02T15-02-00")
    assert "unreadable" in caplog.text


def test_the_number_of_conversations_is_bounded() -> None:
    store = Conversations(max_conversations=3)
    ids = [saved(store, minute, (f"q{minute}", "a")) for minute in range(1, 6)]
    left = sorted(p.stem for p in store.directory.glob("*.json"))
    assert left == ids[2:]  # room was made for each one begun: the oldest went
    store.begin(at(7)).add("q7", "a")
    assert len(store.summaries()) == 3


def test_the_old_single_conversation_is_migrated_not_lost() -> None:
    folder = paths.data_dir() / "conversations"
    folder.mkdir(parents=True)
    old = {"format": 1, "id": "default", "turns": [{"user": "remember me", "assistant": "I do."}]}
    (folder / "default.json").write_text(json.dumps(old))
    stamp = at(20).timestamp()
    os.utime(folder / "default.json", (stamp, stamp))
    store = Conversations()
    new_id = store.migrate()
    assert new_id == "2026-12-02T15-20-00" and not (folder / "default.json").exists()
    assert store.migrate() is None  # once
    (summary,) = store.summaries()
    assert (summary.id, summary.title, summary.turns) == (new_id, "remember me", 1)
    assert summary.when == "2026-12-02 15:20"
    history = store.open(new_id)
    history.add("still there?", "Yes.")
    assert [t.user for t in store.open(new_id).all_turns] == ["remember me", "still there?"]


def test_delete() -> None:
    store = Conversations()
    one = saved(store, 1, ("q", "a"))
    store.delete(one)
    store.delete(one)  # already gone: nothing to do
    assert store.summaries() == []
    with pytest.raises(ConversationError):
        store.delete("../escape")


def engine_with(store: Conversations, llm: EchoLLM) -> ReplyEngine:
    return ReplyEngine(Skills(), llm, store.begin(at(50)))


def test_a_reopened_conversation_is_the_models_context() -> None:
    store = Conversations(max_turns=2)
    old = saved(store, 1, ("my name is Ada", "Hello Ada."), ("I like tea", "Noted."))
    llm = EchoLLM("Ada.")
    engine = engine_with(store, llm)
    library = Library(store, engine)
    engine.reply("something new").text()
    assert library.open(old) == (Turn("my name is Ada", "Hello Ada."), Turn("I like tea", "Noted."))
    assert library.current_id == old
    engine.reply("what is my name?").text()
    assert [m["content"] for m in llm.calls[-1][1:]] == [
        "my name is Ada",
        "Hello Ada.",
        "I like tea",
        "Noted.",
        "what is my name?",
    ]
    assert store.open(old).all_turns[-1] == Turn("what is my name?", "Ada.")  # continued
    assert len(store.summaries()) == 2  # the new one begun meanwhile stays in the list


def test_a_reply_ends_in_the_conversation_it_was_asked_in() -> None:
    store = Conversations()
    old = saved(store, 1, ("q", "a"))
    engine = engine_with(store, EchoLLM("one two three"))
    library = Library(store, engine)
    reply = engine.reply("count")
    first = next(reply.stream)
    asked_in = engine.history
    library.open(old)  # cancels the reply: what was said so far is recorded where it was asked
    assert first == "one " and asked_in.all_turns == (Turn("count", "one"),)
    assert store.open(old).all_turns == (Turn("q", "a"),)


def test_deleting_the_current_conversation_begins_a_new_one() -> None:
    store = Conversations()
    engine = engine_with(store, EchoLLM("yes"))
    library = Library(store, engine)
    engine.reply("hello").text()
    current = library.current_id
    library.delete(current)
    assert library.current_id != current and engine.history.all_turns == ()
    engine.reply("tell me more").text()
    assert [s.title for s in store.summaries()] == ["tell me more"]  # the deleted one stays gone


def test_export_to_markdown_from_a_saved_file(tmp_path: Path) -> None:
    store = Conversations()
    one = saved(store, 1, ("what is *bold*?", "Text in **stars**.\nTwo lines."), ("ok", "Bye."))
    out = export(store.open(one), tmp_path / "chat.md")
    text = out.read_text(encoding="utf-8")
    assert text == (
        "# what is *bold*?\n\nStarted 2026-12-02 15:01.\n\n"
        "**You:** what is *bold*?\n\n**Assistant:** Text in **stars**.  \nTwo lines.\n\n"
        "**You:** ok\n\n**Assistant:** Bye.\n"
    )
    assert text == to_markdown(store.open(one))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chat.md", "data"]  # no temporary left
    assert default_export_path(one) == Path.home() / "conversation-2026-12-02T15-01-00.md"


def test_export_errors_are_clear_and_write_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Conversations()
    history = store.open(saved(store, 1, ("q", "a")))
    with pytest.raises(ConversationError, match="does not exist"):
        export(history, tmp_path / "nowhere" / "chat.md")
    with pytest.raises(ConversationError, match="is a folder"):
        export(history, tmp_path)
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):  # root writes anywhere: the refusal is simulated

            def refuse(path: Path, data: bytes) -> None:
                raise PermissionError(13, "Permission denied")

            monkeypatch.setattr(paths, "atomic_write", refuse)
        with pytest.raises(ConversationError, match="not writable"):
            export(history, locked / "chat.md")
    finally:
        locked.chmod(0o700)
    assert list(locked.iterdir()) == []
