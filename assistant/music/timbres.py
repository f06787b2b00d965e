"""The synthesizer's timbres by name, and the one each mood gets (no numpy: the CLI reads it)."""

from __future__ import annotations

TIMBRES = ("flute", "pluck", "organ", "epiano", "sine")
EMOTION_TIMBRES = {
    "calm": "flute",
    "happy": "pluck",
    "surprised": "pluck",
    "sad": "epiano",
    "neutral": "epiano",
    "angry": "organ",
}


def timbre_for(emotion: str) -> str:
    """The timbre a tune in `emotion` is played with when none is chosen."""
    return EMOTION_TIMBRES.get(emotion, "epiano")
