"""The settings' hands on real devices (the private PulseAudio server): tone, volume, switching."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from assistant.audio.devices import open_speaker
from assistant.audio.selftest import analyse
from assistant.chat import Parts
from assistant.config import AudioConfig
from assistant.conversation.pipeline import Pipeline
from assistant.events import AudioChanged, PipelineEvent
from assistant.reply.engine import EchoLLM, ReplyEngine
from assistant.reply.history import History
from assistant.reply.skills import Skills
from assistant.ui.hooks import TONE_LEVEL, LiveAudio
from tests.conftest import Recorder, active_part

pytestmark = pytest.mark.audio


def level_db(level: float) -> float:
    return float(20 * np.log10(level / np.sqrt(2)))


def test_tone_volume_and_speaker_switch_apply_without_restart(
    pulse: Path, tmp_path: Path, record_source: Callable[[str], Recorder]
) -> None:
    events: list[PipelineEvent] = []
    engine = ReplyEngine(Skills(), EchoLLM("ok"), History(directory=tmp_path))
    pipeline = Pipeline(engine, None, None, events.append)
    audio = AudioConfig(output_device="pulse:spk")
    parts = Parts(speaker=open_speaker(audio, 22050))
    live = LiveAudio(audio, pipeline, parts)
    try:
        inputs, outputs = live.device_names()
        assert "pulse:mic" in outputs and "pulse:mic.monitor" in inputs

        heard = record_source("spk.monitor")
        assert live.test_tone() is None
        assert parts.speaker.wait(timeout=10)
        loud = analyse(active_part(heard.stop(), 16000), 16000)
        assert loud.peak_hz == pytest.approx(440, abs=5)
        assert loud.level_db == pytest.approx(level_db(TONE_LEVEL), abs=1.5)

        live._apply(AudioConfig(output_device="pulse:mic", volume=0.5))  # what changed() runs
        assert parts.speaker.device is not None and parts.speaker.device.label == "pulse:mic"
        old_sink, new_sink = record_source("spk.monitor"), record_source("mic.monitor")
        assert live.test_tone() is None
        assert parts.speaker.wait(timeout=10)
        time.sleep(0.2)
        assert np.abs(old_sink.stop()).max() < 0.01  # the old speaker is silent
        quiet = analyse(active_part(new_sink.stop(), 16000), 16000)
        assert quiet.level_db == pytest.approx(level_db(TONE_LEVEL * 0.5), abs=1.5)
        assert any(isinstance(e, AudioChanged) and e.output_name == "pulse:mic" for e in events)
    finally:
        parts.close()
        pipeline.close()


def test_without_a_speaker_the_tone_says_why(tmp_path: Path) -> None:
    engine = ReplyEngine(Skills(), EchoLLM("ok"), History(directory=tmp_path))
    pipeline = Pipeline(engine, None, None, lambda e: None)
    live = LiveAudio(AudioConfig(), pipeline, Parts())
    assert live.test_tone() == "No speaker is open, so no tone can be played."
    pipeline.close()


class FakeVoice:
    name, sample_rate = "lj", 22050

    def __init__(self) -> None:
        self.asked: list[tuple[str, float]] = []

    def sentence_audio(
        self, sentence: str, emotion: str = "neutral", intensity: float = 1.0, rate: float = 1.0
    ) -> np.ndarray:
        self.asked.append((sentence, rate))
        return np.zeros(2205, dtype=np.float32)


def test_self_voicing_uses_the_users_voice_and_rate_and_spares_other_audio(
    pulse: Path, tmp_path: Path
) -> None:
    from assistant.chat import settings_of
    from assistant.config import Config
    from assistant.ui.hooks import Announcer

    cfg = Config().replace("voice", rate=1.75)
    engine = ReplyEngine(Skills(), EchoLLM("ok"), History(directory=tmp_path))
    pipeline = Pipeline(engine, None, None, lambda e: None, lambda: settings_of(cfg))
    speaker = open_speaker(AudioConfig(output_device="pulse:spk"), 22050)
    voice = FakeVoice()
    pipeline.voice, pipeline.speaker = voice, speaker
    say = Announcer(pipeline)
    try:
        say._say("Voice, applies now")
        assert voice.asked == [("Voice, applies now", 1.75)] and speaker.playing
        say._say("Speaker, applies now")  # the next focus cuts the last line
        assert speaker.progress[1] == pytest.approx(0.1) and speaker.playing
        speaker.play(np.zeros(22050 * 3, dtype=np.float32))  # a reading, say, right after
        say._say("Emotion, applies now")
        assert speaker.progress[1] == pytest.approx(3.1)  # not cut, and the line dropped
    finally:
        speaker.close()
        pipeline.close()


class CountingListener:
    """Stands in for the recogniser (not what is tested): counts the blocks it is fed."""

    def __init__(self) -> None:
        self.endpointer = type("E", (), {"time": 0.0, "talking": False})()
        self.recognizer = type("R", (), {"name": "counting"})()
        self.fed = 0

    def start(self, rate: int) -> None:
        pass

    def feed(self, block: np.ndarray) -> list[object]:
        self.fed += 1
        return []

    def press(self) -> list[object]:
        return []

    def release(self) -> list[object]:
        return []


def fed_more(listener: CountingListener, than: int, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while listener.fed <= than and time.monotonic() < deadline:
        time.sleep(0.05)
    return listener.fed > than


def test_a_new_microphone_is_heard_at_once_without_a_false_alarm(
    pulse: Path, tmp_path: Path
) -> None:
    from assistant.audio.devices import open_microphone
    from assistant.events import Notice

    events: list[PipelineEvent] = []
    engine = ReplyEngine(Skills(), EchoLLM("ok"), History(directory=tmp_path))
    pipeline = Pipeline(engine, None, None, events.append)
    audio = AudioConfig(input_device="pulse:spk.monitor")
    sinks = [open_speaker(AudioConfig(output_device=f"pulse:{n}"), 16000) for n in ("spk", "mic")]
    listener = CountingListener()  # the sinks stream silence: their monitors deliver blocks
    parts = Parts(mic=open_microphone(audio), listener=listener)  # type: ignore[arg-type]
    parts.threads.append(pipeline.start_listening(parts.mic, listener))  # type: ignore[arg-type]
    live = LiveAudio(audio, pipeline, parts)
    try:
        assert fed_more(listener, 0)
        live._apply(AudioConfig(input_device="pulse:mic.monitor"))
        assert parts.mic.device is not None and parts.mic.device.label == "pulse:mic.monitor"
        assert fed_more(listener, listener.fed + 5) and pipeline.ears.listening
        assert not [e for e in events if isinstance(e, Notice)]
        assert any(
            isinstance(e, AudioChanged) and e.input_name == "pulse:mic.monitor" for e in events
        )
    finally:
        pipeline.close()
        parts.close()
        for sink in sinks:
            sink.close()
