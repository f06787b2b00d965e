"""Scoring: table-driven normalisation, edit distance, WER, CER."""

from collections.abc import Callable, Sequence

import pytest

from assistant.lab.scoring import cer, edit_distance, normalize_for_scoring, wer


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Hello, World!", ["hello", "world"]),
        ("  many   spaces\tand\nlines ", ["many", "spaces", "and", "lines"]),
        ("Don't stop", ["dont", "stop"]),
        ("It’s fine", ["its", "fine"]),
        ("sixty-nine; seventy.", ["sixty", "nine", "seventy"]),
        ("“Quoted” (and bracketed)", ["quoted", "and", "bracketed"]),
        ("Mr. Smith paid $5", ["mister", "smith", "paid", "five", "dollars"]),
        ("35 tried, in 1821", ["thirty", "five", "tried", "in", "eighteen", "twenty", "one"]),
        ("Café naïve", ["café", "naïve"]),
        ("", []),
        ("?!...", []),
    ],
)
def test_normalize_for_scoring(text: str, words: list[str]) -> None:
    assert normalize_for_scoring(text) == words


@pytest.mark.parametrize(
    ("ref", "hyp", "distance"),
    [
        ("", "", 0),
        ("abc", "abc", 0),
        ("abc", "", 3),
        ("", "ab", 2),
        ("kitten", "sitting", 3),
        ("flaw", "lawn", 2),
        ("abc", "acb", 2),
        (["the", "cat"], ["the", "bat", "sat"], 2),
    ],
)
def test_edit_distance(ref: str | list[str], hyp: str | list[str], distance: int) -> None:
    assert edit_distance(ref, hyp) == distance
    assert edit_distance(hyp, ref) == distance


@pytest.mark.parametrize(
    ("refs", "hyps", "expected"),
    [
        (["the cat sat"], ["the cat sat"], 0.0),
        (["the cat sat"], ["The cat, sat."], 0.0),
        (["the cat sat"], ["the bat sat"], 1 / 3),
        (["the cat sat"], ["the cat"], 1 / 3),
        (["the cat sat"], ["the cat sat down"], 1 / 3),
        (["the cat sat"], [""], 1.0),
        (["a b"], ["c d e f"], 2.0),  # insertions can push WER above 1
        (["one two three four", "five"], ["one two three four", "six"], 1 / 5),  # corpus, not mean
    ],
)
def test_wer(refs: list[str], hyps: list[str], expected: float) -> None:
    assert wer(refs, hyps) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("refs", "hyps", "expected"),
    [
        (["abc"], ["abc"], 0.0),
        (["Abc!"], ["abc"], 0.0),
        (["abcd"], ["abxd"], 1 / 4),
        (["ab cd"], ["abcd"], 1 / 5),  # the space between words counts
        (["kitten", "ab"], ["sitting", "ab"], 3 / 8),
    ],
)
def test_cer(refs: list[str], hyps: list[str], expected: float) -> None:
    assert cer(refs, hyps) == pytest.approx(expected)


@pytest.mark.parametrize("score", [wer, cer])
def test_bad_inputs_are_refused(score: Callable[[Sequence[str], Sequence[str]], float]) -> None:
    with pytest.raises(ValueError, match="hypotheses"):
        score(["a"], ["a", "b"])
    with pytest.raises(ValueError, match="empty"):
        score(["", "..."], ["x", ""])


# --- evaluate(): a voice run with fake parts (fast), the systems, reports -----------------------
