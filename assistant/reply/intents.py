"""Which built-in command a sentence is: greetings and politeness peeled off, then templates."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

# ---------------------------------------------------------------- words

EMOTION_WORDS: dict[str, str] = {
    **dict.fromkeys(("neutral", "neutrally", "normal", "normally", "plain", "flat"), "neutral"),
    **dict.fromkeys(("regular", "usual"), "neutral"),
    **dict.fromkeys(("happy", "happier", "happily", "cheerful", "cheerfully", "joyful"), "happy"),
    **dict.fromkeys(("joyfully", "glad", "excited", "excitedly", "upbeat", "merry"), "happy"),
    **dict.fromkeys(("sad", "sadder", "sadly", "unhappy", "gloomy", "melancholy"), "sad"),
    **dict.fromkeys(("sorrowful", "mournful", "glum"), "sad"),
    **dict.fromkeys(("angry", "angrier", "angrily", "mad", "furious", "furiously"), "angry"),
    **dict.fromkeys(("annoyed", "grumpy", "cross", "irritated"), "angry"),
    **dict.fromkeys(("surprised", "amazed", "astonished", "shocked", "astounded"), "surprised"),
    **dict.fromkeys(("calm", "calmer", "calmly", "relaxed", "soothing", "gentle"), "calm"),
    **dict.fromkeys(("gently", "peaceful", "peacefully", "softly", "serene"), "calm"),
}
# moods a tune can have (assistant.music plays happy, sad, calm and angry ones)
MUSIC_MOODS: dict[str, str] = {
    **{word: emotion for word, emotion in EMOTION_WORDS.items() if emotion != "surprised"},
    **dict.fromkeys(("neutral", "normal", "plain", "regular", "usual"), "calm"),
    **dict.fromkeys(("relaxing", "chill", "mellow", "quiet", "slow", "sleepy", "soft"), "calm"),
    **dict.fromkeys(("fun", "lively", "bright", "jolly", "playful", "dance"), "happy"),
    **dict.fromkeys(("sombre", "somber", "melancholic", "mournful", "tragic"), "sad"),
    **dict.fromkeys(("aggressive", "dark", "fierce", "stormy", "intense"), "angry"),
    **dict.fromkeys(("surprising", "exciting", "excited", "surprised"), "happy"),
}

SLIGHT, USUAL, STRONG = 0.4, 0.7, 1.0  # intensity for "a bit", nothing/"more", "very"
DEGREES: dict[float, tuple[str, ...]] = {
    SLIGHT: (
        "a little bit more", "a little bit", "a bit more", "a little more", "just a bit",
        "just a little", "a little", "a bit", "slightly more", "slightly", "somewhat", "a touch",
        "kind of", "kinda", "a tad", "mildly", "sort of", "a tiny bit",
        "a wee bit", "just a tiny bit", "just slightly",
    ),
    STRONG: (
        "much more", "a lot more", "way more", "really really", "very very", "very", "really",
        "extremely", "super", "so", "totally", "incredibly", "truly", "completely", "seriously",
        "properly", "really very", "ever so", "fully",
    ),
    USUAL: ("more",),
}  # fmt: skip

# said before a command: greetings, fillers, the assistant's name, politeness
_LEADING = (
    "hey there", "hi there", "hello there", "hey", "hi", "hello", "hiya", "howdy", "yo",
    "good morning", "good afternoon", "good evening", "good day", "morning", "ok", "okay",
    "alright", "all right", "so", "um", "umm", "uh", "uhh", "er", "erm", "hmm", "hm", "oh", "ah",
    "well", "now", "and", "also", "then", "actually", "excuse me", "sorry", "quick question",
    "one more thing", "by the way", "assistant", "computer", "please", "just", "thanks",
    "thank you", "yes", "yeah", "right then", "right", "pardon", "pardon me",
)  # fmt: skip
# ... and the ways of asking for something
_REQUESTS = (
    "can you", "could you", "would you", "will you", "can u", "i want you to", "i need you to",
    "i would like you to", "try to", "do you know", "tell me", "i want to know",
    "i would like to know", "would you mind", "go ahead and", "you should", "let us", "you can",
    "you may", "you could",
)  # fmt: skip
# said after a command
_TRAILING = (
    "please", "thanks", "thank you", "thank you very much", "thanks a lot", "many thanks",
    "for me", "right now", "now", "at the moment", "currently", "from now on", "instead",
    "okay", "ok", "if you can", "if you could", "if you do not mind", "if possible",
    "for a moment", "for a second", "for a sec", "for a minute", "for a bit", "for a while",
    "for now", "real quick", "assistant", "computer", "mate", "buddy", "then",
)  # fmt: skip

_CONTRACTIONS = (
    (r"\b(what|it|that|time|where|who|how|there|here|he|she)'s\b", r"\1 is"),
    (r"\bwhats\b", "what is"),
    (r"\bwhat're\b", "what are"),
    (r"\bi'm\b", "i am"),
    (r"\byou're\b", "you are"),
    (r"\bi'd\b", "i would"),
    (r"\b(what|where|how|who)'d\b", r"\1 did"),
    (r"\b(\w+)'ll\b", r"\1 will"),
    (r"\blet's\b", "let us"),
    (r"\bwon't\b", "will not"),
    (r"\bcan't\b", "cannot"),
    (r"\b(\w+)n't\b", r"\1 not"),
    (r"\b(today|tomorrow)s\b", r"\1's"),
    (r"\bgonna\b", "going to"),
    (r"\bwanna\b", "want to"),
    (r"\bgimme\b", "give me"),
    (r"\blemme\b", "let me"),
)


def _phrases(items: Iterable[str]) -> list[list[str]]:
    return sorted((p.split() for p in items), key=len, reverse=True)  # longest first


_LEAD, _REQ, _TRAIL = _phrases(_LEADING), _phrases(_REQUESTS), _phrases(_TRAILING)


def _peel(words: list[str]) -> list[str]:
    """Drop greetings, fillers and politeness at both ends until none is left."""
    changed = True
    while changed and words:
        changed = False
        half = len(words) // 2
        if half and words[:half] == words[half:]:  # "stop it stop it", "wait wait"
            words, changed = words[:half], True
        if words in _LEAD:  # on its own ("hello", "pardon me") it is not for peeling
            break
        for phrase in (*_LEAD, *_REQ):
            if len(words) > len(phrase) and words[: len(phrase)] == phrase:
                words, changed = words[len(phrase) :], True
                break
        for phrase in _TRAIL:
            if len(words) > len(phrase) and words[-len(phrase) :] == phrase:
                words, changed = words[: -len(phrase)], True
                break
    return words


def spell_out(text: str) -> str:
    """Lower case, punctuation gone (apostrophes in words kept), contractions spelled out."""
    t = text.lower().replace("’", "'").replace("‘", "'")
    t = re.sub(r"[^\w\s']", " ", t)
    t = re.sub(r"(?<!\w)'|'(?!\w)", " ", t)  # quotes, not apostrophes
    for pattern, full in _CONTRACTIONS:
        t = re.sub(pattern, full, t)
    return " ".join(t.split())


def normalize(text: str) -> str:
    """The command itself: `spell_out` and then greetings and politeness peeled off."""
    return " ".join(_peel(spell_out(text).split()))


# ---------------------------------------------------------------- templates


@dataclass(frozen=True)
class Intent:
    """A template's match: the command's name and its slot values ("emotion": "sad", ...)."""

    name: str
    slots: dict[str, Any] = field(default_factory=dict)


def _values(table: dict[str, Any]) -> dict[str, Any]:
    return {"values": [{"in": said, "out": value} for said, value in table.items()]}


# how a recogniser may write a letter said on its own ("elle jay" for "lj")
_LETTERS = dict(zip("abcdefghijklmnopqrstuvwxyz", (
    "ay", "bee", "see", "dee", "ee", "ef", "gee", "aitch", "eye", "jay", "kay", "el elle ell",
    "em", "en", "oh", "pee", "queue cue", "are ar", "ess", "tee", "you", "vee", "double you",
    "ex", "why", "zed zee",
), strict=True))  # fmt: skip


def voice_spellings(name: str) -> list[str]:
    """How a voice's name may be typed or recognised: "lj", "l j", "elle jay", "lj's" ..."""
    base = re.sub(r"[\W_]+", " ", name.lower()).strip()
    forms = {base, base.replace(" ", "")}
    letters = base.replace(" ", "")
    if letters.isalpha() and len(letters) <= 3 and not re.search("[aeiouy]", letters):
        # initials ("lj") are said letter by letter
        spelled = [[c, *_LETTERS[c].split()] for c in letters]
        forms |= {" ".join(choice) for choice in itertools.product(*spelled)}
    return sorted(forms | {f"{f}'s" for f in forms})


def _lists(voices: Sequence[str]) -> dict[str, Any]:
    degrees = {phrase: value for value, phrases in DEGREES.items() for phrase in phrases}
    voice_table = {said: name for name in voices for said in voice_spellings(name)}
    days = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    return {
        "emotion": _values(EMOTION_WORDS),
        "mood": _values(MUSIC_MOODS),
        "degree": _values(degrees),
        "voice": _values(voice_table or {"\x00": ""}),  # no voices: a list that never matches
        "name": {"wildcard": True},
        "place": {"wildcard": True},
        "count": {"range": {"from": 1, "to": 1000}},
        "count_extra": _values({"(a|an)": 1, "a couple of": 2, "a hundred": 100}),
        "unit": _values({"(day|days)": 1, "(week|weeks)": 7, "fortnight": 14}),
        "weekday": _values({day: n for n, day in enumerate(days)}),
        "relative": _values({"(tomorrow|tomorrow's)": 1, "[the] day after tomorrow": 2}),
    }


@cache
def _templates() -> dict[str, Any]:
    import yaml

    text = resources.files("assistant.reply").joinpath("intents.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


class Matcher:
    """The commands in intents.yaml, with the known voices' names filled in."""

    def __init__(self, voices: Sequence[str] = ()) -> None:
        self.voices = tuple(voices)
        self._intents: Any = None  # hassil.Intents, built when first needed

    def _compiled(self) -> Any:
        if self._intents is None:
            from hassil import Intents

            self._intents = Intents.from_dict({**_templates(), "lists": _lists(self.voices)})
        return self._intents

    def candidates(self, said: str) -> list[Intent]:
        """Every template `said` (already normalized) fits, the most literal first."""
        if not said:
            return []
        from hassil import recognize_all

        results = list(recognize_all(said, self._compiled()))
        results.sort(key=_score)
        found = []
        for result in results:
            slots = {name: entity.value for name, entity in result.entities.items()}
            intent = Intent(result.intent.name, slots)
            if intent not in found:
                found.append(intent)
        return found

    def match(self, text: str) -> Intent | None:
        """The best template for raw `text`, None if no command fits."""
        found = self.candidates(normalize(text))
        return found[0] if found else None


def _score(result: Any) -> tuple[int, int]:
    """Fewer wildcards first, then more words matched by the template itself."""
    wildcards = sum(1 for entity in result.entities_list if entity.is_wildcard)
    return wildcards, -result.text_chunks_matched
