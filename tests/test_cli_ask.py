"""`assistant ask`: which command takes a sentence (without the model), and real answers."""

import os
import re
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from assistant.asr.whisper import WhisperRecognizer
from assistant.cli import main
from tests.conftest import Recorder, active_seconds

INTENTS = {
    "Hello, what time is it?": "time",
    "good morning, do you know what time it is": "time",
    "sorry, could you repeat that?": "repeat",
    "hey, be sad for a moment": "emotion emotion=sad intensity=0.7",
    "go back to your normal voice": "emotion emotion=neutral intensity=1.0",
    "play me a calm tune": "music emotion=calm intensity=0.7",
    "what time does the sun set in winter": "model",
}
ONLY_ASKED = """
import sys
from assistant.cli import main
code = main(["ask", "--intent", sys.argv[1]])
print("heavy:", sorted(m for m in ("torch", "transformers") if m in sys.modules))
sys.exit(code)
"""


def ask(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assistant", "ask", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


@pytest.mark.parametrize(("said", "intent"), INTENTS.items())
def test_intent_names_the_command_without_loading_the_model(said: str, intent: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", ONLY_ASKED, said], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [intent, "heavy: []"]


def test_the_console_script_prints_the_intent() -> None:
    done = ask("--intent", "hey, what's the time in Tokyo?")
    assert done.returncode == 0 and done.stdout == "time_in place=tokyo\n", done.stderr


@pytest.mark.parametrize("text", ["", "   ", "\n"])
def test_empty_text_exits_2_with_a_message(text: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", text]) == 2
    assert main(["ask", "--intent", text]) == 2
    err = capsys.readouterr().err
    assert err == "assistant: nothing to ask: the text is empty\n" * 2


def clock_times(start: datetime, end: datetime) -> set[str]:
    """Every "3:07 PM" the clock showed between start and end."""
    times, t = set(), start.replace(second=0, microsecond=0)
    while t <= end:
        times.add(f"{t.hour % 12 or 12}:{t.minute:02d} {'AM' if t.hour < 12 else 'PM'}")
        t += timedelta(minutes=1)
    return times


@pytest.mark.slow
def test_a_command_and_a_question_with_the_real_model(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    env = dict(os.environ, ASSISTANT_CACHE_DIR=str(tmp_path_factory.mktemp("ask-cache")))
    cache = Path(env["ASSISTANT_CACHE_DIR"])
    start = datetime.now()
    done = ask("Hello, what time is it?", env=env)
    assert done.returncode == 0, done.stderr
    shown = re.fullmatch(r"It's (\d+:\d\d [AP]M)\.\n", done.stdout)
    assert shown and shown.group(1) in clock_times(start, datetime.now()), done.stdout
    assert not any(cache.rglob("model.safetensors"))  # a command answered: no model loaded
    done = ask("What is the capital of France?", env=env)
    assert done.returncode == 0, done.stderr
    assert "Paris" in done.stdout and "It's" not in done.stdout
    assert any(cache.rglob("model.safetensors"))  # the embedded SmolLM2 answered


@pytest.mark.slow
@pytest.mark.audio
def test_speak_says_the_answer_on_the_speaker(
    record_source,  # type: ignore[no-untyped-def]
    recognizer: WhisperRecognizer,
) -> None:
    recorder: Recorder = record_source("spk.monitor")
    done = ask("--speak", "what's the date today")
    assert done.returncode == 0, done.stderr
    audio = recorder.stop()
    assert done.stdout.startswith("Today is ")
    weekday = done.stdout.split()[2].strip(",").lower()
    assert active_seconds(audio, 16000) > 1.0
    heard = recognizer.transcribe(audio, 16000).lower()
    assert "today" in heard and weekday in heard, heard
