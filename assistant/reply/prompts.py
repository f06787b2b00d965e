"""The system prompt for spoken answers, chat formatting and the optional leading emotion tag."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol

from assistant import EMOTIONS
from assistant.reply.skills import EMOTION_WORDS

Message = dict[str, str]  # {"role": "system" | "user" | "assistant", "content": ...}

# Worded for small models too: SmolLM2-135M answers "Paris" with this and rambles with longer ones.
SPOKEN = (
    "You are a helpful AI assistant that talks with people by voice. Keep answers short: "
    "one to three sentences in plain words that read well aloud, with no lists, markdown or emoji."
)
EMOTION_TAG_RULE = (
    " Start every answer with the feeling of your voice in square brackets, one of "
    + ", ".join(f"[{e}]" for e in EMOTIONS)
    + ", then the answer. For example: [happy] That sounds like a lovely plan!"
)

MAX_INPUT_CHARS = 2000  # a longer message is cut here (about 500 tokens: a second or two to read)
INPUT_CUT_NOTE = "Your message was long: only its first {limit:,} characters were read."

_TAG = re.compile(r"^\s*[\[(<]\s*([A-Za-z]+)\s*[\])>]\s*")
_MAX_TAG_CHARS = 16  # "[ surprised ]" and a little more; past this there is no tag


NAME = "Assistant"  # what the assistant calls itself
CAPABILITIES = (
    "You run offline on this computer. You can tell the time and date, do sums and unit "
    "conversions, read documents aloud and speak with emotion."
)
HONEST = " If you are not sure of something, say that you are not sure."


def system_prompt(
    emotion_tags: bool = False,
    *,
    now: datetime | None = None,
    name: str = "",
    voice: str = "",
    emotion: str = "",
    capabilities: str = "",
) -> str:
    """Short spoken answers; with `emotion_tags`, each answer opens with e.g. "[happy]".

    The facts the model cannot know follow, those that change least first, so a prompt's start
    stays the same from turn to turn (and its computed keys can be kept): who it is and what it
    can do, the voice and emotion in use, and last the local date and time (to the minute).
    """
    parts = [SPOKEN + (EMOTION_TAG_RULE if emotion_tags else "")]
    if name:
        parts.append(f"Your name is {name}.")
    if capabilities:
        parts.append(capabilities + HONEST)
    if voice or emotion:
        parts.append(_voice_line(voice, emotion))
    if now is not None:
        parts.append(clock_line(now))
    return " ".join(parts)


def grounded_prompt(
    now: datetime, voice: str = "", emotion: str = "", emotion_tags: bool = False
) -> str:
    """The prompt the assistant uses: its name, what it can do, its voice and the time."""
    return system_prompt(
        emotion_tags,
        now=now,
        name=NAME,
        voice=voice,
        emotion=emotion,
        capabilities=CAPABILITIES,
    )


def _voice_line(voice: str, emotion: str) -> str:
    """ "You speak with the lj voice in a calm tone." """
    words = ["You speak"]
    if voice:
        words.append(f"with the {voice} voice")
    if emotion == "auto":
        words.append("with the feeling of what you say")
    elif emotion:
        words.append(f"in a {emotion} tone")
    return " ".join(words) + "."


def clock_line(now: datetime) -> str:
    """ "Today is Tuesday, March 4, 2025, a weekday. The time is 9:15 AM, in the morning."

    Plain sentences the model can quote: SmolLM2-135M answered 12 of 18 questions about the
    moment right with them, 10 with "Now it is Tuesday morning, March 4, 2025, 9:15 AM, ...".
    """
    hour = now.hour % 12 or 12
    time = f"{hour}:{now.minute:02d} {'AM' if now.hour < 12 else 'PM'}"
    week = "a weekend day" if now.weekday() >= 5 else "a weekday"
    part = part_of_day(now)
    when = "at night" if part == "night" else f"in the {part}"
    return f"Today is {now:%A}, {now:%B} {now.day}, {now.year}, {week}. The time is {time}, {when}."


def part_of_day(now: datetime) -> str:
    """morning (5-12), afternoon (12-17), evening (17-21) or night."""
    if 5 <= now.hour < 12:
        return "morning"
    if 12 <= now.hour < 17:
        return "afternoon"
    if 17 <= now.hour < 21:
        return "evening"
    return "night"


def cap_input(text: str, limit: int = MAX_INPUT_CHARS) -> tuple[str, str | None]:
    """`text` cut to `limit` characters at a word break, and a note for the screen if it was."""
    if len(text) <= limit:
        return text, None
    cut = text[:limit]
    space = cut.rfind(" ")
    if space > limit * 0.8:
        cut = cut[:space]
    return cut.rstrip(), INPUT_CUT_NOTE.format(limit=limit)


def build_messages(system: str, turns: Iterable[tuple[str, str]], user_text: str) -> list[Message]:
    """The chat so far as role/content messages, ending with the new user message."""
    messages: list[Message] = [{"role": "system", "content": system}] if system else []
    for user, assistant in turns:
        messages.append({"role": "user", "content": user})
        messages.append({"role": "assistant", "content": assistant})
    messages.append({"role": "user", "content": user_text})
    return messages


class ChatTemplater(Protocol):
    """The part of a Hugging Face tokenizer that formats chats."""

    chat_template: Any

    def apply_chat_template(self, conversation: Any, **kwargs: Any) -> Any: ...


def format_chat(tokenizer: ChatTemplater, messages: Sequence[Message]) -> str:
    """The prompt the model continues, in its own chat template (a plain one if it has none)."""
    if getattr(tokenizer, "chat_template", None):
        text = tokenizer.apply_chat_template(
            list(messages), add_generation_prompt=True, tokenize=False
        )
        if isinstance(text, str):
            return text
    lines = [f"{m['role'].capitalize()}: {m['content']}" for m in messages]
    return "\n".join([*lines, "Assistant:"])


def parse_emotion_tag(text: str) -> tuple[str | None, str]:
    """A leading "[happy]" tag read and removed: (emotion or None, the text to say)."""
    m = _TAG.match(text)
    if m is None:
        return None, text
    emotion = EMOTION_WORDS.get(m.group(1).lower())
    if emotion is None:
        return None, text
    return emotion, text[m.end() :]


class EmotionTagReader:
    """Reads a leading emotion tag off a stream of text pieces, holding back only the first few."""

    def __init__(self) -> None:
        self.emotion: str | None = None
        self._head: str | None = ""  # None once the start is decided
        self._trim = False  # a tag was removed: drop the space that follows it

    def feed(self, piece: str) -> str:
        """The text to pass on for this piece (empty while the start is undecided)."""
        if self._head is None:
            if self._trim and piece.strip():
                self._trim, piece = False, piece.lstrip()
            return "" if self._trim else piece
        head = self._head + piece
        stripped = head.lstrip()
        if (stripped and stripped[0] not in "[(<") or len(stripped) > _MAX_TAG_CHARS:
            return self._decide(head)
        if _TAG.match(head):
            return self._decide(head)
        self._head = head
        return ""

    def flush(self) -> str:
        """What is still held back, at the end of the stream."""
        return "" if self._head is None else self._decide(self._head)

    def _decide(self, head: str) -> str:
        self._head = None
        self.emotion, rest = parse_emotion_tag(head)
        self._trim = self.emotion is not None and not rest
        return rest
