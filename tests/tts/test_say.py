"""`assistant say`: through the real speaker sink, into files, and with odd input."""

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from assistant import paths
from assistant.asr.whisper import WhisperRecognizer
from assistant.lab.scoring import wer
from assistant.tts.voice import Voice
from tests.conftest import Recorder, active_seconds

SENTENCE = "Please remember to water the plants on Sunday."


def say(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assistant", "say", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.slow
def test_say_writes_an_intelligible_wav(tmp_path: Path, recognizer: WhisperRecognizer) -> None:
    out = tmp_path / "out.wav"
    done = say(
        SENTENCE, "--voice", "joe", "--emotion", "calm", "--intensity", "0.5", "-o", str(out)
    )
    assert done.returncode == 0, done.stderr
    audio, rate = sf.read(out, dtype="float32")
    assert rate == 22050 and 1.5 < len(audio) / rate < 8
    assert wer([SENTENCE], [recognizer.transcribe(audio, rate)]) <= 0.25


@pytest.mark.slow
def test_say_speaks_with_the_configured_vocoder(tmp_path: Path) -> None:
    own, fast = tmp_path / "own.wav", tmp_path / "fast.wav"
    assert say(SENTENCE, "--voice", "lj", "-o", str(own)).returncode == 0
    config = paths.config_file()
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('[voice]\nvocoder = "fast"\n', encoding="utf-8")
    done = say(SENTENCE, "--voice", "lj", "-o", str(fast))
    assert done.returncode == 0, done.stderr
    expected, _ = Voice.load("lj", vocoder="fast").synthesize(SENTENCE)
    heard, _ = sf.read(fast, dtype="float32")
    assert heard.shape == expected.shape
    np.testing.assert_allclose(heard, expected, atol=2e-4)  # 16-bit file; pieces join exactly
    assert not np.allclose(sf.read(own, dtype="float32")[0], heard, atol=0.01)  # not V1's


@pytest.mark.slow
@pytest.mark.audio
def test_say_plays_through_the_speaker(
    record_source,
    recognizer: WhisperRecognizer,  # type: ignore[no-untyped-def]
) -> None:
    recorder: Recorder = record_source("spk.monitor")
    done = say(SENTENCE, "--voice", "lj")
    assert done.returncode == 0, done.stderr
    audio = recorder.stop()
    assert active_seconds(audio, 16000) > 1.5
    assert wer([SENTENCE], [recognizer.transcribe(audio, 16000)]) <= 0.25


def test_odd_input_is_handled_clearly(tmp_path: Path) -> None:
    assert say("   ").returncode == 0  # nothing to say, nothing happens
    done = say("!!! ... ???")
    assert done.returncode == 1 and "no letters or digits" in done.stderr
    done = say("hello", "--voice", "nosuch")
    assert done.returncode == 1 and "no voice 'nosuch'" in done.stderr
    done = say("hello", "--intensity", "3")
    assert done.returncode == 2 and "between 0 and 1" in done.stderr


def test_write_stream_leaves_nothing_partial(tmp_path: Path) -> None:
    import numpy as np

    from assistant.tts.say import OutputError, write_stream

    out = tmp_path / "speech.wav"
    out.write_bytes(b"the old take")

    def failing() -> Iterator[np.ndarray]:
        yield np.zeros(1000, np.float32)
        raise OSError(28, "No space left on device")

    with pytest.raises(OutputError, match="No space left on device"):
        write_stream(failing(), out, 22050)
    assert out.read_bytes() == b"the old take"  # what was saved is not lost
    assert sorted(p.name for p in tmp_path.iterdir()) == ["speech.wav"]  # no .partial

    def interrupted() -> Iterator[np.ndarray]:
        yield np.zeros(1000, np.float32)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_stream(interrupted(), out, 22050)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["speech.wav"]
    with pytest.raises(OutputError, match="does not exist"):
        write_stream(iter([np.zeros(10, np.float32)]), tmp_path / "nowhere" / "x.wav", 22050)
