"""A reply started during the end-of-turn pause, through real parts: virtual mic → Whisper →
(the pause) → the model's answer held → the final transcript → our voice on the speaker sink."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from assistant.asr.whisper import WhisperRecognizer
from assistant.audio.devices import Speaker
from assistant.config import AsrConfig
from assistant.conversation.pipeline import Pipeline
from assistant.events import HeardFinal, Listening, PipelineEvent, ReplyDone
from assistant.reply.engine import EchoLLM, ReplyEngine
from assistant.reply.history import History
from assistant.reply.skills import Skills
from assistant.tts.voice import Voice
from tests.conftest import Recorder, active_part
from tests.conversation.conftest import listen_with_whisper, spoken, wait_until

pytestmark = [pytest.mark.audio, pytest.mark.slow]

ANSWER = "The moon has no air, so nothing can breathe there."


@pytest.fixture(scope="module")
def moon_question(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """'Tell me something about the moon.' spoken by the Piper joe voice, with silence around."""
    return spoken("Tell me something about the moon.", tmp_path_factory.mktemp("s"), 1.0)


def test_the_reply_started_in_the_pause_is_the_one_said(
    tmp_path: Path,
    voice: Voice,
    speaker: Speaker,
    moon_question: Path,
    recognizer: WhisperRecognizer,
    record_source: Callable[[str], Recorder],
) -> None:
    events: list[PipelineEvent] = []
    llm = EchoLLM(ANSWER, delay_s=0.02)
    engine = ReplyEngine(Skills(), llm, History(directory=tmp_path))
    pipeline = Pipeline(engine, voice, speaker, events.append)
    recorder = record_source("spk.monitor")
    listen_with_whisper(pipeline, recognizer, AsrConfig(early_reply=True))
    wait_until(lambda: any(isinstance(e, Listening) for e in events), 30)
    subprocess.run(["paplay", "-d", "mic", str(moon_question)], check=True)
    wait_until(lambda: any(isinstance(e, ReplyDone) for e in events), 30)
    pipeline.close()
    audio = recorder.stop()
    heard = [e.text.lower().strip(" .") for e in events if isinstance(e, HeardFinal)]
    assert len(heard) == 1 and heard[0].endswith("me something about the moon"), heard
    assert (pipeline.speculator.started, pipeline.speculator.taken) == (1, 1)
    assert len(llm.calls) == 1  # the answer written during the pause is the one said
    said = recognizer.transcribe(active_part(audio, 16000), 16000).lower()
    assert "moon" in said and "air" in said and "breathe" in said, said
    assert [t.assistant for t in engine.history.turns] == [ANSWER]
    latency = pipeline.latencies[0]
    assert latency.speech_end_to_final is not None and latency.speech_end_to_final < 2.0
    print(f"\nturn latency: {latency}")
