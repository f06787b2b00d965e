"""Tunes through the real sound server: the notes reach the speaker sink, and stop silences it."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from assistant import config
from assistant.audio.devices import Speaker, find_device
from assistant.cli import main
from assistant.conversation.pipeline import Pipeline
from assistant.events import Notice, PipelineEvent
from assistant.music import command
from assistant.music.synth import TAIL_S, frequency
from assistant.music.tune import Note, Tune
from assistant.reply.engine import EchoLLM, ReplyEngine
from assistant.reply.history import History
from assistant.reply.skills import Skills
from tests.conftest import Recorder, active_part
from tests.conversation.conftest import wait_until
from tests.conversation.test_pipeline_audio import Monitor
from tests.music.test_music_pipeline import FakeComposer

pytestmark = [pytest.mark.audio]

MIC_RATE = 16000
CLI_NOTES = (Note(69, 1.0), Note(72, 1.0), Note(None, 1.0), Note(76, 1.0), Note(74, 2.0))


def dominant_hz(audio: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(audio * np.hanning(len(audio)), n=4 * len(audio)))
    return float(np.argmax(spectrum)) * rate / (4 * len(audio))


def semitones(hz: float, pitch: int) -> float:
    return abs(12 * np.log2(hz / frequency(pitch)))


def test_the_cli_plays_the_tune_on_the_speaker(
    pulse: Path, monkeypatch: pytest.MonkeyPatch, record_source: Callable[[str], Recorder]
) -> None:
    def compose(args: argparse.Namespace, seed: int) -> Tune:
        return Tune(CLI_NOTES, 100.0, "4/4", "a minor", args.emotion)

    monkeypatch.setattr(command, "compose", compose)
    config.save(config.Config().replace("audio", output_device="spk"))
    recorder = record_source("spk.monitor")
    assert main(["music", "--emotion", "sad"]) == 0
    audio = active_part(recorder.stop(), MIC_RATE)
    # 6 beats at 100 bpm and the tail; a loaded machine may add gaps, never remove sound
    assert 6 * 0.6 - 0.1 < len(audio) / MIC_RATE < 6 * 0.6 + TAIL_S + 2.0
    runs = melody_runs(audio, MIC_RATE)
    expected = iter(runs)
    missing = [n.pitch for n in CLI_NOTES if n.pitch is not None and n.pitch not in expected]
    assert not missing, f"notes not heard in order: {missing} (heard {runs})"


def melody_runs(audio: np.ndarray, rate: int, frame_s: float = 0.1) -> list[int]:
    """The melody as heard: the strongest pitch above 200 Hz (over the bass) in each 100 ms,
    kept where it holds for two frames or more, repeats merged."""
    n = int(frame_s * rate)
    pitches = []
    for start in range(0, len(audio) - n, n):
        frame = audio[start : start + n]
        spectrum = np.abs(np.fft.rfft(frame * np.hanning(n), n=8 * n))
        low = int(200 * 8 * n / rate)
        hz = (low + int(np.argmax(spectrum[low:]))) * rate / (8 * n)
        pitches.append(round(69 + 12 * np.log2(hz / 440)))
    runs: list[int] = []
    for i in range(1, len(pitches)):
        held = pitches[i] == pitches[i - 1]
        if held and (not runs or runs[-1] != pitches[i]):
            runs.append(pitches[i])
    return runs


class ToneVoice:
    """Says every sentence as 0.6 s of 300 Hz (the real voice is tested elsewhere; this keeps
    the test quick and tells the line from the tune by pitch)."""

    name = "tone"
    sample_rate = 22050

    def __init__(self) -> None:
        self.said: list[str] = []

    def sentence_audio(
        self, sentence: str, emotion: str = "neutral", intensity: float = 1.0, rate: float = 1.0
    ) -> np.ndarray:
        self.said.append(sentence)
        t = np.arange(int(0.6 * self.sample_rate)) / self.sample_rate
        return (0.3 * np.sin(2 * np.pi * 300 * t) * np.hanning(len(t))).astype(np.float32)

    def sentence_pieces(
        self,
        sentence: str,
        emotion: str = "neutral",
        intensity: float = 1.0,
        rate: float = 1.0,
        *,
        ahead_s: float = 0.0,
    ) -> Iterator[np.ndarray]:
        yield self.sentence_audio(sentence, emotion, intensity, rate)


@pytest.fixture
def speaker(pulse: Path) -> Iterator[Speaker]:
    out = Speaker(find_device("spk", "output"), ToneVoice.sample_rate).start()
    yield out
    out.stop()
    out.close()


def test_the_app_plays_a_tune_after_its_line_and_esc_silences_it(
    tmp_path: Path, speaker: Speaker
) -> None:
    stamped: list[tuple[float, PipelineEvent]] = []
    voice = ToneVoice()
    composer = FakeComposer(notes=(Note(69, 8.0), Note(72, 8.0)))  # A4 for 4 s, then C5
    engine = ReplyEngine(Skills(), EchoLLM("Fine."), History(directory=tmp_path))
    pipeline = Pipeline(
        engine,
        voice,
        speaker,
        lambda e: stamped.append((time.perf_counter(), e)),
        composer=composer,
    )
    monitor = Monitor()
    try:
        pipeline.submit_text("play me a calm tune")
        wait_until(lambda: any(isinstance(e, Notice) for _, e in stamped), 20)
        music_at = next(t for t, e in stamped if isinstance(e, Notice))
        wait_until(lambda: time.perf_counter() > music_at + 1.5, 5)
        stopped_at = time.perf_counter()
        pipeline.stop()  # what Esc does
        time.sleep(1.0)
    finally:
        pipeline.close()
        monitor.close()
    blocks = monitor.blocks

    def heard(t0: float, t1: float) -> np.ndarray:
        return np.concatenate([b for t, b in blocks if t0 <= t < t1] or [np.zeros(1)])

    line = heard(music_at - 1.2, music_at)
    assert semitones(dominant_hz(line, MIC_RATE), 62) < 1.5  # 300 Hz is about D4 (62)
    tune = heard(music_at + 0.4, stopped_at)
    assert semitones(dominant_hz(tune, MIC_RATE), 69) < 0.5  # the tune's first note, A4
    loud = monitor.loud_times()
    assert not [t for t in loud if t > stopped_at + 0.3], "the tune went on after the stop"
    last = max(t for t in loud if t < stopped_at + 1.0) - stopped_at
    print(f"\nsilent {last * 1000:.0f} ms after stop()")
    assert last <= 0.2
    assert voice.said == ["Here's a calm tune."]


MODEL = Path(__file__).resolve().parents[2] / "assistant" / "music" / "melody" / "model.safetensors"


class Recording:
    """The real composer, remembering the tunes it made."""

    def __init__(self) -> None:
        from assistant.music.generate import Composer

        self.composer = Composer()
        self.tunes: list[Tune] = []

    def load(self) -> None:
        self.composer.load()

    def compose(
        self, emotion: str, intensity: float = 0.7, bars: int = 16, seed: int | None = None
    ) -> Tune:
        tune = self.composer.compose(emotion, intensity=intensity, bars=bars, seed=seed)
        self.tunes.append(tune)
        return tune


@pytest.mark.skipif(not MODEL.exists(), reason="the melody model is not trained yet")
def test_the_app_plays_a_composed_tune_whose_notes_are_heard(
    tmp_path: Path, speaker: Speaker
) -> None:
    """End to end with the shipped melody model: "play me a sad tune" → its notes on the sink."""
    stamped: list[tuple[float, PipelineEvent]] = []
    composer = Recording()
    engine = ReplyEngine(Skills(), EchoLLM("Fine."), History(directory=tmp_path))
    pipeline = Pipeline(
        engine,
        ToneVoice(),
        speaker,
        lambda e: stamped.append((time.perf_counter(), e)),
        composer=composer,
    )
    monitor = Monitor()
    try:
        pipeline.submit_text("play me a sad tune")
        wait_until(lambda: any(isinstance(e, Notice) for _, e in stamped), 60)
        music_at = next(t for t, e in stamped if isinstance(e, Notice))
        time.sleep(6.0)
        pipeline.stop()
        time.sleep(0.3)
    finally:
        pipeline.close()
        monitor.close()
    (tune,) = composer.tunes
    assert tune.emotion == "sad" and "minor" in tune.key
    audio = np.concatenate([b for t, b in monitor.blocks if t >= music_at - 0.2])
    heard = melody_runs(audio, MIC_RATE)
    beat_s, start, held = 60 / tune.tempo, 0.0, []
    for note in tune.notes:  # the notes long enough to show, in the first 5 s
        long = note.beats * beat_s >= 0.35 and start < 5.0
        above_bass = note.pitch is not None and note.pitch >= 56  # the bass stays under 200 Hz
        repeat = bool(held) and held[-1] == note.pitch  # the ear (melody_runs) merges repeats
        if above_bass and long and not repeat:
            held.append(note.pitch)
        start += note.beats * beat_s
    runs = iter(heard)
    found = [p for p in held if p in runs]
    print(f"\n{tune.title}: held notes {held}, heard {heard}")
    assert held and len(found) >= 0.8 * len(held)
