"""The microphone side of the conversation: blocks in, listener events out, the talk key."""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from assistant.events import HearingSpeech, Listening, MicLevel, Notice, PipelineEvent

if TYPE_CHECKING:
    from assistant.asr.engine import Listener, ListenEvent
    from assistant.audio.devices import Microphone

log = logging.getLogger(__name__)

Heard = Callable[["ListenEvent", "float | None"], None]  # an event and when speech ended
LEVEL_PERIOD_S = 0.08  # MicLevel at most ~12 times a second (the loudest block in between)
SILENCE_DB = -100.0


def rms_db(block: np.ndarray) -> float:
    """The RMS level of float samples (full scale 1.0) in dBFS; SILENCE_DB at most quiet."""
    mean_square = float(np.mean(np.square(block, dtype=np.float64))) if block.size else 0.0
    return max(SILENCE_DB, 10 * math.log10(mean_square)) if mean_square > 0 else SILENCE_DB


def any_of(events: list[ListenEvent], kind: type) -> bool:
    return any(isinstance(event, kind) for event in events)


class StreamClock:
    """When (perf_counter) the microphone stream began, so that a moment of its audio can be
    stamped: a block that waited in the queue (while a decode ran) arrives late, never early, so
    the earliest estimate of the turn holds."""

    def __init__(self) -> None:
        self.origin: float | None = None

    def update(self, arrived: float, stream_s: float, new_turn: bool) -> None:
        """A block whose audio ends `stream_s` into the stream arrived at `arrived`."""
        origin = arrived - stream_s
        if self.origin is None or new_turn or origin < self.origin:
            self.origin = origin

    def at(self, stream_s: float) -> float:
        """perf_counter() when the audio `stream_s` seconds into the stream was heard."""
        return (self.origin or 0.0) + stream_s


class Ears:
    """Hears a microphone in a thread and hands each listener event to `on_heard`."""

    def __init__(self, emit: Callable[[PipelineEvent], None], on_heard: Heard) -> None:
        self.emit, self.on_heard = emit, on_heard
        self._thread: threading.Thread | None = None
        self._talk_key = threading.Event()  # pressed; the listening thread acts on it
        self._mic: Microphone | None = None
        self._listener: Listener | None = None
        self._level_db, self._level_at = SILENCE_DB, 0.0  # loudest since the last MicLevel

    def start(self, mic: Microphone, listener: Listener) -> threading.Thread:
        self._mic, self._listener = mic, listener
        thread = threading.Thread(target=self._listen, args=(mic, listener), name="listen")
        thread.daemon = True
        self._thread = thread
        thread.start()
        return thread

    def set_talking(self, active: bool) -> None:
        """The assistant speaks (barge-in then needs a surer voice) or stopped."""
        if self._listener is not None:
            self._listener.endpointer.talking = active

    @property
    def listening(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def talk_key(self) -> None:
        """Push-to-talk: start a spoken turn, or end the open one; from any thread."""
        if not self.listening:
            self.emit(Notice("Not listening: there is no microphone. Type your message."))
            return
        self._talk_key.set()

    def _listen(self, mic: Microphone, listener: Listener) -> None:
        from assistant.asr.vad import SpeechEnded, SpeechPaused, SpeechStarted
        from assistant.audio.devices import AudioError

        try:
            listener.start(mic.sample_rate)
        except Exception as e:
            log.exception("speech recognition failed to start")
            self.emit(Notice(f"Speech recognition is not available ({e}); type instead."))
            return
        mic.clear()  # what was said while the models loaded is stale now
        self.emit(Listening(listener.recognizer.name))
        speech_end: float | None = None
        clock = StreamClock()
        try:
            for block in mic.blocks():
                arrived = time.perf_counter()
                self._meter(block, arrived)
                if self._talk_key.is_set():
                    self._talk_key.clear()
                    speech_end = arrived
                    for event in listener.release() or listener.press():
                        self._pass(event, speech_end)
                events = listener.feed(block)
                clock.update(arrived, listener.endpointer.time, any_of(events, SpeechStarted))
                for event in events:
                    if isinstance(event, SpeechEnded | SpeechPaused):  # ended before it was sure
                        speech_end = clock.at(event.at)
                    self._pass(event, speech_end)
        except AudioError as e:
            self.emit(Notice(f"The microphone stopped: {e}. Typing still works."))
        except Exception as e:
            log.exception("listening failed")
            self.emit(Notice(f"Listening failed: {e}. Typing still works."))

    def _pass(self, event: ListenEvent, speech_end: float | None) -> None:
        """Hand the event on; a turn's start and end are also the listening state."""
        from assistant.asr.vad import SpeechEnded, SpeechStarted

        self.on_heard(event, speech_end)
        if isinstance(event, SpeechStarted | SpeechEnded):
            self.emit(HearingSpeech(isinstance(event, SpeechStarted)))

    def _meter(self, block: np.ndarray, now: float) -> None:
        """The microphone level for the meter: the loudest block, ~12 times a second."""
        self._level_db = max(self._level_db, rms_db(block))
        if now - self._level_at >= LEVEL_PERIOD_S:
            self.emit(MicLevel(round(self._level_db, 1)))
            self._level_db, self._level_at = SILENCE_DB, now

    def stop(self) -> None:
        mic, self._mic = self._mic, None
        if mic is not None:
            mic.stop()
        if self._thread is not None:
            self._thread.join(timeout=3)
