"""Where an export goes: the chosen chapters, a folder of chapter files or one file, checks."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

from assistant.reader import audiofile
from assistant.reader.audiofile import FORMATS, SUFFIXES, AudioFormat
from assistant.reader.document import Document

_M4B = {".m4b", ".m4a", ".aac", ".mp4"}
NO_M4B = "M4B is not supported (it needs a GPL build of FFmpeg); use flac, mp3, opus or wav"


class ExportError(Exception):
    """The request cannot be met (chapters, output path, format); the message says why."""


@dataclass(frozen=True)
class Track:
    """One output file: the sentences [first, end) of the document."""

    path: Path
    title: str
    first: int
    end: int
    number: int | None  # the tag's track number (a chapter's position in the document)


@dataclass(frozen=True)
class Layout:
    """Where an export goes: a folder of chapter files plus a playlist, or a single file."""

    out: Path
    folder: bool
    fmt: AudioFormat
    chapters: tuple[int, ...]  # indices into Document.chapters
    tracks: tuple[Track, ...]

    @property
    def state_path(self) -> Path:
        if self.folder:
            return self.out / ".assistant-export.json"
        return self.out.with_name(f".{self.out.name}.export.json")

    def playlist(self, doc: Document) -> Path | None:
        return (
            self.out / f"{audiofile.safe_name(doc.title) or 'playlist'}.m3u"
            if self.folder
            else None
        )


def parse_chapters(spec: str | None, count: int) -> tuple[int, ...]:
    """'3-5', '2', '1,4-', '-3' (numbered from 1) → sorted chapter indices; all when None."""
    if spec is None or not spec.strip():
        return tuple(range(count))
    chosen: set[int] = set()
    for item in spec.split(","):
        match = re.fullmatch(r"\s*(\d*)\s*(-?)\s*(\d*)\s*", item)
        if not match or not (match[1] or match[3]) or (not match[2] and not match[1]):
            raise ExportError(
                f"--chapters: '{item.strip()}' is not a chapter number or a range like 3-5"
            )
        low = int(match[1]) if match[1] else 1
        high = int(match[3]) if match[3] else (count if match[2] else low)
        if low < 1 or high > count or low > high:
            raise ExportError(
                f"--chapters {spec}: the document has {count} chapter{'s' * (count != 1)}"
                f" (1-{count})" + (f"; {low}-{high} is backwards" if low > high else "")
            )
        chosen.update(range(low - 1, high))
    return tuple(sorted(chosen))


def plan_export(
    doc: Document, out: Path, chapters: tuple[int, ...], fmt_name: str | None = None
) -> Layout:
    """Decide the files: OUT a folder (or a name without suffix) or a file; nothing is created."""
    suffix = out.suffix.lower()
    folder = out.is_dir() or not (suffix in SUFFIXES or re.search(r"[a-z]", suffix))
    if suffix in _M4B or fmt_name == "m4b":
        raise ExportError(NO_M4B)
    if not folder and suffix not in SUFFIXES:
        raise ExportError(
            f"{out}: unknown audio format '{suffix}' (use a folder, or a file "
            f"ending in {', '.join(sorted(SUFFIXES))})"
        )
    if not folder and fmt_name and SUFFIXES[suffix] != fmt_name:
        raise ExportError(
            f"{out} is a {SUFFIXES[suffix]} file name but --format {fmt_name} was asked"
        )
    _check_writable(out, folder)
    fmt = FORMATS[fmt_name or ("flac" if folder else SUFFIXES[suffix])]
    if not folder:
        first, end = _span(doc, chapters[0])[0], _span(doc, chapters[-1])[1]
        return Layout(out, False, fmt, chapters, (Track(out, doc.title, first, end, None),))
    width = max(2, len(str(len(doc.chapters))))
    tracks = []
    for index in chapters:
        title = doc.chapters[index].title
        name = audiofile.safe_name(title) or f"Chapter {index + 1}"
        path = out / f"{index + 1:0{width}d} - {name}{fmt.suffix}"
        tracks.append(Track(path, title, *_span(doc, index), index + 1))
    return Layout(out, True, fmt, chapters, tuple(tracks))


def _span(doc: Document, chapter: int) -> tuple[int, int]:
    first = doc.chapters[chapter].first_sentence
    end = doc.chapters[chapter + 1].first_sentence if chapter + 1 < len(doc.chapters) else None
    return first, len(doc.sentences) if end is None else end


def _check_writable(out: Path, folder: bool) -> None:
    parent = out if folder and out.is_dir() else out.parent
    if not parent.exists():
        raise ExportError(f"{out}: the folder {parent} does not exist")
    if not parent.is_dir():
        raise ExportError(f"{out}: {parent} is not a folder")
    if folder and out.exists() and not out.is_dir():
        raise ExportError(f"{out} exists and is not a folder")
    if not _writable(parent):
        raise ExportError(f"{out}: cannot write in {parent} (permission denied)")


def _writable(folder: Path) -> bool:
    probe = folder / f".assistant-write-test-{time.monotonic_ns()}"
    try:
        probe.touch()
    except OSError:
        return False
    probe.unlink()
    return True
