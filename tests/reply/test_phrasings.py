"""Routing natural phrasings: commands with greetings and politeness, and look-alike questions.

data/phrasings_test.tsv was written before the matcher and never used to tune it; its sha256 is
9da33557c3c8ae2956b360f99ff7b46bb4e0f5338e61f5a21871985c176398c0 (checked below).
data/phrasings_dev.tsv is the set the templates were tuned on.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from assistant.reply.skills import Skills

DATA = Path(__file__).parent / "data"
TEST_SHA256 = "9da33557c3c8ae2956b360f99ff7b46bb4e0f5338e61f5a21871985c176398c0"
NOW = datetime(2025, 3, 4, 15, 7)  # a Tuesday afternoon
FILES = ("notes.md", "story.txt", "report.pdf", "book.epub")
COMMANDS_RIGHT, MODEL_RIGHT = 0.95, 0.98


@dataclass(frozen=True)
class Row:
    text: str
    intent: str
    slots: dict[str, str]


@dataclass
class Score:
    commands: int = 0
    commands_right: int = 0
    others: int = 0
    others_right: int = 0


def rows(name: str) -> list[Row]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    lines = [line for line in lines if line and not line.startswith("#")][1:]  # no header
    found = []
    for line in lines:
        text, intent, slots = line.split("\t")
        pairs = (pair.split("=", 1) for pair in slots.split(";") if pair)
        found.append(Row(text, intent, {k: v for k, v in pairs}))
    return found


def same_slot(key: str, want: str, got: str | None) -> bool:
    if got is None:
        return False
    if key == "intensity":
        return abs(float(got) - float(want)) < 1e-6
    if key == "path":
        return Path(got).name == want
    return got.lower() == want.lower()


def routed(skills: Skills, row: Row) -> tuple[bool, str]:
    result = skills.match(row.text)
    got = "model" if result is None else result.describe()
    if result is None or row.intent == "model":
        return (result is None) == (row.intent == "model"), got
    right = result.skill == row.intent and all(
        same_slot(k, v, result.slots.get(k)) for k, v in row.slots.items()
    )
    return right, got


def score(name: str, tmp_path: Path) -> Score:
    for file in FILES:
        (tmp_path / file).write_text("Some text.")
    skills = Skills(voices=("joe", "lj"), file_dirs=(tmp_path,), clock=lambda: NOW)
    total, misses = Score(), []
    for row in rows(name):
        right, got = routed(skills, row)
        if row.intent == "model":
            total.others, total.others_right = total.others + 1, total.others_right + right
        else:
            total.commands, total.commands_right = total.commands + 1, total.commands_right + right
        if not right:
            want = " ".join([row.intent, *(f"{k}={v}" for k, v in row.slots.items())])
            misses.append(f"  {row.text!r}: want {want}, got {got}")
    print(f"{name}: commands {total.commands_right}/{total.commands}, "
          f"non-commands to the model {total.others_right}/{total.others}")  # fmt: skip
    print("\n".join(misses))
    return total


def test_the_held_out_set_is_unchanged() -> None:
    assert hashlib.sha256((DATA / "phrasings_test.tsv").read_bytes()).hexdigest() == TEST_SHA256


@pytest.mark.parametrize(
    ("name", "others"), [("phrasings_test.tsv", 100), ("phrasings_dev.tsv", 70)]
)
def test_the_sets_are_big_enough_and_cover_every_command(name: str, others: int) -> None:
    found = rows(name)
    commands = [r for r in found if r.intent != "model"]
    assert len(commands) >= 150 and len(found) - len(commands) >= others
    wanted = {"stop", "pause", "resume", "repeat", "help", "time", "date", "emotion", "voice"}
    wanted |= {"read", "music", "time_in", "date_in", "calculate"}
    assert {r.intent for r in commands} == wanted


@pytest.mark.parametrize("name", ["phrasings_test.tsv", "phrasings_dev.tsv"])
def test_phrasings_are_routed_right(name: str, tmp_path: Path) -> None:
    total = score(name, tmp_path)
    assert total.commands_right >= COMMANDS_RIGHT * total.commands
    assert total.others_right >= MODEL_RIGHT * total.others
