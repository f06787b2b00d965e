"""A tune as the generator writes it and the synthesizer plays it: notes and rests in beats."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Note:
    pitch: int | None  # MIDI note number (60 = middle C); None is a rest
    beats: float  # length in quarter-note beats


@dataclass(frozen=True)
class Tune:
    notes: tuple[Note, ...]
    tempo: float  # quarter notes per minute
    meter: str = "4/4"
    key: str = "C major"  # tonic and mode, as music21 names them ("a minor" is A minor)
    emotion: str = "neutral"
    title: str = ""

    @property
    def beats(self) -> float:
        return sum(n.beats for n in self.notes)

    @property
    def seconds(self) -> float:
        return self.beats * 60.0 / self.tempo
