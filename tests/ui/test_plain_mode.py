"""Plain mode (`assistant --plain`): the conversation as appended lines a screen reader reads."""

from __future__ import annotations

import io
import os
import queue
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from assistant import config, paths
from assistant.audio.devices import AudioStatus
from assistant.chat import settings_of
from assistant.cli import build_parser
from assistant.config import Config
from assistant.conversation.pipeline import Pipeline
from assistant.events import EmotionChanged, Notice
from assistant.reply.engine import EchoLLM, ReplyEngine
from assistant.reply.history import History
from assistant.reply.skills import Skills
from assistant.ui.plain import PlainApp
from assistant.ui.wiring import Wiring

NO_DEVICES = AudioStatus(None, None, problem="no audio server running")
DRAWING = re.compile("[\u2500-\u259f\u25a0-\u25ff\x1b]")  # box drawing, blocks, shapes, escapes


def wire(tmp_path: Path, answer: str) -> tuple[PlainApp, Pipeline, io.StringIO]:
    engine = ReplyEngine(Skills(), EchoLLM(answer), History(directory=tmp_path))
    out = io.StringIO()
    box: list[PlainApp] = []
    pipeline = Pipeline(
        engine, None, None, lambda e: box[0].post_event(e), lambda: settings_of(box[0].config)
    )
    app = PlainApp(Config(), NO_DEVICES, wiring=Wiring(on_user_text=pipeline.submit_text), out=out)
    box.append(app)
    return app, pipeline, out


def test_a_conversation_reads_top_to_bottom(tmp_path: Path) -> None:
    app, pipeline, out = wire(tmp_path, "Paris is the capital. It is in France.")
    try:
        app.handle("capital of france?")
        assert pipeline.join()
        pipeline.emit(Notice("The voice is ready."))
        app.handle("sound happy")  # a skill: changes the emotion, and answers
        assert pipeline.join()
    finally:
        pipeline.close()
    lines = out.getvalue().splitlines()
    assert lines[:4] == [
        "You: capital of france?",
        "Assistant: Paris is the capital.",  # whole sentences as they come: nothing is redrawn
        "It is in France.",
        "Note: The voice is ready.",
    ]
    assert lines[4] == "You: sound happy"
    assert lines[5] == "Note: Emotion happy, intensity 0.7."
    assert lines[6] == "Assistant: Okay, I'll sound happy."
    assert lines[-1].startswith("Assistant: ")
    assert not DRAWING.search(out.getvalue())
    assert app.config.voice.emotion == "happy"
    assert config.load().voice.emotion == "happy"  # saved, as in the full-screen app


def test_events_from_threads_never_break_a_line(tmp_path: Path) -> None:
    app, pipeline, out = wire(tmp_path, "x")
    pipeline.close()
    threads = [
        threading.Thread(target=app.post_event, args=(Notice(f"notice {n}"),)) for n in range(50)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lines = out.getvalue().splitlines()
    assert sorted(lines) == sorted(f"Note: notice {n}" for n in range(50))


def test_commands_change_settings_and_say_when_they_apply() -> None:
    out = io.StringIO()
    voices: list[str] = []
    app = PlainApp(Config(), NO_DEVICES, wiring=Wiring(on_choose_voice=voices.append), out=out)
    for line in ("/set voice.rate 1.5", "/set asr.engine whisper", "/set voice.rate 9",
                 "/set voice.voice joe", "/nonsense"):  # fmt: skip
        assert app.handle(line)
    assert not app.handle("/quit")
    lines = out.getvalue().splitlines()
    assert lines[0] == "Note: voice.rate is 1.5; applies now."
    assert lines[1] == "Note: asr.engine is 'whisper'; applies at next start."
    assert lines[2].startswith("Note: Not changed: 'voice.rate' must be between 0.5 and 3")
    assert lines[3] == "Note: voice.voice is 'joe'; applies now." and voices == ["joe"]
    assert lines[4] == "Note: Unknown command /nonsense; see /help."
    saved = config.load()
    assert (saved.voice.rate, saved.asr.engine, saved.voice.voice) == (1.5, "whisper", "joe")


def test_run_reads_lines_until_quit() -> None:
    out = io.StringIO()
    app = PlainApp(Config(), NO_DEVICES, out=out, inp=io.StringIO("hello\n\n/help\n/quit\nlost\n"))
    app.run()
    lines = out.getvalue().splitlines()
    assert lines[1:3] == ["You: hello", "Assistant: (echo) hello"]
    assert "/stop  stop speaking, reading or music" in lines
    assert lines[-1] == "Goodbye." and "You: lost" not in lines


def test_self_voicing_speaks_notices_only_when_on() -> None:
    said: list[str] = []
    from assistant.ui.access import SettingsHooks

    hooks = SettingsHooks(announce=said.append)
    app = PlainApp(Config(), NO_DEVICES, wiring=Wiring(hooks=hooks), out=io.StringIO())
    app.post_event(Notice("one"))
    app.config = app.config.replace("ui", self_voicing=True)
    app.post_event(Notice("two"))
    app.post_event(EmotionChanged("sad", 0.5))
    assert said == ["two", "Emotion sad, intensity 0.5."]


def test_plain_is_a_flag_of_the_app_and_of_chat() -> None:
    parser = build_parser()
    assert parser.parse_args(["--plain"]).plain
    assert parser.parse_args(["--plain", "chat"]).plain  # the subcommand does not reset it
    assert parser.parse_args(["chat", "--plain"]).plain
    assert not hasattr(parser.parse_args(["chat"]), "plain")


def test_the_ui_section_is_validated() -> None:
    with pytest.raises(config.ConfigError, match=r"'ui\.theme' must be one of default"):
        config.from_dict({"ui": {"theme": "neon"}})
    assert config.from_dict({"ui": {"plain": True}}).ui.plain


def test_assistant_plain_in_a_terminal_less_pipe(tmp_path: Path) -> None:
    """The real command, typed into: the output is the conversation, line after line."""
    paths.config_file().parent.mkdir(parents=True)
    paths.config_file().write_text("[ui]\nplain = true\n")  # the setting, not the flag
    env = {**os.environ, "PULSE_SERVER": str(tmp_path / "no-server"), "TERM": "dumb"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "assistant"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    assert proc.stdin is not None and proc.stdout is not None
    lines: queue.Queue[str] = queue.Queue()
    stdout = proc.stdout
    threading.Thread(target=lambda: [lines.put(line) for line in stdout], daemon=True).start()
    seen: list[str] = []

    def until(text: str) -> None:
        deadline = time.monotonic() + 60
        while not any(text in line for line in seen):
            seen.append(lines.get(timeout=max(0.0, deadline - time.monotonic())))

    try:
        until("plain mode")
        proc.stdin.write("what is 12 times 7\n")
        proc.stdin.flush()
        until("84")
        proc.stdin.write("/quit\n")
        proc.stdin.flush()
        until("Goodbye.")
        assert proc.wait(timeout=30) == 0
    finally:
        proc.kill()
    text = "".join(seen)
    assert text.startswith("assistant, plain mode.")
    assert not DRAWING.search(text)
    you = text.index("You: what is 12 times 7")
    answer = text.index("Assistant: ", you)
    assert "84" in text[answer:].splitlines()[0]
    assert text.rstrip().endswith("Goodbye.")
