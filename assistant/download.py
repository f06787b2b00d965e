"""Resumable HTTP downloads: a `.part` file continued with HTTP Range, progress, SHA-256 check."""

from __future__ import annotations

import hashlib
import http.client
import logging
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import BinaryIO, TextIO

log = logging.getLogger(__name__)

CHUNK = 1 << 16
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")


class DownloadError(RuntimeError):
    """A download failed; the message says what to do (a broken-off one can be continued)."""


class Progress:
    """A one-line progress bar on a text stream (redrawn only when the percentage changes)."""

    def __init__(self, stream: TextIO | None, label: str, total: int | None, done: int = 0) -> None:
        self.stream, self.label, self.total = stream, label, total
        self.done = done
        self._shown = -1
        self._tty = stream is not None and stream.isatty()

    def update(self, n: int) -> None:
        self.done += n
        if self.stream is None:
            return
        mb = self.done / 1e6
        if self.total:
            pct = min(100, self.done * 100 // self.total)
            step = 1 if self._tty else 10
            if pct // step == self._shown // step:
                return
            self._shown = pct
            bar = "#" * (pct // 4)
            text = f"{self.label} [{bar:<25}] {pct:3d}% {mb:.1f}/{self.total / 1e6:.1f} MB"
        else:
            if int(mb) == self._shown:
                return
            self._shown = int(mb)
            text = f"{self.label} {mb:.1f} MB"
        self.stream.write(("\r" if self._tty else "") + text + ("" if self._tty else "\n"))
        self.stream.flush()

    def close(self) -> None:
        if self.stream is not None and self._tty:
            self.stream.write("\n")
            self.stream.flush()


def part_path(dest: Path) -> Path:
    """Where an unfinished download of `dest` is kept until it is complete and verified."""
    return dest.with_name(dest.name + ".part")


def file_sha256(path: Path, digest: hashlib._Hash | None = None) -> hashlib._Hash:
    """SHA-256 of a file's contents (fed into `digest` when given)."""
    digest = digest or hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest


def _offset(response: http.client.HTTPResponse, have: int) -> tuple[int, int | None]:
    """(where the body starts, the whole file's size) for a 200 or 206 answer to `bytes=have-`."""
    length = response.headers.get("Content-Length")
    body = int(length) if length and length.isdigit() else None
    if response.status != 206:
        return 0, body  # the server ignored the range: start again from the first byte
    match = _CONTENT_RANGE.fullmatch(response.headers.get("Content-Range", "").strip())
    if not match or int(match.group(1)) != have:
        raise DownloadError(f"the server answered a resume with a different range: {match}")
    total = match.group(3)
    return have, int(total) if total.isdigit() else (have + body if body is not None else None)


def _stream(response: BinaryIO, out: BinaryIO, digest: hashlib._Hash, bar: Progress) -> None:
    while chunk := response.read(CHUNK):
        out.write(chunk)
        digest.update(chunk)
        bar.update(len(chunk))


def _transfer(url: str, part: Path, size: int | None, progress: Progress, timeout: float) -> str:
    """Fetch what `part` lacks (all of it if the server cannot resume); returns the SHA-256."""
    have = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"Range": f"bytes={have}-"} if have else {})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        start, total = _offset(response, have)
        if size is not None and total is not None and total != size:
            raise DownloadError(f"{url} is {total} bytes, expected {size}: not the known file")
        progress.total, progress.done = total or size, start
        if start:
            log.info("continuing %s from %.1f MB", part.name, start / 1e6)
        digest = file_sha256(part) if start else hashlib.sha256()
        with open(part, "r+b" if start else "wb") as out:
            out.truncate(start)
            out.seek(start)
            _stream(response, out, digest, progress)
    return digest.hexdigest()


def download(
    url: str,
    dest: Path,
    *,
    size: int | None = None,
    sha256: str | None = None,
    progress: TextIO | None = None,
    timeout: float = 30.0,
) -> str:
    """Download url to dest (continuing dest.part if a run broke off); returns its SHA-256.

    dest appears only once the whole file arrived with the expected size and SHA-256; a file
    that does not match is deleted and refused. A complete dest is verified, not downloaded again.
    """
    if dest.exists():
        got = file_sha256(dest).hexdigest()
        if sha256 is None or got == sha256:
            return got
        raise DownloadError(f"{dest} has SHA-256 {got}, expected {sha256}: delete it and retry")
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = part_path(dest)
    if size is not None and part.exists() and part.stat().st_size > size:
        part.unlink()  # longer than the real file: not a prefix of it
    bar = Progress(progress, dest.name, size)
    try:
        if size is not None and part.exists() and part.stat().st_size == size:
            got = file_sha256(part).hexdigest()  # complete already; a server would answer 416
        else:
            got = _transfer(url, part, size, bar, timeout)
    except urllib.error.HTTPError as err:
        raise DownloadError(f"{url}: HTTP {err.code} {err.reason}") from None
    except urllib.error.URLError as err:
        host = urllib.parse.urlsplit(url).hostname or url
        raise DownloadError(f"could not reach {host} ({err.reason}): no network?") from None
    except (OSError, http.client.HTTPException) as err:  # timeouts, resets
        raise _broke_off(url, part, str(err)) from None
    finally:
        bar.close()
    _verify(url, part, size, sha256, got)
    os.replace(part, dest)
    return got


def _verify(url: str, part: Path, size: int | None, sha256: str | None, got: str) -> None:
    """Refuse (and delete) a finished download that is not the expected file."""
    have = part.stat().st_size
    if size is not None and have < size:  # the server hung up early
        raise _broke_off(url, part, f"{have} of {size} bytes")
    if (size is not None and have != size) or (sha256 is not None and got != sha256):
        part.unlink()
        raise DownloadError(
            f"{url} gave {have} bytes with SHA-256 {got}, expected {size} bytes with SHA-256 "
            f"{sha256}: not the known file (deleted)"
        )


def _broke_off(url: str, part: Path, reason: str) -> DownloadError:
    done = part.stat().st_size if part.exists() else 0
    return DownloadError(
        f"the download from {url} broke off at {done / 1e6:.1f} MB ({reason}); "
        f"run again to continue from there ({part})"
    )
