"""The sound devices' watch: notices when they stop working and opens them again when back."""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING

from assistant.audio.devices import (
    AudioError,
    AudioStatus,
    Kind,
    open_microphone,
    open_speaker,
    probe,
    rescan,
)
from assistant.config import Config
from assistant.events import AudioChanged, Notice

if TYPE_CHECKING:
    from assistant.chat import Parts
    from assistant.conversation.pipeline import Pipeline

log = logging.getLogger(__name__)

POLL_S = 0.25  # how often the open devices are checked
RETRY_S = 2.0  # how often the lost ones are looked for
BACK = "The sound devices are back."
WAITING = "waiting for the sound devices to come back"
ABSENT = "there was none at start-up"


class DeviceWatch:
    """A thread that checks the speaker and microphone in `parts` every `poll_s`.

    When one stops working (the sound server died) the pipeline goes on without it and says so,
    its stream is released, and every `retry_s` the devices are probed (PortAudio rescanned
    first) until it opens again: the speaker is given back to the pipeline, the microphone to
    the listener it had. The status bar follows through AudioChanged events.
    """

    def __init__(
        self,
        cfg: Config,
        pipeline: Pipeline,
        parts: Parts,
        status: AudioStatus,
        poll_s: float = POLL_S,
        retry_s: float = RETRY_S,
        absent: frozenset[Kind] = frozenset(),
    ) -> None:
        """`absent`: devices there was none of at start-up; they are opened (the voice loaded,
        listening started) when they appear."""
        self.cfg, self.pipeline, self.parts = cfg, pipeline, parts
        self.poll_s, self.retry_s = poll_s, retry_s
        self.names: dict[Kind, str | None] = {
            "input": status.input_name,
            "output": status.output_name,
        }
        self.lost: dict[Kind, str] = {kind: ABSENT for kind in absent}  # kind → why
        self.speaker_rate = 22050  # of the speaker that was lost, to reopen it alike
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="device-watch", daemon=True)

    def start(self) -> DeviceWatch:
        self._thread.start()
        return self

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=3)

    def _run(self) -> None:
        next_try = 0.0
        while not self._stop.wait(self.poll_s):
            try:
                if self._check():
                    next_try = time.monotonic() + self.retry_s
                elif self.lost and time.monotonic() >= next_try:
                    self._reopen()
                    next_try = time.monotonic() + self.retry_s
            except Exception:  # the watch must go on, and never reach the screen as a traceback
                log.exception("watching the sound devices failed")

    def _check(self) -> bool:
        """Let go of the devices that stopped working; True if one did."""
        speaker, mic = self.parts.speaker, self.parts.mic
        changed = False
        if speaker is not None and (reason := speaker.error) is not None:
            self.pipeline.speaker_lost(speaker, reason)  # says so; a reply goes on as text
            self.parts.speaker = None
            self.speaker_rate = speaker.sample_rate
            speaker.close()
            self.lost["output"], changed = reason, True
        if mic is not None and (reason := mic.error) is not None:
            end = time.monotonic() + 1.0  # its listening thread ends by itself, saying so
            while self.pipeline.ears.listening and time.monotonic() < end:
                time.sleep(0.02)
            self.pipeline.ears.stop()
            mic.stop()
            self.parts.mic = None
            self.lost["input"], changed = reason, True
        if changed:
            log.warning("sound devices lost: %s", self.lost)
            self._show()
        return changed

    def _reopen(self) -> None:
        """Open the lost devices that work again; say so once all are back."""
        rescan()  # PortAudio lists devices once; refused while a working stream is open
        status = probe(self.cfg.audio)
        back = False
        if "output" in self.lost and status.output_name is not None:
            back |= self._reopen_speaker(status.output_name)
        if "input" in self.lost and status.input_name is not None:
            back |= self._reopen_microphone(status.input_name)
        if back:
            self._show()
            if not self.lost:
                self.pipeline.emit(Notice(BACK))

    def _reopen_speaker(self, name: str) -> bool:
        if self.lost["output"] == ABSENT:
            return self._first_open("output", name)
        try:
            speaker = open_speaker(self.cfg.audio, self.speaker_rate)
        except AudioError as e:
            log.info("the speaker is not back yet: %s", e)
            return False
        self.parts.speaker = speaker
        if self.pipeline.voice is not None:
            self.pipeline.speaker = speaker
        del self.lost["output"]
        self.names["output"] = name
        return True

    def _reopen_microphone(self, name: str) -> bool:
        if self.lost["input"] == ABSENT:
            return self._first_open("input", name)
        listener = self.parts.listener
        if listener is None:  # never listened: nothing to give it back to
            del self.lost["input"]
            return False
        try:
            mic = open_microphone(self.cfg.audio)
        except AudioError as e:
            log.info("the microphone is not back yet: %s", e)
            return False
        self.parts.mic = mic
        self.parts.threads.append(self.pipeline.start_listening(mic, listener))
        del self.lost["input"]
        self.names["input"] = name
        return True

    def _first_open(self, kind: Kind, name: str) -> bool:
        """A device that appeared after start-up: opened as at start-up (voice, listener)."""
        from assistant.chat import start_microphone, start_speaker

        if kind == "output":
            start_speaker(self.cfg, self.pipeline, self.parts)
            opened = self.parts.speaker is not None
        else:
            start_microphone(self.cfg, self.pipeline, self.parts)
            opened = self.parts.mic is not None
        del self.lost[kind]  # once: a failure to open it was said (a voice error, say)
        if opened:
            self.names[kind] = name
        return opened

    def _show(self) -> None:
        """The status bar: the devices that work now."""
        names = {kind: None if kind in self.lost else name for kind, name in self.names.items()}
        problem = WAITING if self.lost else ""
        self.pipeline.emit(AudioChanged(names["input"], names["output"], problem))
