"""Music in the conversation, with fakes: the line first, then the tune; stop, barge-in, pause."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from assistant.asr.vad import SpeechStarted
from assistant.conversation.pipeline import Pipeline
from assistant.events import Notice, PipelineEvent, ReplyDone, Speaking
from assistant.music.synth import frequency
from assistant.music.tune import Note, Tune
from assistant.reply.engine import EchoLLM, ReplyEngine
from assistant.reply.history import History
from assistant.reply.skills import Skills
from tests.conversation.test_pipeline import FakeVoice

RATE = 8000  # the fake speaker's rate: the tune is rendered at it
NOTES = (Note(69, 1.0), Note(76, 1.0), Note(72, 2.0)) * 4  # A4 first; 16 beats, 8 s at 120 bpm
LINE = "Here's a calm tune."


class ClockSpeaker:
    """Plays in real time without sound: progress is the time since play began (capped at what
    was queued); remembers every chunk and when it came."""

    sample_rate = RATE

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.chunks: list[tuple[float, np.ndarray, int]] = []
        self.queued = 0.0
        self.began: float | None = None
        self.stops: list[float] = []

    def play(self, samples: np.ndarray, sample_rate: int | None = None) -> None:
        with self.lock:
            now = time.monotonic()
            rate = sample_rate or RATE
            self.chunks.append((now, np.asarray(samples), rate))
            if self.began is None or self._played(now) >= self.queued:
                self.began, self.queued = now - self._played(now), self._played(now)
            self.queued += len(samples) / rate

    def _played(self, now: float) -> float:
        return 0.0 if self.began is None else min(self.queued, now - self.began)

    def stop(self) -> float:
        with self.lock:
            played = self._played(time.monotonic())
            self.began, self.queued = None, 0.0
            self.stops.append(time.monotonic())
            return played

    @property
    def progress(self) -> tuple[float, float]:
        with self.lock:
            return self._played(time.monotonic()), self.queued

    @property
    def playing(self) -> bool:
        played, queued = self.progress
        return played < queued

    def music(self) -> list[tuple[float, np.ndarray, int]]:
        """The chunks at the tune's rate (the fake voice speaks at 1000 Hz)."""
        with self.lock:
            return [c for c in self.chunks if c[2] == RATE]


class FakeComposer:
    def __init__(self, fail: bool = False, notes: tuple[Note, ...] = NOTES) -> None:
        self.calls: list[tuple[str, float, int]] = []
        self.loads = 0
        self.fail, self.notes = fail, notes

    def load(self) -> None:
        self.loads += 1

    def compose(
        self, emotion: str, intensity: float = 0.7, bars: int = 16, seed: int | None = None
    ) -> Tune:
        if self.fail:
            raise RuntimeError("the melody model is not installed")
        self.calls.append((emotion, intensity, bars))
        return Tune(self.notes, 120.0, "4/4", "a minor", emotion)


class Harness:
    def __init__(self, tmp_path: Path, composer: FakeComposer | None, speaker: bool = True) -> None:
        self.events: list[PipelineEvent] = []
        self.voice = FakeVoice()
        self.speaker = ClockSpeaker() if speaker else None
        self.composer = composer
        engine = ReplyEngine(Skills(), EchoLLM("Fine."), History(directory=tmp_path))
        self.pipeline = Pipeline(
            engine, self.voice, self.speaker, self.events.append, composer=composer
        )

    def notices(self) -> list[str]:
        return [e.text for e in self.events if isinstance(e, Notice)]

    def speaking(self) -> list[bool]:
        return [e.active for e in self.events if isinstance(e, Speaking)]


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.01)


def start_tune(h: Harness) -> None:
    """Ask for a tune and wait until its first piece is on the speaker."""
    assert h.speaker is not None
    count = len(h.speaker.music())
    h.pipeline.submit_text("play me a calm tune")
    wait_until(lambda: len(h.speaker.music()) > count and h.pipeline.music.playing)


@pytest.fixture
def h(tmp_path: Path) -> Harness:
    harness = Harness(tmp_path, FakeComposer())
    yield harness
    harness.pipeline.close()


def test_the_line_is_said_then_the_tune_plays(h: Harness) -> None:
    start_tune(h)
    assert h.composer is not None and h.composer.calls == [("calm", 0.7, 16)]
    assert [c[0] for c in h.voice.calls] == [LINE]
    assert h.speaker is not None
    line_end = max(t for t, _, rate in h.speaker.chunks if rate != RATE)
    music = h.speaker.music()
    assert music and music[0][0] >= line_end
    assert any(n.startswith("Playing a calm tune in A minor") for n in h.notices())
    first = np.concatenate([c for _, c, _ in music])[int(0.1 * RATE) : int(0.45 * RATE)]
    spectrum = np.abs(np.fft.rfft(first * np.hanning(len(first))))
    assert np.argmax(spectrum) * RATE / len(first) == pytest.approx(frequency(69), rel=0.03)
    queued = sum(len(c) for _, c, _ in music) / RATE
    assert queued < 8 + 1.0 + 0.5  # a few seconds ahead of the ear at most, not all of it
    assert h.speaking()[-1] is True


def test_stop_ends_the_tune_at_once(h: Harness) -> None:
    start_tune(h)
    time.sleep(0.3)
    assert h.speaker is not None
    began = time.monotonic()
    h.pipeline.stop()  # Esc
    assert time.monotonic() - began < 0.1
    assert not h.pipeline.music.playing and not h.pipeline.music.active
    assert h.speaker.stops[-1] >= began and not h.speaker.playing
    count = len(h.speaker.music())
    time.sleep(0.3)
    assert len(h.speaker.music()) == count  # nothing more is queued
    assert h.speaking()[-1] is False


@pytest.mark.parametrize("how", ["stop", "new question", "barge-in"])
def test_stop_a_new_request_and_barge_in_end_it(h: Harness, how: str) -> None:
    start_tune(h)
    if how == "barge-in":
        h.pipeline.on_heard(SpeechStarted(1.0))
    else:
        h.pipeline.submit_text("stop" if how == "stop" else "what's the date")
    wait_until(lambda: not h.pipeline.music.active, 2.0)
    assert h.speaker is not None
    count = len(h.speaker.music())
    time.sleep(0.2)
    assert len(h.speaker.music()) == count


def test_esc_during_the_line_means_no_tune(h: Harness) -> None:
    h.pipeline.submit_text("play me a calm tune")
    wait_until(lambda: bool(h.voice.calls))
    h.pipeline.stop()
    time.sleep(0.5)
    assert h.speaker is not None and h.speaker.music() == []
    assert not h.pipeline.music.active


def test_pause_keeps_the_place_and_go_on_continues(h: Harness) -> None:
    start_tune(h)
    time.sleep(0.5)
    h.pipeline.submit_text("pause")
    wait_until(lambda: not h.pipeline.music.playing and h.speaking()[-1] is False, 2.0)
    assert h.pipeline.music.active
    assert h.speaker is not None and not h.speaker.playing
    before = len(h.speaker.music())
    h.pipeline.submit_text("go on")
    wait_until(lambda: h.pipeline.music.playing and h.speaking()[-1] is True, 2.0)
    resumed = h.speaker.music()[before]
    assert 0 < len(resumed[1]) / RATE < 8.5  # the rest, not the tune again from its start


def test_the_tune_ends_by_itself_and_is_quiet(tmp_path: Path) -> None:
    h = Harness(tmp_path, FakeComposer(notes=NOTES[:3]))  # 2 s and the tail
    start_tune(h)
    wait_until(lambda: not h.pipeline.music.active, 5.0)
    assert h.speaking()[-1] is False
    assert any(isinstance(e, ReplyDone) for e in h.events)
    h.pipeline.close()


def test_without_a_speaker_or_a_composer_it_says_so(tmp_path: Path) -> None:
    quiet = Harness(tmp_path, FakeComposer(), speaker=False)
    quiet.pipeline.submit_text("play me a calm tune")
    wait_until(lambda: "No speaker: the tune cannot be played." in quiet.notices())
    quiet.pipeline.close()

    none = Harness(tmp_path, None)
    none.pipeline.submit_text("play me a calm tune")
    wait_until(lambda: "Music is not available here." in none.notices())
    none.pipeline.close()

    broken = Harness(tmp_path, FakeComposer(fail=True))
    broken.pipeline.submit_text("play me a calm tune")
    wait_until(lambda: any("the melody model is not installed" in n for n in broken.notices()))
    assert not broken.pipeline.music.active
    broken.pipeline.close()


def test_the_composer_loads_once(h: Harness) -> None:
    for _ in range(3):
        start_tune(h)
    assert h.composer is not None and h.composer.loads == 1 and len(h.composer.calls) == 3
