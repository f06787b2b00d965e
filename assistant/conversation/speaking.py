"""The one player of speech: queues sentences on a speaker ahead of time, knows what sounds.

The conversation, `assistant say` and the document reader all speak through `Playback`: it keeps
at most `MAX_AHEAD_S` of audio queued beyond what has been heard (so memory stays flat for a
book), records where each item's speech lies on its timeline, and answers what is sounding now.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from typing import Generic, Protocol, TypeVar

import numpy as np

from assistant.audio.devices import AudioError

MAX_AHEAD_S = 8.0  # synthesis waits while this much audio is queued but not yet played
HEARD_SLACK_S = 0.05  # an item counts as heard when its speech ended this close to the cut

T = TypeVar("T")


class Synthesizer(Protocol):
    """A voice (assistant.tts.voice.Voice) or a fake."""

    @property
    def name(self) -> str: ...

    @property
    def sample_rate(self) -> int: ...

    def sentence_audio(
        self, sentence: str, emotion: str = "neutral", intensity: float = 1.0, rate: float = 1.0
    ) -> np.ndarray: ...

    def sentence_pieces(
        self,
        sentence: str,
        emotion: str = "neutral",
        intensity: float = 1.0,
        rate: float = 1.0,
        *,
        ahead_s: float = 0.0,
    ) -> Iterator[np.ndarray]: ...


class Output(Protocol):
    """A speaker (assistant.audio.devices.Speaker) or a fake.

    A speaker may also have `error` (see `speaker_error`): why it stopped working, e.g. the
    sound server went away; a dead speaker is not `playing` and its play() raises AudioError.
    """

    def play(self, samples: np.ndarray, sample_rate: int | None = None) -> None: ...

    def stop(self) -> float: ...

    @property
    def progress(self) -> tuple[float, float]: ...

    @property
    def playing(self) -> bool: ...


def speaker_error(speaker: Output) -> str | None:
    """Why `speaker` stopped working; None while it works (and for speakers that cannot fail)."""
    error = getattr(speaker, "error", None)
    return None if error is None else str(error)


class Playback(Generic[T]):
    """One stretch of speech on a speaker: items queued with their audio, and where play is.

    Time is counted from this playback's start (the speaker's progress is counted from its last
    stop(), so the speaker must be stopped, or idle and stopped, when a playback begins).
    `marks` holds (item, start, end of its speech) in seconds; the audio after `end` is a pause.
    """

    def __init__(
        self,
        speaker: Output,
        ahead_s: float = MAX_AHEAD_S,
        cancelled: threading.Event | None = None,
        lock: threading.Lock | None = None,
    ) -> None:
        self.speaker, self.ahead_s = speaker, ahead_s
        self.cancelled = cancelled or threading.Event()
        self.lock = lock or threading.Lock()  # queueing vs stop/pause, from different threads
        self.marks: list[tuple[T, float, float]] = []
        self.queued_s = 0.0
        self.offset_s = 0.0  # playback time at which the speaker's progress counts from zero
        self.paused_at: float | None = None
        self._failure: str | None = None

    @property
    def failure(self) -> str | None:
        """Why the speaker stopped working mid-way (None while it works): nothing more sounds."""
        return self._failure or speaker_error(self.speaker)

    def ahead(self) -> float:
        """Seconds queued and not yet played."""
        return max(0.0, self.queued_s - self.played())

    def played(self) -> float:
        """Seconds of this playback that reached the speaker."""
        if self.paused_at is not None:
            return self.paused_at
        return self.offset_s + self.speaker.progress[0]

    def wait_for_room(self) -> bool:
        """Wait while plenty is queued and unplayed; False once cancelled or the speaker failed."""
        while self.queued_s - self.played() > self.ahead_s and self.failure is None:
            if self.cancelled.wait(0.05):
                return False
        return not self.cancelled.is_set() and self.failure is None

    def queue(self, item: T, audio: np.ndarray, rate: int, speech_s: float | None = None) -> bool:
        """Queue `audio` for `item` (its first `speech_s` s are speech); False if cancelled or
        the speaker failed."""
        seconds = len(audio) / rate
        with self.lock:
            if self.cancelled.is_set():
                return False
            speech = seconds if speech_s is None else min(speech_s, seconds)
            self.marks.append((item, self.queued_s, self.queued_s + speech))
            self.queued_s += seconds
            if self.paused_at is None and len(audio):
                try:
                    self.speaker.play(audio, rate)
                except AudioError as e:  # the speaker died (or was closed)
                    self._failure = speaker_error(self.speaker) or str(e)
                    return False
        return True

    def current(self) -> T | None:
        """The item sounding now (or the last one started); None before the first."""
        now = self.played()
        found: T | None = None
        for item, start, _end in self.marks:
            if start > now:
                break
            found = item
        return found

    def heard(self, played_s: float) -> list[T]:
        """Items whose speech was all played by `played_s`."""
        return [item for item, _start, end in self.marks if end <= played_s + HEARD_SLACK_S]

    def wait_until_played(self, extra_s: float = 0.0) -> bool:
        """Wait until everything queued has sounded (plus `extra_s`); False if cancelled or the
        speaker failed (a dead speaker is not `playing`, so this never waits on it)."""
        while (
            not self.cancelled.is_set()
            and self.failure is None
            and (self.paused_at is not None or self.speaker.playing)
        ):
            time.sleep(0.02)
        return self.failure is None and not self.cancelled.wait(extra_s)

    def cancel(self) -> float:
        """Silence it now; returns the seconds played."""
        with self.lock:
            self.cancelled.set()
            played = self.played()
            self.speaker.stop()
        return played

    def pause(self) -> float:
        """Silence it, keeping the place (seconds played); audio queued later is not played."""
        with self.lock:
            if self.paused_at is None:
                self.paused_at = self.offset_s + self.speaker.stop()
            return self.paused_at

    def resume(self, audio: Sequence[np.ndarray], rate: int) -> bool:
        """Play on from the place pause() kept. `audio` is everything queued so far at `rate`
        (the caller's copy, appended under `lock`); only what was queued is played again, as
        a piece on its way is played by queue(). False if not paused, or the speaker failed."""
        with self.lock:
            if self.paused_at is None or self.failure is not None:
                return False
            start = self.offset_s = self.paused_at
            whole = np.concatenate(audio) if audio else np.zeros(0, np.float32)
            rest = whole[int(start * rate) : round(self.queued_s * rate)]
            if len(rest):
                self.speaker.play(rest, rate)
            # only now: wait_until_played must not see it unpaused before the speaker plays
            self.paused_at = None
        return True


def play_stream(chunks: Iterable[np.ndarray], speaker: Output, sample_rate: int) -> float:
    """Play chunks as they come, a few seconds ahead at most; returns the seconds played.

    Raises AudioError if the speaker stops working meanwhile."""
    playback: Playback[int] = Playback(speaker)
    for number, chunk in enumerate(chunks):
        if not playback.wait_for_room():
            break
        playback.queue(number, np.asarray(chunk, np.float32), sample_rate)
    playback.wait_until_played(getattr(speaker, "delay", 0.0))
    if playback.failure is not None:
        raise AudioError(f"the speaker stopped: {playback.failure}")
    return playback.queued_s
