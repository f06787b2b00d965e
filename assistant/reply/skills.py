"""Built-in skills: the answers to the commands assistant.reply.intents recognises."""

from __future__ import annotations

import importlib
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from assistant.reader.documents import SUFFIXES
from assistant.reply.intents import (
    EMOTION_WORDS,
    SLIGHT,
    STRONG,
    USUAL,
    Intent,
    Matcher,
    normalize,
    spell_out,
)
from assistant.reply.spoken import spoken_help

log = logging.getLogger(__name__)

# ---------------------------------------------------------------- actions the pipeline carries out


@dataclass(frozen=True)
class SetEmotion:
    emotion: str  # one of assistant.EMOTIONS
    intensity: float  # 0 = neutral .. 1 = full emotion


@dataclass(frozen=True)
class SetVoice:
    name: str


@dataclass(frozen=True)
class Stop:
    """Stop speaking or reading now."""


@dataclass(frozen=True)
class Repeat:
    """Say the last reply again."""


@dataclass(frozen=True)
class Pause:
    """Pause speaking or reading, keeping the place."""


@dataclass(frozen=True)
class Resume:
    """Go on from where speaking or reading was paused."""


@dataclass(frozen=True)
class ReadFile:
    path: Path


@dataclass(frozen=True)
class PlayMusic:
    """Play a generated tune in a mood (assistant.music); Esc or "stop" ends it."""

    emotion: str  # happy, sad, calm, angry (or neutral)
    intensity: float  # 0 .. 1


@dataclass(frozen=True)
class Help:
    """Show the commands (the reply text says them too)."""


Action = SetEmotion | SetVoice | Stop | Repeat | Pause | Resume | ReadFile | PlayMusic | Help


@dataclass(frozen=True)
class SkillResult:
    """What a skill answers: the text to say (may be empty) and what the pipeline should do."""

    skill: str
    text: str
    action: Action | None = None
    remember: bool = False  # worth keeping in the conversation history (facts, not commands)
    slots: dict[str, str] = field(default_factory=dict)  # what the command named: "place", ...

    def describe(self) -> str:
        """The skill and its slots, e.g. "time_in place=tokyo" (for `assistant ask --intent`)."""
        return " ".join([self.skill, *(f"{k}={v}" for k, v in self.slots.items())])


ADJECTIVES = {"neutral": "normal", "happy": "happy", "sad": "sad", "angry": "angry"}
ADJECTIVES |= {"surprised": "surprised", "calm": "calm"}
HELP_TEXT = spoken_help()
_NOT_NAMES = {"a", "an", "another", "different", "other", "new", "my", "your", "this", "that", "it"}
_NOT_NAMES |= {"same", "best", "right", "wrong", "human", "real", "robot", "me", "you", "old"}


@cache
def _helper(name: str) -> ModuleType | None:
    """assistant.reply.calculator or .worldclock; None (with a warning) where it cannot load."""
    try:
        return importlib.import_module(f"assistant.reply.{name}")
    except ImportError as e:
        log.warning("assistant.reply.%s is not available (%s): left to the model", name, e)
        return None


def _call(module: str, function: str, *args: object) -> str | None:
    """A helper's answer; None where it is missing, has no answer, or fails."""
    helper = _helper(module)
    if helper is None:
        return None
    try:
        answer = getattr(helper, function)(*args)
    except Exception:  # a helper's bug must not end the conversation
        log.exception("%s.%s failed", module, function)
        return None
    return answer if isinstance(answer, str) and answer.strip() else None


# ---------------------------------------------------------------- the skills


class Skills:
    """Answers the commands it recognises; anything else (None) is for the language model."""

    def __init__(
        self,
        voices: Sequence[str] = (),
        file_dirs: Sequence[Path] | None = None,
        clock: Callable[[], datetime] = datetime.now,
    ) -> None:
        self.voices = tuple(voices)  # known voice names; empty = accept any single name
        self.file_dirs = file_dirs  # where "read notes.md" looks; None = cwd, home, ~/Documents
        self.clock = clock
        self.matcher = Matcher(self.voices)

    def match(self, text: str) -> SkillResult | None:
        """The built-in answer: a command (templates), a file to read, or a calculation."""
        said = normalize(text)
        if not said:
            return None
        for intent in self.matcher.candidates(said):
            result = self._answer(intent)
            if result is not None:
                return result
        read = self._read(text)
        if read is not None:
            return read
        answer = _call("calculator", "calculate", text)
        return SkillResult("calculate", answer, remember=True) if answer else None

    def _answer(self, intent: Intent) -> SkillResult | None:
        name, slots = intent.name, intent.slots
        if name in _CONTROL:
            return SkillResult(name, "", _CONTROL[name])
        if name == "help":
            return SkillResult("help", HELP_TEXT, Help())
        if name in ("time", "date", "time_in", "date_in"):
            return self._clock(name, slots)
        if name == "emotion":
            return _emotion(slots)
        if name == "music":
            return _music(slots)
        if name in ("voice", "voice_named"):
            return self._voice(str(slots.get("voice") or slots.get("name", "")), name == "voice")
        return None

    def _clock(self, name: str, slots: dict[str, Any]) -> SkillResult | None:
        now = self.clock()
        if name == "time":
            hour = now.hour % 12 or 12
            text = f"It's {hour}:{now.minute:02d} {'AM' if now.hour < 12 else 'PM'}."
            return SkillResult("time", text, remember=True)
        if name == "date":
            text = f"Today is {now:%A}, {now:%B} {now.day}, {now.year}."
            return SkillResult("date", text, remember=True)
        if name == "time_in":  # a place the world clock does not know: not this command
            place = str(slots["place"]).strip()
            answer = _call("worldclock", "time_in", place, now)
            found = {"place": place}
        else:
            days = days_ahead(slots, now)
            answer = _call("worldclock", "date_in", days, now)
            found = {"days": str(days)}
        return SkillResult(name, answer, remember=True, slots=found) if answer else None

    def _voice(self, said: str, known: bool) -> SkillResult | None:
        if known:
            return _switch(said)
        words = said.split()
        if not words or words[0] in _NOT_NAMES or len(words) > 3:
            return None
        if any(w in EMOTION_WORDS for w in words):
            return None
        if not self.voices:
            return _switch(words[0]) if len(words) == 1 else None
        wanted = re.sub(r"[\W_]", "", "".join(words))
        for name in self.voices:
            if re.sub(r"[\W_]", "", name.lower()) == wanted:
                return _switch(name)
        known_names = " or ".join(self.voices)
        text = f"I don't have a voice called {said}. I can use {known_names}."
        return SkillResult("voice", text, slots={"name": said})

    def _read(self, text: str) -> SkillResult | None:
        names = file_names(text)
        if not names:
            return None
        dirs = self.file_dirs
        if dirs is None:
            dirs = (Path.cwd(), Path.home(), Path.home() / "Documents")
        for name in names:
            path = Path(name).expanduser()
            for candidate in [path] if path.is_absolute() else [d / path for d in dirs]:
                if candidate.is_file():
                    # nothing said first: the reader opens on it, or says why it cannot
                    slots = {"path": str(candidate)}
                    return SkillResult("read", "", ReadFile(candidate), slots=slots)
        return SkillResult("read", f"I can't find {names[0]}.", slots={"path": names[0]})


_CONTROL: dict[str, Action] = {"stop": Stop(), "pause": Pause(), "resume": Resume()}
_CONTROL["repeat"] = Repeat()


def _music(slots: dict[str, Any]) -> SkillResult:
    emotion = str(slots.get("mood", "calm"))  # no mood named: a calm tune
    action = PlayMusic(emotion, float(slots.get("degree", USUAL)))
    article = "an" if emotion[:1] in "aeiou" else "a"
    slots_out = {"emotion": emotion, "intensity": str(action.intensity)}
    return SkillResult("music", f"Here's {article} {emotion} tune.", action, slots=slots_out)


def _switch(name: str) -> SkillResult:
    text = f"Okay, switching to the {name} voice."
    return SkillResult("voice", text, SetVoice(name), slots={"name": name})


def _emotion(slots: dict[str, Any]) -> SkillResult:
    emotion = str(slots["emotion"])
    intensity = float(slots.get("degree", USUAL))
    if emotion == "neutral":
        text, intensity = "Okay, back to my normal voice.", STRONG
    else:
        how = "a bit " if intensity == SLIGHT else "very " if intensity == STRONG else ""
        text = f"Okay, I'll sound {how}{ADJECTIVES[emotion]}."
    slots_out = {"emotion": emotion, "intensity": str(intensity)}
    return SkillResult("emotion", text, SetEmotion(emotion, intensity), slots=slots_out)


def days_ahead(slots: dict[str, Any], now: datetime) -> int:
    """Days from `now` to the day a match names ("in 3 weeks", "next friday", "tomorrow")."""
    if "weekday" in slots:
        return (int(slots["weekday"]) - now.weekday()) % 7 or 7
    if "relative" in slots:
        return int(slots["relative"])
    return int(slots.get("count", 1)) * int(slots.get("unit", 1))


_READ = re.compile(
    r"^(?:read|open)(?: out loud| out| aloud| me| to me| and read)*\s+(?P<rest>.+?)"
    r"(?:[\s,]+(?:out loud|aloud|to me|for me|please|thanks|thank you))*[\s.!?,]*$",
    re.IGNORECASE,
)
_DETERMINER = re.compile(r"^(?:my|the|this|that|a)\s+", re.IGNORECASE)
_KIND = re.compile(r"^(?:file|document|doc|book|text|notes file)\s+(?:called\s+|named\s+)?", re.I)


def _after_preamble(text: str) -> str:
    """`text` from its first "read"/"open" on, when all before it is greeting or politeness."""
    words = text.strip().split()
    for i, word in enumerate(words[:12]):
        if spell_out(word) in ("read", "open"):
            before = " ".join(words[:i])
            return " ".join(words[i:]) if normalize(f"{before} read") == "read" else ""
    return ""


def file_names(text: str) -> list[str]:
    """The file a "read ..." request names, most likely reading first ([] when it names none)."""
    m = _READ.match(_after_preamble(text))
    if m is None:
        return []
    rest = m.group("rest").strip().strip("\"'“”‘’")
    rest = re.sub(r"\s+dot\s+(?=\w+$)", ".", rest, flags=re.IGNORECASE)  # "notes dot md"
    names = []
    stripped = _KIND.sub("", _DETERMINER.sub("", rest)).strip("\"'“”‘’")
    for name in (stripped, rest):
        looks_like_path = "/" in name or name.startswith("~")
        if (looks_like_path or Path(name).suffix.lower() in SUFFIXES) and name not in names:
            names.append(name)
    return names
