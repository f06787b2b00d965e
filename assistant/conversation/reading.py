"""Reading a document aloud: a sentence at a time from the cursor, a few seconds ahead at most.

Pausing (Esc, barge-in, "pause", a speaker that stops working) keeps the place: the sentence
that was sounding is where reading goes on. The place is saved whenever a new sentence starts
sounding.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np

from assistant.conversation.speaking import Output, Playback, Synthesizer
from assistant.events import DocumentOpened, Notice, PipelineEvent, ReadingAt
from assistant.reader.document import Document, DocumentError
from assistant.reader.narration import Narration, Plan, Style, seconds_left
from assistant.reader.session import Cursor, Places, Progress

log = logging.getLogger(__name__)

POLL_S = 0.05  # how often the sounding sentence is checked
_END = np.zeros(0, np.float32)  # queued after the last sentence: reading it means the end
LOST = "The speaker stopped: reading paused at its place."


class Reader:
    """Plays `doc` on `speaker` from its saved place; control it from any thread.

    `voice_fn` and `style_fn` are read before each sentence, so another voice or emotion
    applies from the next sentence (a new rate restarts the current sentence at once).
    """

    def __init__(
        self,
        doc: Document,
        speaker_fn: Callable[[], Output | None],
        voice_fn: Callable[[], Synthesizer | None],
        style_fn: Callable[[], Style],
        emit: Callable[[PipelineEvent], None],
        places: Places | None = None,
        plan: Plan | None = None,
        other_voice_fn: Callable[[], Synthesizer | None] = lambda: None,
    ) -> None:
        self.doc, self.speaker_fn, self.emit = doc, speaker_fn, emit
        self.voice_fn, self.style_fn, self.other_voice_fn = voice_fn, style_fn, other_voice_fn
        self.places = places or Places()
        self.plan = plan
        self.cursor = Cursor(doc, self.places.load(doc))
        self._lock = threading.Lock()
        self._playback: Playback[int] | None = None
        self._threads: list[threading.Thread] = []

    @property
    def playing(self) -> bool:
        playback = self._playback
        return playback is not None and not playback.cancelled.is_set()

    @property
    def index(self) -> int:
        return self.cursor.index

    def progress(self) -> Progress:
        left = seconds_left(self.doc, self.cursor.index, self.style_fn().rate)
        return self.cursor.progress(left)

    # ------------------------------------------------------------ control

    def play(self) -> None:
        """Read from the cursor (no-op while reading or without a voice)."""
        with self._lock:
            if self.playing:
                return
            speaker = self.speaker_fn()
            if speaker is None or self.voice_fn() is None:
                self.emit(Notice("No voice or speaker: the document cannot be read aloud."))
                return
            speaker.stop()
            playback: Playback[int] = Playback(speaker)
            self._playback = playback
            start = self.cursor.index
            for target, name in ((self._make, "read-make"), (self._follow, "read-follow")):
                thread = threading.Thread(
                    target=target, args=(playback, start), name=name, daemon=True
                )
                self._threads = [t for t in self._threads if t.is_alive()] + [thread]
                thread.start()

    def pause(self) -> None:
        """Silence at once, keeping the place (the sentence that was sounding)."""
        self._halt()

    def _halt(self, only: Playback[int] | None = None, note: str = "") -> None:
        """Pause the playback (`only` that one, if given), saying `note` if it was paused."""
        with self._lock:
            playback = self._playback
            if playback is None or (only is not None and playback is not only):
                return
            self._playback = None
            playback.cancel()
        self.places.save(self.doc, self.cursor.index)
        self.emit(ReadingAt(self.cursor.index, playing=False))
        if note:
            self.emit(Notice(note))

    def toggle(self) -> None:
        self.pause() if self.playing else self.play()

    def move(self, how: Callable[[Cursor], int]) -> int:
        """Move the cursor (e.g. `Cursor.next_paragraph`); reading goes on from there."""
        was_playing = self.playing
        self.pause() if was_playing else None
        index = how(self.cursor)
        self.places.save(self.doc, index)
        self.emit(ReadingAt(index, playing=was_playing))
        if was_playing:
            self.play()
        return index

    def restyled(self) -> None:
        """The style changed (rate, emotion): say the current sentence again in it."""
        if self.playing:
            self.move(lambda cursor: cursor.index)

    def close(self) -> None:
        self.pause()
        for thread in self._threads:
            thread.join(timeout=5)

    # ------------------------------------------------------------ threads

    def _make(self, playback: Playback[int], start: int) -> None:
        """Synthesise sentences from `start` while there is room ahead."""
        try:
            for index in range(start, len(self.doc.sentences)):
                voice = self.voice_fn()
                if voice is None or not playback.wait_for_room():
                    return
                narration = Narration(
                    self.doc, voice, self.style_fn(), self.plan, self.other_voice_fn()
                )
                speech = narration.speech(index)
                audio = np.concatenate([speech, narration.pause(index)]) if len(speech) else speech
                rate = voice.sample_rate
                if not playback.queue(index, audio, rate, len(speech) / rate):
                    return
        except Exception as e:
            log.exception("reading failed")
            self.emit(Notice(f"Reading stopped: {e}"))
            self.pause()
            return
        playback.queue(len(self.doc.sentences), _END, 1)

    def _follow(self, playback: Playback[int], start: int) -> None:
        """Report the sentence sounding now and save it as the place; notice the end."""
        shown = -1
        while not playback.cancelled.wait(POLL_S):
            if playback.failure is not None:
                self._halt(playback, LOST)
                return
            index = playback.current()
            if index is None or index == shown:
                continue
            if index >= len(self.doc.sentences):
                if playback.wait_until_played(getattr(playback.speaker, "delay", 0.0)):
                    self._finished(playback)
                elif playback.failure is not None:
                    self._halt(playback, LOST)
                return
            shown = self.cursor.go_to(index)
            self.places.save(self.doc, index)
            self.emit(ReadingAt(index, playing=True))

    def _finished(self, playback: Playback[int]) -> None:
        with self._lock:
            if self._playback is playback:
                self._playback = None
        self.places.save(self.doc, self.cursor.index, finished=True)
        self.emit(ReadingAt(self.cursor.index, playing=False))
        self.emit(Notice(f"Finished reading {self.doc.title}."))


def open_for_reading(path: Path, emit: Callable[[PipelineEvent], None]) -> str | None:
    """Open a document for the reader (DocumentOpened); a notice and the reason if it cannot."""
    from assistant.reader.documents import open_document

    try:
        document = open_document(path)
    except DocumentError as e:
        emit(Notice(str(e)))
        return str(e)
    emit(DocumentOpened(document))
    return None
