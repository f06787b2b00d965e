"""Whether the words before a pause sound like the end of a turn (a semantic endpoint).

A pause after "What time is it?" ends the turn sooner than the configured endpoint pause; one
after "tell me about the", "and", "um" or a comma waits longer, so a user who stops to think
is not cut off. Whisper punctuates and can say a sentence is finished; Vosk does not, so its text
can only be heard trailing off (or not). Anchors: LiveKit's and Pipecat's end-of-turn models,
which judge the transcript the same way before a voice agent answers.
"""

from __future__ import annotations

import re
from enum import Enum

FINISHED_FACTOR = 2 / 3  # of the endpoint pause, after a finished sentence (0.6 s → 0.4 s)
TRAILING_FACTOR = 2.0  # of the endpoint pause, after words that cannot end a sentence
TRAILING_EXTRA_MAX_S = 1.0  # ... but never more than this much longer

# Words a sentence never ends on: conjunctions, articles, possessives, fillers. A turn ending on
# one of them is still being spoken, punctuated or not.
# fmt: off
_TRAILING_WORDS = frozenset((
    "and", "or", "but", "nor", "because", "unless", "whether", "than",
    "the", "a", "an", "my", "your", "our", "their", "its", "every",
    "of", "um", "uh", "er", "erm", "hmm",
))
# fmt: on
# Words that usually continue but may end a sentence ("what is it for?", "where are you
# from?"): trailing only where no punctuation says the sentence ended (Vosk's text). Not "on"
# or "that": "go on" and "repeat that" are commands.
# fmt: off
_OFTEN_TRAILING_WORDS = frozenset((
    "so", "if", "which", "who", "whose", "where", "when", "while", "to", "for", "from", "with",
    "without", "about", "in", "at", "by", "into", "onto", "over", "under", "between", "through",
    "during", "before", "after", "like", "as",
))
# fmt: on
_TRAILING_MARKS = (",", ";", ":", "-", "–", "—")
_SENTENCE_END = re.compile(r"[.?!][\"')\]]*$")
# Whisper writes "..." after words said on a falling or level tone whether or not more comes
# ("Go on..." as much as "Tell me about the..."): no sign either way.
_ELLIPSIS = re.compile(r"(\.\.|…)[\"')\]]*$")
_WORD = re.compile(r"[a-z']+")


class TurnEnd(Enum):
    """What the words before a pause say about the turn."""

    FINISHED = "finished"  # a punctuated sentence, not trailing: end sooner
    OPEN = "open"  # nothing either way (unpunctuated text): the configured pause
    TRAILING = "trailing"  # ends on a word or mark that continues: wait longer


def judge(text: str) -> TurnEnd:
    """How `text`, all that was heard of the turn up to a pause, ends."""
    text = text.strip()
    words = _WORD.findall(text.lower())
    if not words:
        return TurnEnd.OPEN
    if text.endswith(_TRAILING_MARKS) or words[-1] in _TRAILING_WORDS:
        return TurnEnd.TRAILING
    if _SENTENCE_END.search(text) and not _ELLIPSIS.search(text):
        return TurnEnd.FINISHED
    return TurnEnd.TRAILING if words[-1] in _OFTEN_TRAILING_WORDS else TurnEnd.OPEN


def pause_needed(text: str, silence_s: float) -> float:
    """Seconds of silence after `text` that end the turn, for an endpoint pause of silence_s."""
    end = judge(text)
    if end is TurnEnd.FINISHED:
        return silence_s * FINISHED_FACTOR
    if end is TurnEnd.TRAILING:
        return min(silence_s * TRAILING_FACTOR, silence_s + TRAILING_EXTRA_MAX_S)
    return silence_s
