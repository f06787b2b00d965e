"""Building the app's parts: without devices it still answers, and says what is missing."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

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
    parts = Parts()
    start_parts(cfg, AudioStatus(None, None, "no server"), pipeline, engine, parts)
    parts.stop_watching()  # it would open the devices this test machine does have
    assert parts.watch is not None and set(parts.watch.lost) == {"input", "output"}
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


def broken_voice(tmp_path: Path) -> Path:
    """A copy of the lj voice whose vocoder package cannot be found."""
    import json
    import shutil

    from assistant import paths

    folder = tmp_path / "broken"
    shutil.copytree(paths.shipped_voices_dir() / "lj", folder)
    meta = json.loads((folder / "voice.json").read_text())
    (folder / "voice.json").write_text(json.dumps({**meta, "vocoder": "nonesuch"}))
    return folder


@pytest.mark.audio
def test_a_voice_without_its_vocoder_is_a_notice_and_listening_still_starts(
    pulse: Path, tmp_path: Path
) -> None:
    cfg = Config().replace("voice", voice=str(broken_voice(tmp_path)))
    cfg = cfg.replace("asr", vad="energy")
    engine = ReplyEngine(Skills(), EchoLLM("Hello."), History(directory=tmp_path))
    events: list[PipelineEvent] = []
    pipeline = Pipeline(engine, None, None, events.append, lambda: settings_of(cfg))
    parts = Parts()
    try:
        start_parts(cfg, AudioStatus("mic", "spk"), pipeline, engine, parts)
        notes = [e.text for e in events if isinstance(e, Notice)]
        assert any("cannot load its vocoder" in n and "nonesuch" in n for n in notes), notes
        assert pipeline.voice is None and pipeline.speaker is None  # text replies
        assert parts.mic is not None and parts.threads and parts.threads[0].is_alive()
    finally:
        pipeline.close()
        parts.close()


def test_say_with_a_broken_voice_is_a_message_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from assistant.cli import main

    code = main(
        ["say", "Hello.", "--voice", str(broken_voice(tmp_path)), "-o", str(tmp_path / "x.wav")]
    )
    err = capsys.readouterr().err
    assert code == 1 and "cannot load its vocoder" in err and "Traceback" not in err
    assert not (tmp_path / "x.wav").exists()


def test_skipped_pronunciation_lines_are_noticed(tmp_path: Path) -> None:
    from assistant import paths
    from assistant.chat import pronunciation_notes

    path = paths.pronunciations_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("SQL = sequel\nno equals sign here\nre:( = broken\n", encoding="utf-8")
    events: list[PipelineEvent] = []
    engine = ReplyEngine(Skills(), EchoLLM("Hello."), History(directory=tmp_path))
    pipeline = Pipeline(engine, None, None, events.append, lambda: settings_of(Config()))
    pronunciation_notes(pipeline)
    notes = [e.text for e in events if isinstance(e, Notice)]
    assert len(notes) == 2
    assert "line 2" in notes[0] and "line 3" in notes[1] and all("skipped" in n for n in notes)
