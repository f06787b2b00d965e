"""The melody corpus for training: read once with music21 and cached, split, labelled, batched."""

from __future__ import annotations

import logging
import random
import re
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
import torch

from assistant import paths
from assistant.music import encoding
from assistant.music.encoding import EncodingError, Labels, Melody

log = logging.getLogger(__name__)

SOURCES = ("oneills1850", "ryansMammoth", "bach")
HELDOUT_EVERY = 20  # one tune group in 20 is held out (by title, so versions stay together)
TRANSPOSE = range(-5, 7)  # semitones tried for augmentation
DENSITY_BUCKETS = 4
REGISTER_BUCKETS = 3


def default_cache() -> Path:
    return paths.cache_dir() / "music" / "melodies.json"


def read_melodies(cache: Path | None = None, rebuild: bool = False) -> list[Melody]:
    """Every corpus melody; parsed with music21 (minutes) only when the cache is missing."""
    cache = cache or default_cache()
    if cache.is_file() and not rebuild:
        return encoding.loads(cache.read_text())
    from assistant.music import corpus

    def progress(done: int, total: int, path: str) -> None:
        if done % 50 == 0 or done == total:
            log.info("corpus: %d/%d files (%s)", done, total, Path(path).name)

    melodies, skipped = corpus.read_corpus(SOURCES, progress)
    log.info("corpus: %d melodies; skipped %s", len(melodies), dict(skipped))
    paths.atomic_write(cache, encoding.dumps(melodies).encode())
    return melodies


def title_key(title: str) -> str:
    """A title reduced for grouping versions of one tune ("The Acacia -- Reel" → "acacia")."""
    words = re.sub(r"[^a-z ]", " ", title.lower()).split()
    drop = {"the", "a", "an", "reel", "jig", "hornpipe", "strathspey", "air", "no"}
    return " ".join(w for w in words if w not in drop) or title.lower()


def _shape(melody: Melody) -> tuple[object, ...]:
    """The melody up to transposition: intervals and durations."""
    events = melody.events
    pitches = [p for p, _ in events if p is not None]
    first = pitches[0] if pitches else 0
    return (melody.meter, *((None if p is None else p - first, d) for p, d in events))


def _reason(e: EncodingError) -> str:
    for word in ("duration", "meter", "pitch", "bar"):
        if str(e).startswith(word) or f" {word} " in str(e):
            return f"{word} outside the vocabulary" if word != "bar" else "overfull bar"
    return str(e)


def usable(melodies: Sequence[Melody]) -> tuple[list[Melody], Counter[str]]:
    """Melodies the vocabulary can hold, exact duplicates (up to transposition) removed."""
    seen: set[tuple[object, ...]] = set()
    kept: list[Melody] = []
    why: Counter[str] = Counter()
    for m in melodies:
        shape = _shape(m)
        if shape in seen:
            why["duplicate"] += 1
            continue
        try:
            encoding.encode(m)
        except EncodingError as e:
            why[_reason(e)] += 1
            continue
        if len(m.bars) < 4:
            why["shorter than 4 bars"] += 1
            continue
        seen.add(shape)
        kept.append(m)
    return kept, why


def split(melodies: Sequence[Melody]) -> tuple[list[Melody], list[Melody]]:
    """(train, held out): a fixed split of whole tunes by a hash of the reduced title."""
    train: list[Melody] = []
    held: list[Melody] = []
    for m in melodies:
        group = zlib.crc32(title_key(m.title).encode()) % HELDOUT_EVERY
        (held if group == 0 else train).append(m)
    return train, held


@dataclass(frozen=True)
class LabelEdges:
    """Bucket edges for the conditioning labels, from the training tunes' quantiles."""

    density: tuple[float, ...]
    register: tuple[float, ...]

    @classmethod
    def fit(cls, melodies: Sequence[Melody]) -> LabelEdges:
        dens = np.array([encoding.density(m) for m in melodies])
        reg = np.array([encoding.register(m) for m in melodies])
        q = lambda x, n: tuple(float(v) for v in np.quantile(x, np.arange(1, n) / n))  # noqa: E731
        return cls(q(dens, DENSITY_BUCKETS), q(reg, REGISTER_BUCKETS))

    def labels(self, melody: Melody) -> Labels:
        return encoding.labels(melody, self.density, self.register)


def transpose_in_range(melody: Melody, rng: random.Random) -> Melody:
    """The melody moved by a random interval that keeps every pitch token in range."""
    for _ in range(8):
        shifted = melody.transposed(rng.choice(TRANSPOSE))
        try:
            encoding.encode(shifted)
        except EncodingError:
            continue
        return shifted
    return melody


@dataclass
class Batch:
    tokens: torch.Tensor  # (B, T) input tokens
    targets: torch.Tensor  # (B, T) next tokens, PAD where there is none
    position: torch.Tensor  # (B, T)
    phrase: torch.Tensor  # (B, T)
    left: torch.Tensor  # (B, T)
    labels: torch.Tensor  # (B, 5) mode, meter, density, register, tonic


def make_batch(
    melodies: Sequence[Melody], edges: LabelEdges, window: int, rng: random.Random | None = None
) -> Batch:
    """Windows of `window` steps (a random one of each long tune when rng is given, else the
    start); shorter tunes are padded."""
    rows = []
    for m in melodies:
        enc, lab = encoding.encode(m), edges.labels(m)
        n = len(enc.tokens) - 1
        start = rng.randrange(0, max(1, n - window + 1)) if rng else 0
        stop = min(n, start + window)
        rows.append((enc, lab, start, stop))
    width = max(stop - start for _, _, start, stop in rows)
    out = {
        k: torch.zeros(len(rows), width, dtype=torch.long)
        for k in ("tok", "tgt", "pos", "phr", "lft")
    }
    for i, (enc, _, a, b) in enumerate(rows):
        out["tok"][i, : b - a] = torch.tensor(enc.tokens[a:b])
        out["tgt"][i, : b - a] = torch.tensor(enc.tokens[a + 1 : b + 1])
        out["pos"][i, : b - a] = torch.tensor(enc.position[a:b])
        out["phr"][i, : b - a] = torch.tensor(enc.phrase[a:b])
        out["lft"][i, : b - a] = torch.tensor(enc.left[a:b])
    labels = torch.tensor(
        [[lab.mode, lab.meter, lab.density, lab.register, lab.tonic] for _, lab, _, _ in rows]
    )
    return Batch(out["tok"], out["tgt"], out["pos"], out["phr"], out["lft"], labels)


def label_table(melodies: Sequence[Melody], edges: LabelEdges) -> dict[str, dict[str, int]]:
    """How many tunes carry each label value (for the model card)."""
    counts: dict[str, Counter[str]] = {
        k: Counter() for k in ("mode", "meter", "density", "register")
    }
    for m in melodies:
        lab = edges.labels(m)
        counts["mode"][m.mode] += 1
        counts["meter"][m.meter] += 1
        counts["density"][str(lab.density)] += 1
        counts["register"][str(lab.register)] += 1
    return {k: dict(sorted(c.items())) for k, c in counts.items()}


def total_beats(melody: Melody) -> Fraction:
    return sum((d for _, d in melody.events), Fraction(0))
