"""Tunes to files: where a tune may be written (.mid or audio), and writing it there."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from assistant.music.midi import write_midi
from assistant.music.synth import SAMPLE_RATE, render_chunks
from assistant.music.timbres import timbre_for
from assistant.music.tune import Tune
from assistant.reader.audiofile import FORMATS, SUFFIXES, Tags, TrackWriter, discard

log = logging.getLogger(__name__)

MIDI_SUFFIXES = (".mid", ".midi")


class MusicOutputError(Exception):
    """The tune cannot be written there; the message names the path and says why."""


def output_kind(path: Path) -> str:
    """ "midi" or the audio format `path` asks for; MusicOutputError for a bad path."""
    suffix = path.suffix.lower()
    if suffix in MIDI_SUFFIXES:
        kind = "midi"
    elif suffix in SUFFIXES:
        kind = SUFFIXES[suffix]
    else:
        known = ", ".join((*MIDI_SUFFIXES, *SUFFIXES))
        raise MusicOutputError(f"cannot write {path}: unknown file type (use {known})")
    if path.is_dir():
        raise MusicOutputError(f"cannot write {path}: it is a folder")
    if not path.parent.exists():
        raise MusicOutputError(f"cannot write {path}: the folder {path.parent} does not exist")
    if not path.parent.is_dir():
        raise MusicOutputError(f"cannot write {path}: {path.parent} is not a folder")
    return kind


def describe(tune: Tune) -> str:
    """ "a calm tune in A minor, 72 bpm, 16 bars of 4/4 (43 s)"; "an angry tune …"."""
    from assistant.music.accompaniment import bar_beats

    bars = round(tune.beats / bar_beats(tune.meter))
    key = tune.key[:1].upper() + tune.key[1:]
    article = "an" if tune.emotion[:1] in "aeiou" else "a"
    return (
        f"{article} {tune.emotion} tune in {key}, {tune.tempo:.0f} bpm, "
        f"{bars} bars of {tune.meter} ({tune.seconds:.0f} s)"
    )


def write_tune(
    tune: Tune, path: Path, timbre: str | None = None, sample_rate: int = SAMPLE_RATE
) -> float:
    """Write `tune` as MIDI or audio (by the suffix); the file appears whole or not at all.
    Returns the seconds written; MusicOutputError says why it could not be written."""
    kind = output_kind(path)
    timbre = timbre or timbre_for(tune.emotion)
    if kind == "midi":
        tmp = path.with_name(f".{path.name}.partial")
        try:
            write_midi(tune, tmp, timbre)
            os.replace(tmp, path)
        except OSError as e:
            raise MusicOutputError(f"cannot write {path}: {e.strerror or e}") from None
        finally:
            tmp.unlink(missing_ok=True)
        return tune.seconds
    tags = Tags(tune.title or f"A {tune.emotion} tune", "assistant", "assistant music")
    try:
        writer = TrackWriter(path, FORMATS[kind], sample_rate, tags)
    except OSError as e:
        raise MusicOutputError(f"cannot write {path}: {e.strerror or e}") from None
    try:
        for chunk in render_chunks(tune, sample_rate, timbre):
            writer.write(chunk)
        seconds = writer.finish()
    except OSError as e:  # the writer reports the encoder's failures as OSError
        writer.abort()
        raise MusicOutputError(f"cannot write {path}: {e.strerror or e}") from None
    except BaseException:  # Ctrl+C: nothing half-written stays
        writer.abort()
        raise
    finally:
        discard(path)
    return seconds
