"""Audiobook export: chosen chapters to audio files, one per chapter or one, streamed, resumable."""

from __future__ import annotations

import errno
import json
import logging
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from assistant import paths
from assistant.reader import audiofile
from assistant.reader.audiofile import Tags, TrackWriter
from assistant.reader.document import Document
from assistant.reader.layout import ExportError, Layout, Track, parse_chapters, plan_export
from assistant.reader.narration import Narration

log = logging.getLogger(__name__)

__all__ = [
    "ExportError",
    "ExportFailed",
    "ExportInterrupted",
    "export",
    "parse_chapters",
    "plan_export",
]

STATE_VERSION = 1


class ExportFailed(Exception):
    """Writing failed part-way (a full disk); what was finished is kept and a rerun continues."""


class ExportInterrupted(Exception):
    """Stopped by Ctrl+C; the message says how to continue."""


@dataclass(frozen=True)
class ExportProgress:
    chapter: int  # 1-based position among the chosen chapters
    chapters: int
    sentences_done: int
    sentences: int
    elapsed_s: float
    left_s: float | None  # from this run's measured speed; None before there is one
    written_s: float  # seconds of audio made in this run

    @property
    def fraction(self) -> float:
        return self.sentences_done / max(1, self.sentences)


class Reporter(Protocol):
    def note(self, text: str) -> None: ...

    def update(self, progress: ExportProgress) -> None: ...


class _Silent:
    def note(self, text: str) -> None:
        log.info("%s", text)

    def update(self, progress: ExportProgress) -> None:
        pass


@dataclass
class ExportResult:
    files: list[Path]
    playlist: Path | None
    seconds: float  # of audio in all the files
    continued: bool  # an unfinished export was continued


@dataclass
class _State:
    """What survives an interruption (saved next to the output, atomically)."""

    document: str
    settings: dict[str, Any]
    finished: dict[str, float] = field(default_factory=dict)  # file name → seconds
    current: dict[str, Any] | None = None  # {"file", "sentences", "frames"} of a lossless file

    def save(self, path: Path) -> None:
        data = {"version": STATE_VERSION, **asdict(self)}
        paths.atomic_write(path, json.dumps(data, indent=1).encode("utf-8"))


def _load_state(path: Path) -> _State | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.pop("version") != STATE_VERSION:
            return None
        return _State(**data)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError, KeyError) as err:
        log.warning("ignoring the unreadable export state %s: %s", path, err)
        return None


class _Run:
    """One export run: the tracks in order, skipping finished ones, checkpointing as it goes."""

    def __init__(self, doc: Document, narration: Narration, layout: Layout, reporter: Reporter):
        self.doc, self.narration, self.layout, self.reporter = doc, narration, layout, reporter
        self.total = sum(t.end - t.first for t in layout.tracks)
        self.done, self.chars_made, self.written_s = 0, 0, 0.0
        self.chars_left = sum(self._chars(t.first, t.end) for t in layout.tracks)
        self.start = time.perf_counter()

    def _chars(self, first: int, end: int) -> int:
        return sum(s.end - s.start for s in self.doc.sentences[first:end])

    def settings(self) -> dict[str, Any]:
        voice = self.narration.voice
        return {
            "voice": voice.name,
            "sample_rate": voice.sample_rate,
            **asdict(self.narration.style),
            "expressive": self.narration.plan is not None,
            "other_voice": getattr(self.narration.other_voice, "name", None),
            "format": self.layout.fmt.name,
            "chapters": list(self.layout.chapters),
            "single_file": not self.layout.folder,
        }

    def skip(self, track: Track) -> None:
        self.done += track.end - track.first
        self.chars_left -= self._chars(track.first, track.end)

    def made(self, index: int, seconds: float) -> None:
        sentence = self.doc.sentences[index]
        self.done += 1
        self.chars_made += sentence.end - sentence.start
        self.chars_left -= sentence.end - sentence.start
        self.written_s += seconds
        self.report(self.layout.chapters.index(sentence.chapter) + 1)

    def report(self, chapter: int) -> None:
        elapsed = time.perf_counter() - self.start
        speed = self.chars_made / elapsed if self.chars_made and elapsed > 0 else None
        left = self.chars_left / speed if speed else None
        self.reporter.update(
            ExportProgress(
                chapter,
                len(self.layout.chapters),
                self.done,
                self.total,
                elapsed,
                left,
                self.written_s,
            )
        )

    def tags(self, track: Track) -> Tags:
        artist = f"assistant (voice {self.narration.voice.name})"
        return Tags(track.title, artist, self.doc.title, track.number)

    def write(self, track: Track, state: _State) -> float:
        """Make one file sentence by sentence (resuming it mid-way where the state allows)."""
        resume = (
            state.current if state.current and state.current["file"] == track.path.name else None
        )
        fmt, rate = self.layout.fmt, self.narration.sample_rate
        start, writer = track.first, None
        if resume and resume["sentences"]:
            try:
                writer = TrackWriter(track.path, fmt, rate, self.tags(track), resume["frames"])
            except FileNotFoundError:
                self.reporter.note(
                    f"{track.path.name}: its unfinished part is gone; starting it again"
                )
            else:
                start += resume["sentences"]
                self.skip(Track(track.path, track.title, track.first, start, None))
        writer = writer or TrackWriter(track.path, fmt, rate, self.tags(track))
        try:
            for index in range(start, track.end):
                audio = self.narration.audio(index)
                writer.write(audio)
                if fmt.resumable:
                    frames = writer.checkpoint()
                    state.current = {
                        "file": track.path.name,
                        "sentences": index + 1 - track.first,
                        "frames": frames,
                    }
                    state.save(self.layout.state_path)
                self.made(index, len(audio) / rate)
            return writer.finish()
        except BaseException:
            writer.abort()
            raise


def export(
    doc: Document, narration: Narration, layout: Layout, reporter: Reporter | None = None
) -> ExportResult:
    """Write the layout's files, continuing an unfinished export of the same document and
    settings (a different one starts over). Raises ExportInterrupted on Ctrl+C and ExportFailed
    when writing fails; both keep the finished files and the saved place."""
    run = _Run(doc, narration, layout, reporter or _Silent())
    if layout.folder:
        layout.out.mkdir(exist_ok=True)
    state, continued = _start_state(run, layout)
    try:
        for track in layout.tracks:
            if track.path.name in state.finished and track.path.is_file():
                run.skip(track)
                continue
            state.finished[track.path.name] = run.write(track, state)
            state.current = None
            state.save(layout.state_path)
        playlist = layout.playlist(doc)
        if playlist is not None:
            entries = [
                audiofile.PlaylistEntry(t.path.name, state.finished[t.path.name], t.title)
                for t in layout.tracks
            ]
            audiofile.write_playlist(playlist, doc.title, entries)
    except KeyboardInterrupt:
        raise ExportInterrupted(_how_to_continue(run, layout, state)) from None
    except OSError as err:
        raise ExportFailed(_failure(err, layout, state)) from err
    layout.state_path.unlink(missing_ok=True)
    seconds = sum(state.finished[t.path.name] for t in layout.tracks)
    return ExportResult([t.path for t in layout.tracks], playlist, seconds, continued)


def _start_state(run: _Run, layout: Layout) -> tuple[_State, bool]:
    fresh = _State(run.doc.key, run.settings())
    old = _load_state(layout.state_path)
    if old is None:
        for track in layout.tracks:
            audiofile.discard(track.path)
        return fresh, False
    if (old.document, old.settings) != (fresh.document, fresh.settings):
        what = "document" if old.document != fresh.document else "settings"
        run.reporter.note(f"the {what} changed since the unfinished export: starting over")
        for name in [*old.finished, *([old.current["file"]] if old.current else [])]:
            audiofile.discard(layout.out / name if layout.folder else layout.out.with_name(name))
        for track in layout.tracks:
            audiofile.discard(track.path)
        return fresh, False
    done = sum(1 for t in layout.tracks if t.path.name in old.finished)
    run.reporter.note(
        f"continuing the unfinished export ({done} of {len(layout.tracks)} "
        f"file{'s' * (len(layout.tracks) != 1)} done)"
    )
    return old, True


def _how_to_continue(run: _Run, layout: Layout, state: _State) -> str:
    done = sum(1 for t in layout.tracks if t.path.name in state.finished)
    how = "run the same command again to continue where it stopped"
    if not layout.fmt.resumable and done < len(layout.tracks):
        how += f" (the unfinished {'chapter' if layout.folder else 'file'} starts again)"
    percent = 100 * run.done / max(1, run.total)
    return f"stopped at {percent:.0f} % ({done} of {len(layout.tracks)} files done); {how}"


def _failure(err: OSError, layout: Layout, state: _State) -> str:
    done = sum(1 for t in layout.tracks if t.path.name in state.finished)
    cause = "the disk is full" if err.errno == errno.ENOSPC else (err.strerror or str(err))
    where = err.filename or layout.out
    return (
        f"cannot write {where}: {cause}; the {done} finished file{'s' * (done != 1)} and the "
        "saved place are kept: make room and run the same command again to continue"
    )
