"""The synthesizer: length from tempo × beats, the right pitch, no clicks, distinct timbres."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.music import synth
from assistant.music.accompaniment import bar_beats, bass_line, tonic
from assistant.music.tune import Note, Tune

SR = 22050  # the app's speaker rate; a few tests use 44100 too
MELODY = tuple(
    Note(p, b)
    for p, b in [
        (60, 1.0),
        (72, 0.5),
        (55, 0.5),
        (None, 0.5),
        (79, 0.25),
        (79, 0.25),  # a repeated note
        (50, 1.0),
        (76, 0.5),
        (62, 1.5),
        (84, 0.25),
        (48, 1.75),
    ]
)


def tune(notes: tuple[Note, ...] = MELODY, tempo: float = 120.0, **kw: str) -> Tune:
    return Tune(notes, tempo, **kw)


def peak_hz(audio: np.ndarray, sr: int) -> float:
    spectrum = np.abs(np.fft.rfft(audio * np.hanning(len(audio)), n=8 * len(audio)))
    return float(np.argmax(spectrum)) * sr / (8 * len(audio))


@pytest.mark.parametrize(("tempo", "meter", "sr"), [(120, "4/4", SR), (73, "3/4", 44100)])
def test_length_is_tempo_times_beats_plus_the_tail(tempo: float, meter: str, sr: int) -> None:
    t = tune(tempo=tempo, meter=meter)
    exact = round(t.beats * 60 / tempo * sr)
    assert len(synth.render(t, sr, tail_s=0.0)) == exact
    assert len(synth.render(t, sr)) == exact + round(synth.TAIL_S * sr)
    assert len(np.concatenate(list(synth.render_chunks(t, sr)))) == exact + round(synth.TAIL_S * sr)


@pytest.mark.parametrize("timbre", synth.TIMBRES)
@pytest.mark.parametrize("pitch", [45, 69, 84])
def test_a_note_sounds_at_its_fundamental(timbre: str, pitch: int) -> None:
    audio = synth.render(tune((Note(pitch, 2.0),)), SR, timbre, accompaniment=False)
    expected = 440.0 * 2 ** ((pitch - 69) / 12)
    assert peak_hz(audio, SR) == pytest.approx(expected, rel=0.006)  # a tenth of a semitone


@pytest.mark.parametrize("timbre", synth.TIMBRES)
def test_every_note_of_a_tune_is_heard_in_its_place(timbre: str) -> None:
    """The strongest frequency of each note's stretch is that note's (the bass under it too)."""
    t = tune(key="C major")
    audio = synth.render(t, SR, timbre)
    beat, spb = 0.0, 60 / t.tempo * SR
    for note in t.notes:
        start, end = round(beat * spb), round((beat + note.beats) * spb)
        beat += note.beats
        if note.pitch is None:
            continue
        middle = audio[start + (end - start) // 4 : end - (end - start) // 4]
        assert 12 * np.log2(peak_hz(middle, SR) / synth.frequency(note.pitch)) == pytest.approx(
            0, abs=0.5
        ), (timbre, note)


def joins(t: Tune, sr: int) -> list[int]:
    return sorted({e.start for e in synth.events(t, sr, "sine")} | {len(synth.render(t, sr))})


def join_jump_ratio(audio: np.ndarray, at: list[int], sr: int) -> float:
    """The biggest sample-to-sample step within 3 ms of a note's start or end, over the biggest
    step anywhere else (a smooth tone's steepest slope)."""
    steps = np.abs(np.diff(audio))
    near = np.zeros(len(steps), bool)
    w = round(0.003 * sr)
    for j in at:
        near[max(0, j - w) : j + w] = True
    return float(steps[near].max() / steps[~near].max())


@pytest.mark.parametrize("accompaniment", [False, True])
@pytest.mark.parametrize("timbre", synth.TIMBRES)
def test_no_clicks_where_notes_meet(timbre: str, accompaniment: bool) -> None:
    t = tune()
    audio = synth.render(t, 44100, timbre, accompaniment=accompaniment)
    ev = synth.events(t, 44100, timbre, accompaniment)
    at = sorted({e.start for e in ev} | {e.start + e.gate for e in ev} | {len(audio) - 1})
    assert join_jump_ratio(audio, at, 44100) < 1.5
    assert abs(audio[0]) < 1e-3 and abs(audio[-1]) < 1e-3


def test_the_click_measure_catches_notes_butted_together() -> None:
    """The same notes cut from sines and put end to end click, and the measure says so."""
    sr, pieces, at, pos = 44100, [], [], 0
    for note in MELODY:
        n = round(note.beats * 0.5 * sr)
        wave = np.arange(n) / sr * 2 * np.pi * synth.frequency(note.pitch or 0)
        pieces.append(np.zeros(n) if note.pitch is None else 0.8 * np.sin(wave))
        at.append(pos)
        pos += n
    assert join_jump_ratio(np.concatenate(pieces), at, sr) > 3


def spectrogram_db(audio: np.ndarray) -> np.ndarray:
    frames = np.lib.stride_tricks.sliding_window_view(audio, 1024)[::441] * np.hanning(1024)
    return 20 * np.log10(np.abs(np.fft.rfft(frames, axis=1))[:, :120] + 1e-4)  # up to 5 kHz


def test_timbres_differ() -> None:
    """The same note in each timbre: spectra and how they change over time differ clearly."""
    one = tune((Note(57, 2.0),))
    looks = {
        name: spectrogram_db(synth.render(one, 44100, name, False, 0.0)) for name in synth.TIMBRES
    }
    for a in synth.TIMBRES:
        for b in synth.TIMBRES:
            if a < b:
                distance = np.sqrt(np.mean((looks[a] - looks[b]) ** 2))
                assert distance > 8.0, (a, b, distance)


def test_each_mood_has_a_timbre_and_renders_with_it() -> None:
    for emotion in ("neutral", "happy", "sad", "angry", "surprised", "calm"):
        assert synth.timbre_for(emotion) in synth.TIMBRES
    t = tune(emotion="calm")
    assert np.array_equal(synth.render(t, SR), synth.render(t, SR, "flute"))
    assert not np.array_equal(synth.render(t, SR), synth.render(t, SR, "pluck"))


def test_render_is_peak_normalised_with_headroom_and_repeatable() -> None:
    audio = synth.render(tune(), SR)
    assert audio.dtype == np.float32
    assert float(np.abs(audio).max()) == pytest.approx(synth.PEAK, abs=1e-6)
    assert np.array_equal(audio, synth.render(tune(), SR))


def test_chunks_stream_within_range_and_match_the_whole() -> None:
    long = tune(MELODY * 8)  # 64 beats, 32 s
    chunks = list(synth.render_chunks(long, SR))
    assert len(chunks) > 20
    assert all(len(c) >= synth.CHUNK_S * SR for c in chunks[:-1])
    streamed = np.concatenate(chunks)
    assert streamed.dtype == np.float32 and float(np.abs(streamed).max()) < 1.0
    whole = synth.render(long, SR)
    assert np.corrcoef(streamed, whole)[0, 1] > 0.999  # the same music, at another gain


def test_the_bass_plays_the_keys_root_on_every_bar() -> None:
    t = tune(tempo=90, meter="3/4", key="a minor")
    assert tonic("a minor") == (9, True) and tonic("B- major") == (10, False)
    assert tonic("F# minor") == (6, True) and bar_beats("6/8") == 3.0
    bass = bass_line(t)
    assert [n.pitch for n in bass] == [45] * len(bass)  # A2
    assert sum(n.beats for n in bass) == pytest.approx(t.beats)
    assert all(n.beats == 3.0 for n in bass[:-1])
    with_bass = synth.render(t, SR, "sine")
    without = synth.render(t, SR, "sine", accompaniment=False)

    def at_a2(audio: np.ndarray) -> float:  # the spectrum's magnitude from 107 to 113 Hz
        spectrum = np.abs(np.fft.rfft(audio))
        return float(spectrum[int(107 * len(audio) / SR) : int(113 * len(audio) / SR)].sum())

    assert at_a2(with_bass) > 10 * at_a2(without)


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown timbre"):
        synth.render(tune(), SR, "kazoo")
    with pytest.raises(ValueError, match="not a key"):
        synth.render(tune(key="H major"), SR)
    with pytest.raises(ValueError, match="not a meter"):
        synth.render(tune(meter="four"), SR)
