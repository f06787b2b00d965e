"""Melodies as note-event tokens: pitch (semitones from the tonic) or rest, duration, bar line.

A melody is a list of bars of (MIDI pitch or None, beats). The tokens of one note are a pitch
(or REST) token followed by a duration token; BAR closes a bar. Pitches are stored relative to
the tonic placed in octave 4 (C4..B4), so a transposition changes the key's tonic and, where it
crosses the octave, shifts the tokens by twelve. Beside the tokens, every step carries where the
next event starts in its bar (on a 1/24-beat grid), the bar's place in an 8-bar phrase and how
many bars are left, so that bars fill exactly and endings can be learnt.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

Event = tuple[int | None, Fraction]  # (MIDI pitch or None for a rest, length in quarter beats)

REL_MIN, REL_MAX = -24, 36  # pitch tokens: semitones from the tonic in octave 4
DURATIONS: tuple[Fraction, ...] = tuple(
    Fraction(d)
    for d in (
        "1/8", "1/6", "1/4", "1/3", "3/8", "1/2", "2/3", "3/4", "7/8", "1", "5/4", "4/3",
        "3/2", "7/4", "2", "5/2", "3", "7/2", "4", "9/2", "6",
    )
)  # fmt: skip
METERS: tuple[str, ...] = ("2/4", "3/4", "4/4", "2/2", "3/8", "6/8", "9/8", "12/8")
MODES: tuple[str, ...] = ("major", "minor")
GRID = 24  # positions in a bar are counted in 1/24 beats
MAX_BAR_BEATS = 6
N_POSITIONS = GRID * MAX_BAR_BEATS + 1
PHRASE = 8  # bars in a phrase; index PHRASE marks a pickup bar
MAX_LEFT = 3  # "bars left" is clipped to this

PAD, BOS, EOS, BAR, REST = 0, 1, 2, 3, 4
FIRST_PITCH = 5
FIRST_DURATION = FIRST_PITCH + (REL_MAX - REL_MIN + 1)
VOCAB_SIZE = FIRST_DURATION + len(DURATIONS)
NOTE_NAMES = ("C", "C#", "D", "E-", "E", "F", "F#", "G", "A-", "A", "B-", "B")


class EncodingError(ValueError):
    """A melody that the token vocabulary cannot hold (range, duration, meter)."""


@dataclass(frozen=True)
class Melody:
    """One tune from the corpus: labels from its score and music21's key analysis."""

    title: str
    source: str  # collection/file#number
    meter: str  # "6/8"
    tonic: int  # pitch class of the analysed key, 0 = C
    mode: str  # "major" | "minor"
    bars: tuple[tuple[Event, ...], ...]  # a shorter first bar is a pickup
    licence: str = ""

    @property
    def bar_beats(self) -> Fraction:
        return bar_beats(self.meter)

    @property
    def events(self) -> list[Event]:
        return [e for bar in self.bars for e in bar]

    def transposed(self, semitones: int) -> Melody:
        bars = tuple(
            tuple((None if p is None else p + semitones, d) for p, d in bar) for bar in self.bars
        )
        tonic = (self.tonic + semitones) % 12
        return Melody(self.title, self.source, self.meter, tonic, self.mode, bars, self.licence)


@dataclass(frozen=True)
class Labels:
    """The conditioning of one sequence (indices into the model's embedding tables)."""

    mode: int
    meter: int
    density: int
    register: int
    tonic: int


@dataclass
class Encoded:
    """Tokens and the per-step context the model reads beside them (all the same length)."""

    tokens: list[int] = field(default_factory=list)
    position: list[int] = field(default_factory=list)  # where the next event starts, 1/24 beats
    phrase: list[int] = field(default_factory=list)  # bar index mod 8 (8: pickup)
    left: list[int] = field(default_factory=list)  # whole bars left after this one, clipped

    def append(self, token: int, position: Fraction, phrase: int, left: int) -> None:
        self.tokens.append(token)
        self.position.append(position_index(position))
        self.phrase.append(phrase)
        self.left.append(max(0, min(left, MAX_LEFT)))


def bar_beats(meter: str) -> Fraction:
    """Quarter-note beats in one bar of `meter` ("6/8" → 3)."""
    num, den = meter.split("/")
    return Fraction(int(num) * 4, int(den))


def position_index(position: Fraction) -> int:
    return min(int(position * GRID), N_POSITIONS - 1)


def pitch_token(rel: int) -> int:
    if not REL_MIN <= rel <= REL_MAX:
        raise EncodingError(f"pitch {rel:+d} semitones from the tonic is out of range")
    return FIRST_PITCH + rel - REL_MIN


def duration_token(beats: Fraction) -> int:
    try:
        return FIRST_DURATION + DURATIONS.index(beats)
    except ValueError:
        raise EncodingError(f"duration {beats} beats is not in the vocabulary") from None


def token_rel(token: int) -> int:
    """The pitch token's semitones from the tonic."""
    return token - FIRST_PITCH + REL_MIN


def token_duration(token: int) -> Fraction:
    return DURATIONS[token - FIRST_DURATION]


def is_pitch(token: int) -> bool:
    return FIRST_PITCH <= token < FIRST_DURATION


def is_duration(token: int) -> bool:
    return FIRST_DURATION <= token < VOCAB_SIZE


def tonic_midi(tonic: int) -> int:
    """The reference the pitch tokens count from: the tonic in octave 4 (C4 = 60 .. B4 = 71)."""
    return 60 + tonic % 12


def key_name(tonic: int, mode: str) -> str:
    """music21's spelling: "C major", "a minor", "B- major" (flats as '-')."""
    name = NOTE_NAMES[tonic % 12]
    return f"{name} major" if mode == "major" else f"{name.lower()} minor"


def bar_starts(bars: Sequence[Sequence[Event]], full: Fraction) -> list[Fraction]:
    """Where each bar's first note falls: a short first bar, or a short bar of at most half a
    bar inside the tune, is a pickup and ends at the bar line; other short bars (section
    endings) start on it."""
    starts = []
    for i, bar in enumerate(bars):
        content = sum((d for _, d in bar), Fraction(0))
        pickup = content < full and (i == 0 or (i < len(bars) - 1 and content <= full / 2))
        starts.append(full - content if pickup else Fraction(0))
    return starts


def bar_phrases(starts: Sequence[Fraction]) -> list[int]:
    """Each bar's place in its phrase: counted from the tune's or a section's first whole bar;
    pickups are PHRASE."""
    phrases, count = [], 0
    for start in starts:
        if start > 0:
            phrases.append(PHRASE)
            count = 0
        else:
            phrases.append(count % PHRASE)
            count += 1
    return phrases


def tonic_of(key: str) -> int:
    """The tonic's pitch class of a key name as key_name() writes it ("B- major" → 10)."""
    name = key.split()[0]
    name = name[0].upper() + name[1:]
    aliases = {"D-": 1, "D#": 3, "E#": 5, "F-": 4, "G-": 6, "G#": 8, "A#": 10, "B#": 0, "C-": 11}
    if name in NOTE_NAMES:
        return NOTE_NAMES.index(name)
    if name in aliases:
        return aliases[name]
    raise ValueError(f"not a key name: {key!r}")


def encode(melody: Melody) -> Encoded:
    """BOS, then per bar its notes (pitch or REST, duration) and BAR, then EOS."""
    if melody.meter not in METERS:
        raise EncodingError(f"meter {melody.meter} is not in the vocabulary")
    full = melody.bar_beats
    ref = tonic_midi(melody.tonic)
    starts = bar_starts(melody.bars, full)
    phrases = bar_phrases(starts)
    n_bars = len(melody.bars)
    out = Encoded()
    for i, bar in enumerate(melody.bars):
        pos, phrase, left = starts[i], phrases[i], n_bars - 1 - i
        if i == 0:
            out.append(BOS, pos, phrase, left)
        for pitch, beats in bar:
            out.append(REST if pitch is None else pitch_token(pitch - ref), pos, phrase, left)
            pos += beats
            out.append(duration_token(beats), pos, phrase, left)
        if pos > full:
            raise EncodingError(f"bar {i + 1} holds {pos} beats, more than {full}")
        last = i == n_bars - 1
        out.append(
            BAR, Fraction(0) if last else starts[i + 1], 0 if last else phrases[i + 1], left - 1
        )
    out.append(EOS, Fraction(0), 0, 0)
    return out


def decode(tokens: Iterable[int], tonic: int) -> tuple[tuple[Event, ...], ...]:
    """Tokens back to bars of (MIDI pitch or None, beats); BOS/EOS/PAD are skipped."""
    bars: list[tuple[Event, ...]] = []
    bar: list[Event] = []
    pitch: int | None = None
    ref = tonic_midi(tonic)
    for token in tokens:
        if token == BAR:
            bars.append(tuple(bar))
            bar = []
        elif token == REST:
            pitch = None
        elif is_pitch(token):
            pitch = ref + token_rel(token)
        elif is_duration(token):
            bar.append((pitch, token_duration(token)))
    if bar:
        bars.append(tuple(bar))
    return tuple(bars)


def density(melody: Melody) -> float:
    """Sounding notes per quarter beat."""
    events = melody.events
    beats = sum((d for _, d in events), Fraction(0))
    return sum(p is not None for p, _ in events) / float(beats) if beats else 0.0


def register(melody: Melody) -> float:
    """Median MIDI pitch of the sounding notes."""
    pitches = sorted(p for p, _ in melody.events if p is not None)
    return float(pitches[len(pitches) // 2]) if pitches else 60.0


def bucket(value: float, edges: Sequence[float]) -> int:
    """Index of the bucket `value` falls in, given the inner edges (len(edges) + 1 buckets)."""
    return sum(value >= e for e in edges)


def labels(
    melody: Melody, density_edges: Sequence[float], register_edges: Sequence[float]
) -> Labels:
    return Labels(
        mode=MODES.index(melody.mode),
        meter=METERS.index(melody.meter),
        density=bucket(density(melody), density_edges),
        register=bucket(register(melody), register_edges),
        tonic=melody.tonic % 12,
    )


def melody_to_json(melody: Melody) -> dict[str, Any]:
    bars = [[[p, str(d)] for p, d in bar] for bar in melody.bars]
    return {
        "title": melody.title,
        "source": melody.source,
        "meter": melody.meter,
        "tonic": melody.tonic,
        "mode": melody.mode,
        "licence": melody.licence,
        "bars": bars,
    }


def melody_from_json(data: dict[str, Any]) -> Melody:
    bars = tuple(tuple((p, Fraction(d)) for p, d in bar) for bar in data["bars"])
    return Melody(
        data["title"],
        data["source"],
        data["meter"],
        int(data["tonic"]),
        data["mode"],
        bars,
        data.get("licence", ""),
    )


def dumps(melodies: Sequence[Melody]) -> str:
    return json.dumps([melody_to_json(m) for m in melodies], separators=(",", ":"))


def loads(text: str) -> list[Melody]:
    return [melody_from_json(d) for d in json.loads(text)]


def spec() -> dict[str, Any]:
    """The vocabulary in plain data: stored with the weights and checked when they load."""
    return {
        "rel_min": REL_MIN,
        "rel_max": REL_MAX,
        "durations": [str(d) for d in DURATIONS],
        "meters": list(METERS),
        "modes": list(MODES),
        "grid": GRID,
        "max_bar_beats": MAX_BAR_BEATS,
        "phrase": PHRASE,
        "max_left": MAX_LEFT,
        "vocab": VOCAB_SIZE,
    }
