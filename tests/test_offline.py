"""Nothing leaves the machine: the whole app, real parts, under an audit hook on sockets."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from assistant.asr.whisper import WhisperRecognizer
from tests.conftest import Recorder, active_part, active_seconds

REPO = Path(__file__).resolve().parent.parent

# Runs in its own process: an audit hook cannot be removed, and other tests use localhost.
APP = r"""
import asyncio, socket, sys

attempts = []


def audit(event, args):
    if event == "socket.connect" and args[0].family in (socket.AF_INET, socket.AF_INET6):
        attempts.append(f"connect {args[1]}")
        raise ConnectionRefusedError("the network is blocked in this test")
    if event == "socket.getaddrinfo":
        attempts.append(f"lookup {args[0]}")
        raise socket.gaierror("name lookups are blocked in this test")


sys.addaudithook(audit)
try:  # the hook itself is checked first: a connection must be caught
    socket.socket().connect(("127.0.0.1", 9))
except ConnectionRefusedError as e:
    assert "blocked" in str(e) and attempts == ["connect ('127.0.0.1', 9)"], (e, attempts)
else:
    raise SystemExit("the audit hook did not catch a connection")
attempts.clear()

from assistant import config
from assistant.audio.devices import probe
from assistant.chat import build_app
from assistant.ui.screens.reader import ReaderScreen


async def main() -> None:
    cfg = config.load()
    audio = probe(cfg.audio)
    assert audio.input_name and audio.output_name, audio
    app, close = build_app(cfg, audio)
    try:
        async with app.run_test() as pilot:

            def shown() -> str:
                return app.chat.transcript.plain_text()

            async def until(condition, what: str, timeout: float) -> None:
                for _ in range(int(timeout / 0.1)):
                    if condition():
                        return
                    await asyncio.sleep(0.1)
                raise SystemExit(f"timed out waiting for {what}; the screen: {shown()}")

            await until(lambda: "is ready." in shown(), "the language model", 240)
            await until(lambda: "speech:" in app.chat.status_bar.text, "the status", 5)
            for message in ("Hello! Who are you?", "what time is it"):
                replies = shown().count("Assistant:")
                app.chat.query_one("#message").value = message
                await pilot.press("enter")
                await until(lambda: shown().count("Assistant:") > replies, "a reply", 120)
                speaking = lambda: "SPEAKING" in app.chat.status_bar.text  # noqa: E731
                await until(speaking, "the reply being said", 60)
                await until(lambda: not speaking(), "the reply said", 120)
            app.chat.query_one("#message").value = "read notes.md"
            await pilot.press("enter")
            await until(lambda: isinstance(app.screen, ReaderScreen), "the reader", 30)
            await asyncio.sleep(6)  # sentences are guessed (expressive) and said
            await pilot.press("q")
            screen = shown()
    finally:
        close()
    print("NETWORK ATTEMPTS:", attempts)
    print("SCREEN:", screen)


asyncio.run(main())
"""


@pytest.mark.audio
@pytest.mark.slow
def test_the_app_never_touches_the_network(
    pulse: Path,
    user_dirs: Path,
    tmp_path: Path,
    record_source: Callable[[str], Recorder],
    recognizer: WhisperRecognizer,
) -> None:
    """Typed messages in the real app are answered and *said*: the speaker sink hears them."""
    config_dir = Path(os.environ["ASSISTANT_CONFIG_DIR"])
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "config.toml").write_text(  # every model that could reach for a hub
        '[voice]\nemotion = "auto"\n\n[reader]\nexpressive = true\nquotes_other_voice = true\n'
    )
    (tmp_path / "notes.md").write_text(
        '# Notes\n\nShe smiled. "What a lovely day," she said. The sun was out.\n'
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("HF_HUB_OFFLINE", None)  # the app must not rely on the caller's environment
    speaker = record_source("spk.monitor")
    result = subprocess.run(
        [sys.executable, "-c", APP],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=540,
    )
    heard = speaker.stop()
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "NETWORK ATTEMPTS: []" in result.stdout, result.stdout[-3000:]
    screen = result.stdout.split("SCREEN:", 1)[1]
    assert "Who are you?" in screen and "what time is it" in screen
    assert screen.count("Assistant:") >= 2
    assert active_seconds(heard, speaker.rate) > 3.0  # the replies and the reading were spoken
    words = recognizer.transcribe(active_part(heard, speaker.rate), speaker.rate).lower()
    # the time was said: "10:15 a.m.", "5 pm", "5-29pm" (Whisper writes it in several ways)
    assert re.search(r"(?<![a-z])[ap]\.? ?m\b", words), words
