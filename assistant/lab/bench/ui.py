"""Benchmark row for the chat UI while it listens: CPU of the app drawing to a real terminal."""

# The app runs in its own process on a pseudo-terminal (a real Textual driver: the screen is
# rendered and written, as in a terminal), fed by a fake microphone through the real microphone
# thread (`Ears`): room noise whose level drifts, so the meter keeps moving. No speech model
# runs (the listener hears no turn), so the CPU measured is the UI's and the meter's.

from __future__ import annotations

import fcntl
import json
import os
import pty
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from assistant.lab.bench.runner import BenchConfig, Metrics, measurement

IDLE_S = 20.0  # seconds measured
WARMUP_S = 3.0  # after the screen is up, before measuring
SIZE = (100, 30)  # terminal columns, rows
RATE, BLOCK = 16000, 480  # the microphone's rate and 30 ms blocks


class _NoisyMic:
    """Room noise at real-time pace: its level drifts between about -55 and -35 dBFS."""

    sample_rate = RATE

    def __init__(self) -> None:
        self._stopped = threading.Event()
        self._rng = np.random.default_rng(0)

    def blocks(self, timeout: float = 2.0) -> Iterator[np.ndarray]:
        start, n = time.perf_counter(), 0
        while not self._stopped.wait(max(0.0, start + n * BLOCK / RATE - time.perf_counter())):
            level_db = -45.0 + 10.0 * np.sin(n * BLOCK / RATE * 1.3)
            noise = self._rng.standard_normal(BLOCK).astype(np.float32)
            yield noise * np.float32(10 ** (level_db / 20))
            n += 1

    def clear(self) -> None:
        pass

    def stop(self) -> None:
        self._stopped.set()


class _QuietListener:
    """Hears no turn: the endpointer and recogniser are not what this row measures."""

    class endpointer:  # the attributes the microphone thread reads
        talking = False
        time = 0.0

    class recognizer:
        name = "bench (no speech model)"

    def start(self, sample_rate: int) -> None:
        pass

    def feed(self, block: np.ndarray) -> list[object]:
        return []


def idle_child(result: Path) -> None:
    """In the child, on the pseudo-terminal: run the app listening; write its CPU to `result`."""
    from assistant.audio.catalog import AudioStatus
    from assistant.config import Config
    from assistant.conversation.pipeline import Pipeline
    from assistant.events import MicLevel, PipelineEvent
    from assistant.reply.engine import EchoLLM, ReplyEngine
    from assistant.reply.history import History
    from assistant.reply.skills import Skills
    from assistant.ui.app import AssistantApp

    app = AssistantApp(Config(), AudioStatus("bench mic", "bench speaker"), "bench")
    levels = [0]

    def emit(event: PipelineEvent) -> None:
        levels[0] += isinstance(event, MicLevel)
        app.post_event(event)

    engine = ReplyEngine(Skills(), EchoLLM("unused"), History(directory=result.parent))
    pipeline = Pipeline(engine, None, None, emit)
    mic = _NoisyMic()
    marks: list[tuple[float, float, int]] = []  # (CPU s, wall s, levels) at the start and end

    def measure() -> None:
        time.sleep(WARMUP_S)
        marks.append((time.process_time(), time.perf_counter(), levels[0]))
        time.sleep(IDLE_S)
        marks.append((time.process_time(), time.perf_counter(), levels[0]))
        app.call_from_thread(app.exit)

    def started() -> None:
        pipeline.start_listening(mic, _QuietListener())  # type: ignore[arg-type]
        threading.Thread(target=measure, daemon=True).start()

    app.call_later(started)
    app.run()
    mic.stop()
    pipeline.close()
    (cpu0, wall0, levels0), (cpu1, wall1, levels1) = marks
    seconds = wall1 - wall0
    metrics = {
        "cpu_percent": 100 * (cpu1 - cpu0) / seconds,
        "seconds": seconds,
        "mic_levels_per_s": (levels1 - levels0) / seconds,
    }
    result.write_text(json.dumps(metrics), encoding="utf-8")


def _drain(fd: int) -> None:
    """Read the terminal's output until the app is gone (a terminal that keeps up)."""
    try:
        while os.read(fd, 65536):
            pass
    except OSError:  # the child closed the terminal
        pass


@measurement("ui_idle", f"chat UI listening {IDLE_S:g} s to room noise: CPU % of one core")
def _ui_idle(config: BenchConfig) -> Metrics:
    import tempfile

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", SIZE[1], SIZE[0], 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLORTERM": "truecolor"}
    with tempfile.TemporaryDirectory(prefix="assistant-ui-bench-") as folder:
        result = Path(folder) / "ui.json"
        code = "import sys, pathlib; from assistant.lab.bench import ui; "
        code += "ui.idle_child(pathlib.Path(sys.argv[1]))"
        proc = subprocess.Popen(
            [sys.executable, "-c", code, str(result)],
            stdin=slave,
            stdout=slave,
            stderr=subprocess.PIPE,
            env=env,
            start_new_session=True,
        )
        os.close(slave)
        reader = threading.Thread(target=_drain, args=(master,), daemon=True)
        reader.start()
        _, errors = proc.communicate(timeout=IDLE_S + 120)
        os.close(master)
        if proc.returncode != 0 or not result.is_file():
            raise RuntimeError(f"the UI process failed: {errors.decode()[-800:]}")
        metrics: Metrics = json.loads(result.read_text(encoding="utf-8"))
    return metrics
