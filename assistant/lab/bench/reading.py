"""Benchmark row for the audiobook export: a book-length text to FLAC, its speed and memory."""

from __future__ import annotations

import resource
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.lab.bench.runner import BenchConfig, Metrics, measurement
from assistant.lab.bench.speech import load_voice

if TYPE_CHECKING:  # the reader imports torch: only the measuring process loads it
    from assistant.reader.document import Document
    from assistant.reader.export import ExportProgress

CHAPTER_MINUTES = 6.0  # of speech per chapter of the generated book
MARK_S = 600.0  # the first memory reading, after this much audio (the issue: 10 minutes)

# Plain prose written for this row (no rights attached); chapters reorder it so that paragraphs
# differ while the words stay ones the voice knows.
PROSE = (
    "The village stood where the river bent towards the hills.",
    "Every morning the baker opened his shutters before the sun was up.",
    "Smoke rose from the chimneys and drifted slowly over the fields.",
    "Children carried bread home in baskets lined with clean white cloth.",
    "At the bridge an old man sold apples from a wooden cart.",
    "He knew every traveller by name, and most of their stories too.",
    "In spring the meadows filled with flowers of yellow and blue.",
    "The miller's wheel turned all day, singing its slow wooden song.",
    "On market days the square was loud with voices and the ringing of bells.",
    "Farmers argued about the weather, and then agreed that it would rain.",
    "A teacher walked her pupils to the woods to learn the names of trees.",
    "They found an owl asleep in a hollow oak and tiptoed past it.",
    "When evening came the lamps were lit one by one along the street.",
    "Sailors from the coast brought news of ships and distant cities.",
    "The library kept its door open late for anyone who wished to read.",
    "Nobody could remember a winter as cold as the one that followed.",
    "Snow lay on the roofs for weeks, and the river froze at its edges.",
    "Neighbours shared firewood and soup, and nobody went hungry.",
    "By the time the ice melted, the whole village had a story to tell.",
    "The baker said it was the best bread he had ever made, and perhaps it was.",
    "A young clerk arrived one autumn with a trunk full of maps.",
    "He measured the roads and the hills and wrote everything in a small green book.",
    "Years later his maps still hung in the hall of the town council.",
    "Travellers who saw them often stayed a night longer than they had planned.",
)
_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth")


def book(minutes: float) -> Document:
    """About `minutes` of speech at rate 1, in chapters of about six minutes."""
    from assistant.reader.document import Block, from_blocks
    from assistant.reader.narration import CHARS_PER_SECOND

    chars_needed = minutes * 60.0 * CHARS_PER_SECOND
    chapter_chars = CHAPTER_MINUTES * 60.0 * CHARS_PER_SECOND
    blocks: list[Block] = []
    made, chapter, step = 0, 0, 0
    while made < chars_needed:
        name = _ORDINALS[chapter] if chapter < len(_ORDINALS) else f"number {chapter + 1}"
        blocks.append(Block(f"Chapter {chapter + 1}: the {name} season", 1))
        in_chapter = 0
        while in_chapter < min(chapter_chars, chars_needed - made):
            stride = (5, 7, 11, 13)[chapter % 4]  # coprime with len(PROSE): all sentences come
            paragraph = " ".join(PROSE[(step + stride * k) % len(PROSE)] for k in range(4))
            step += 1
            blocks.append(Block(paragraph))
            in_chapter += len(paragraph)
        made += in_chapter
        chapter += 1
    return from_blocks(Path("bench-book.txt"), "A Village Year", blocks)


def memory_mb() -> tuple[float, float]:
    """(VmHWM, VmRSS) of this process in MiB: the peak and current resident memory."""
    try:
        fields = dict(
            line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines()
        )
        return int(fields["VmHWM"].split()[0]) / 1024, int(fields["VmRSS"].split()[0]) / 1024
    except (OSError, KeyError, ValueError):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return peak, peak


class _MemoryProbe:
    """A Reporter that reads memory after the first MARK_S seconds of audio and every ten
    minutes of audio after that."""

    def __init__(self, first_mark_s: float) -> None:
        self.next_mark_s = first_mark_s
        self.readings: dict[str, float] = {}

    def note(self, text: str) -> None:
        pass

    def update(self, progress: ExportProgress) -> None:
        if progress.written_s >= self.next_mark_s:
            peak, now = memory_mb()
            self.readings[f"peak_rss_{self.next_mark_s / 60:g}min_mb"] = peak
            self.readings[f"rss_{self.next_mark_s / 60:g}min_mb"] = now
            self.next_mark_s += MARK_S


def _timeout_s(config: BenchConfig) -> float:
    return 600.0 + config.minutes * 60.0 * 3  # loading, and up to three times real time


@measurement(
    "reading",
    "audiobook export (lj, FLAC, a book of --minutes of speech): RTF, peak RSS at 10 min and end",
    _timeout_s,
)
def _reading(config: BenchConfig) -> Metrics:
    from assistant.reader.export import export, plan_export
    from assistant.reader.narration import Narration, Style

    voice = load_voice(config)  # sets the thread count
    doc = book(config.minutes)
    seconds = config.minutes * 60.0  # a short book is read at its middle instead
    first_mark = MARK_S if seconds >= 1.25 * MARK_S else seconds / 2
    probe = _MemoryProbe(first_mark)
    with tempfile.TemporaryDirectory(prefix="assistant-bench-reading-") as tmp:
        layout = plan_export(doc, Path(tmp) / "book", tuple(range(len(doc.chapters))), "flac")
        start = time.perf_counter()
        result = export(doc, Narration(doc, voice, Style()), layout, probe)
        elapsed = time.perf_counter() - start
        flac_mb = sum(path.stat().st_size for path in result.files) / 2**20
    peak_end, rss_end = memory_mb()
    peak_mark = probe.readings[f"peak_rss_{first_mark / 60:g}min_mb"]
    return {
        "rtf": elapsed / result.seconds,
        "audio_s": result.seconds,
        "export_s": elapsed,
        "chapters": float(len(doc.chapters)),
        "sentences": float(len(doc.sentences)),
        "flac_mb": flac_mb,
        "first_mark_s": first_mark,
        **probe.readings,
        "peak_rss_end_mb": peak_end,
        "rss_end_mb": rss_end,
        "peak_growth_mb": peak_end - peak_mark,  # the bound: under 50 MB
    }
