"""The system prompt for spoken answers, chat formatting and the optional leading emotion tag."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
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

_TAG = re.compile(r"^\s*[\[(<]\s*([A-Za-z]+)\s*[\])>]\s*")
_MAX_TAG_CHARS = 16  # "[ surprised ]" and a little more; past this there is no tag


def system_prompt(emotion_tags: bool = False) -> str:
    """Short spoken answers; with `emotion_tags`, each answer opens with e.g. "[happy]"."""
    return SPOKEN + (EMOTION_TAG_RULE if emotion_tags else "")


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
