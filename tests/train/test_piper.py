"""The Piper joe voice run directly: id conventions, plausible audio, and words Whisper can hear."""

from __future__ import annotations

import importlib.util
import re

import numpy as np
import pytest

from assistant.train import piper

SENTENCE = "The quick brown fox jumps over the lazy dog near the river bank."


def test_phonemes_to_ids_follows_piper_conventions() -> None:
    id_map = {"^": [1], "$": [2], "_": [0], "a": [14], "b": [15]}
    assert piper.phonemes_to_ids(["a", "b"], id_map) == [1, 14, 0, 15, 0, 2]
    assert piper.phonemes_to_ids(["a", "?"], id_map) == [1, 14, 0, 2]  # unknown phonemes skipped


@pytest.fixture(scope="module")
def voice() -> piper.PiperVoice:
    return piper.PiperVoice.load()


@pytest.mark.slow
def test_voice_uses_its_json_settings(voice: piper.PiperVoice) -> None:
    assert voice.sample_rate == 22050
    assert voice.espeak_voice == "en-us"
    assert (voice.noise_scale, voice.length_scale, voice.noise_w) == (0.667, 1.0, 0.8)
    ids = voice.sentence_ids("Hello world. Second sentence!")
    assert len(ids) == 2
    assert all(s[0] == 1 and s[-1] == 2 and s[-2] == 0 for s in ids)


@pytest.mark.slow
def test_synthesize_has_plausible_duration_and_level(voice: piper.PiperVoice) -> None:
    audio = voice.synthesize(SENTENCE)
    assert audio.dtype == np.float32 and audio.ndim == 1
    assert np.isfinite(audio).all()
    seconds = audio.size / voice.sample_rate
    words = len(SENTENCE.split())
    assert 1.5 < words / seconds < 5.0, f"{words} words in {seconds:.2f} s"
    assert 0.5 < float(np.abs(audio).max()) <= 1.0
    assert float(np.sqrt(np.mean(audio**2))) > 0.02
    assert voice.last_rtf is not None and voice.last_rtf < 2.0
    slow = voice.synthesize(SENTENCE, length_scale=1.5)
    assert slow.size > 1.25 * audio.size


@pytest.mark.slow
@pytest.mark.skipif(
    importlib.util.find_spec("assistant.asr.whisper") is None,
    reason="assistant/asr/whisper.py not written yet",
)
def test_whisper_hears_the_words(voice: piper.PiperVoice) -> None:
    from assistant.asr.whisper import WhisperRecognizer

    heard = WhisperRecognizer().transcribe(voice.synthesize(SENTENCE), voice.sample_rate)
    said = set(re.findall(r"[a-z]+", SENTENCE.lower()))
    got = set(re.findall(r"[a-z]+", heard.lower()))
    assert len(said & got) >= 0.8 * len(said), heard
