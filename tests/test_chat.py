"""Building the app's parts: without devices it still answers, and says what is missing."""

from __future__ import annotations

import time
from pathlib import Path

from assistant.audio.devices import AudioStatus
from assistant.chat import Parts, settings_of, start_parts
from assistant.config import Config
from assistant.conversation.pipeline import Pipeline
from assistant.events import Notice, PipelineEvent, ReplyDone
from assistant.reply.engine import EchoLLM, ReplyEngine
from assistant.reply.history import History
from assistant.reply.skills import Skills


def test_no_devices_means_text_replies_and_notices(tmp_path: Path) -> None:
    cfg = Config().replace("voice", emotion="sad", intensity=0.3)
    engine = ReplyEngine(Skills(), EchoLLM("Hello.", ready=False), History(directory=tmp_path))
    events: list[PipelineEvent] = []
    pipeline = Pipeline(engine, None, None, events.append, lambda: settings_of(cfg))
    pipeline.submit_text("what time is it").join()  # skills answer before the model is ready
    start_parts(cfg, AudioStatus(None, None, "no server"), pipeline, engine, Parts())
    for _ in range(200):
        if any("ready" in e.text for e in events if isinstance(e, Notice)):
            break
        time.sleep(0.01)
    notes = [e.text for e in events if isinstance(e, Notice)]
    assert "No speaker: replies are text only." in notes
    assert "No microphone: type your messages." in notes
    assert "The language model echo is ready." in notes
    pipeline.submit_text("hi").join()
    done = [e for e in events if isinstance(e, ReplyDone)]
    assert done[0].text.startswith("It's ") and done[-1] == ReplyDone("Hello.", "Hello.")
    assert pipeline.voice is None and pipeline.speaker is None
    assert settings_of(cfg).emotion == "sad" and settings_of(cfg).intensity == 0.3
