"""Export progress on a terminal: one bar redrawn in place, or plain lines when not a terminal."""

from __future__ import annotations

import shutil
import time
from typing import TextIO

from assistant.reader.export import ExportProgress

REDRAW_S = 0.2  # the bar is redrawn at most this often
PLAIN_STEP = 0.05  # plain lines: one per chapter and per 5 % of the sentences


def clock(seconds: float) -> str:
    """1:02:03 or 2:03."""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def describe(progress: ExportProgress) -> str:
    """'chapter 2/5  45 %  elapsed 1:02  left 12:34' (left '?' until there is a speed)."""
    left = "?" if progress.left_s is None else clock(progress.left_s)
    return (
        f"chapter {progress.chapter}/{progress.chapters}  {100 * progress.fraction:3.0f} %  "
        f"elapsed {clock(progress.elapsed_s)}  left {left}"
    )


class ProgressLine:
    """An export Reporter writing to `stream` (standard error)."""

    def __init__(self, stream: TextIO, interactive: bool | None = None) -> None:
        self.stream = stream
        self.interactive = stream.isatty() if interactive is None else interactive
        self._drawn = False
        self._last_draw = 0.0
        self._last_plain: tuple[int, int] | None = None

    def note(self, text: str) -> None:
        self._clear()
        self.stream.write(text + "\n")
        self.stream.flush()

    def update(self, progress: ExportProgress) -> None:
        if self.interactive:
            self._draw(progress)
        else:
            self._plain(progress)

    def _draw(self, progress: ExportProgress) -> None:
        now = time.monotonic()
        finished = progress.sentences_done >= progress.sentences
        if now - self._last_draw < REDRAW_S and not finished:
            return
        self._last_draw = now
        text = describe(progress)
        width = shutil.get_terminal_size((80, 24)).columns - 1
        bar_width = max(0, min(30, width - len(text) - 3))
        filled = round(bar_width * progress.fraction)
        line = f"[{'#' * filled}{'-' * (bar_width - filled)}] {text}" if bar_width else text
        self.stream.write("\r" + line[:width] + "\x1b[K")
        self.stream.flush()
        self._drawn = True

    def _plain(self, progress: ExportProgress) -> None:
        step = int(progress.fraction / PLAIN_STEP)
        key = (progress.chapter, step)
        if key == self._last_plain:
            return
        self._last_plain = key
        self.stream.write(describe(progress) + "\n")
        self.stream.flush()

    def _clear(self) -> None:
        if self._drawn:
            self.stream.write("\r\x1b[K")
            self._drawn = False

    def close(self) -> None:
        """End the bar's line (call before printing anything else)."""
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False
