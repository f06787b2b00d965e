"""The note encoding on real corpus tunes: exact round trips, bars, transposition, labels."""

from fractions import Fraction

import pytest
from music21 import converter

from assistant.music import corpus, encoding
from assistant.music.encoding import BAR, BOS, EOS, EncodingError, Melody

REEL = "ryansMammoth/AcaciaReel.abc"  # pickup, repeats split mid-bar, triplets, grace notes
CHORALE = "bach/bwv66.6.mxl"  # soprano of a four-part score, with a pickup


def corpus_file(short: str) -> str:
    source = short.split("/")[0]
    return next(p for p in corpus.corpus_paths(source) if p.endswith(short))


@pytest.fixture(scope="module")
def reel() -> Melody:
    melodies, _ = corpus.read_file(corpus_file(REEL), "ryansMammoth")
    return melodies[0]


@pytest.fixture(scope="module")
def chorale() -> Melody:
    melodies, _ = corpus.read_file(corpus_file(CHORALE), "bach")
    return melodies[0]


def music21_notes(short: str, part_name: str | None = None) -> list[tuple[int | None, Fraction]]:
    """The melody straight from music21, independently of corpus.py: no grace notes."""
    score = converter.parse(corpus_file(short))
    part = next(p for p in score.parts if part_name is None or p.partName == part_name)
    return [
        (None if n.isRest else n.pitch.midi, Fraction(n.quarterLength).limit_denominator(48))
        for n in part.flatten().notesAndRests
        if n.quarterLength > 0
    ]


@pytest.mark.parametrize("name", ["reel", "chorale"])
def test_round_trip_is_exact(name: str, request: pytest.FixtureRequest) -> None:
    melody: Melody = request.getfixturevalue(name)
    enc = encoding.encode(melody)
    assert enc.tokens[0] == BOS and enc.tokens[-1] == EOS
    assert enc.tokens.count(BAR) == len(melody.bars)
    assert encoding.decode(enc.tokens, melody.tonic) == melody.bars
    assert len(enc.tokens) == len(enc.position) == len(enc.phrase) == len(enc.left)


def test_corpus_melody_is_the_score_melody(reel: Melody, chorale: Melody) -> None:
    assert reel.events == music21_notes(REEL)
    assert chorale.events == music21_notes(CHORALE, "Soprano")
    assert len(reel.events) > 100 and len(chorale.events) > 30


def test_bars_are_whole_apart_from_pickups_and_section_ends(reel: Melody, chorale: Melody) -> None:
    for melody in (reel, chorale):
        lengths = [sum((d for _, d in bar), Fraction(0)) for bar in melody.bars]
        assert lengths[0] < melody.bar_beats  # both start with a pickup
        assert all(n <= melody.bar_beats for n in lengths)
        assert sum(n == melody.bar_beats for n in lengths) >= 0.8 * len(lengths)
        starts = encoding.bar_starts(melody.bars, melody.bar_beats)
        assert starts[0] == melody.bar_beats - lengths[0]  # the pickup ends on the bar line


def test_labels_and_key(reel: Melody, chorale: Melody) -> None:
    assert reel.meter == "2/4"
    # K:G; music21's analysis of the melody alone may answer the relative minor
    assert (reel.tonic, reel.mode) in {(7, "major"), (4, "minor")}
    assert (reel.tonic, reel.mode) == corpus.analyse_key([(p, float(d)) for p, d in reel.events])
    assert chorale.meter == "4/4" and chorale.mode in encoding.MODES
    assert encoding.key_name(7, "major") == "G major"
    assert encoding.key_name(9, "minor") == "a minor"
    for tonic in range(12):
        assert encoding.tonic_of(encoding.key_name(tonic, "minor")) == tonic
    assert encoding.density(reel) > encoding.density(chorale)  # a reel runs in quavers


def test_transposition_moves_pitches_and_tonic(reel: Melody) -> None:
    up = reel.transposed(5)
    assert up.tonic == (reel.tonic + 5) % 12
    bars = encoding.decode(encoding.encode(up).tokens, up.tonic)
    assert [p for b in bars for p, _ in b] == [None if p is None else p + 5 for p, _ in reel.events]


def test_positions_follow_the_bar(reel: Melody) -> None:
    enc = encoding.encode(reel)
    full = encoding.position_index(reel.bar_beats)
    assert all(0 <= p <= full for p in enc.position)
    bar_positions = [p for t, p in zip(enc.tokens, enc.position, strict=True) if t == BAR]
    assert bar_positions.count(0) >= len(bar_positions) - 3  # next bar starts on its downbeat


def test_out_of_vocabulary_is_refused(reel: Melody) -> None:
    quintuplet = ((reel.bars[0][0][0], Fraction(1, 10)),)
    with pytest.raises(EncodingError, match="duration"):
        encoding.encode(Melody("x", "x", "2/4", 7, "major", (quintuplet,)))
    with pytest.raises(EncodingError, match="range"):
        encoding.encode(reel.transposed(48))
    with pytest.raises(EncodingError, match="meter"):
        encoding.encode(Melody("x", "x", "5/4", 7, "major", reel.bars))


def test_corpus_cache_json_round_trip(reel: Melody, chorale: Melody) -> None:
    assert encoding.loads(encoding.dumps([reel, chorale])) == [reel, chorale]
