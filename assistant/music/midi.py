"""A Tune as a Standard MIDI File (mido): tempo, meter, key, the melody and its bass."""

from __future__ import annotations

import logging
from pathlib import Path

import mido

from assistant.music.accompaniment import bass_line, tonic
from assistant.music.tune import Note, Tune

log = logging.getLogger(__name__)

TICKS_PER_BEAT = 480
VELOCITY = 80
BASS_VELOCITY = 50
# General MIDI programs (0-based) closest to the synthesizer's timbres
PROGRAMS = {"flute": 73, "pluck": 24, "organ": 16, "epiano": 4, "sine": 80}
BASS_PROGRAM = 89  # warm pad
_NAMES = ("C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")


def key_name(key: str) -> str | None:
    """mido's name of a key ("a minor" → "Am", "B- major" → "Bb"); None if unknown."""
    try:
        pitch_class, minor = tonic(key)
    except ValueError:
        return None
    return _NAMES[pitch_class] + ("m" if minor else "")


def _notes_track(
    notes: tuple[Note, ...], name: str, channel: int, program: int, velocity: int
) -> mido.MidiTrack:
    """A track of notes one after another; times come from the running beat count (no drift)."""
    track = mido.MidiTrack([mido.MetaMessage("track_name", name=name, time=0)])
    track.append(mido.Message("program_change", channel=channel, program=program, time=0))
    beat, last_tick = 0.0, 0
    for note in notes:
        start = round(beat * TICKS_PER_BEAT)
        end = round((beat + note.beats) * TICKS_PER_BEAT)
        beat += note.beats
        if note.pitch is None or end <= start:
            continue
        on = dict(channel=channel, note=note.pitch, velocity=velocity)
        track.append(mido.Message("note_on", time=start - last_tick, **on))
        track.append(mido.Message("note_off", time=end - start, **on))
        last_tick = end
    return track


def _header(tune: Tune) -> mido.MidiTrack:
    """Title, tempo, time signature and (when mido knows it) key signature."""
    top, _, bottom = tune.meter.partition("/")
    track = mido.MidiTrack([mido.MetaMessage("track_name", name=tune.title or "tune", time=0)])
    track.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(tune.tempo), time=0))
    track.append(
        mido.MetaMessage("time_signature", numerator=int(top), denominator=int(bottom), time=0)
    )
    key = key_name(tune.key)
    if key is not None:
        try:
            track.append(mido.MetaMessage("key_signature", key=key, time=0))
        except (KeyError, ValueError):
            log.info("no key signature for %s", tune.key)
    return track


def to_midi(tune: Tune, timbre: str = "epiano", accompaniment: bool = True) -> mido.MidiFile:
    """A type-1 file: the header track, the melody (channel 1) and the bass (channel 2)."""
    midi = mido.MidiFile(type=1, ticks_per_beat=TICKS_PER_BEAT)
    midi.tracks.append(_header(tune))
    program = PROGRAMS.get(timbre, PROGRAMS["epiano"])
    midi.tracks.append(_notes_track(tune.notes, "melody", 0, program, VELOCITY))
    if accompaniment:
        midi.tracks.append(_notes_track(bass_line(tune), "bass", 1, BASS_PROGRAM, BASS_VELOCITY))
    return midi


def write_midi(tune: Tune, path: Path, timbre: str = "epiano", accompaniment: bool = True) -> None:
    """Write `tune` to `path` (a .mid); OSError if it cannot be written."""
    to_midi(tune, timbre, accompaniment).save(str(path))
