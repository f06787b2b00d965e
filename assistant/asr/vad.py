"""Voice activity detection (Silero VAD via onnxruntime, or energy) and turn endpointing."""

from __future__ import annotations

import importlib.util
import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from assistant.asr import turn_end
from assistant.config import AsrConfig
from assistant.onnx import OnnxError, cpu_session

log = logging.getLogger(__name__)

SILERO_RATE = 16000  # Hz; the Silero ONNX model shipped with faster-whisper takes 16 kHz only
SILERO_WINDOW = 512  # samples per call at 16 kHz (32 ms)
_SILERO_CONTEXT = 64  # samples of the previous window the model sees in front of each window
_HYSTERESIS = 0.15  # a turn goes on while the probability stays above threshold - this
EARLY_REPLY_S = 0.1  # a pause this long is reported (SpeechPaused) with asr.early_reply
# (0.2 s gave the model 0.07 s less of a head start; 0.1 s decodes a quarter more pauses)
BARGE_IN_ONSET_S = 0.5  # how far before a barge-in was decided its soft first word may start


class VadError(RuntimeError):
    """The voice activity detector cannot run; the message says why and what to do."""


class Vad(Protocol):
    """Speech probability per fixed-size window; stateful, so windows must come in order."""

    name: str

    def window_size(self, sample_rate: int) -> int: ...

    def load(self, sample_rate: int) -> None: ...

    def __call__(self, window: np.ndarray) -> float: ...

    def reset(self) -> None: ...

    def close(self) -> None: ...


def silero_model_path() -> Path | None:
    """The Silero VAD ONNX file inside the installed faster-whisper wheel (not imported here)."""
    spec = importlib.util.find_spec("faster_whisper")
    if spec is None or not spec.origin:
        return None
    found = sorted((Path(spec.origin).parent / "assets").glob("silero_vad*.onnx"))
    return found[-1] if found else None


class SileroVad:
    """Silero VAD v6: an LSTM whose state (h, c) and 64-sample context carry across windows."""

    name = "silero"

    def __init__(self, model_path: Path | None = None, threads: int = 1) -> None:
        self.model_path = model_path
        self.threads = threads
        self._session: Any = None
        self._h = self._c = np.zeros((1, 1, 128), np.float32)
        self._context = np.zeros(_SILERO_CONTEXT, np.float32)

    def window_size(self, sample_rate: int) -> int:
        return SILERO_WINDOW

    def load(self, sample_rate: int) -> None:
        if sample_rate != SILERO_RATE:
            raise VadError(
                f"Silero VAD needs {SILERO_RATE} Hz audio, not {sample_rate} Hz; "
                "set audio.input_rate = 16000 or asr.vad = 'energy'"
            )
        if self._session is not None:
            return
        path = self.model_path or silero_model_path()
        if path is None or not path.is_file():
            raise VadError(
                f"Silero VAD model not found ({path or 'faster-whisper is not installed'}); "
                "pip install faster-whisper, or set asr.vad = 'energy'"
            )
        try:
            self._session = cpu_session(path, self.threads, "the Silero VAD model")
        except OnnxError as err:
            raise VadError(str(err)) from None
        log.info("loaded Silero VAD from %s", path)
        self.reset()

    def __call__(self, window: np.ndarray) -> float:
        if self._session is None:
            raise VadError("the VAD is not loaded; call load() first")
        x = np.concatenate([self._context, window.astype(np.float32)])[None]  # (1, 64 + 512)
        prob, self._h, self._c = self._session.run(None, {"input": x, "h": self._h, "c": self._c})
        self._context = x[0, -_SILERO_CONTEXT:]
        return float(np.asarray(prob).reshape(-1)[0])

    def reset(self) -> None:
        self._h = np.zeros((1, 1, 128), np.float32)
        self._c = np.zeros((1, 1, 128), np.float32)
        self._context = np.zeros(_SILERO_CONTEXT, np.float32)

    def close(self) -> None:
        self._session = None


class EnergyVad:
    """Loudness as a speech probability: 0.5 at `speech_db` dBFS, rising `slope_db` per e-fold."""

    name = "energy"

    def __init__(self, speech_db: float = -40.0, slope_db: float = 3.0) -> None:
        self.speech_db, self.slope_db = speech_db, slope_db

    def window_size(self, sample_rate: int) -> int:
        return sample_rate * 32 // 1000

    def load(self, sample_rate: int) -> None:
        pass

    def __call__(self, window: np.ndarray) -> float:
        db = 10.0 * math.log10(float(np.mean(np.square(window, dtype=np.float64))) + 1e-12)
        return 1.0 / (1.0 + math.exp(-(db - self.speech_db) / self.slope_db))

    def reset(self) -> None:
        pass

    def close(self) -> None:
        pass


def make_vad(kind: str = "auto") -> Vad:
    """'silero', 'energy', or 'auto': Silero when its model and onnxruntime are installed."""
    if kind == "energy":
        return EnergyVad()
    if kind == "silero":
        return SileroVad()
    if kind != "auto":
        raise ValueError(f"unknown VAD '{kind}' (auto, silero, energy)")
    if silero_model_path() is not None and importlib.util.find_spec("onnxruntime") is not None:
        return SileroVad()
    log.warning("Silero VAD is not available (faster-whisper/onnxruntime); using the energy VAD")
    return EnergyVad()


@dataclass(frozen=True)
class SpeechStarted:
    """A turn began; `at` is where the speech started, in seconds since `Endpointer.start`."""

    at: float


@dataclass(frozen=True)
class SpeechEnded:
    """A turn ended: speech from `started` to `at` (seconds), then enough silence to be sure."""

    at: float
    started: float

    @property
    def duration(self) -> float:
        return self.at - self.started


@dataclass(frozen=True)
class SpeechPaused:
    """The open turn has been quiet since `at` for `Endpointer.early_s`: it may be ending."""

    at: float


@dataclass(frozen=True)
class SpeechResumed:
    """Speech came back at `at` after a SpeechPaused: the turn goes on."""

    at: float


TurnEvent = SpeechStarted | SpeechPaused | SpeechResumed | SpeechEnded


class Endpointer:
    """Turns microphone blocks into SpeechStarted/SpeechEnded events (VAD or push-to-talk).

    A turn starts once `min_speech_s` of speech above the threshold has been heard and ends after
    `silence_s` below `threshold - 0.15`. While `talking` (the assistant speaks) the higher
    `barge_in_threshold` applies, so its own voice leaking into the microphone starts no turn.
    With `early_s` > 0, a pause of `early_s` in an open turn is reported (SpeechPaused), and so
    is speech coming back after it (SpeechResumed): a reply may be prepared in the meantime.
    With `by_words`, the words heard before such a pause (`heard_words`) set how long it must
    last to end the turn: less after a finished sentence, more after "and", "the", "um".
    With `push_to_talk`, no VAD runs: `press()` and `release()` start and end the turn.
    """

    def __init__(
        self,
        vad: Vad | None = None,
        silence_s: float = 0.6,
        threshold: float = 0.5,
        barge_in_threshold: float = 0.8,
        min_speech_s: float = 0.15,
        push_to_talk: bool = False,
        auto_vad: bool = False,
        early_s: float = 0.0,
        by_words: bool = False,
    ) -> None:
        self.vad = vad
        self.auto_vad = auto_vad  # chosen by "auto": another may serve a rate Silero cannot
        self.silence_s, self.min_speech_s = silence_s, min_speech_s
        self.threshold, self.barge_in_threshold = threshold, barge_in_threshold
        self.push_to_talk = push_to_talk
        self.early_s = early_s  # 0: no SpeechPaused/SpeechResumed
        self.by_words = by_words  # the words before a pause set its length (needs early_s)
        self._pause_s: float | None = None  # the current pause's own length, from its words
        self.talking = False  # set while the assistant speaks
        self.probability = 0.0  # of the last window, for a level meter
        self.sample_rate = 0
        self._window = 0
        self._pending = np.zeros(0, np.float32)
        self._samples = 0  # samples judged since start()
        self._run_start: float | None = None  # a stretch of speech not yet long enough
        self._soft_start: float | None = None  # the same by the ordinary threshold
        self._run_speech = 0.0
        self._turn_start: float | None = None
        self._voice_end = 0.0
        self._paused = False  # SpeechPaused was reported for the current pause

    @classmethod
    def from_config(cls, cfg: AsrConfig, push_to_talk: bool = False) -> Endpointer:
        return cls(
            None if push_to_talk else make_vad(cfg.vad),
            silence_s=cfg.endpoint_silence_s,
            threshold=cfg.vad_threshold,
            barge_in_threshold=cfg.barge_in_threshold,
            min_speech_s=cfg.min_speech_s,
            push_to_talk=push_to_talk,
            auto_vad=cfg.vad == "auto",
            early_s=EARLY_REPLY_S if cfg.early_reply and not push_to_talk else 0.0,
            by_words=cfg.endpoint_by_words,
        )

    def start(self, sample_rate: int = SILERO_RATE) -> None:
        """Load the VAD model and start counting time from zero."""
        if self.vad is None and not self.push_to_talk:
            self.vad, self.auto_vad = make_vad(), True
        if self.auto_vad and isinstance(self.vad, SileroVad) and sample_rate != SILERO_RATE:
            log.info("Silero VAD takes %d Hz; the energy VAD hears %d Hz", SILERO_RATE, sample_rate)
            self.vad = EnergyVad()
        if self.vad is not None and not self.push_to_talk:
            self.vad.load(sample_rate)
            self._window = self.vad.window_size(sample_rate)
        self.sample_rate = sample_rate
        self.reset()

    @property
    def time(self) -> float:
        """Seconds of audio fed since start()."""
        return (self._samples + len(self._pending)) / max(self.sample_rate, 1)

    @property
    def in_speech(self) -> bool:
        return self._turn_start is not None

    def feed(self, block: np.ndarray) -> list[TurnEvent]:
        """Consume a mono float32 block; the events it completes, in order."""
        if not self.sample_rate:
            raise RuntimeError("Endpointer.start() was not called")
        block = np.asarray(block, np.float32).reshape(-1)
        if self.push_to_talk:
            self._samples += len(block)
            return []
        self._pending = np.concatenate([self._pending, block])
        events: list[TurnEvent] = []
        while len(self._pending) >= self._window:
            window, self._pending = self._pending[: self._window], self._pending[self._window :]
            event = self._judge(window)
            if event is not None:
                events.append(event)
        return events

    def _judge(self, window: np.ndarray) -> TurnEvent | None:
        assert self.vad is not None
        begin = self._samples / self.sample_rate
        self._samples += len(window)
        end = self._samples / self.sample_rate
        p = self.probability = self.vad(window)
        high = self.barge_in_threshold if self.talking else self.threshold
        low = max(high - _HYSTERESIS, 0.01)
        if self._turn_start is not None:
            return self._in_turn(p >= low, begin, end)
        if p >= self.threshold:  # where speech began, by the ordinary threshold
            self._soft_start = begin if self._soft_start is None else self._soft_start
        elif p < max(self.threshold - _HYSTERESIS, 0.01):
            self._soft_start = None
        if p >= high:
            self._run_start = begin if self._run_start is None else self._run_start
            self._run_speech += end - begin
        elif p < low:
            self._run_start, self._run_speech = None, 0.0
        if self._run_start is not None and self._run_speech >= max(self.min_speech_s, 1e-9):
            return self._begin(self._onset(self._run_start), end)
        return None

    def _onset(self, run_start: float) -> float:
        """Where the turn began. A barge-in is decided by the stricter threshold, but its soft
        first word ("what ...") started earlier: back to where the ordinary threshold heard
        speech, at most BARGE_IN_ONSET_S back (the assistant's own voice may leak in before)."""
        if self._soft_start is None or self._soft_start >= run_start:
            return run_start
        return max(self._soft_start, run_start - BARGE_IN_ONSET_S)

    def _in_turn(self, voiced: bool, begin: float, end: float) -> TurnEvent | None:
        """A window of an open turn: the voice goes on, pauses, comes back, or has ended."""
        if voiced:
            self._voice_end = end
            if self._paused:
                self._paused, self._pause_s = False, None
                return SpeechResumed(begin)
        elif end - self._voice_end >= (self._pause_s or self.silence_s):
            return self._end(self._voice_end)
        elif self.early_s > 0 and not self._paused and end - self._voice_end >= self.early_s:
            self._paused = True
            return SpeechPaused(self._voice_end)
        return None

    def heard_words(self, text: str) -> float:
        """The turn said `text` up to the current pause (just reported): with `by_words`, the
        pause then ends the turn after the silence those words call for. Returns that length."""
        if self.by_words and self._paused:
            self._pause_s = turn_end.pause_needed(text, self.silence_s)
            log.debug("pause after %r: the turn ends after %.2f s", text[-40:], self._pause_s)
        return self._pause_s or self.silence_s

    def _begin(self, at: float, voiced_until: float) -> SpeechStarted:
        self._turn_start, self._voice_end = at, voiced_until
        self._run_start, self._run_speech, self._soft_start = None, 0.0, None
        return SpeechStarted(at)

    def _end(self, at: float) -> SpeechEnded:
        started = self._turn_start if self._turn_start is not None else at
        self._turn_start, self._paused, self._pause_s = None, False, None
        return SpeechEnded(at, started)

    def press(self) -> SpeechStarted | None:
        """Push-to-talk: the turn starts now (None if one is already open)."""
        return None if self.in_speech else self._begin(self.time, self.time)

    def release(self) -> SpeechEnded | None:
        """Push-to-talk (or cancel in VAD mode): the open turn ends now."""
        return self._end(self.time) if self.in_speech else None

    def reset(self) -> None:
        """Forget any open turn and the VAD state; time starts again from zero."""
        self._pending = np.zeros(0, np.float32)
        self._samples = 0
        self._run_start, self._run_speech, self._soft_start = None, 0.0, None
        self._turn_start, self._voice_end = None, 0.0
        self._paused, self._pause_s = False, None
        self.probability = 0.0
        if self.vad is not None:
            self.vad.reset()

    def close(self) -> None:
        if self.vad is not None:
            self.vad.close()
