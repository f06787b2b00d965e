"""Real speech through the microphone thread (real VAD) to the screen: state, meter, partials."""

from __future__ import annotations

import asyncio
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from assistant.asr import turn_end
from assistant.asr.engine import Listener
from assistant.asr.types import Final, Partial
from assistant.asr.vad import Endpointer
from assistant.audio.convert import to_mono
from assistant.audio.devices import AudioStatus, Microphone, find_device
from assistant.chat import settings_of
from assistant.config import AsrConfig, Config
from assistant.conversation.listening import LEVEL_PERIOD_S, rms_db
from assistant.conversation.pipeline import Pipeline
from assistant.events import HearingSpeech, Listening, MicLevel, PipelineEvent
from assistant.reply.engine import EchoLLM, ReplyEngine
from assistant.reply.history import History
from assistant.reply.skills import Skills
from assistant.ui.app import AssistantApp
from assistant.ui.widgets.listening import ListeningBar
from assistant.ui.widgets.transcript import Transcript
from tests.conftest import FIXTURES

RATE = 16000
BLOCK = 480  # 30 ms, as the real microphone's blocks
CLIP = FIXTURES / "data" / "ljspeech-subset" / "wavs" / "LJ001-0002.flac"  # 1.9 s of speech
# from the end of speech to the bar leaving "hearing", beyond the endpoint pause: through the
# real PulseAudio microphone 0.91-0.96 s on idle cores (its buffering, the VAD's windows, the
# app's polling), -0.1 s with the audio handed over directly; a loaded CPU adds to it
HEARD_LAG_S = 1.3


def test_rms_db_is_the_level_in_dbfs() -> None:
    t = np.arange(RATE) / RATE
    assert abs(rms_db(0.5 * np.sin(2 * np.pi * 440 * t)) - (-9.03)) < 0.01  # 0.5/√2
    assert abs(rms_db(np.full(480, 1e-3, np.float32)) - (-60.0)) < 1e-6
    assert rms_db(np.zeros(480, np.float32)) == -100.0
    assert rms_db(np.zeros(0, np.float32)) == -100.0


class PacedMic:
    """A microphone that hears `audio` in 30 ms blocks at real-time pace, then silence."""

    sample_rate = RATE

    def __init__(self, audio: np.ndarray) -> None:
        self.audio = audio
        self.stopped = threading.Event()
        self.playing = threading.Event()

    def begin(self) -> float:
        """Start hearing the audio (silence until then); when it started."""
        self.playing.set()
        return time.perf_counter()

    def blocks(self, timeout: float = 2.0) -> Iterator[np.ndarray]:
        while not self.playing.wait(BLOCK / RATE):
            yield np.zeros(BLOCK, np.float32)
        start = time.perf_counter()
        for n, at in enumerate(range(0, len(self.audio) - BLOCK + 1, BLOCK)):
            if self.stopped.wait(max(0.0, start + n * BLOCK / RATE - time.perf_counter())):
                return
            yield self.audio[at : at + BLOCK]
        self.stopped.wait(timeout)

    def clear(self) -> None:
        pass

    def stop(self) -> None:
        self.stopped.set()


class CountingRecognizer:
    """Guesses grow with the audio heard; the final text is a question the skills answer."""

    name = "counting asr"

    def __init__(self) -> None:
        self.blocks = 0

    def start(self, sample_rate: int) -> None:
        pass

    def accept(self, block: np.ndarray) -> Partial:
        self.blocks += 1
        return Partial(" ".join(["word"] * (self.blocks // 10 + 1)))

    def finish(self) -> Final:
        self.blocks = 0
        return Final("what time is it")

    def reset(self) -> None:
        self.blocks = 0

    def close(self) -> None:
        pass


def speech_with_pauses() -> tuple[np.ndarray, float, float]:
    """0.6 s of silence, the clip, 1.5 s of silence; and where the speech starts and ends (s)."""
    clip, rate = sf.read(CLIP, dtype="float32")
    speech = to_mono(clip, rate, RATE)
    lead, tail = np.zeros(int(0.6 * RATE), np.float32), np.zeros(int(1.5 * RATE), np.float32)
    return np.concatenate([lead, speech, tail]), 0.6, 0.6 + len(speech) / RATE


Seen = list[tuple[float, str, str]]  # (seconds since the audio began, state, text shown)
Sent = list[tuple[float, PipelineEvent]]  # (perf_counter, event) as the pipeline emitted it


async def hear_a_turn(
    tmp_path: Path, mic: object, begin: Callable[[], float]
) -> tuple[Seen, Sent, str]:
    """Run the app on a pipeline listening to `mic` with the real VAD; `begin` starts the audio
    and says when (perf_counter). What the bar showed until the question was answered."""
    engine = ReplyEngine(Skills(), EchoLLM("unused"), History(directory=tmp_path))
    box: list[AssistantApp] = []
    sent: Sent = []

    def emit(event: PipelineEvent) -> None:
        sent.append((time.perf_counter(), event))
        box[0].post_event(event)

    pipeline = Pipeline(engine, None, None, emit, lambda: settings_of(box[0].config))
    app = AssistantApp(Config(), AudioStatus("mic", None), "counting asr", cursor_blink=False)
    box.append(app)
    seen: Seen = []
    async with app.run_test():
        listener = Listener(Endpointer.from_config(AsrConfig()), CountingRecognizer())
        pipeline.start_listening(mic, listener)  # type: ignore[arg-type]
        bar, transcript = app.chat.query_one(ListeningBar), app.chat.query_one(Transcript)
        end = time.monotonic() + 30
        while not any(isinstance(e, Listening) for _, e in sent):
            assert time.monotonic() < end
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.3)  # the silence before
        started = begin()
        while "It's " not in transcript.plain_text():
            assert time.monotonic() < end, seen[-5:]
            await asyncio.sleep(0.02)
            seen.append((time.perf_counter() - started, bar.state, bar.text))
        await asyncio.sleep(0.3)
        seen.append((time.perf_counter() - started, bar.state, bar.text))
        shown = transcript.plain_text()
        pipeline.close()
    return seen, sent, shown


def check_the_turn(seen: Seen, sent: Sent, shown: str, speech_to: float) -> None:
    """Hearing, then idle with the answer; the meter loud during speech; partials shown;
    levels throttled; one turn's start and end."""
    states = [state for _, state, _ in seen]
    order = [s for n, s in enumerate(states) if n == 0 or s != states[n - 1]]
    assert order[-1] == "idle" and "hearing" in order, order
    hearing = [t for t, state, _ in seen if state == "hearing"]
    # the endpointer waits for the pause these words need, plus the audio path's lag
    pause = turn_end.pause_needed(
        CountingRecognizer().finish().text, AsrConfig().endpoint_silence_s
    )
    assert speech_to < hearing[-1] < speech_to + pause + HEARD_LAG_S
    loud = [
        float(text.split("▏")[1].split()[0])
        for t, _, text in seen
        if t < speech_to and "▏" in text and "-∞" not in text
    ]
    assert max(loud) > -35, "speech shows on the meter"
    assert any("“word word" in text for _, _, text in seen), "partials are shown as they grow"
    assert "You: what time is it\nAssistant: It's " in shown
    levels = [at for at, e in sent if isinstance(e, MicLevel)]
    assert len(levels) <= (levels[-1] - levels[0]) / LEVEL_PERIOD_S + 2
    assert [e.active for _, e in sent if isinstance(e, HearingSpeech)] == [True, False]


async def test_real_speech_shows_as_hearing_with_its_level_then_the_answer(tmp_path: Path) -> None:
    audio, speech_from, speech_to = speech_with_pauses()
    mic = PacedMic(audio)
    seen, sent, shown = await hear_a_turn(tmp_path, mic, mic.begin)
    check_the_turn(seen, sent, shown, speech_to)
    hearing = [t for t, state, _ in seen if state == "hearing"]
    assert speech_from - 0.1 < hearing[0] < speech_from + 0.6  # the VAD's decision, drawn
    assert any("-∞ dB" in text for t, _, text in seen if t < speech_from - 0.1)  # silence first


@pytest.mark.audio
async def test_speech_into_the_real_microphone_shows_on_screen(tmp_path: Path, pulse: Path) -> None:
    """A clip played into the private server's virtual microphone, recorded by the app's own
    Microphone: the same states, meter and partials on screen."""
    audio, _, speech_to = speech_with_pauses()
    wav = tmp_path / "speech.wav"
    sf.write(wav, audio, RATE)
    mic = Microphone(find_device("mic.monitor", "input"), RATE, 30).start()
    player: list[subprocess.Popen[bytes]] = []

    def play() -> float:
        player.append(subprocess.Popen(["paplay", "-d", "mic", str(wav)]))
        return time.perf_counter()

    try:
        seen, sent, shown = await hear_a_turn(tmp_path, mic, play)
    finally:
        mic.stop()
        for proc in player:
            proc.wait(timeout=10)
    check_the_turn(seen, sent, shown, speech_to + 0.5)  # the server adds its latency
