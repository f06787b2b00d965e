"""Benchmark rows for whole turns: typed text to first audio, and a spoken conversation."""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from assistant.lab.bench.runner import BenchConfig, Metrics, Unavailable, measurement
from assistant.lab.bench.speech import load_voice

if TYPE_CHECKING:
    from assistant.config import AsrConfig
    from assistant.conversation.pipeline import Pipeline
    from assistant.events import TurnLatency
    from assistant.reply.engine import ReplyEngine

T = TypeVar("T")


class _NullSpeaker:
    """Takes audio and never plays it: the pipeline row times synthesis, not a device."""

    def __init__(self) -> None:
        self.queued = 0

    def play(self, samples: np.ndarray, sample_rate: int | None = None) -> None:
        self.queued += 1

    def stop(self) -> float:
        return 0.0

    @property
    def progress(self) -> tuple[float, float]:
        return 0.0, 0.0

    @property
    def playing(self) -> bool:
        return False


class _ClockSpeaker:
    """Plays nothing, but keeps a speaker's time: queued audio is heard at real-time pace, and a
    piece that comes after the audio before it ran out leaves a silence (`stalls`, seconds)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._end = 0.0  # perf_counter time at which the queued audio runs out
        self._queued = 0.0
        self.stalls: list[float] = []

    def play(self, samples: np.ndarray, sample_rate: int | None = None) -> None:
        now, seconds = time.perf_counter(), len(samples) / (sample_rate or 22050)
        with self._lock:
            if self._queued and now > self._end:
                self.stalls.append(now - self._end)
            self._end = max(self._end, now) + seconds
            self._queued += seconds

    def stop(self) -> float:
        with self._lock:
            played = self._played()
            self._end = self._queued = 0.0
            self.stalls = []
        return played

    def _played(self) -> float:
        return self._queued - max(0.0, self._end - time.perf_counter())

    @property
    def progress(self) -> tuple[float, float]:
        with self._lock:
            return self._played(), self._queued

    @property
    def playing(self) -> bool:
        return self._end > time.perf_counter()


@measurement("pipeline", "typed text → first sentence queued as audio (our voice, 50 words/s)")
def _pipeline(config: BenchConfig) -> Metrics:
    from assistant.conversation.pipeline import Pipeline
    from assistant.reply.engine import EchoLLM, ReplyEngine
    from assistant.reply.history import History
    from assistant.reply.skills import Skills

    voice = _in_a_thread(lambda: load_voice(config))
    with tempfile.TemporaryDirectory() as folder:
        llm = EchoLLM(" ".join(config.paragraph), delay_s=0.02)  # a model writing 50 words/s
        engine = ReplyEngine(Skills(), llm, History(directory=Path(folder)))
        pipeline = Pipeline(engine, voice, _NullSpeaker(), lambda event: None)
        for turn in range(config.repeats + 1):  # the first one warms up
            pipeline.submit_text("read the paragraph")
            while len(pipeline.latencies) <= turn:
                time.sleep(0.005)
            start = time.perf_counter()
            pipeline.stop()
            stop_s = time.perf_counter() - start
            pipeline.join()  # the next turn starts with idle cores
    totals = [t.total for t in pipeline.latencies[1:] if t.total is not None]
    return {"latency_s": float(np.median(totals)), "stop_call_s": stop_s}


class _RecordedMic:
    """A microphone that hears silence, and a recorded question each time `say` is called.

    Blocks come at real-time pace, so the endpointer and recogniser run as they would live.
    """

    sample_rate = 16000

    def __init__(self, block_s: float = 0.03) -> None:
        self.block = int(block_s * self.sample_rate)
        self._queue: list[np.ndarray] = []
        self._stopped = threading.Event()

    def say(self, audio: np.ndarray) -> None:
        self._queue.append(audio)

    def blocks(self) -> Iterator[np.ndarray]:
        started, sent = time.perf_counter(), 0
        pending = np.zeros(0, np.float32)
        while not self._stopped.is_set():
            if pending.size < self.block:
                more = self._queue.pop(0) if self._queue else np.zeros(self.block, np.float32)
                pending = np.concatenate([pending, more])
            block, pending = pending[: self.block], pending[self.block :]
            sent += self.block
            time.sleep(max(0.0, started + sent / self.sample_rate - time.perf_counter()))
            yield block

    def clear(self) -> None:
        self._queue.clear()

    def stop(self) -> None:
        self._stopped.set()


QUESTION = "Tell me something about the moon."
# asked before each measured turn, so that the measured prompt shares only the system prompt
# with the last one read, as a new question does (the kept KV cache holds no part of it)
OTHER = "Which planet is the largest?"
STAGES = ("speech_end_to_final", "final_to_first_piece", "first_piece_to_audio", "total")
HEARD_S = 4.0  # each reply is heard this long: its silences after the first audio are measured


@measurement("conversation", "spoken question → Whisper → SmolLM2 → our voice: stage latencies")
def _conversation(config: BenchConfig) -> Metrics:
    from assistant.config import AsrConfig

    return converse(config, AsrConfig(engine="whisper"))


@measurement("conversation-float", "the same with the model's 4-bit layers run as float32")
def _conversation_float(config: BenchConfig) -> Metrics:
    from assistant.config import AsrConfig

    return converse(config, AsrConfig(engine="whisper"), packed=False)


@measurement("conversation-vosk", "the same with Vosk listening (when a Vosk model is installed)")
def _conversation_vosk(config: BenchConfig) -> Metrics:
    from assistant.asr.types import AsrError
    from assistant.config import AsrConfig

    try:
        return converse(config, AsrConfig(engine="vosk"))
    except AsrError as e:
        raise Unavailable(str(e)) from None


def converse(
    config: BenchConfig, asr: AsrConfig, reuse_prompt: bool = True, packed: bool = True
) -> Metrics:
    """Ask QUESTION (our voice, at real-time pace) `max(repeats, 5)` times after a warm-up turn,
    each after OTHER; p50/p95 of each latency stage of the QUESTION turns, and of the silence
    inside their first HEARD_S seconds of speech (pieces that came late). `asr.early_reply`,
    `reuse_prompt` and `packed` switch the speed-ups."""
    from assistant.asr.engine import Listener, create_recognizer
    from assistant.asr.vad import Endpointer
    from assistant.audio.convert import to_mono
    from assistant.conversation.pipeline import Pipeline
    from assistant.events import Listening, PipelineEvent

    recognizer = create_recognizer(asr)

    def voiced() -> tuple[Any, np.ndarray, np.ndarray]:
        voice = load_voice(config)
        question, other = (
            to_mono(voice.sentence_audio(text, "neutral", 1.0, 1.0), voice.sample_rate, 16000)
            for text in (QUESTION, OTHER)
        )
        return voice, question, other

    voice, question, other = _in_a_thread(voiced)
    mic = _RecordedMic()
    turns = max(config.repeats, 5)
    with tempfile.TemporaryDirectory() as folder:
        listening = threading.Event()

        def seen(event: PipelineEvent) -> None:
            if isinstance(event, Listening):
                listening.set()

        engine = _in_a_thread(lambda: _engine(Path(folder), reuse_prompt, packed))
        speaker = _ClockSpeaker()
        pipeline = Pipeline(engine, voice, speaker, seen)
        pipeline.start_listening(mic, Listener(Endpointer.from_config(asr), recognizer))  # type: ignore[arg-type]
        if not listening.wait(120):
            raise RuntimeError("the recogniser did not start within 120 s")
        measured, silences = [], []
        for turn in range(turns + 1):  # the first one warms up
            _ask(pipeline, speaker, mic, other)
            latency, silent = _ask(pipeline, speaker, mic, question)
            measured += [latency] if turn else []
            silences += [silent] if turn else []
        mic.stop()
        pipeline.close()
    speculator = pipeline.speculator
    metrics: Metrics = {
        "turns": float(turns),
        "early_replies_taken": float(speculator.taken),
        "early_replies_dropped": float(speculator.dropped),
    }
    for stage in STAGES:
        values = [v for t in measured if (v := getattr(t, stage)) is not None]
        if values:
            metrics[f"{stage}_p50_s"] = float(np.percentile(values, 50))
            metrics[f"{stage}_p95_s"] = float(np.percentile(values, 95))
    metrics["silence_p50_s"] = float(np.percentile(silences, 50))
    metrics["silence_p95_s"] = float(np.percentile(silences, 95))
    metrics["turns_with_silence"] = float(sum(s > 0.02 for s in silences))
    return metrics


def _in_a_thread(work: Callable[[], T]) -> T:
    """`work()` run in a thread that then ends, as the app loads its voice and model: a thread
    that ran torch keeps a team of OpenMP threads while it lives (see `cpu.own_threads`), and
    one kept by the bench's own thread would slow the pipeline's threads as the app's are not."""
    done: list[T] = []
    failed: list[BaseException] = []

    def run() -> None:
        try:
            done.append(work())
        except BaseException as e:  # raised again in the caller's thread
            failed.append(e)

    thread = threading.Thread(target=run, name="bench-setup")
    thread.start()
    thread.join()
    if failed:
        raise failed[0]
    return done[0]


def _engine(history: Path, reuse_prompt: bool, packed: bool) -> ReplyEngine:
    """The reply engine with the embedded model (loaded) and no history in its prompts."""
    from assistant.config import ReplyConfig
    from assistant.reply.engine import ReplyEngine
    from assistant.reply.history import History
    from assistant.reply.llm import LLMError, TransformersLLM
    from assistant.reply.skills import Skills

    reply = ReplyConfig()
    llm = TransformersLLM(
        reply.model, reply.max_new_tokens, reply.temperature, None, reuse_prompt, packed
    )
    try:
        llm.load()
    except LLMError as e:
        raise Unavailable(str(e)) from None
    return ReplyEngine(Skills(), llm, History(directory=history, max_turns=0))


def _ask(
    pipeline: Pipeline, speaker: _ClockSpeaker, mic: _RecordedMic, audio: np.ndarray
) -> tuple[TurnLatency, float]:
    """Say `audio` into the microphone; the latency of the reply, and the seconds of silence
    in its first HEARD_S seconds of speech (or all of it, if shorter)."""
    turns = len(pipeline.latencies)
    mic.say(audio)
    deadline = time.monotonic() + 60
    while len(pipeline.latencies) <= turns and time.monotonic() < deadline:
        time.sleep(0.01)
    if len(pipeline.latencies) <= turns:
        raise RuntimeError("no reply was spoken within 60 s of the question")
    heard = time.monotonic() + HEARD_S + 10  # stalls longer than that count as 10 s
    while speaker.progress[0] < HEARD_S and pipeline.speaking and time.monotonic() < heard:
        time.sleep(0.01)
    silent = sum(speaker.stalls)
    pipeline.stop()
    pipeline.join()
    return pipeline.latencies[turns], silent
