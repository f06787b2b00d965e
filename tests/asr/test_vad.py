"""Voice activity detection and endpointing: Silero and energy VADs on real speech, turn events."""

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from scipy.signal import resample_poly

from assistant.asr.vad import (
    BARGE_IN_ONSET_S,
    Endpointer,
    EnergyVad,
    SileroVad,
    SpeechEnded,
    SpeechStarted,
    VadError,
    make_vad,
    silero_model_path,
)
from assistant.config import AsrConfig
from assistant.tts.features import load_audio
from tests.asr.conftest import RATE, play_into_mic

CLIP = "LJ001-0043"  # 3.9 s: "A further development of the Roman letter took place at Venice."


@pytest.fixture(scope="module")
def speech(lj_dir: Path) -> np.ndarray:
    """A real recording at 16 kHz, with 0.5 s of silence before and 2 s after."""
    audio = resample_poly(load_audio(lj_dir / "wavs" / f"{CLIP}.flac"), 320, 441)
    silence = np.zeros(RATE // 2, np.float32)
    return np.concatenate([silence, audio.astype(np.float32), silence, silence, silence, silence])


@pytest.fixture
def silero() -> Iterator[SileroVad]:
    vad = SileroVad()
    vad.load(RATE)
    yield vad
    vad.close()


def blocks(audio: np.ndarray, size: int = 480) -> Iterator[np.ndarray]:
    """Cut audio like the microphone does (30 ms blocks that do not line up with VAD windows)."""
    for i in range(0, len(audio), size):
        yield audio[i : i + size]


def run(endpointer: Endpointer, audio: np.ndarray) -> list[tuple[float, object]]:
    """(time the event was emitted, event) for every event, in stream seconds."""
    endpointer.start(RATE)
    out = []
    for block in blocks(audio):
        out.extend((endpointer.time, e) for e in endpointer.feed(block))
    return out


def sound_end(audio: np.ndarray, threshold: float = 0.01) -> float:
    hop = RATE // 100
    frames = audio[: len(audio) // hop * hop].reshape(-1, hop)
    return (np.flatnonzero(np.sqrt((frames**2).mean(axis=1)) > threshold)[-1] + 1) * hop / RATE


def test_silero_hears_speech_and_not_silence(silero: SileroVad, speech: np.ndarray) -> None:
    windows = speech[: len(speech) // 512 * 512].reshape(-1, 512)
    probs = np.array([silero(w) for w in windows])
    lead, talk = probs[: RATE // 2 // 512], probs[RATE // 512 : RATE * 3 // 512]
    assert lead.max() < 0.1 and np.median(talk) > 0.6
    silero.reset()
    assert silero(windows[0]) < 0.1


def test_silero_state_carries_across_windows(silero: SileroVad, speech: np.ndarray) -> None:
    window = speech[RATE : RATE + 512]
    first = silero(window)
    assert silero(window) != first  # the LSTM state and the context changed
    silero.reset()
    assert silero(window) == pytest.approx(first)


def test_silero_asks_for_16_khz_and_a_model() -> None:
    with pytest.raises(VadError, match="16000 Hz"):
        SileroVad().load(48000)
    with pytest.raises(VadError, match="not found"):
        SileroVad(Path("/nonexistent/silero.onnx")).load(RATE)
    path = silero_model_path()
    assert path is not None and path.name.startswith("silero_vad")


def test_energy_vad_tracks_loudness() -> None:
    vad = EnergyVad(speech_db=-40.0)
    quiet = np.full(512, 10 ** (-60 / 20), np.float32)
    loud = np.full(512, 10 ** (-20 / 20), np.float32)
    assert vad(quiet) < 0.01 and vad(loud) > 0.99
    assert vad(np.full(512, 10 ** (-40 / 20), np.float32)) == pytest.approx(0.5, abs=0.01)


def test_make_vad_prefers_silero() -> None:
    assert isinstance(make_vad("auto"), SileroVad)
    assert isinstance(make_vad("energy"), EnergyVad)
    with pytest.raises(ValueError, match="unknown VAD"):
        make_vad("webrtc")


def test_silence_starts_no_turn(silero: SileroVad) -> None:
    noise = np.random.default_rng(1).standard_normal(RATE * 3).astype(np.float32) * 1e-3
    assert run(Endpointer(silero), noise) == []


@pytest.mark.parametrize("kind", ["silero", "energy"])
def test_speech_is_one_turn_ending_soon_after_the_speech(kind: str, speech: np.ndarray) -> None:
    endpointer = Endpointer(make_vad(kind), silence_s=0.6)
    events = run(endpointer, speech)
    assert [type(e) for _, e in events] == [SpeechStarted, SpeechEnded]
    (started_at, started), (ended_at, ended) = events
    assert isinstance(started, SpeechStarted) and isinstance(ended, SpeechEnded)
    assert started.at == pytest.approx(0.5, abs=0.15)
    assert started_at - started.at < 0.3  # detected within min_speech_s + a window or two
    delay = ended_at - sound_end(speech)
    assert 0.5 <= delay <= 0.6 + 0.3, delay
    assert ended.started == started.at and ended.duration > 3.0


def test_a_click_shorter_than_min_speech_starts_no_turn() -> None:
    click = np.zeros(RATE * 2, np.float32)
    click[RATE : RATE + 800] = 0.5  # 50 ms loud
    assert run(Endpointer(EnergyVad(), min_speech_s=0.15), click) == []
    assert len(run(Endpointer(EnergyVad(), min_speech_s=0.02), click)) == 2


def test_while_talking_the_barge_in_threshold_applies() -> None:
    vad = EnergyVad(speech_db=-40.0)  # a -37 dBFS voice leaking in: probability about 0.73
    leak = np.concatenate([np.full(RATE, 10 ** (-37 / 20), np.float32), np.zeros(RATE)])
    endpointer = Endpointer(vad, threshold=0.5, barge_in_threshold=0.8)
    assert len(run(endpointer, leak)) == 2
    endpointer.start(RATE)
    endpointer.talking = True
    assert [e for b in blocks(leak) for e in endpointer.feed(b)] == []


def test_push_to_talk_needs_no_vad() -> None:
    endpointer = Endpointer(push_to_talk=True)
    endpointer.start(48000)
    assert endpointer.feed(np.ones(48000, np.float32)) == []  # loud, but nobody pressed
    assert endpointer.press() == SpeechStarted(1.0)
    assert endpointer.press() is None and endpointer.in_speech
    endpointer.feed(np.zeros(24000, np.float32))
    assert endpointer.release() == SpeechEnded(1.5, 1.0)
    assert endpointer.release() is None and endpointer.vad is None


def test_endpointer_from_config() -> None:
    cfg = AsrConfig(vad="energy", endpoint_silence_s=0.8, vad_threshold=0.6, min_speech_s=0.2)
    endpointer = Endpointer.from_config(cfg)
    assert isinstance(endpointer.vad, EnergyVad)
    assert (endpointer.silence_s, endpointer.threshold, endpointer.min_speech_s) == (0.8, 0.6, 0.2)
    assert endpointer.barge_in_threshold == cfg.barge_in_threshold
    with pytest.raises(RuntimeError, match="start"):
        endpointer.feed(np.zeros(10, np.float32))


@pytest.mark.audio
def test_the_microphone_hears_no_speech_in_silence(pulse: Path, silero: SileroVad) -> None:
    endpointer = Endpointer(silero)
    endpointer.start(RATE)
    heard = play_into_mic(None, endpointer.feed, lambda e: True, timeout=2.0)
    assert heard.seconds >= 2.0 and heard.events == []


@pytest.mark.audio
def test_speech_through_the_microphone_is_one_timely_turn(
    pulse: Path, lj_dir: Path, silero: SileroVad
) -> None:
    endpointer = Endpointer(silero, silence_s=0.6)
    endpointer.start(RATE)
    heard = play_into_mic(
        lj_dir / "wavs" / f"{CLIP}.flac",
        endpointer.feed,
        lambda e: isinstance(e, SpeechEnded),
        timeout=10.0,
    )
    assert [type(e) for _, e in heard.events] == [SpeechStarted, SpeechEnded]
    begin, end = heard.sound_span()
    (_, started), (ended_at, _) = heard.events
    assert isinstance(started, SpeechStarted) and abs(started.at - begin) < 0.15
    assert 0.5 <= ended_at - end <= 0.6 + 0.3, (ended_at, end)


def test_a_barge_in_starts_at_its_soft_first_word() -> None:
    # over the assistant's voice, "what" (probability 0.6) is below the barge-in threshold and
    # only "time is it" (0.95) decides; the turn still starts where "what" began
    class Level(EnergyVad):
        def __call__(self, window: np.ndarray) -> float:
            return float(np.max(np.abs(window)))

    parts = [(1.0, 0.0), (0.3, 0.6), (0.6, 0.95), (1.0, 0.0)]
    audio = np.concatenate([np.full(int(s * RATE), v, np.float32) for s, v in parts])
    endpointer = Endpointer(Level(), threshold=0.5, barge_in_threshold=0.8)
    endpointer.start(RATE)
    endpointer.talking = True
    started = next(e for b in blocks(audio) for e in endpointer.feed(b))
    assert isinstance(started, SpeechStarted) and started.at == pytest.approx(1.0, abs=0.04)
    # a long stretch of its own voice leaking in before: at most BARGE_IN_ONSET_S back
    parts = [(1.0, 0.0), (2.0, 0.6), (0.6, 0.95), (1.0, 0.0)]
    audio = np.concatenate([np.full(int(s * RATE), v, np.float32) for s, v in parts])
    endpointer.start(RATE)
    endpointer.reset()
    started = next(e for b in blocks(audio) for e in endpointer.feed(b))
    assert isinstance(started, SpeechStarted)
    assert started.at == pytest.approx(3.0 - BARGE_IN_ONSET_S, abs=0.04)
