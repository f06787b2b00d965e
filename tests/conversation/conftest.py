"""Real parts shared by the conversation tests that go through the test audio server."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from assistant.asr.engine import Listener
from assistant.asr.vad import Endpointer
from assistant.asr.whisper import WhisperEngine, WhisperRecognizer
from assistant.audio.devices import Microphone, Speaker, find_device
from assistant.config import AsrConfig
from assistant.conversation.pipeline import Pipeline
from assistant.tts.voice import Voice


@pytest.fixture(scope="module")
def voice() -> Voice:
    """The lj voice (module-wide: loading it is the slow part)."""
    return Voice.load("lj")


@pytest.fixture
def speaker(pulse: Path, voice: Voice) -> Iterator[Speaker]:
    """The speaker sink of the test audio server, at the voice's rate."""
    out = Speaker(find_device("spk", "output"), voice.sample_rate).start()
    yield out
    out.stop()
    out.close()


def spoken(text: str, folder: Path, trailing_s: float = 0.25) -> Path:
    """`text` said by the Piper joe voice as a wav to play into the mic (0.25 s of silence
    before it, `trailing_s` after)."""
    from assistant.train.piper import PiperVoice

    piper = PiperVoice.load()
    audio = piper.synthesize(text)
    before = np.zeros(piper.sample_rate // 4, np.float32)
    after = np.zeros(round(trailing_s * piper.sample_rate), np.float32)
    path = folder / "spoken.wav"
    sf.write(path, np.concatenate([before, audio, after]), piper.sample_rate)
    return path


def listen_with_whisper(
    pipeline: Pipeline, recognizer: WhisperRecognizer, asr: AsrConfig | None = None
) -> None:
    """The pipeline listens to the virtual mic with the session's (loaded) Whisper."""
    engine = WhisperEngine("test")
    engine.whisper = recognizer
    listener = Listener(Endpointer.from_config(asr or AsrConfig()), engine)
    mic = Microphone(find_device("mic.monitor", "input"), 16000, 30).start()
    pipeline.start_listening(mic, listener)


def wait_until(condition: Callable[[], bool], timeout: float) -> None:
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.01)
