"""The microphone side of the conversation: blocks in, listener events out, the talk key."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from assistant.events import Listening, Notice, PipelineEvent

if TYPE_CHECKING:
    from assistant.asr.engine import Listener, ListenEvent
    from assistant.audio.devices import Microphone

log = logging.getLogger(__name__)

Heard = Callable[["ListenEvent", "float | None"], None]  # an event and when speech ended


class Ears:
    """Hears a microphone in a thread and hands each listener event to `on_heard`."""

    def __init__(self, emit: Callable[[PipelineEvent], None], on_heard: Heard) -> None:
        self.emit, self.on_heard = emit, on_heard
        self._thread: threading.Thread | None = None
        self._talk_key = threading.Event()  # pressed; the listening thread acts on it
        self._mic: Microphone | None = None
        self._listener: Listener | None = None

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
        from assistant.asr.vad import SpeechEnded
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
        try:
            for block in mic.blocks():
                arrived = time.perf_counter()
                if self._talk_key.is_set():
                    self._talk_key.clear()
                    speech_end = arrived
                    for event in listener.release() or listener.press():
                        self.on_heard(event, speech_end)
                for event in listener.feed(block):
                    if isinstance(event, SpeechEnded):  # it ended a little before it was sure
                        speech_end = arrived - (listener.endpointer.time - event.at)
                    self.on_heard(event, speech_end)
        except AudioError as e:
            self.emit(Notice(f"The microphone stopped: {e}. Typing still works."))
        except Exception as e:
            log.exception("listening failed")
            self.emit(Notice(f"Listening failed: {e}. Typing still works."))

    def stop(self) -> None:
        mic, self._mic = self._mic, None
        if mic is not None:
            mic.stop()
        if self._thread is not None:
            self._thread.join(timeout=3)
