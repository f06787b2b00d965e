"""The spoken commands, once: the help screen lists them and "what can you do" says them."""

from __future__ import annotations

from typing import NamedTuple


class SpokenCommand(NamedTuple):
    """Examples of a command as people say it, what it does, and the skill that answers it."""

    says: tuple[str, ...]
    does: str
    skill: str


# Tests check that each example, as said, reaches its skill.
SPOKEN_COMMANDS: tuple[SpokenCommand, ...] = (
    SpokenCommand(("what time is it",), "the time here", "time"),
    SpokenCommand(("what time is it in Tokyo",), "the time in another city", "time_in"),
    SpokenCommand(("what's the date",), "today's date", "date"),
    SpokenCommand(("what day is it in ten days",), "a date ahead", "date_in"),
    SpokenCommand(("sound happy", "be a bit sad", "calm down"), "the voice's emotion", "emotion"),
    SpokenCommand(("use the joe voice",), "another voice", "voice"),
    SpokenCommand(("read notes.md",), "read a document aloud (opens the reader)", "read"),
    SpokenCommand(("play some calm music",), "a tune composed for a mood", "music"),
    SpokenCommand(("pause", "go on"), "pause and resume speech, reading or music", "pause"),
    SpokenCommand(("say that again",), "repeat the last answer", "repeat"),
    SpokenCommand(("stop",), "stop speaking, reading or music", "stop"),
    SpokenCommand(("what is 12 times 7",), "sums", "calculate"),
    SpokenCommand(("how many km is 5 miles",), "unit conversions", "calculate"),
    SpokenCommand(("what can you do",), "a short spoken help", "help"),
)


def spoken_help() -> str:
    """The commands as one thing to say aloud."""
    examples = [" or ".join(c.says) for c in SPOKEN_COMMANDS if c.skill != "help"]
    return "You can ask me anything, or say: " + ", ".join(examples[:-1]) + f", or {examples[-1]}."
