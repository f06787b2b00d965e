"""Music in the conversation: a tune composed in the background, played on the speaker once the
line announcing it has been said; stop (Esc, "stop", barge-in, a new request) ends it."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Protocol

import numpy as np

from assistant.conversation.speaking import Output, Playback
from assistant.events import Notice, PipelineEvent
from assistant.music.tune import Tune

log = logging.getLogger(__name__)

BARS = 16  # a tune asked for in conversation: about half a minute


class Composer(Protocol):
    """assistant.music.generate.Composer, or a fake."""

    def load(self) -> None: ...

    def compose(
        self, emotion: str, intensity: float = 0.7, bars: int = 16, seed: int | None = None
    ) -> Tune: ...


class LazyComposer:
    """The melody model (assistant.music.generate.Composer), imported and loaded by load(), in
    the music thread: the app starts without waiting for torch."""

    def __init__(self) -> None:
        self._composer: Composer | None = None

    def load(self) -> None:
        from assistant.music.generate import Composer as MelodyComposer

        composer = MelodyComposer()
        composer.load()
        self._composer = composer

    def compose(
        self, emotion: str, intensity: float = 0.7, bars: int = 16, seed: int | None = None
    ) -> Tune:
        if self._composer is None:
            self.load()
        assert self._composer is not None
        return self._composer.compose(emotion, intensity=intensity, bars=bars, seed=seed)


class _Job:
    """One tune asked for: composed, then (once `go` is set) played; `cancelled` ends it."""

    def __init__(self, emotion: str, intensity: float) -> None:
        self.emotion, self.intensity = emotion, intensity
        self.cancelled = threading.Event()
        self.go = threading.Event()  # the announcing line has been said (or there was none)
        self.lock = threading.Lock()  # the playback's lock: queueing vs stop/pause
        self.playback: Playback[int] | None = None
        self.audio: list[np.ndarray] = []  # all queued so far, to resume after a pause
        self.rate = 0
        self.sounding = False


class Music:
    """Plays tunes on the pipeline's speaker; one at a time, controlled from any thread.

    `speaker_fn` gives the speaker when the tune is ready (None: text mode); `on_sounding`
    says when sound starts and stops (the pipeline's Speaking events); `on_lost` is told when
    the speaker stops working mid-tune.
    """

    def __init__(
        self,
        composer: Composer | None,
        speaker_fn: Callable[[], Output | None],
        emit: Callable[[PipelineEvent], None],
        on_sounding: Callable[[bool], None] = lambda active: None,
        on_lost: Callable[[Output, str], None] = lambda speaker, reason: None,
    ) -> None:
        self.composer, self.speaker_fn, self.emit = composer, speaker_fn, emit
        self.on_sounding, self.on_lost = on_sounding, on_lost
        self._job: _Job | None = None
        self._lock = threading.Lock()
        self._load_lock = threading.Lock()
        self._loaded = False
        self._thread: threading.Thread | None = None

    @property
    def active(self) -> bool:
        """A tune is being made, played or is paused."""
        return self._job is not None

    @property
    def playing(self) -> bool:
        job = self._job
        return job is not None and job.sounding

    def prepare(self, emotion: str, intensity: float) -> threading.Thread | None:
        """Start composing a tune now (ending any other); it plays after start()."""
        self.stop()
        if self.composer is None:
            self.emit(Notice("Music is not available here."))
            return None
        job = _Job(emotion, intensity)
        with self._lock:
            self._job = job
        self._thread = threading.Thread(target=self._main, args=(job,), name="music", daemon=True)
        self._thread.start()
        return self._thread

    def start(self) -> None:
        """The line announcing the tune was said: play it as soon as it is ready."""
        job = self._job
        if job is not None:
            job.go.set()

    def stop(self) -> None:
        """Silence it now and forget it."""
        with self._lock:
            job, self._job = self._job, None
        if job is None:
            return
        job.go.set()
        with job.lock:  # the worker sets up its playback under this lock, if not cancelled
            job.cancelled.set()
            playback = job.playback
        if playback is not None:
            playback.cancel()
        self._quiet(job)

    def pause(self) -> None:
        """Silence it, keeping the place; resume() goes on from there."""
        job = self._job
        if job is not None and job.playback is not None and job.sounding:
            job.playback.pause()
            self._quiet(job)

    def resume(self) -> None:
        job = self._job
        if (
            job is not None
            and job.playback is not None
            and job.playback.resume(job.audio, job.rate)
        ):
            job.sounding = True
            self.on_sounding(True)

    def close(self, timeout: float = 5.0) -> None:
        self.stop()
        if self._thread is not None:
            self._thread.join(timeout)

    # ------------------------------------------------------------ the worker

    def _main(self, job: _Job) -> None:
        try:
            tune = self._compose(job)
            job.go.wait()
            if not job.cancelled.is_set():
                self._play(job, tune)
        except Exception as e:
            log.exception("the tune failed")
            self.emit(Notice(f"Could not play a tune: {e}"))
        finally:
            self._quiet(job)
            with self._lock:
                if self._job is job:
                    self._job = None

    def _compose(self, job: _Job) -> Tune:
        assert self.composer is not None
        with self._load_lock:
            if not self._loaded:
                self.composer.load()
                self._loaded = True
        return self.composer.compose(job.emotion, intensity=job.intensity, bars=BARS)

    def _play(self, job: _Job, tune: Tune) -> None:
        from assistant.music.play import describe
        from assistant.music.synth import SAMPLE_RATE, render_chunks

        speaker = self.speaker_fn()
        if speaker is None:
            self.emit(Notice("No speaker: the tune cannot be played."))
            return
        job.rate = int(getattr(speaker, "sample_rate", SAMPLE_RATE))  # no resampling on the way
        with job.lock:
            if job.cancelled.is_set():
                return
            speaker.stop()  # the playback counts from zero
            playback: Playback[int] = Playback(speaker, cancelled=job.cancelled, lock=job.lock)
            job.playback = playback
            job.sounding = True
        self.on_sounding(True)
        self.emit(Notice(f"Playing {describe(tune)}; Esc stops it."))
        for number, chunk in enumerate(render_chunks(tune, job.rate)):
            if not playback.wait_for_room():
                break
            with job.lock:
                job.audio.append(chunk)
            if not playback.queue(number, chunk, job.rate):
                break
        playback.wait_until_played(getattr(speaker, "delay", 0.0))
        if (reason := playback.failure) is not None:
            self.on_lost(speaker, reason)

    def _quiet(self, job: _Job) -> None:
        with job.lock:
            was, job.sounding = job.sounding, False
        if was:
            self.on_sounding(False)
