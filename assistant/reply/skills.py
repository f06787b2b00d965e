"""Built-in skills (time, date, emotion, voice, stop, repeat, pause, read, help) found by rules."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from assistant.reader.documents import SUFFIXES

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
ADJECTIVES = {"neutral": "normal", "happy": "happy", "sad": "sad", "angry": "angry"}
ADJECTIVES |= {"surprised": "surprised", "calm": "calm"}

SLIGHT, USUAL, STRONG = 0.4, 0.7, 1.0  # intensity for "a bit", nothing/"more", "very"
_SLIGHT_WORDS = (
    "a little bit more|a little bit|a bit more|a little more|just a bit|just a little|a little|"
    "a bit|slightly more|slightly|somewhat|a touch|kind of|kinda|a tad|mildly"
)
_STRONG_WORDS = (
    "much more|a lot more|way more|really really|very very|very|really|extremely|super|so|"
    "totally|incredibly|truly|completely|seriously|properly"
)
_E = "(?P<emotion>" + "|".join(sorted(EMOTION_WORDS, key=len, reverse=True)) + ")"
_I = f"(?:(?P<slight>{_SLIGHT_WORDS}) |(?P<strong>{_STRONG_WORDS}) |more )?"
_MANNER = "voice|tone|mood|style|way|emotion|manner"


HELP_TEXT = (
    "You can ask me anything, or say: what time is it, what's the date, sound happy or a bit sad, "
    "use the joe voice, read followed by a file name, pause, go on, say that again, or stop."
)


# ---------------------------------------------------------------- rules


def _rx(*alternatives: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{a})" for a in alternatives))


def _rules(*patterns: str) -> tuple[re.Pattern[str], ...]:
    """Separate patterns, as the same named group appears in several."""
    return tuple(re.compile(p) for p in patterns)


def _first(rules: tuple[re.Pattern[str], ...], said: str) -> re.Match[str] | None:
    return next((m for rule in rules if (m := rule.fullmatch(said))), None)


_STOP = _rx(
    r"stop(?: it| that| talking| speaking| reading| now| please| stop)*",
    r"be quiet|quiet|shut up|silence|hush|shh+|enough|that is enough|that will do",
    r"cancel(?: that)?|never ?mind|forget it",
)
_PAUSE = _rx(
    r"pause(?: it| that| reading| speaking| for a (?:moment|second|sec|minute|bit))?",
    r"(?:hold|hang) on(?: a (?:moment|second|sec|minute|bit))?",
    r"wait(?: a (?:moment|second|sec|minute|bit))?|(?:one|just a|a) (?:moment|second|sec|minute)",
)
_RESUME = _rx(
    r"resume(?: reading| speaking)?|unpause|continue(?: reading| speaking)?|you can continue",
    r"keep (?:going|reading)|go on|carry on|go ahead|where were we",
)
_REPEAT = _rx(
    r"(?:say|read) (?:that|it|this) again",
    r"repeat(?: that| it| yourself| the last (?:bit|part|answer))?",
    r"what did you (?:just )?say|come again|pardon(?: me)?|sorry what|what|what was that",
    r"one more time|again|i did(?: no|n')t (?:hear|catch|get) (?:that|you|it)",
)
_HELP = _rx(
    r"help|help me|what can you do|what can i (?:say|ask)|what do you do|how do i use you",
    r"what (?:are|can) (?:your|the) commands|commands",
    r"(?:list|show)(?: me)? (?:the |your )?commands",
)
_TIME = _rx(
    r"(?:what|which) time is it(?: now| right now| at the moment| here)?",
    r"what is the (?:current |exact )?time(?: now| right now)?|(?:the |current )?time|got the time",
    r"(?:tell me|do you know|say) (?:the (?:current )?time|what time it is)(?: now)?",
    r"what time do you have|what time have you got",
)
_DATE = _rx(
    r"what(?: is)? (?:the |today's |todays |the current )?date(?: today| is it(?: today)?)?",
    r"what day (?:is it|is today|of the week is it)(?: today)?|what is today|which day is it",
    r"what (?:month|year) is it|(?:tell me|do you know) (?:the|today's|todays) date",
    r"(?:today's|todays|the|the current) date|what is the day today",
)
_EMOTION = _rules(
    rf"(?:sound|be|get|seem|feel|go|act|become|stay)(?: a)? {_I}{_E}",
    rf"(?:speak|talk|say (?:it|that|this)|read(?: it)?|answer|reply|respond)(?: to me)? {_I}{_E}",
    rf"(?:use|try|switch to|change to|go with|put on)(?: a| an| your| the)? {_I}{_E} (?:{_MANNER})",
    rf"(?:make|change|set|switch)(?: your| the) (?:{_MANNER})(?: to| to be| to sound)? {_I}{_E}",
    rf"(?:sound|speak|talk|read|answer) (?:in|with)(?: a| an) {_I}{_E} (?:{_MANNER})",
    rf"(?:emotion|mood|tone)(?: to)? {_E}",
    r"(?P<calm>calm down)|(?P<happy>cheer up)|(?P<none>no emotions?)",
    rf"(?P<stop>stop|quit) being (?:so )?{_E}",
)
_WORD = r"(?!voice\b)[a-z0-9][\w-]*"
_NAME = rf"(?P<name>{_WORD}(?: {_WORD}){{0,2}})"
_VOICE = _rules(
    rf"(?:use|switch to|change to|try|select|pick|load)(?: the)? {_NAME}(?:'s)? voice",
    rf"(?:use|switch to|change to|try|select|pick|load)(?: the)? voice(?: called| named)? {_NAME}",
    rf"(?:switch|change|set)(?: the| your)? voice to(?: the)? {_NAME}(?:'s)?(?: voice)?",
    rf"(?:speak|talk|sound)(?: with| in| like)(?: the)? {_NAME}(?:'s)? voice",
    rf"(?P<loose>speak|talk|sound) like {_NAME}",  # a known voice only: "talk like a pirate"
)
_NOT_NAMES = {"a", "an", "another", "different", "other", "new", "my", "your", "this", "that", "it"}
_NOT_NAMES |= {"same", "best", "right", "wrong", "human", "real", "robot", "me", "you"}

_FILLERS = re.compile(r"^(?:(?:hey|hi|ok|okay|so|um|uh|oh|well|assistant|computer|please|now)\s+)+")
_REQUEST = re.compile(
    r"^(?:(?:can|could|would|will) you (?:please )?|i (?:want|need|would like) you to |"
    r"i'd like you to |try to |please |just )+"
)
_SUFFIX = re.compile(
    r"(?:\s+(?:please|right now|now|thanks|thank you|for me|from now on|instead))+$"
)
_CONTRACTIONS = (
    (r"\bwhat's\b", "what is"),
    (r"\bit's\b", "it is"),
    (r"\bthat's\b", "that is"),
    (r"\bi'm\b", "i am"),
    (r"\byou're\b", "you are"),
    (r"\bwhats\b", "what is"),
)


def normalize(text: str) -> str:
    """Lower case, no punctuation, contractions spelled out, polite wrapping removed."""
    t = text.lower().replace("’", "'")
    t = re.sub(r"[^\w\s']", " ", t)
    t = re.sub(r"(?<!\w)'|'(?!\w)", " ", t)  # quotes, not apostrophes
    for pattern, full in _CONTRACTIONS:
        t = re.sub(pattern, full, t)
    t = " ".join(t.split())
    for _ in range(2):  # "ok please could you ..."
        t = _REQUEST.sub("", _FILLERS.sub("", t))
    return _SUFFIX.sub("", t).strip()


# ---------------------------------------------------------------- the skills


class Skills:
    """Answers the commands it recognises; anything else (None) is for the language model."""

    def __init__(
        self,
        voices: Sequence[str] = (),
        file_dirs: Sequence[Path] | None = None,
        clock: Callable[[], datetime] = datetime.now,
    ) -> None:
        self.voices = tuple(voices)  # known voice names; empty = accept any name
        self.file_dirs = file_dirs  # where "read notes.md" looks; None = cwd, home, ~/Documents
        self.clock = clock

    def match(self, text: str) -> SkillResult | None:
        said = normalize(text)
        if not said:
            return None
        for rule in (self._control, self._time, self._emotion, self._voice):
            result = rule(said)
            if result is not None:
                return result
        return self._read(text)

    def _control(self, said: str) -> SkillResult | None:
        table: tuple[tuple[re.Pattern[str], str, Action], ...] = (
            (_STOP, "stop", Stop()),
            (_PAUSE, "pause", Pause()),
            (_RESUME, "resume", Resume()),
            (_REPEAT, "repeat", Repeat()),
        )
        for pattern, name, action in table:
            if pattern.fullmatch(said):
                return SkillResult(name, "", action)
        if _HELP.fullmatch(said):
            return SkillResult("help", HELP_TEXT, Help())
        return None

    def _time(self, said: str) -> SkillResult | None:
        now = self.clock()
        if _TIME.fullmatch(said):
            hour = now.hour % 12 or 12
            text = f"It's {hour}:{now.minute:02d} {'AM' if now.hour < 12 else 'PM'}."
            return SkillResult("time", text, remember=True)
        if _DATE.fullmatch(said):
            text = f"Today is {now:%A}, {now:%B} {now.day}, {now.year}."
            return SkillResult("date", text, remember=True)
        return None

    def _emotion(self, said: str) -> SkillResult | None:
        m = _first(_EMOTION, said)
        if m is None:
            return None
        groups = m.groupdict()
        if groups.get("stop") or groups.get("none"):
            emotion = "neutral"
        elif groups.get("calm") or groups.get("happy"):
            emotion = "calm" if groups.get("calm") else "happy"
        else:
            emotion = EMOTION_WORDS[groups["emotion"]]
        intensity = SLIGHT if groups.get("slight") else STRONG if groups.get("strong") else USUAL
        if emotion == "neutral":
            text, intensity = "Okay, back to my normal voice.", STRONG
        else:
            how = "a bit " if intensity == SLIGHT else "very " if intensity == STRONG else ""
            text = f"Okay, I'll sound {how}{ADJECTIVES[emotion]}."
        return SkillResult("emotion", text, SetEmotion(emotion, intensity))

    def _voice(self, said: str) -> SkillResult | None:
        m = _first(_VOICE, said)
        if m is None:
            return None
        words = m.group("name").split()
        if words[0] in _NOT_NAMES or any(w in EMOTION_WORDS for w in words):
            return None
        loose = m.groupdict().get("loose")
        if not self.voices:
            if len(words) > 1 or loose:
                return None
            return SkillResult(
                "voice", f"Okay, switching to the {words[0]} voice.", SetVoice(words[0])
            )
        wanted = re.sub(r"[\W_]", "", "".join(words))
        for name in self.voices:
            if re.sub(r"[\W_]", "", name.lower()) == wanted:
                return SkillResult("voice", f"Okay, switching to the {name} voice.", SetVoice(name))
        if loose:
            return None
        known = " or ".join(self.voices)
        text = f"I don't have a voice called {' '.join(words)}. I can use {known}."
        return SkillResult("voice", text)

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
                    return SkillResult("read", "", ReadFile(candidate))
        return SkillResult("read", f"I can't find {names[0]}.")


_READ = re.compile(
    r"^\W*(?:(?:hey|ok|okay|so|please|assistant|computer)\W+)*"
    r"(?:(?:can|could|would|will) you (?:please )?|please |i want you to )?"
    r"read(?: out| aloud| out loud| me| to me)*\s+(?P<rest>.+?)"
    r"(?:\s+(?:out loud|aloud|to me|for me|please))*[\s.!?]*$",
    re.IGNORECASE,
)
_DETERMINER = re.compile(r"^(?:my|the|this|that|a)\s+", re.IGNORECASE)
_KIND = re.compile(r"^(?:file|document|doc|book|text|notes file)\s+(?:called\s+|named\s+)?", re.I)


def file_names(text: str) -> list[str]:
    """The file a "read ..." request names, most likely reading first ([] when it names none)."""
    m = _READ.match(text.strip())
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
