"""MIDI export: music21 reads back the same notes, durations, tempo, meter and key."""

from __future__ import annotations

from pathlib import Path

import mido
import music21
import pytest

from assistant.music.midi import key_name, write_midi
from assistant.music.tune import Note, Tune

MELODY = tuple(
    Note(p, b)
    for p, b in [
        (60, 1.0),
        (64, 0.5),
        (None, 0.5),
        (67, 1.5),  # crosses a bar line in 3/4: music21 ties it, stripTies joins it again
        (72, 0.5),
        (71, 0.25),
        (69, 0.75),
        (None, 1.0),
        (57, 2.0),
        (61, 1.0),
    ]
)


def read_back(path: Path) -> music21.stream.Score:
    score = music21.converter.parse(str(path))
    assert isinstance(score, music21.stream.Score)
    return score


def notes_of(part: music21.stream.Part) -> list[tuple[int, float, float]]:
    """(MIDI pitch, quarter length, offset) of each note, ties joined."""
    return [
        (n.pitch.midi, float(n.quarterLength), float(n.offset))
        for n in part.stripTies().flatten().notes
    ]


def expected(notes: tuple[Note, ...]) -> list[tuple[int, float, float]]:
    out, beat = [], 0.0
    for n in notes:
        if n.pitch is not None:
            out.append((n.pitch, n.beats, beat))
        beat += n.beats
    return out


@pytest.mark.parametrize(
    ("tempo", "meter", "key", "music21_key"),
    [
        (84, "3/4", "a minor", "a minor"),
        (132, "4/4", "B- major", "B- major"),
        (66, "6/8", "F# minor", "f# minor"),
    ],
)
def test_music21_reads_back_the_same_tune(
    tmp_path: Path, tempo: float, meter: str, key: str, music21_key: str
) -> None:
    tune = Tune(MELODY, tempo, meter, key, "sad", "a test")
    path = tmp_path / "tune.mid"
    write_midi(tune, path, "epiano", accompaniment=False)
    score = read_back(path)
    assert len(score.parts) == 1
    assert notes_of(score.parts[0]) == expected(MELODY)
    marks = score.metronomeMarkBoundaries()
    assert marks[0][2].number == pytest.approx(tempo, abs=0.01)
    flat = score.flatten()
    assert next(iter(flat.getElementsByClass("TimeSignature"))).ratioString == meter
    assert str(next(iter(flat.getElementsByClass("KeySignature")))) == music21_key


def test_the_bass_track_holds_the_root_on_every_bar(tmp_path: Path) -> None:
    tune = Tune(MELODY, 100, "4/4", "a minor", "sad")
    path = tmp_path / "tune.mid"
    write_midi(tune, path, "epiano")
    score = read_back(path)
    assert len(score.parts) == 2
    assert notes_of(score.parts[0]) == expected(MELODY)
    bass = notes_of(score.parts[1])
    assert [p for p, _, _ in bass] == [45, 45, 45]  # A2, three bars (9 beats)
    assert [o for _, _, o in bass] == [0.0, 4.0, 8.0]
    assert [q for _, q, _ in bass] == [4.0, 4.0, 1.0]


def test_the_file_names_its_instrument_tempo_and_key(tmp_path: Path) -> None:
    path = tmp_path / "tune.mid"
    write_midi(Tune(MELODY, 72.5, "4/4", "E- major", "calm", "Evening"), path, "flute")
    midi = mido.MidiFile(str(path))
    meta = {m.type: m for m in midi.tracks[0] if m.is_meta}
    assert meta["track_name"].name == "Evening"
    assert mido.tempo2bpm(meta["set_tempo"].tempo) == pytest.approx(72.5, abs=0.01)
    assert meta["key_signature"].key == "Eb"
    programs = [m.program for m in midi.tracks[1] if m.type == "program_change"]
    assert programs == [73]  # General MIDI flute


def test_key_names() -> None:
    assert key_name("C major") == "C"
    assert key_name("a minor") == "Am"
    assert key_name("c# minor") == "C#m" or key_name("c# minor") == "Dbm"
    assert key_name("nonsense") is None
