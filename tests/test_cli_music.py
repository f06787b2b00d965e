"""`assistant music`: writes .mid and audio files, refuses bad output paths (exit 2), plays."""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import music21
import numpy as np
import pytest
import soundfile as sf

from assistant import config
from assistant.cli import main
from assistant.music import command
from assistant.music.synth import SAMPLE_RATE, TAIL_S
from assistant.music.tune import Note, Tune

REPO = Path(__file__).resolve().parent.parent
MODEL = REPO / "assistant" / "music" / "melody" / "model.safetensors"
NOTES = tuple(Note(p, b) for p, b in [(69, 1.0), (72, 1.0), (None, 1.0), (76, 0.5), (74, 4.5)])


class FakeCompose:
    """Stands in for the melody model: a fixed tune in the asked mood; remembers the calls."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, float, int, int]] = []

    def __call__(self, args: argparse.Namespace, seed: int) -> Tune:
        self.calls.append((args.emotion, args.intensity, args.bars, seed))
        return Tune(NOTES, 100.0, "4/4", "a minor", args.emotion, "test tune")


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeCompose:
    composer = FakeCompose()
    monkeypatch.setattr(command, "compose", composer)
    return composer


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_midi_file_holds_the_tune(
    tmp_path: Path, fake: FakeCompose, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "tune.mid"
    argv = ["music", "--emotion", "sad", "--intensity", "0.4", "--bars", "2", "--seed", "7"]
    code, said, _ = run([*argv, "-o", str(out)], capsys)
    assert code == 0 and fake.calls == [("sad", 0.4, 2, 7)]
    assert f"to {out}" in said and "seed 7" in said and "sad tune in A minor" in said
    melody = music21.converter.parse(str(out)).parts[0].stripTies().flatten().notes
    assert [(n.pitch.midi, float(n.quarterLength)) for n in melody] == [
        (n.pitch, n.beats) for n in NOTES if n.pitch is not None
    ]
    assert not list(tmp_path.glob(".*"))  # no temporary file left


@pytest.mark.parametrize("suffix", [".wav", ".flac", ".mp3", ".ogg"])
def test_audio_files_are_written(
    suffix: str, tmp_path: Path, fake: FakeCompose, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / f"tune{suffix}"
    code, said, _ = run(["music", "--emotion", "calm", "-o", str(out)], capsys)
    assert code == 0, said
    audio, rate = sf.read(out, dtype="float32")
    seconds = 8.0 * 60 / 100 + TAIL_S
    assert len(audio) / rate == pytest.approx(seconds, abs=0.1)
    first = audio[int(0.1 * rate) : int(0.5 * rate)]  # the first note, A4
    spectrum = np.abs(np.fft.rfft(first * np.hanning(len(first))))
    assert np.argmax(spectrum) * rate / len(first) == pytest.approx(440, rel=0.03)
    assert 0.1 < np.abs(audio).max() < 1.0
    assert not list(tmp_path.glob(".*"))


@pytest.mark.parametrize(
    ("output", "message"),
    [
        ("{tmp}/missing/tune.mid", "the folder {tmp}/missing does not exist"),
        ("{tmp}/missing/tune.wav", "the folder {tmp}/missing does not exist"),
        ("{tmp}/tune.m4a", "unknown file type (use .mid, .midi, .flac, .mp3, .opus, .ogg, .wav)"),
        ("{tmp}/tune", "unknown file type"),
        ("{tmp}/folder.wav", "it is a folder"),
        ("{tmp}/file.txt/tune.mid", "is not a folder"),
    ],
)
def test_bad_output_paths_exit_2_before_composing(
    output: str,
    message: str,
    tmp_path: Path,
    fake: FakeCompose,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "folder.wav").mkdir()
    (tmp_path / "file.txt").write_text("x")
    code, said, err = run(["music", "-o", output.format(tmp=tmp_path)], capsys)
    assert code == 2 and said == ""
    assert err.startswith("assistant: cannot write") and message.format(tmp=tmp_path) in err
    assert err.count("\n") == 1  # one line, no traceback
    assert fake.calls == []


@pytest.mark.parametrize(
    "argv", [["--bars", "0"], ["--bars", "x"], ["--intensity", "2"], ["--emotion", "bored"]]
)
def test_bad_arguments_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["music", *argv])
    assert done.value.code == 2
    assert "usage: assistant music" in capsys.readouterr().err


def test_without_output_it_plays_and_without_a_speaker_says_so(
    fake: FakeCompose, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    played: list[tuple[int, int]] = []

    def play(chunks: Iterator[np.ndarray], rate: int) -> int:
        played.append((sum(len(c) for c in chunks), rate))
        return 0

    with monkeypatch.context() as patched:  # (undo() would also undo the test's data dirs)
        patched.setattr("assistant.cli._play", play)
        code, _, err = run(["music", "--emotion", "happy", "--seed", "3"], capsys)
    assert code == 0 and "playing a happy tune in A minor" in err and "pluck" in err
    assert played == [(round((4.8 + TAIL_S) * SAMPLE_RATE), SAMPLE_RATE)]

    config.save(config.Config().replace("audio", output_device="no such speaker"))
    code, _, err = run(["music"], capsys)
    assert code == 1
    assert "no output device matches 'no such speaker'" in err and "use -o FILE" in err


def test_a_missing_melody_model_is_one_clear_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(args: argparse.Namespace, seed: int) -> Tune:
        raise command.ComposeError("the melody model is not installed")

    monkeypatch.setattr(command, "compose", broken)
    code, _, err = run(["music", "-o", str(tmp_path / "x.mid")], capsys)
    assert code == 1 and err == "assistant: cannot compose: the melody model is not installed\n"
    assert not (tmp_path / "x.mid").exists()


@pytest.mark.skipif(not MODEL.exists(), reason="the melody model is not trained yet")
def test_the_real_composer_writes_the_same_tune_for_the_same_seed(tmp_path: Path) -> None:
    """End to end, in fresh processes: the shipped melody model, the synthesizer, the files;
    the MIDI file holds the very tune the same seed composes here."""
    argv = [sys.executable, "-m", "assistant", "music", "--emotion", "calm", "--bars", "4"]
    for name in ("a.mid", "c.flac"):
        done = subprocess.run(
            [*argv, "--seed", "11", "-o", str(tmp_path / name)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert "a calm tune in" in done.stdout and "seed 11" in done.stdout
    args = argparse.Namespace(emotion="calm", intensity=0.7, bars=4)
    tune = command.compose(args, 11)
    part = music21.converter.parse(str(tmp_path / "a.mid")).parts[0]
    read = [(n.pitch.midi, float(n.quarterLength)) for n in part.stripTies().flatten().notes]
    assert read and read == [(n.pitch, n.beats) for n in tune.notes if n.pitch is not None]
    audio, rate = sf.read(tmp_path / "c.flac")
    assert rate == SAMPLE_RATE and np.abs(audio).max() > 0.1
    assert len(audio) / rate == pytest.approx(tune.seconds + TAIL_S, abs=0.01)


def test_help_names_the_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["music", "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: assistant music")
    assert all(o in out for o in ("--emotion", "--intensity", "--bars", "--seed", "--output"))
