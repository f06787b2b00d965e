"""Audio files of an export: formats, a writer that streams and can resume, names, playlists."""

from __future__ import annotations

import errno
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from assistant import paths
from assistant.audio.convert import to_mono

log = logging.getLogger(__name__)

BLOCK_FRAMES = 1 << 16  # frames copied at a time when a file is rebuilt from its journal


@dataclass(frozen=True)
class AudioFormat:
    name: str
    suffix: str
    container: str  # soundfile's format
    subtype: str
    rates: tuple[int, ...] = ()  # the sample rates the codec accepts (empty: any)
    resumable: bool = False  # a file can continue mid-way (lossless: rebuilt from its journal)


FORMATS = {
    "flac": AudioFormat("flac", ".flac", "FLAC", "PCM_16", resumable=True),
    "mp3": AudioFormat("mp3", ".mp3", "MP3", "MPEG_LAYER_III"),
    "opus": AudioFormat("opus", ".opus", "OGG", "OPUS", rates=(8000, 12000, 16000, 24000, 48000)),
    "wav": AudioFormat("wav", ".wav", "WAV", "PCM_16", resumable=True),
}
SUFFIXES = {".flac": "flac", ".mp3": "mp3", ".opus": "opus", ".ogg": "opus", ".wav": "wav"}


def file_rate(fmt: AudioFormat, rate: int) -> int:
    """The sample rate written: the voice's own, or the lowest the codec takes above it."""
    if not fmt.rates or rate in fmt.rates:
        return rate
    return min((r for r in fmt.rates if r >= rate), default=max(fmt.rates))


def to_pcm16(audio: np.ndarray) -> np.ndarray:
    """float samples in [-1, 1] → int16, clipped (the one rounding every format shares)."""
    return np.round(np.clip(audio, -1.0, 1.0) * 32767.0).astype(np.int16)


@dataclass(frozen=True)
class Tags:
    title: str
    artist: str
    album: str
    tracknumber: int | None = None


def temp_path(path: Path) -> Path:
    """The hidden sibling a file is written to before it is renamed into place."""
    return path.with_name(f".{path.name}.tmp")


def journal_path(path: Path) -> Path:
    """The hidden raw 16-bit copy of a lossless file in progress, from which it can resume."""
    return path.with_name(f".{path.name}.pcm")


class TrackWriter:
    """Streams one output file: each write goes to the encoder at once (and, for lossless
    formats, to a raw journal), so memory stays flat; `finish` renames the file into place."""

    def __init__(
        self, path: Path, fmt: AudioFormat, voice_rate: int, tags: Tags, resume_frames: int = 0
    ) -> None:
        """Start the file, or (lossless only) rebuild its first `resume_frames` from the journal
        and continue after them; FileNotFoundError if the journal does not hold that many."""
        self.path, self.fmt, self.voice_rate = path, fmt, voice_rate
        self.rate = file_rate(fmt, voice_rate)
        self.frames = 0
        journal = journal_path(path)
        if resume_frames:
            if (
                not fmt.resumable
                or not journal.is_file()
                or journal.stat().st_size < 2 * resume_frames
            ):
                raise FileNotFoundError(f"{journal} does not hold {resume_frames} frames")
            os.truncate(journal, 2 * resume_frames)
        try:
            self._file = sf.SoundFile(
                temp_path(path), "w", self.rate, 1, subtype=fmt.subtype, format=fmt.container
            )
        except sf.LibsndfileError as err:
            raise os_error(err, temp_path(path)) from err
        self._journal = None
        try:
            self._tag(tags)
            if resume_frames:
                self._replay(journal)
            if fmt.resumable:
                self._journal = open(journal, "ab" if resume_frames else "wb")  # noqa: SIM115
        except BaseException:
            self._file.close()
            raise

    def _tag(self, tags: Tags) -> None:
        self._file.title, self._file.artist, self._file.album = tags.title, tags.artist, tags.album
        if tags.tracknumber is not None:
            self._file.tracknumber = str(tags.tracknumber)

    def _replay(self, journal: Path) -> None:
        """Encode the journal again, a block at a time (the encoder's state cannot be saved)."""
        with open(journal, "rb") as f:
            while block := f.read(2 * BLOCK_FRAMES):
                pcm = np.frombuffer(block, np.int16)
                self._encode(pcm)
                self.frames += len(pcm)

    def write(self, audio: np.ndarray) -> None:
        """Append float32 audio at the voice's rate (resampled here if the codec needs it)."""
        if self.rate != self.voice_rate:
            audio = to_mono(audio, self.voice_rate, self.rate)
        self._write_pcm(to_pcm16(audio))

    def _encode(self, pcm: np.ndarray) -> None:
        try:
            self._file.write(pcm)
        except sf.LibsndfileError as err:
            raise os_error(err, temp_path(self.path)) from err

    def _write_pcm(self, pcm: np.ndarray) -> None:
        if self._journal is not None:  # first: a short journal only means redoing a sentence
            self._journal.write(pcm.tobytes())
        self._encode(pcm)
        self.frames += len(pcm)

    def checkpoint(self) -> int:
        """Hand what was written to the OS (a killed process loses nothing of it); the frames."""
        if self._journal is not None:
            self._journal.flush()
        return self.frames

    @property
    def seconds(self) -> float:
        return self.frames / self.rate

    def finish(self) -> float:
        """Complete the file: close, rename into place, drop the journal; its length in seconds."""
        try:
            self._file.close()
        except sf.LibsndfileError as err:
            raise os_error(err, temp_path(self.path)) from err
        os.replace(temp_path(self.path), self.path)
        if self._journal is not None:
            self._journal.close()
            journal_path(self.path).unlink(missing_ok=True)
        return self.seconds

    def abort(self) -> None:
        """Stop and remove the temporary file; a lossless file's journal stays (to resume)."""
        for close in (self._file.close, self._journal.close if self._journal else None):
            try:
                if close is not None:
                    close()
            except (OSError, sf.LibsndfileError) as err:  # a full disk fails the last write too
                log.warning("closing after a stop: %s", err)
        temp_path(self.path).unlink(missing_ok=True)


def os_error(err: Exception, path: Path) -> OSError:
    """libsndfile reports a failed write as a 'System error': say whether the disk is full."""
    try:
        stat = os.statvfs(path.parent)
        full = stat.f_bavail * stat.f_frsize < 1 << 20
    except OSError:
        full = False
    if full:
        return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
    return OSError(errno.EIO, f"{os.strerror(errno.EIO)} ({err})", str(path))


def discard(path: Path) -> None:
    """Remove what an unfinished export of `path` left (temporary file, journal)."""
    for leftover in (temp_path(path), journal_path(path)):
        leftover.unlink(missing_ok=True)


_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]+')


def safe_name(title: str, limit: int = 80) -> str:
    """A title usable as a file name on Linux, macOS and Windows (no separators or reserved
    characters, no leading dots, at most `limit` characters); '' if nothing is left."""
    name = " ".join(_UNSAFE.sub(" ", title).split())
    name = name[:limit].strip().lstrip(".").rstrip(". ")
    return name


@dataclass(frozen=True)
class PlaylistEntry:
    file: str  # relative to the playlist
    seconds: float
    title: str


def write_playlist(path: Path, title: str, entries: list[PlaylistEntry]) -> None:
    """An extended M3U playlist (UTF-8): #EXTINF with each file's whole seconds and title."""
    lines = ["#EXTM3U", f"#PLAYLIST:{title}"]
    for entry in entries:
        lines += [f"#EXTINF:{round(entry.seconds)},{entry.title}", entry.file]
    paths.atomic_write(path, ("\n".join(lines) + "\n").encode("utf-8"))
