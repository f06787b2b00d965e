"""History: bounded, saved atomically per conversation, survives corrupt files, truncatable."""

import json
import logging
import os
import threading
from datetime import datetime
from pathlib import Path

import pytest

from assistant import paths
from assistant.reply.history import History, Turn, new_id, title_of


def test_it_lives_in_the_data_dir_and_starts_empty() -> None:
    history = History("kitchen")
    assert history.path == paths.data_dir() / "conversations" / "kitchen.json"
    assert history.turns == () and history.last_reply() is None
    assert not history.path.exists()  # nothing written until there is something to keep


def test_turns_persist_across_instances() -> None:
    history = History()
    history.add("hi", "Hello!")
    history.add("how are you?", "Fine, thanks.")
    again = History()
    again.load()
    assert again.turns == (Turn("hi", "Hello!"), Turn("how are you?", "Fine, thanks."))
    assert again.last_reply() == "Fine, thanks."
    data = json.loads(history.path.read_text(encoding="utf-8"))
    assert data["id"] == "default" and data["turns"][0] == {"user": "hi", "assistant": "Hello!"}


def test_conversations_are_separate() -> None:
    History("a").add("one", "1")
    History("b").add("two", "2")
    assert [t.user for t in History("a").turns] == ["one"]
    assert [t.user for t in History("b").turns] == ["two"]


def test_the_model_sees_the_last_turns_and_the_file_keeps_them_all() -> None:
    history = History(max_turns=3)
    for i in range(7):
        history.add(f"q{i}", f"a{i}")
    assert [t.user for t in history.turns] == ["q4", "q5", "q6"]
    assert [t.user for t in history.all_turns] == [f"q{i}" for i in range(7)]
    assert len(json.loads(history.path.read_text())["turns"]) == 7
    assert [t.user for t in History(max_turns=2).turns] == ["q5", "q6"]  # a smaller limit later


def test_the_file_is_bounded_too() -> None:
    history = History(max_turns=2, keep_turns=5)
    for i in range(12):
        history.add(f"q{i}", f"a{i}")
    saved = json.loads(history.path.read_text())["turns"]
    assert [t["user"] for t in saved] == ["q7", "q8", "q9", "q10", "q11"]
    assert [t.user for t in History(keep_turns=5).all_turns] == ["q7", "q8", "q9", "q10", "q11"]


def test_title_and_times_are_saved() -> None:
    history = History("2026-12-02T15-30-12")
    history.add("  What is the tallest mountain in the whole wide world, and how tall?\nok", "E.")
    history.add("and the second?", "K2.")
    data = json.loads(history.path.read_text(encoding="utf-8"))
    assert data["format"] == 2 and data["id"] == "2026-12-02T15-30-12"
    assert data["title"] == "What is the tallest mountain in the whole wide world, and…"
    assert data["created"] <= data["updated"] and data["created"][:4].isdigit()
    again = History("2026-12-02T15-30-12")
    assert again.title == data["title"] and again.created == data["created"]


def test_titles_are_short_first_lines() -> None:
    assert title_of("hi there") == "hi there"
    assert title_of("first line\nsecond line") == "first line"
    assert title_of("x" * 100) == "x" * 59 + "…"
    assert len(title_of("word " * 40)) <= 60
    assert title_of("   ") == ""
    assert new_id(datetime(2026, 12, 2, 15, 30, 12)) == "2026-12-02T15-30-12"


def test_a_file_of_the_first_format_is_read() -> None:
    history = History()
    history.path.parent.mkdir(parents=True)
    old = {"format": 1, "id": "default", "turns": [{"user": "hello", "assistant": "Hi!"}]}
    history.path.write_text(json.dumps(old))
    assert history.all_turns == (Turn("hello", "Hi!"),)
    assert history.title == "hello" and history.created  # the file's time stands for it


def test_zero_turns_keeps_nothing() -> None:
    history = History(max_turns=0)
    history.add("q", "a")
    assert history.turns == () and History(max_turns=0).turns == ()
    assert not history.path.exists()  # history off: nothing written


def test_a_write_broken_off_leaves_the_old_file_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    """The real atomic_write: the new content goes to a temporary file that replaces the old
    one in one step; when that step fails the old file is untouched and nothing is left."""
    history = History()
    history.add("q1", "a1")
    before = history.path.read_bytes()

    def fail(src: object, dst: object) -> None:
        raise OSError("power cut")

    with monkeypatch.context() as patched:  # (undo() would also undo the tmp data dir)
        patched.setattr(os, "replace", fail)
        history.add("q2", "a2")
    assert history.path.read_bytes() == before
    assert sorted(p.name for p in history.path.parent.iterdir()) == ["default.json"]
    history.add("q3", "a3")
    assert [t.user for t in History().all_turns] == ["q1", "q2", "q3"]


def test_saving_is_atomic_and_leaves_no_temporary_files(monkeypatch: pytest.MonkeyPatch) -> None:
    history = History()
    history.add("q1", "a1")
    before = history.path.read_bytes()

    def torn(path: Path, data: bytes) -> None:
        raise OSError("disk full")

    with monkeypatch.context() as patched:  # (undo() would also undo the tmp data dir)
        patched.setattr(paths, "atomic_write", torn)
        history.add("q2", "a2")  # logged, not raised: the conversation goes on
    assert history.path.read_bytes() == before
    assert [t.user for t in history.turns] == ["q1", "q2"]
    history.add("q3", "a3")
    assert history.path.is_relative_to(paths.data_dir()) and "data" in history.path.parts
    assert sorted(p.name for p in history.path.parent.iterdir()) == ["default.json"]


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"\xff\xfe\x00garbage",
        b"[1, 2, 3]",
        b'{"turns": "nope"}',
        b'{"turns": [{"user": "q"}]}',
        b'{"turns": [{"user": 1, "assistant": "a"}]}',
        b'{"turns": [7]}',
        b"",
    ],
)
def test_a_corrupt_file_is_moved_aside_with_a_warning(
    content: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    history = History()
    history.path.parent.mkdir(parents=True)
    history.path.write_bytes(content)
    with caplog.at_level(logging.WARNING):
        history.load()
    assert history.turns == ()
    assert "unreadable" in caplog.text
    kept = list(history.path.parent.glob("default.json.corrupt-*"))
    assert len(kept) == 1 and kept[0].read_bytes() == content  # not lost
    history.add("q", "a")  # and a fresh conversation starts
    assert History().turns == (Turn("q", "a"),)


def test_truncate_last_reply_keeps_what_was_heard() -> None:
    history = History()
    assert not history.truncate_last_reply("anything")
    history.add("tell me a story", "Once upon a time there was a dragon who liked tea.")
    assert history.truncate_last_reply("Once upon a time ")
    assert History().turns == (Turn("tell me a story", "Once upon a time"),)


def test_clear() -> None:
    history = History()
    history.add("q", "a")
    history.clear()
    assert history.turns == () and History().turns == ()


def test_bad_ids_are_refused() -> None:
    for bad in ("../etc", "", "a/b", ".hidden", "x" * 100):
        with pytest.raises(ValueError):
            History(bad)


def test_adding_from_threads_loses_nothing() -> None:
    history = History(max_turns=100)
    workers = [
        threading.Thread(target=lambda i=i: [history.add(f"{i}-{j}", "a") for j in range(10)])
        for i in range(4)
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert len(History(max_turns=100).turns) == 40
