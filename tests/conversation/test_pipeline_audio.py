"""The pipeline through real parts: virtual mic → Whisper → skill → our voice → speaker sink."""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from assistant.asr.whisper import WhisperRecognizer
from assistant.audio.devices import Microphone, Speaker, find_device
from assistant.conversation.pipeline import Pipeline
from assistant.events import HeardFinal, Listening, PipelineEvent, ReplyDone
from assistant.reply.engine import EchoLLM, ReplyEngine
from assistant.reply.history import History
from assistant.reply.skills import Skills
from assistant.tts.voice import Voice
from tests.conftest import Recorder, active_part
from tests.conversation.conftest import listen_with_whisper, spoken, wait_until

pytestmark = [pytest.mark.audio, pytest.mark.slow]

LOUD = 0.01  # RMS of a block that counts as sound (-40 dBFS)
STORY = (
    "Once upon a time a small robot lived in a quiet garden. "
    "Every morning it watered the roses and counted the bees. "
    "One day a storm came and blew the roof off the shed. "
    "The robot worked all night to fix it with old planks. "
    "In the morning the bees came back and the garden was bright again. "
    "The neighbours brought cake and lemonade to celebrate. "
    "And the robot smiled its little electric smile."
)


@pytest.fixture(scope="module")
def question(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """'What time is it?' spoken by the Piper joe voice, as a wav to play into the mic."""
    return spoken("What time is it?", tmp_path_factory.mktemp("speech"))


class Monitor:
    """Records the speaker sink in-process, stamping each block with when it arrived."""

    def __init__(self) -> None:
        self.mic = Microphone(find_device("spk.monitor", "input"), 16000, block_ms=10).start()
        self.blocks: list[tuple[float, np.ndarray]] = []
        self.last_loud = 0.0
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        for block in self.mic.blocks(timeout=5.0):
            now = time.perf_counter()
            self.blocks.append((now, block))
            if np.sqrt(np.mean(block**2)) > LOUD:
                self.last_loud = now

    def loud_times(self) -> list[float]:
        return [t for t, b in self.blocks if np.sqrt(np.mean(b**2)) > LOUD]

    def audio(self) -> np.ndarray:
        return np.concatenate([b for _, b in self.blocks])

    def close(self) -> None:
        self.mic.stop()
        self._thread.join(timeout=5)


def make_pipeline(
    tmp_path: Path, voice: Voice, speaker: Speaker, answer: str | None = None
) -> tuple[Pipeline, list[PipelineEvent]]:
    events: list[PipelineEvent] = []
    # 10:15, not 10:30: "thirty A M" and "thirty-eight M" sound alike, to Whisper too
    clock = lambda: datetime(2026, 11, 25, 10, 15)  # noqa: E731
    engine = ReplyEngine(Skills(clock=clock), EchoLLM(answer), History(directory=tmp_path))
    return Pipeline(engine, voice, speaker, events.append), events


def test_spoken_question_is_answered_with_our_voice(
    tmp_path: Path,
    voice: Voice,
    speaker: Speaker,
    question: Path,
    recognizer: WhisperRecognizer,
    record_source: Callable[[str], Recorder],
) -> None:
    pipeline, events = make_pipeline(tmp_path, voice, speaker)
    recorder = record_source("spk.monitor")
    listen_with_whisper(pipeline, recognizer)
    wait_until(lambda: any(isinstance(e, Listening) for e in events), 30)
    subprocess.run(["paplay", "-d", "mic", str(question)], check=True)
    wait_until(lambda: any(isinstance(e, ReplyDone) for e in events), 30)
    pipeline.close()
    audio = recorder.stop()
    heard = [e.text for e in events if isinstance(e, HeardFinal)]
    assert [h.lower().strip(" ?.") for h in heard] == ["what time is it"]
    said = recognizer.transcribe(active_part(audio, 16000), 16000).lower()
    assert "10" in said or "ten" in said, said
    assert "15" in said or "fifteen" in said, said
    latency = pipeline.latencies[0]
    assert latency.total is not None and latency.speech_end_to_final is not None
    print(f"\nturn latency: {latency}\nheard: {heard}; our voice said: {said!r}")


def test_barge_in_silences_the_speaker_and_keeps_what_was_heard(
    tmp_path: Path, voice: Voice, speaker: Speaker
) -> None:
    pipeline, events = make_pipeline(tmp_path, voice, speaker, answer=STORY)
    monitor = Monitor()
    try:
        pipeline.submit_text("tell me a story")
        wait_until(lambda: speaker.progress[0] > 4.0, 60)  # into the 2nd sentence or later
        wait_until(lambda: time.perf_counter() - monitor.last_loud < 0.015, 10)  # sound now
        stopped_at = time.perf_counter()
        pipeline.stop()
        stop_call_s = time.perf_counter() - stopped_at
        time.sleep(1.5)
    finally:
        monitor.close()
    loud = monitor.loud_times()
    first_audio = pipeline.latencies[0]
    assert loud and first_audio.total is not None
    silent_after = max(t for t in loud if t < stopped_at + 1.0) - stopped_at
    assert not [t for t in loud if t > stopped_at + 0.3], "sound came back after the stop"
    print(
        f"\nstop() took {stop_call_s * 1000:.1f} ms; silent {silent_after * 1000:.0f} ms after it"
    )
    assert silent_after <= 0.15
    done = [e for e in events if isinstance(e, ReplyDone)]
    assert len(done) == 1 and done[0].cancelled
    heard = done[0].heard
    assert heard and STORY.startswith(heard) and len(heard) < len(STORY)
    assert pipeline.reply_engine.history.last_reply() == heard


def test_speaking_over_the_assistant_stops_it_and_is_answered(
    tmp_path: Path, voice: Voice, speaker: Speaker, question: Path, recognizer: WhisperRecognizer
) -> None:
    pipeline, events = make_pipeline(tmp_path, voice, speaker, answer=STORY)
    stamped: list[tuple[float, PipelineEvent]] = []

    def emit(event: PipelineEvent) -> None:
        stamped.append((time.perf_counter(), event))
        events.append(event)

    pipeline.emit = emit
    listen_with_whisper(pipeline, recognizer)
    try:
        wait_until(lambda: any(isinstance(e, Listening) for e in events), 30)
        pipeline.submit_text("tell me a story")
        first = voice.sentence_audio(STORY.split(". ")[0] + ".").size / voice.sample_rate
        wait_until(lambda: speaker.progress[0] > first + 0.5, 60)  # the first sentence was heard
        played_at = time.perf_counter()
        subprocess.Popen(["paplay", "-d", "mic", str(question)])
        wait_until(lambda: any(isinstance(e, ReplyDone) for e in events), 10)
        wait_until(lambda: len([e for e in events if isinstance(e, ReplyDone)]) == 2, 60)
    finally:
        pipeline.close()
    stopped = next(t for t, e in stamped if isinstance(e, ReplyDone))
    print(f"\nbarge-in: stopped {stopped - played_at:.2f} s after the question began to play")
    turns = pipeline.reply_engine.history.turns
    assert [t.user.lower().strip(" ?.") for t in turns] == ["tell me a story", "what time is it"]
    assert turns[0].assistant and STORY.startswith(turns[0].assistant)
    assert len(turns[0].assistant) < len(STORY)
    assert turns[1].assistant == "It's 10:15 AM."
