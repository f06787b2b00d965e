"""Speed and memory benchmarks: a registry of named measurements, each run in a fresh process."""

# Each measurement runs in its own Python process so that its peak RSS is its own (models loaded
# by one do not inflate the next) and thread settings cannot leak. A row is a function decorated
# with @measurement: the vocoders, the Piper anchor, our voice with and without the vocoder, the
# typed-text pipeline and the spoken conversation. A measurement that cannot run here (a model
# not installed, an option not given) raises Unavailable and is recorded as skipped.

from __future__ import annotations

import json
import logging
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from assistant import evaluation, paths

log = logging.getLogger(__name__)

PARAGRAPH = (
    "The assistant reads this paragraph aloud to measure how quickly speech begins.",
    "Only the first sentence has to be ready before playback can start.",
    "The rest is synthesized while the first one plays.",
)
_REPO = Path(__file__).resolve().parent.parent
_CHILD = "import sys; from assistant.bench import child_main; sys.exit(child_main(sys.argv[1:]))"

Metrics = dict[str, float]  # "rtf" and "latency_s" are plotted; other keys are kept in the JSON


class BenchError(RuntimeError):
    """A benchmark cannot start (unknown measurement name)."""


class Unavailable(Exception):
    """Raised by a measurement that cannot run here; the row is recorded as skipped."""


@dataclass(frozen=True)
class BenchConfig:
    """What every measurement may read; JSON-serialisable, it travels to the child process."""

    threads: int = 2
    seconds: float = 5.0  # audio length for vocoder RTF
    repeats: int = 3  # timings are the best of this many runs
    paragraph: tuple[str, ...] = PARAGRAPH
    voice: str | None = None  # voices/<name> folder for the "voice" measurement


@dataclass(frozen=True)
class Measurement:
    name: str
    description: str
    run: Callable[[BenchConfig], Metrics]


@dataclass(frozen=True)
class BenchRow:
    """One measurement's outcome; peak_rss_mb is its whole process (interpreter included)."""

    name: str
    description: str
    status: str  # "ok", "skipped" or "failed"
    metrics: Metrics = field(default_factory=dict)
    peak_rss_mb: float | None = None
    wall_s: float = 0.0
    note: str = ""


REGISTRY: dict[str, Measurement] = {}


def measurement(
    name: str, description: str
) -> Callable[[Callable[[BenchConfig], Metrics]], Callable[[BenchConfig], Metrics]]:
    """Register a function (BenchConfig → metrics) under name."""

    def register(run: Callable[[BenchConfig], Metrics]) -> Callable[[BenchConfig], Metrics]:
        if name in REGISTRY:
            raise ValueError(f"measurement {name!r} is registered twice")
        REGISTRY[name] = Measurement(name, description, run)
        return run

    return register


def _best_time(run: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    """(fastest wall time of repeats calls, the last result)."""
    best, result = float("inf"), None
    for _ in range(max(1, repeats)):
        start = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - start)
    return best, result


@measurement("baseline", "Python with numpy and torch imported: the memory floor of every row")
def _baseline(config: BenchConfig) -> Metrics:
    import torch

    torch.set_num_threads(config.threads)
    return {}


def _vocoder(name: str, config: BenchConfig) -> Metrics:
    import torch

    from assistant.tts.vocoder import Vocoder, measure_rtf

    torch.set_num_threads(config.threads)
    start = time.perf_counter()
    vocoder = Vocoder.load(name)
    load_s = time.perf_counter() - start
    return {"rtf": measure_rtf(vocoder, config.seconds, config.repeats), "load_s": load_s}


@measurement("vocoder-lj", "HiFi-GAN V1 LJSpeech generator, RTF on noise mels")
def _vocoder_lj(config: BenchConfig) -> Metrics:
    return _vocoder("lj", config)


@measurement("vocoder-universal", "HiFi-GAN V1 universal generator, RTF on noise mels")
def _vocoder_universal(config: BenchConfig) -> Metrics:
    return _vocoder("universal", config)


def _speech_timing(speak: Callable[[str], Any], config: BenchConfig) -> Metrics:
    """First-sentence latency and whole-paragraph RTF of speak(text) → (samples, sample rate)."""
    first, paragraph = config.paragraph[0], " ".join(config.paragraph)
    speak(first)  # warm-up
    latency, _ = _best_time(lambda: speak(first), config.repeats)
    elapsed, (audio, sample_rate) = _best_time(lambda: speak(paragraph), config.repeats)
    audio_s = len(audio) / sample_rate
    return {"rtf": elapsed / audio_s, "latency_s": latency, "audio_s": audio_s}


@measurement("piper", "Piper joe voice (ONNX): paragraph RTF, first-sentence latency")
def _piper(config: BenchConfig) -> Metrics:
    from assistant.train.piper import PiperVoice

    start = time.perf_counter()
    voice = PiperVoice.load(threads=config.threads)
    load_s = time.perf_counter() - start
    metrics = _speech_timing(lambda text: (voice.synthesize(text), voice.sample_rate), config)
    return {**metrics, "load_s": load_s}


def _load_voice(config: BenchConfig) -> Any:
    import torch

    from assistant.tts.voice import Voice, VoiceError

    torch.set_num_threads(config.threads)
    try:
        return Voice.load(Path(config.voice) if config.voice else "lj")
    except VoiceError as err:
        raise Unavailable(str(err)) from err


@measurement(
    "voice", "our voice (default lj): paragraph RTF, first-sentence and first-chunk latency"
)
def _our_voice(config: BenchConfig) -> Metrics:
    start = time.perf_counter()
    voice = _load_voice(config)
    load_s = time.perf_counter() - start
    first_chunk_s, _ = _best_time(lambda: next(voice.stream(config.paragraph[0])), config.repeats)
    return {
        **_speech_timing(voice.synthesize, config),
        "first_chunk_s": first_chunk_s,  # what `Voice.stream` hands to the speaker first
        "load_s": load_s,
    }


@measurement("acoustic", "our acoustic model alone (text → mel, no vocoder): RTF, latency")
def _acoustic(config: BenchConfig) -> Metrics:
    import torch

    from assistant.tts import features, text

    voice = _load_voice(config)

    def mel_only(sentence: str) -> tuple[np.ndarray, int]:
        mels = [
            voice.model.infer(torch.tensor(text.text_to_ids(s)), voice.info.speaker_id)
            for s in text.split_sentences(sentence)
        ]
        frames = sum(m.shape[1] for m in mels)
        return np.zeros(frames * features.HOP, np.float32), features.SAMPLE_RATE

    return _speech_timing(mel_only, config)


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


@measurement("pipeline", "typed text → first sentence queued as audio (our voice, 50 words/s)")
def _pipeline(config: BenchConfig) -> Metrics:
    from assistant.pipeline import Pipeline
    from assistant.reply.engine import EchoLLM, ReplyEngine
    from assistant.reply.history import History
    from assistant.reply.skills import Skills

    voice = _load_voice(config)
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


@measurement("conversation", "spoken question → Whisper → SmolLM2 → our voice: stage latencies")
def _conversation(config: BenchConfig) -> Metrics:
    from assistant.asr.engine import Listener, WhisperEngine
    from assistant.asr.vad import Endpointer
    from assistant.audio.convert import to_mono
    from assistant.config import AsrConfig, ReplyConfig
    from assistant.events import Listening, PipelineEvent
    from assistant.pipeline import Pipeline
    from assistant.reply.engine import ReplyEngine
    from assistant.reply.history import History
    from assistant.reply.llm import LLMError, TransformersLLM
    from assistant.reply.skills import Skills

    voice = _load_voice(config)
    question = to_mono(
        voice.sentence_audio(QUESTION, "neutral", 1.0, 1.0), voice.sample_rate, 16000
    )
    llm = TransformersLLM.from_config(ReplyConfig())
    try:
        llm.load()
    except LLMError as e:
        raise Unavailable(str(e)) from None
    mic = _RecordedMic()
    turns = max(config.repeats, 5)
    with tempfile.TemporaryDirectory() as folder:
        engine = ReplyEngine(Skills(), llm, History(directory=Path(folder), max_turns=0))
        listening = threading.Event()

        def seen(event: PipelineEvent) -> None:
            if isinstance(event, Listening):
                listening.set()

        pipeline = Pipeline(engine, voice, _NullSpeaker(), seen)
        listener = Listener(Endpointer.from_config(AsrConfig()), WhisperEngine("bench"))
        pipeline.start_listening(mic, listener)  # type: ignore[arg-type]
        if not listening.wait(120):
            raise RuntimeError("the recogniser did not start within 120 s")
        for turn in range(turns + 1):  # the first one warms up
            mic.say(question)
            deadline = time.monotonic() + 60
            while len(pipeline.latencies) <= turn and time.monotonic() < deadline:
                time.sleep(0.01)
            if len(pipeline.latencies) <= turn:
                raise RuntimeError("no reply was spoken within 60 s of the question")
            pipeline.stop()
            pipeline.join()
        mic.stop()
        pipeline.close()
    metrics: Metrics = {"turns": float(turns)}
    for stage in ("speech_end_to_final", "final_to_first_piece", "first_piece_to_audio", "total"):
        values = [getattr(t, stage) for t in pipeline.latencies[1:]]
        values = [v for v in values if v is not None]
        if values:
            metrics[f"{stage}_p50_s"] = float(np.percentile(values, 50))
            metrics[f"{stage}_p95_s"] = float(np.percentile(values, 95))
    return metrics


def peak_rss_mb() -> float:
    """This process's peak resident memory in MiB (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_main(argv: Sequence[str]) -> int:
    """Entry point of the measuring process: name, config JSON path, result JSON path."""
    name, config_path, result_path = argv
    settings = json.loads(Path(config_path).read_text(encoding="utf-8"))
    config = BenchConfig(**{**settings, "paragraph": tuple(settings["paragraph"])})
    try:
        outcome: dict[str, Any] = {"status": "ok", "metrics": REGISTRY[name].run(config)}
    except Unavailable as err:
        outcome = {"status": "skipped", "metrics": {}, "note": str(err)}
    outcome["peak_rss_mb"] = peak_rss_mb()
    Path(result_path).write_text(json.dumps(outcome), encoding="utf-8")
    return 0


def run_isolated(name: str, config: BenchConfig, timeout: float = 600.0) -> BenchRow:
    """Run one registered measurement in a fresh interpreter and collect its row."""
    description = REGISTRY[name].description
    env = {**os.environ, "OMP_NUM_THREADS": str(config.threads)}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(_REPO), env.get("PYTHONPATH")]))
    with tempfile.TemporaryDirectory(prefix="assistant-bench-") as tmp:
        config_path, result_path = Path(tmp) / "config.json", Path(tmp) / "result.json"
        config_path.write_text(json.dumps(asdict(config)), encoding="utf-8")
        command = [sys.executable, "-c", _CHILD, name, str(config_path), str(result_path)]
        start = time.perf_counter()
        try:
            proc = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return BenchRow(name, description, "failed", note=f"timed out after {timeout:g} s")
        wall_s = time.perf_counter() - start
        if proc.returncode != 0 or not result_path.is_file():
            note = proc.stderr.strip().splitlines()[-1:] or [f"exit status {proc.returncode}"]
            log.warning("%s failed:\n%s", name, proc.stderr[-2000:])
            return BenchRow(name, description, "failed", wall_s=wall_s, note=note[0])
        outcome = json.loads(result_path.read_text(encoding="utf-8"))
    return BenchRow(
        name,
        description,
        outcome["status"],
        outcome["metrics"],
        outcome["peak_rss_mb"],
        wall_s,
        outcome.get("note", ""),
    )


@dataclass(frozen=True)
class BenchReport:
    config: BenchConfig
    rows: tuple[BenchRow, ...]
    load_start: tuple[float, float, float]
    load_end: tuple[float, float, float]

    def to_dict(self) -> dict[str, Any]:
        return {
            "config": asdict(self.config),
            "machine": evaluation.machine_info(),
            "load_average": {"start": list(self.load_start), "end": list(self.load_end)},
            "rows": [asdict(row) for row in self.rows],
        }


def select(only: Sequence[str] | None) -> list[str]:
    """The measurement names to run, in registry order; all of them when only is empty."""
    if not only:
        return list(REGISTRY)
    unknown = [name for name in only if name not in REGISTRY]
    if unknown:
        raise BenchError(
            f"unknown measurement {', '.join(unknown)}; choose from {', '.join(REGISTRY)}"
        )
    return [name for name in REGISTRY if name in only]


def run_bench(only: Sequence[str] | None = None, config: BenchConfig | None = None) -> BenchReport:
    """Run the chosen measurements one after another, each in its own process."""
    names, settings = select(only), config or BenchConfig()
    load_start = os.getloadavg()
    rows = []
    for name in names:
        log.info("measuring %s", name)
        rows.append(run_isolated(name, settings))
    return BenchReport(settings, tuple(rows), load_start, os.getloadavg())


def write_report(report: BenchReport, out_dir: Path) -> tuple[Path, Path]:
    """bench.json and bench.png (bar charts of RTF, latency and peak memory) under out_dir."""
    json_path, png_path = out_dir / "bench.json", out_dir / "bench.png"
    text = json.dumps(report.to_dict(), indent=2) + "\n"
    paths.atomic_write(json_path, text.encode("utf-8"))
    done = [row for row in report.rows if row.status == "ok"]
    panels = {
        "real-time factor (lower is faster)": {
            r.name: r.metrics["rtf"] for r in done if "rtf" in r.metrics
        },
        "first-chunk latency, s": {
            r.name: r.metrics["latency_s"] for r in done if "latency_s" in r.metrics
        },
        "peak RSS, MiB": {r.name: r.peak_rss_mb for r in done if r.peak_rss_mb is not None},
    }
    load = report.load_start[0]
    evaluation.save_bar_charts(png_path, panels, title=f"bench (load average {load:.2f})")
    return json_path, png_path


def format_table(report: BenchReport) -> str:
    """One line per row: status, RTF, latency, peak RSS, and any note."""
    lines = [f"{'measurement':<18} {'status':<8} {'RTF':>6} {'latency s':>9} {'RSS MiB':>8}"]
    for row in report.rows:
        rtf, latency = row.metrics.get("rtf"), row.metrics.get("latency_s")
        lines.append(
            f"{row.name:<18} {row.status:<8} "
            f"{'' if rtf is None else f'{rtf:.3f}':>6} "
            f"{'' if latency is None else f'{latency:.3f}':>9} "
            f"{'' if row.peak_rss_mb is None else f'{row.peak_rss_mb:.0f}':>8}"
            + (f"  {row.note}" if row.note else "")
        )
    lines.append(f"load average {report.load_start[0]:.2f} → {report.load_end[0]:.2f}")
    return "\n".join(lines)
