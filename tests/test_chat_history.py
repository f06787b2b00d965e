"""Each start of the app continues nothing: it begins a new conversation, after migrating the
single conversation older versions kept, within the config's bounds."""

from __future__ import annotations

import json

from assistant import paths
from assistant.chat import build_engine, conversations_of
from assistant.config import Config


def test_each_start_begins_a_new_conversation_and_keeps_the_old_one() -> None:
    folder = paths.data_dir() / "conversations"
    folder.mkdir(parents=True)
    old = {"format": 1, "id": "default", "turns": [{"user": "hi", "assistant": "Hello."}]}
    (folder / "default.json").write_text(json.dumps(old))
    cfg = Config().replace("reply", max_history_turns=3, max_saved_turns=7, max_conversations=2)
    store = conversations_of(cfg)
    engine = build_engine(cfg, store)
    assert engine.history.all_turns == () and engine.history.max_turns == 3
    assert engine.history.keep_turns == 7 and store.max_conversations == 2
    (summary,) = store.summaries()  # the old one, migrated under the time it was last changed
    assert summary.title == "hi" and summary.id != "default"
    engine.history.add("first start", "ok")
    second = build_engine(cfg, conversations_of(cfg)).history
    assert second.conversation_id != engine.history.conversation_id and second.all_turns == ()
    second.add("second start", "ok")
    assert [s.title for s in store.summaries()] == ["second start", "first start"]  # bounded
