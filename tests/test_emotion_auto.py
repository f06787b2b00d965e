"""Emotion "auto": prototypes in embedding space against a labelled set of sentences."""

from __future__ import annotations

import csv
import logging
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from assistant import EMOTIONS
from assistant.emotion_auto import PROTOTYPES, EmotionError, EmotionGuesser

DATA = Path(__file__).parent / "data" / "emotion_sentences.tsv"
log = logging.getLogger(__name__)


def labelled() -> list[tuple[str, str]]:
    with DATA.open(encoding="utf-8") as f:
        return [(row["emotion"], row["sentence"]) for row in csv.DictReader(f, delimiter="\t")]


def test_the_labelled_set_covers_every_emotion_and_shares_nothing_with_the_prototypes() -> None:
    rows = labelled()
    assert len(rows) >= 60
    counts = Counter(emotion for emotion, _ in rows)
    assert set(counts) == set(EMOTIONS) and min(counts.values()) >= 10
    prototypes = {s for group in PROTOTYPES.values() for s in group}
    assert not prototypes & {sentence for _, sentence in rows}


class FakeEncoder:
    """Embeds by keyword: a one-hot vector for the first emotion word found."""

    def encode(self, texts: list[str] | tuple[str, ...]) -> np.ndarray:
        out = np.zeros((len(texts), len(EMOTIONS)), np.float32)
        for i, text in enumerate(texts):
            hits = [j for j, e in enumerate(EMOTIONS) if e in text.lower()] or [0]
            out[i, hits[0]] = 1.0
        return out


def test_nearest_prototype_with_a_neutral_margin() -> None:
    guesser = EmotionGuesser(margin=0.5)
    guesser._encoder = FakeEncoder()  # type: ignore[assignment]
    guesser._centroids = np.eye(len(EMOTIONS), dtype=np.float32)
    assert guesser.guess_many(["so happy", "a sad day", "plain"]) == ["happy", "sad", "neutral"]
    guesser.margin = 1.5  # nothing beats neutral by that much
    assert guesser.guess("so happy") == "neutral"


def test_neutral_until_loaded_and_when_loading_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(self: EmotionGuesser) -> None:
        raise EmotionError("not installed")

    monkeypatch.setattr(EmotionGuesser, "load", broken)
    guesser = EmotionGuesser()
    assert guesser.guess("What a wonderful day!") == "neutral"  # starts loading in the background
    assert guesser._loading is not None
    guesser._loading.join(timeout=5)
    assert guesser.guess("What a wonderful day!") == "neutral" and not guesser.ready


@pytest.mark.slow
def test_accuracy_on_the_labelled_sentences() -> None:
    guesser = EmotionGuesser()
    guesser.load()
    rows = labelled()
    guessed = guesser.guess_many([sentence for _, sentence in rows])
    right = sum(g == e for g, (e, _) in zip(guessed, rows, strict=True))
    accuracy = right / len(rows)
    confusion = Counter((e, g) for g, (e, _) in zip(guessed, rows, strict=True) if g != e)
    print(f"\nemotion auto: {right}/{len(rows)} = {accuracy:.0%}; mistakes: {dict(confusion)}")
    assert accuracy >= 0.6  # chance is 1/6
