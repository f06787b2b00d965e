"""The ONLY music21 import: melodies from its bundled corpus, and key analysis of a tune."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from fractions import Fraction
from functools import cache
from typing import Any

from assistant.music.encoding import Event, Melody

log = logging.getLogger(__name__)

# The collections trained on and what can be said about their use. music21/corpus/license.txt:
# the encodings are distributed "with the permission of the encoders"; only some collections
# carry a restriction (Essen: non-commercial only, so it is not used here).
SOURCES: dict[str, str] = {
    "oneills1850": (
        "O'Neill's Music of Ireland (1903; public domain); ABC transcriptions by volunteers "
        "(Norbert Paap, Henrik Norbeck and others) distributed in the music21 corpus; no "
        "restriction noted in the files or the corpus licence"
    ),
    "ryansMammoth": (
        "Ryan's Mammoth Collection (1883; public domain); ABC contributed by Ray Davies and "
        "others, distributed in the music21 corpus; no restriction noted"
    ),
    "bach": (
        "J. S. Bach chorales (public domain), soprano line only; MusicXML encodings compiled by "
        "Margaret Greentree (jsbchorales.net), distributed in the music21 corpus; no "
        "restriction noted"
    ),
}


class CorpusError(ValueError):
    """A score that does not make a usable melody (the message says why)."""


def corpus_paths(source: str) -> list[str]:
    """The files of one collection, sorted ("…/music21/corpus/bach/bwv1.6.mxl", …): only those
    in its own folder (music21 lists the chorale analyses under "bach" too) and, for the
    chorales, only the MusicXML encodings the licence note above covers."""
    from music21 import corpus

    found = sorted(str(p) for p in corpus.getComposer(source))
    mine = [p for p in found if p.replace("\\", "/").split("/")[-2] == source]
    return [p for p in mine if source != "bach" or p.endswith((".mxl", ".xml"))]


def _short(path: str) -> str:
    """The path from the collection's folder on ("bach/bwv1.6.mxl")."""
    parts = path.replace("\\", "/").split("/")
    return "/".join(parts[-2:])


def read_file(path: str, source: str) -> tuple[list[Melody], Counter[str]]:
    """Every usable melody in one corpus file and a count of why the others were skipped."""
    from music21 import converter, stream

    parsed = converter.parse(path)
    scores = list(parsed.scores) if isinstance(parsed, stream.Opus) else [parsed]
    melodies: list[Melody] = []
    skipped: Counter[str] = Counter()
    for index, score in enumerate(scores):
        number = getattr(score.metadata, "number", None) if score.metadata else None
        ident = f"{_short(path)}#{number or index + 1}" if len(scores) > 1 else _short(path)
        try:
            melody = melody_from_score(score, ident, SOURCES.get(source, ""))
            if source == "bach":
                melody = replace(melody, title=chorale_title(path) or melody.title)
            melodies.append(melody)
        except CorpusError as e:
            skipped[str(e)] += 1
        except Exception as e:  # music21 raises many kinds on odd scores
            skipped[f"music21: {type(e).__name__}"] += 1
    return melodies, skipped


@cache
def _chorale_titles() -> dict[str, str]:
    from music21.corpus import chorales

    return {str(k): v["title"] for k, v in chorales.ChoraleListRKBWV().byBWV.items()}


def chorale_title(path: str) -> str | None:
    """The chorale's title by its BWV number ("…/bwv269.mxl" → "Aus meines Herzens Grunde"),
    so that the harmonisations of one melody can be kept on one side of the split."""
    stem = path.replace("\\", "/").rsplit("/", 1)[-1]
    number = stem.removeprefix("bwv").rsplit(".", 1)[0]
    return _chorale_titles().get(number)


def _melody_part(score: Any) -> Any:
    """The soprano of a chorale, otherwise the first part (or the score itself)."""
    parts = list(score.parts)
    if not parts:
        return score
    for part in parts:
        if "soprano" in (part.partName or "").lower():
            return part
    return parts[0]


def _meter(measures: Sequence[Any], lengths: Sequence[Fraction]) -> Any:
    """The tune's time signature: the one whose bar the most written bars fill.

    music21 gives short bars at repeat signs time signatures of their own ("1/4"); those are
    not meter changes.
    """
    from music21 import meter

    common = Counter(lengths).most_common(1)[0][0] if lengths else Fraction(0)
    for m in measures:
        for ts in m.getElementsByClass(meter.TimeSignature):
            if Fraction(ts.barDuration.quarterLength).limit_denominator(48) == common:
                return ts
    raise CorpusError("no meter that its bars fill")


def _events(measure: Any) -> list[Event]:
    """Notes and rests of one bar (first voice, top note of a chord, grace notes dropped)."""
    from music21 import chord, note

    src = measure.voices[0] if measure.voices else measure
    events: list[Event] = []
    for n in src.notesAndRests:
        beats = Fraction(n.quarterLength).limit_denominator(48)
        if beats <= 0:
            continue
        if isinstance(n, chord.Chord):
            events.append((max(p.midi for p in n.pitches), beats))
        elif isinstance(n, note.Note):
            events.append((n.pitch.midi, beats))
        elif isinstance(n, note.Rest):
            events.append((None, beats))
        else:
            raise CorpusError(f"unsupported {type(n).__name__}")
    return events


def rebar(measures: Sequence[Sequence[Event]], full: Fraction) -> tuple[tuple[Event, ...], ...]:
    """Written measures as bars of `full` beats: short measures split at a repeat sign (the
    end of a section and the pickup after it) join into one bar where they fit together; a
    short first bar stays a pickup, and other short bars stay as they are."""
    bars: list[list[Event]] = []
    content = Fraction(0)
    for measure in measures:
        length = sum((d for _, d in measure), Fraction(0))
        if length > full:
            raise CorpusError("a bar longer than its meter")
        if len(bars) > 1 and content < full and content + length <= full:
            bars[-1].extend(measure)
            content += length
        elif length:
            bars.append(list(measure))
            content = length
    if not bars:
        raise CorpusError("no notes")
    return tuple(tuple(b) for b in bars)


def melody_from_score(score: Any, ident: str, licence: str = "") -> Melody:
    """One tune: its melody line rebarred, meter, title and music21's key analysis."""
    part = _melody_part(score)
    measures = list(part.getElementsByClass("Measure"))
    if not measures:
        raise CorpusError("no bars")
    written = [_events(m) for m in measures]
    ts = _meter(measures, [sum((d for _, d in m), Fraction(0)) for m in written])
    full = Fraction(ts.barDuration.quarterLength).limit_denominator(48)
    bars = rebar(written, full)
    key = part.analyze("key")
    title = (score.metadata.title if score.metadata else None) or ident
    mode = "minor" if key.mode == "minor" else "major"
    return Melody(str(title), ident, ts.ratioString, key.tonic.pitchClass, mode, bars, licence)


def read_corpus(
    sources: Iterable[str],
    progress: Callable[[int, int, str], None] | None = None,
) -> tuple[list[Melody], Counter[str]]:
    """All melodies of the given collections (slow: minutes; callers cache the result)."""
    files = [(source, path) for source in sources for path in corpus_paths(source)]
    melodies: list[Melody] = []
    skipped: Counter[str] = Counter()
    for i, (source, path) in enumerate(files):
        found, why = read_file(path, source)
        melodies.extend(found)
        skipped.update(why)
        if progress:
            progress(i + 1, len(files), path)
    return melodies, skipped


def analyse_key(events: Sequence[tuple[int | None, float]]) -> tuple[int, str]:
    """music21's key analysis of a melody: (tonic pitch class, "major" | "minor")."""
    from music21 import note, stream

    s: Any = stream.Stream()
    for pitch, beats in events:
        s.append(
            note.Rest(quarterLength=beats)
            if pitch is None
            else note.Note(pitch, quarterLength=beats)
        )
    key = s.analyze("key")
    return key.tonic.pitchClass, ("minor" if key.mode == "minor" else "major")
