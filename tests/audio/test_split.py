import numpy as np
import pytest

from assistant.audio.split import split_at_pauses

RATE = 16000


def tone(seconds: float) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return (0.5 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


def test_short_audio_comes_back_whole() -> None:
    audio = tone(10)
    (piece,) = split_at_pauses(audio, RATE)
    assert piece.size == audio.size


def test_cuts_fall_in_the_pauses_and_cover_everything() -> None:
    gap = np.zeros(int(0.5 * RATE), np.float32)
    audio = np.concatenate([tone(14), gap, tone(14), gap, tone(14)])  # pauses at 14 s and 28.5 s
    pieces = split_at_pauses(audio, RATE, max_s=25, min_s=12)
    assert sum(p.size for p in pieces) == audio.size
    assert np.array_equal(np.concatenate(pieces), audio)
    assert all(p.size <= 25 * RATE for p in pieces)
    ends = np.cumsum([p.size for p in pieces])[:-1] / RATE
    assert len(ends) == 2
    assert 14.0 <= ends[0] <= 14.5 and 28.5 <= ends[1] <= 29.0


def test_without_pauses_pieces_still_fit_the_window() -> None:
    pieces = split_at_pauses(tone(80), RATE, max_s=25, min_s=12)
    assert all(12 * RATE <= p.size <= 25 * RATE for p in pieces[:-1])
    assert sum(p.size for p in pieces) == 80 * RATE


def test_bad_bounds_are_an_error() -> None:
    with pytest.raises(ValueError):
        split_at_pauses(tone(1), RATE, max_s=10, min_s=10)
