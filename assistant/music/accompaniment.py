"""The tune's key and meter read from their names, and the low root notes played under it."""

from __future__ import annotations

from assistant.music.tune import Note, Tune

_LETTERS = {"c": 0, "d": 2, "e": 4, "f": 5, "g": 7, "a": 9, "b": 11}
BASS_LOW = 36  # the root is played in the octave from C2 (MIDI 36) up


def tonic(key: str) -> tuple[int, bool]:
    """(pitch class 0–11, is it minor) of a key named as music21 names it: "C major",
    "a minor", "F# minor", "B- major" ('-' or 'b' after the letter is a flat)."""
    name, _, mode = key.strip().partition(" ")
    if not name or name[0].lower() not in _LETTERS:
        raise ValueError(f"not a key: {key!r}")
    pitch = _LETTERS[name[0].lower()]
    for sign in name[1:]:
        if sign == "#":
            pitch += 1
        elif sign in "-b":
            pitch -= 1
        else:
            raise ValueError(f"not a key: {key!r}")
    minor = mode.strip().lower() == "minor" or (not mode and name[0].islower())
    return pitch % 12, minor


def bar_beats(meter: str) -> float:
    """Quarter-note beats in one bar: "4/4" → 4, "3/4" → 3, "6/8" → 3."""
    top, _, bottom = meter.partition("/")
    try:
        beats = int(top) * 4.0 / int(bottom)
    except ValueError:
        raise ValueError(f"not a meter: {meter!r}") from None
    if beats <= 0:
        raise ValueError(f"not a meter: {meter!r}")
    return beats


def bass_line(tune: Tune) -> tuple[Note, ...]:
    """The key's root, low, held for each bar the tune sounds in (the last bar may be short)."""
    pitch_class, _minor = tonic(tune.key)
    bar = bar_beats(tune.meter)
    root = BASS_LOW + pitch_class
    total = tune.beats
    notes: list[Note] = []
    start = 0.0
    while start < total - 1e-9:
        notes.append(Note(root, min(bar, total - start)))
        start += bar
    return tuple(notes)
