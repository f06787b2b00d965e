"""The sound server dying mid-reply: the app says so, goes on as text, and reopens the devices."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from assistant.audio import devices
from assistant.audio.devices import (
    STALL_S,
    AudioError,
    AudioStatus,
    Microphone,
    Speaker,
    open_microphone,
    open_speaker,
    probe,
    rescan,
)
from assistant.chat import Parts, start_parts
from assistant.config import Config
from assistant.conversation.pipeline import SPEAKER_LOST, Pipeline
from assistant.conversation.reading import LOST, Reader
from assistant.conversation.speaking import Playback
from assistant.events import (
    AudioChanged,
    Listening,
    Notice,
    PipelineEvent,
    ReadingAt,
    ReplyDone,
    Speaking,
)
from assistant.reconnect import BACK, WAITING, DeviceWatch
from assistant.reply.engine import EchoLLM, ReplyEngine
from assistant.reply.history import History
from assistant.reply.skills import Skills
from tests.conftest import Recorder, active_part
from tests.conversation.test_pipeline import FakeSpeaker, FakeVoice
from tests.conversation.test_reading import story

STORY = " ".join(
    f"Sentence number {n} of the long story goes on and on." for n in range(1, 21)
)  # 20 sentences of 10 words: 20 s of speech at 0.1 s a word


def wait_for(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    end = time.monotonic() + timeout
    while not (result := condition()):
        assert time.monotonic() < end, f"timed out waiting for {what}"
        time.sleep(0.01)
    return result


# ------------------------------------------------------------------ detection, with fakes


class FakeStream:
    """A PortAudio stream that never calls back (a hung server), or has ended (`active`)."""

    def __init__(self, active: bool = True) -> None:
        self.active, self.stopped = active, False

    def start(self) -> None:
        pass


def stalled_speaker(active: bool = True) -> Speaker:
    speaker = Speaker(sample_rate=1000)
    speaker._stream = FakeStream(active)
    speaker._asked = time.monotonic()
    return speaker


def test_a_speaker_that_takes_no_audio_is_dead_after_the_stall_time() -> None:
    speaker = stalled_speaker()
    time.sleep(STALL_S + 0.2)
    assert speaker.error is None and not speaker.playing  # idle: nothing is owed to it
    speaker.play(np.full(5000, 0.1, np.float32))
    start = time.monotonic()
    playback: Playback[int] = Playback(speaker)
    assert not playback.wait_until_played()  # returns: it does not wait on a dead speaker
    took = time.monotonic() - start
    assert STALL_S <= took < STALL_S + 0.5
    assert speaker.error is not None and "took no audio" in speaker.error
    with pytest.raises(AudioError, match="the speaker stopped: the device took no audio"):
        speaker.play(np.ones(10, np.float32))
    assert not speaker.wait(1.0)
    speaker._stream = None  # a fake: nothing to close


def test_a_new_stream_may_be_quiet_for_a_while_before_a_stall_counts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A new PulseAudio stream takes a few blocks, then nothing for up to ~2 s (measured)."""
    monkeypatch.setattr(devices, "START_GRACE_S", 1.0)
    monkeypatch.setattr(devices, "STALL_S", 0.5)
    monkeypatch.setattr(devices, "_open", lambda *args, **kwargs: FakeStream())
    speaker = Speaker(sample_rate=1000).start()
    start = time.monotonic()
    speaker.play(np.full(5000, 0.1, np.float32))
    wait_for(lambda: speaker.error is not None, 3.0, "the stall")
    assert 1.5 <= time.monotonic() - start < 2.0  # the grace, then the stall time
    speaker._stream = None


def test_a_speaker_whose_stream_ended_is_dead_at_once() -> None:
    speaker = stalled_speaker(active=False)
    assert speaker.error == "its audio stream ended (did the sound server stop?)"
    assert not speaker.playing
    speaker._stream = None


def test_a_microphone_whose_stream_ended_raises_at_once() -> None:
    mic = Microphone()
    mic._stream = FakeStream(active=False)
    start = time.monotonic()
    with pytest.raises(AudioError, match="its audio stream ended"):
        next(mic.blocks(timeout=10.0))
    assert time.monotonic() - start < 0.5
    mic._stream = None


# ------------------------------------------------------------------ the pipeline and reader


class DyingSpeaker(FakeSpeaker):
    """A fake speaker that can die as a Speaker does: `error` set, not playing, play raises."""

    def __init__(self) -> None:
        super().__init__()
        self.error: str | None = None

    def die(self) -> None:
        self.error = "its audio stream ended"

    def play(self, samples: np.ndarray, sample_rate: int | None = None) -> None:
        if self.error is not None:
            raise AudioError(f"the speaker stopped: {self.error}")
        super().play(samples, sample_rate)

    @property
    def playing(self) -> bool:
        return self.error is None and super().playing


def notes(events: list[PipelineEvent]) -> list[str]:
    return [e.text for e in list(events) if isinstance(e, Notice)]


def test_a_reply_goes_on_as_text_when_the_speaker_dies(tmp_path: Path) -> None:
    events: list[PipelineEvent] = []
    speaker, voice = DyingSpeaker(), FakeVoice()
    engine = ReplyEngine(Skills(), EchoLLM(STORY, delay_s=0.005), History(directory=tmp_path))
    pipeline = Pipeline(engine, voice, speaker, events.append)
    pipeline.submit_text("tell me a story")
    wait_for(lambda: speaker.chunks, 5, "audio")
    speaker.advance(1.0)  # one second heard, then the server dies
    speaker.die()
    wait_for(lambda: SPEAKER_LOST in notes(events), 3, "the notice")
    done = wait_for(lambda: [e for e in list(events) if isinstance(e, ReplyDone)], 5, "the end")
    assert done == [ReplyDone(STORY, STORY)]  # all the text shown, and kept in the history
    assert pipeline.join(5) and pipeline.speaker is None
    assert [e.active for e in events if isinstance(e, Speaking)] == [True, False]
    assert engine.history.last_reply() == STORY
    said = len(voice.calls)
    pipeline.submit_text("what time is it").join(5)  # answered as text; nothing more is said
    done = [e for e in events if isinstance(e, ReplyDone)]
    assert len(done) == 2 and done[-1].text.startswith("It's") and len(voice.calls) == said
    assert notes(events).count(SPEAKER_LOST) == 1
    pipeline.close()


def test_a_speaker_that_died_while_idle_means_text_at_the_next_reply(tmp_path: Path) -> None:
    events: list[PipelineEvent] = []
    speaker = DyingSpeaker()
    engine = ReplyEngine(Skills(), EchoLLM("Hello there."), History(directory=tmp_path))
    pipeline = Pipeline(engine, FakeVoice(), speaker, events.append)
    speaker.die()
    pipeline.submit_text("hi").join(5)
    assert notes(events) == [SPEAKER_LOST] and pipeline.speaker is None
    done = [e for e in events if isinstance(e, ReplyDone)]
    assert done == [ReplyDone("Hello there.", "Hello there.")]
    assert not speaker.chunks and pipeline.join(1)


def test_the_reader_pauses_at_its_place_when_the_speaker_dies(tmp_path: Path) -> None:
    from assistant.reader.narration import Style
    from assistant.reader.session import Places

    events: list[PipelineEvent] = []
    speaker, voice = DyingSpeaker(), FakeVoice()
    reader = Reader(
        story(5), lambda: speaker, lambda: voice, Style, events.append, Places(tmp_path / "p")
    )
    reader.play()
    wait_for(lambda: len(voice.calls) >= 3, 5, "sentences made")
    speaker.advance(2.5)  # into the second or third sentence
    wait_for(lambda: [e for e in events if isinstance(e, ReadingAt) and e.index >= 2], 5, "at 2")
    place = reader.index
    speaker.die()
    wait_for(lambda: LOST in notes(events), 2, "the reader's notice")
    assert not reader.playing and reader.index == place
    assert ReadingAt(place, playing=False) in events
    assert all(not t.is_alive() for t in wait_threads(reader._threads, 3))


def test_a_lost_speaker_pauses_the_document_being_read(tmp_path: Path) -> None:
    """The watch tells the pipeline (no reply under way): the reader pauses; one notice."""
    from assistant.reader.narration import Style

    events: list[PipelineEvent] = []
    speaker, voice = DyingSpeaker(), FakeVoice()
    engine = ReplyEngine(Skills(), EchoLLM("Hi."), History(directory=tmp_path))
    pipeline = Pipeline(engine, voice, speaker, events.append)
    reader = Reader(story(5), lambda: pipeline.speaker, lambda: voice, Style, events.append)
    pipeline.reader = reader
    reader.play()
    wait_for(lambda: speaker.chunks, 5, "reading")
    pipeline.speaker_lost(speaker, "its audio stream ended")
    pipeline.speaker_lost(speaker, "its audio stream ended")  # the watch and a turn: said once
    assert notes(events) == [SPEAKER_LOST + " Reading paused at its place."]
    assert not reader.playing and pipeline.speaker is None
    reader.play()  # no speaker now: it says so instead of reading
    assert notes(events)[-1] == "No voice or speaker: the document cannot be read aloud."
    reader.close()
    pipeline.close()


def wait_threads(threads: list[threading.Thread], timeout: float) -> list[threading.Thread]:
    for thread in threads:
        thread.join(timeout)
    return threads


# ------------------------------------------------------------------ a real server that dies


FEEDER = ["pacat", "--playback", "-d", "mic", "--format=s16le", "--rate=16000", "--channels=1"]
FEEDER += ["/dev/zero"]


class PrivateServer:
    """A PulseAudio server of this test's own, as scripts/audio-server starts one, that can be
    killed (as a crash is) and started again on the same socket."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.env = {
            "XDG_RUNTIME_DIR": str(folder),
            "PULSE_RUNTIME_PATH": str(folder / "pulse"),
            "PULSE_STATE_PATH": str(folder / "state"),
            "PULSE_SERVER": f"unix:{folder}/pulse/native",
        }
        self.feeder: subprocess.Popen[bytes] | None = None

    def _run(self, *args: str) -> subprocess.CompletedProcess[bytes]:
        env = {**os.environ, **self.env}
        return subprocess.run(args, env=env, capture_output=True, timeout=20, check=False)

    def start(self) -> None:
        self._run(
            "pulseaudio",
            "--daemonize=yes",
            "--exit-idle-time=-1",
            "-n",
            "--use-pid-file=yes",
            "--load=module-native-protocol-unix",
            "--load=module-null-sink sink_name=spk sink_properties=device.description=speaker",
            "--load=module-null-sink sink_name=mic sink_properties=device.description=microphone",
            f"--log-target=file:{self.folder}/pulse.log",
        )
        wait_for(lambda: self._run("pactl", "info").returncode == 0, 10, "the server")
        self._run("pactl", "set-default-sink", "spk")
        self._run("pactl", "set-default-source", "mic.monitor")
        self.feeder = subprocess.Popen(  # the mic sink's monitor streams only while fed
            FEEDER,
            env={**os.environ, **self.env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def pid(self) -> int | None:
        pid_file = self.folder / "pulse" / "pid"
        return int(pid_file.read_text().split()[0]) if pid_file.exists() else None

    def hang(self) -> None:
        """SIGSTOP: the server still holds its clients' connections but takes no audio."""
        if (pid := self.pid()) is not None:
            os.kill(pid, signal.SIGSTOP)

    def kill(self) -> None:
        """SIGKILL, as a crash: no goodbye to the clients."""
        if (pid := self.pid()) is not None:
            try:
                os.kill(pid, signal.SIGKILL)
                wait_for(lambda: not Path(f"/proc/{pid}").exists(), 5, "the server to die")
            except ProcessLookupError:
                pass
        if self.feeder is not None:
            self.feeder.kill()
            self.feeder.wait(5)
            self.feeder = None


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[PrivateServer]:
    if not shutil.which("pulseaudio"):
        pytest.fail("PulseAudio is not installed: run the tests with scripts/test")
    saved = {name: os.environ.get(name) for name in ("XDG_RUNTIME_DIR", "PULSE_SERVER")}
    saved |= {name: os.environ.get(name) for name in ("PULSE_RUNTIME_PATH", "PULSE_STATE_PATH")}
    folder = Path(tempfile.mkdtemp(prefix="assistant-dies."))  # short: a socket path is < 108
    private = PrivateServer(folder)
    for name, value in private.env.items():
        monkeypatch.setenv(name, value)
    private.start()
    rescan()  # PortAudio lists the devices of the server that runs now
    yield private
    private.kill()
    for name, value in saved.items():  # other tests' server, for PortAudio's device list
        os.environ.pop(name, None) if value is None else os.environ.__setitem__(name, value)
    rescan()
    shutil.rmtree(folder, ignore_errors=True)


class ToneVoice:
    """A 440 Hz tone, 0.1 s per word, at the speaker's rate (so the sink's audio is checkable)."""

    name = "tone"
    sample_rate = 22050

    def __init__(self) -> None:
        self.calls: list[str] = []

    def sentence_audio(self, sentence: str, *_args: Any) -> np.ndarray:
        self.calls.append(sentence)
        t = np.arange(int(len(sentence.split()) * 0.1 * self.sample_rate)) / self.sample_rate
        return (0.3 * np.sin(2 * np.pi * 440.0 * t)).astype(np.float32)

    def sentence_pieces(self, sentence: str, *args: Any, **_: Any) -> Iterator[np.ndarray]:
        audio = self.sentence_audio(sentence, *args)
        yield from (audio[:2205], audio[2205:])


class FakeListener:
    """Counts the microphone blocks it hears (as Ears feeds a Listener) and its starts."""

    def __init__(self) -> None:
        self.recognizer = type("Recognizer", (), {"name": "counting"})()
        self.endpointer = type("Endpointer", (), {"talking": False, "time": 0.0})()
        self.starts = 0
        self.blocks = 0

    def start(self, sample_rate: int) -> None:
        self.starts += 1

    def feed(self, block: np.ndarray) -> list[Any]:
        self.blocks += 1
        return []

    def press(self) -> list[Any]:
        return []

    def release(self) -> list[Any]:
        return []


@pytest.mark.audio
@pytest.mark.parametrize("how", ["crash", "hang"])
def test_the_server_dies_mid_reply_and_the_devices_come_back(
    server: PrivateServer, tmp_path: Path, how: str
) -> None:
    """A crash ends the streams at once; a hung server is noticed by the speaker's stall."""
    cfg = Config().replace("audio", output_device="spk", input_device="mic.monitor")
    stamped: list[tuple[float, PipelineEvent]] = []
    events: list[PipelineEvent] = []

    def emit(event: PipelineEvent) -> None:
        stamped.append((time.monotonic(), event))
        events.append(event)

    engine = ReplyEngine(Skills(), EchoLLM(STORY), History(directory=tmp_path))
    voice = ToneVoice()
    speaker, mic = open_speaker(cfg.audio, voice.sample_rate), open_microphone(cfg.audio)
    parts = Parts(speaker=speaker, mic=mic)
    pipeline = Pipeline(engine, voice, parts.speaker, emit)
    listener = FakeListener()
    parts.listener = listener  # type: ignore[assignment]
    parts.threads.append(pipeline.start_listening(parts.mic, listener))  # type: ignore[arg-type]
    status = AudioStatus("pulse:mic.monitor", "pulse:spk")
    parts.watch = DeviceWatch(cfg, pipeline, parts, status).start()
    old_speaker = parts.speaker
    try:
        wait_for(lambda: listener.blocks > 10, 5, "the microphone")
        pipeline.submit_text("tell me a long story")
        wait_for(lambda: old_speaker.progress[0] > 1.5, 10, "the reply to sound")
        killed = time.monotonic()
        server.kill() if how == "crash" else server.hang()

        lost = wait_for(lambda: [t for t, e in stamped if e == Notice(SPEAKER_LOST)], 5, "notice")
        detection_s = lost[0] - killed
        print(f"\n{how}: the speaker's loss was said {detection_s:.2f} s after the server died")
        assert detection_s < (0.5 if how == "crash" else STALL_S + 0.5)
        done = wait_for(lambda: [e for e in events if isinstance(e, ReplyDone)], 5, "reply done")
        assert done == [ReplyDone(STORY, STORY)]  # the rest of the reply as text
        assert pipeline.join(5) and pipeline.speaker is None
        assert [e.active for e in events if isinstance(e, Speaking)] == [True, False]
        wait_for(lambda: AudioChanged(None, None, WAITING) in events, 5, "both lost")
        assert any(n.startswith("The microphone stopped") for n in notes(events))
        pipeline.submit_text("what time is it").join(5)  # typed questions are still answered
        assert [e for e in events if isinstance(e, ReplyDone)][-1].text.startswith("It's")

        time.sleep(1.0)  # a few tries fail while it is down
        server.kill()  # (a hung one too: then it restarts)
        restarted = time.monotonic()
        server.start()
        back = wait_for(lambda: [t for t, e in stamped if e == Notice(BACK)], 10, "back")
        print(f"the devices were back {back[0] - restarted:.2f} s after the server restarted")
        assert AudioChanged("pulse:mic.monitor", "pulse:spk", "") in events
        assert pipeline.speaker is parts.speaker and parts.speaker is not old_speaker
        wait_for(lambda: listener.starts == 2, 5, "listening again")
        wait_for(lambda: [e for e in events if isinstance(e, Listening)][1:], 5, "Listening")
        heard = listener.blocks
        wait_for(lambda: listener.blocks > heard + 10, 5, "blocks from the new microphone")

        recorder = Recorder("spk.monitor", tmp_path / "after.wav")
        new_speaker = parts.speaker
        assert new_speaker is not None
        pipeline.submit_text("tell it again")
        wait_for(lambda: new_speaker.progress[0] > 1.5, 10, "the new reply to sound")
        pipeline.stop()
        audio = active_part(recorder.stop(), recorder.rate)
        assert len(audio) / recorder.rate > 1.0  # it reached the new server's speaker sink
        spectrum = np.abs(np.fft.rfft(audio))
        assert abs(np.argmax(spectrum) * recorder.rate / len(audio) - 440.0) < 10.0
        assert pipeline.join(5)
    finally:
        pipeline.close()
        parts.close()
    assert parts.watch is not None and not parts.watch._thread.is_alive()
    assert devices._open_streams == 0


@pytest.mark.audio
@pytest.mark.slow
def test_devices_that_appear_after_start_up_are_opened(
    server: PrivateServer, tmp_path: Path
) -> None:
    """Started with no sound server: text mode; the server starts: the voice speaks, it listens."""
    server.kill()
    rescan()
    cfg = Config().replace("audio", output_device="spk", input_device="mic.monitor")
    status = probe(cfg.audio)
    assert status.input_name is None and status.output_name is None
    events: list[PipelineEvent] = []
    engine = ReplyEngine(Skills(), EchoLLM("Hello there."), History(directory=tmp_path))
    pipeline = Pipeline(engine, None, None, events.append)
    parts = Parts()
    try:
        start_parts(cfg, status, pipeline, engine, parts)
        assert pipeline.speaker is None and parts.watch is not None
        server.start()
        wait_for(lambda: Notice(BACK) in events, 30, "the devices")
        assert pipeline.speaker is parts.speaker is not None and pipeline.voice is not None
        assert parts.mic is not None and pipeline.ears.listening
        assert AudioChanged("pulse:mic.monitor", "pulse:spk", "") in events
    finally:
        pipeline.close()
        parts.close()
