"""Shared fixtures: paths to the offline resources, isolated user dirs."""

import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from assistant.asr.whisper import WhisperRecognizer
from assistant.train import data as train_data

REPO = Path(__file__).resolve().parent.parent
# Small committed copies of the offline resources in ../shared's layout (data/ljspeech-subset,
# data/text; provenance and licences in tests/fixtures/README.md): tests never read ../shared.
FIXTURES = REPO / "tests" / "fixtures"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The offline resources tests use: the committed fixtures, with or without ../shared."""
    return FIXTURES


@pytest.fixture(scope="session")
def lj_dir(shared_dir: Path) -> Path:
    return shared_dir / "data" / "ljspeech-subset"


@pytest.fixture(autouse=True)
def user_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Never touch the real user's config, data or cache."""
    for name in ("CONFIG", "DATA", "CACHE"):
        monkeypatch.setenv(f"ASSISTANT_{name}_DIR", str(tmp_path / name.lower()))
    monkeypatch.setenv("ASSISTANT_SHARED", str(FIXTURES))  # library defaults: the fixtures too
    return tmp_path


@pytest.fixture(scope="session")
def pulse() -> Iterator[Path]:
    """The private PulseAudio server (scripts/test starts it; started here if pytest runs alone)."""
    if os.environ.get("ASSISTANT_TEST_PULSE"):
        yield Path(os.environ["ASSISTANT_TEST_PULSE"])
        return
    if not shutil.which("pulseaudio"):
        pytest.fail("PulseAudio is not installed: run the tests with scripts/test")
    out = subprocess.run(
        [str(REPO / "scripts" / "audio-server"), "start"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    for name, value in re.findall(r"(\w+)='([^']*)'", out):
        os.environ[name] = value
    server = Path(os.environ["ASSISTANT_TEST_PULSE"])
    yield server
    subprocess.run([str(REPO / "scripts" / "audio-server"), "stop", str(server)], check=False)
    del os.environ["ASSISTANT_TEST_PULSE"]


class Recorder:
    """Records a PulseAudio source with parecord while a test plays something."""

    def __init__(self, source: str, path: Path, rate: int = 16000) -> None:
        self.path, self.rate = path, rate
        self.proc = subprocess.Popen(
            [
                "parecord",
                "-d",
                source,
                "--rate",
                str(rate),
                "--channels",
                "1",
                "--format",
                "float32le",
                "--file-format=wav",
                str(path),
            ]
        )
        time.sleep(0.5)  # parecord needs a moment before it captures

    def stop(self) -> np.ndarray:
        time.sleep(0.3)
        self.proc.send_signal(signal.SIGINT)
        self.proc.wait(timeout=10)
        audio, rate = sf.read(self.path, dtype="float32")
        assert rate == self.rate
        return audio


@pytest.fixture
def record_source(pulse: Path, tmp_path: Path) -> Callable[[str], Recorder]:
    return lambda source: Recorder(source, tmp_path / f"{source}.wav")


def active_part(audio: np.ndarray, rate: int, threshold: float = 0.01) -> np.ndarray:
    """From the first to the last 10 ms frame whose RMS exceeds `threshold`."""
    hop = rate // 100
    frames = audio[: len(audio) // hop * hop].reshape(-1, hop)
    loud = np.flatnonzero(np.sqrt((frames**2).mean(axis=1)) > threshold)
    return audio[:0] if not len(loud) else audio[loud[0] * hop : (loud[-1] + 1) * hop]


def active_seconds(audio: np.ndarray, rate: int, threshold: float = 0.01) -> float:
    return len(active_part(audio, rate, threshold)) / rate


TINY_LJ_IDS = ("LJ001-0002", "LJ001-0003", "LJ001-0004", "LJ001-0005")


@pytest.fixture(scope="session")
def tiny_cache(tmp_path_factory: pytest.TempPathFactory, shared_dir: Path) -> Path:
    """A tiny prepared training cache: 4 real LJ clips and 3 Piper joe sentences."""
    out = tmp_path_factory.mktemp("voice-data")
    cfg = train_data.PrepareConfig(
        out=out, shared=shared_dir, hours=0.005, lj_ids=TINY_LJ_IDS, joe_limit=3, progress=False
    )
    train_data.prepare(cfg)
    return out


@pytest.fixture(scope="session")
def recognizer() -> Iterator[WhisperRecognizer]:
    """Whisper tiny.en, loaded once for every test that measures intelligibility."""
    whisper = WhisperRecognizer(cpu_threads=2)
    whisper.load()
    yield whisper
    whisper.close()
