"""One conversation: its turns (bounded), saved atomically as JSON; the model sees the last few."""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from assistant import paths

log = logging.getLogger(__name__)

FORMAT = 2  # 1: turns only (before conversations were listed); still read
KEEP_TURNS = 500  # turns kept in a conversation's file; the oldest go beyond this
TITLE_CHARS = 60
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


@dataclass(frozen=True)
class Turn:
    user: str
    assistant: str


@dataclass(frozen=True)
class Saved:
    """What a conversation's file holds."""

    turns: list[Turn]
    title: str = ""
    created: str = ""  # local ISO times; "" in files of format 1
    updated: str = ""


def new_id(now: datetime | None = None) -> str:
    """A conversation's id: the time it started, e.g. 2026-12-02T15-30-12."""
    return (now or datetime.now()).strftime("%Y-%m-%dT%H-%M-%S")


def check_id(conversation_id: str) -> str:
    if not _ID.fullmatch(conversation_id) or ".." in conversation_id:
        raise ValueError(f"bad conversation id {conversation_id!r} (letters, digits, _ . -)")
    return conversation_id


def title_of(text: str, limit: int = TITLE_CHARS) -> str:
    """The first line of `text`, shortened at a word to about `limit` characters."""
    line = " ".join(text.strip().splitlines()[0].split()) if text.strip() else ""
    if len(line) <= limit:
        return line
    cut = line[: limit - 1].rsplit(" ", 1)[0] if " " in line[: limit - 1] else line[: limit - 1]
    return cut.rstrip(" ,.;:") + "…"


def now_iso() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


def read_saved(path: Path) -> Saved:
    """Parse a conversation file; ValueError (or OSError) when it cannot be read as one."""
    raw = path.read_bytes()
    try:
        data = json.loads(raw.decode("utf-8"))
        turns = _parse(data)
    except (ValueError, TypeError, KeyError) as e:
        raise ValueError(str(e) or type(e).__name__) from e
    texts = [data.get(k, "") for k in ("title", "created", "updated")]
    if not all(isinstance(t, str) for t in texts):
        raise ValueError("title or times are not text")
    title, created, updated = texts
    return Saved(turns, title or (title_of(turns[0].user) if turns else ""), created, updated)


class History:
    """One conversation in `<data>/conversations/<id>.json`: up to `keep_turns` turns are kept;
    `turns` gives the last `max_turns` of them (the model's context); `max_turns` 0 keeps
    nothing."""

    def __init__(
        self,
        conversation_id: str = "default",
        max_turns: int = 8,
        directory: Path | None = None,
        keep_turns: int = KEEP_TURNS,
    ) -> None:
        check_id(conversation_id)
        if max_turns < 0 or keep_turns < 1:
            raise ValueError("max_turns must be 0 or more, keep_turns 1 or more")
        self.conversation_id = conversation_id
        self.max_turns = max_turns
        self.keep_turns = max(keep_turns, max_turns)
        self._directory = directory
        self._turns: list[Turn] = []
        self._title = self._created = self._updated = ""
        self._loaded = False
        self._lock = threading.Lock()  # the engine records from the speaking thread

    @property
    def path(self) -> Path:
        directory = self._directory or paths.data_dir() / "conversations"
        return directory / f"{self.conversation_id}.json"

    @property
    def turns(self) -> tuple[Turn, ...]:
        """The last `max_turns` turns: what the model is shown."""
        with self._lock:
            self._ensure_loaded()
            return tuple(self._turns[-self.max_turns :]) if self.max_turns else ()

    @property
    def all_turns(self) -> tuple[Turn, ...]:
        """Every kept turn, oldest first (what the transcript and an export show)."""
        with self._lock:
            self._ensure_loaded()
            return tuple(self._turns)

    @property
    def title(self) -> str:
        with self._lock:
            self._ensure_loaded()
            return self._title

    @property
    def created(self) -> str:
        with self._lock:
            self._ensure_loaded()
            return self._created

    def load(self) -> None:
        """Read the saved conversation; a corrupt file is moved aside (with a warning), not lost."""
        with self._lock:
            self._loaded = False
            self._ensure_loaded()

    def add(self, user: str, assistant: str) -> None:
        with self._lock:
            self._ensure_loaded()
            if not self.max_turns:
                return  # history is off: nothing kept, nothing written
            self._turns.append(Turn(user, assistant))
            self._title = self._title or title_of(user)
            self._save()

    def last_reply(self) -> str | None:
        turns = self.turns
        return turns[-1].assistant if turns else None

    def truncate_last_reply(self, heard_text: str) -> bool:
        """Replace the last reply with the part the user heard (after a barge-in); False if none."""
        with self._lock:
            self._ensure_loaded()
            if not self._turns or not self.max_turns:
                return False
            self._turns[-1] = Turn(self._turns[-1].user, heard_text.strip())
            self._save()
            return True

    def clear(self) -> None:
        with self._lock:
            self._loaded, self._turns = True, []
            self._save()

    # ------------------------------------------------------------ file

    def _ensure_loaded(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        self._turns = []
        path = self.path
        try:
            saved = read_saved(path)
        except FileNotFoundError:
            return
        except ValueError as e:
            self._move_aside(path, e)
            return
        except OSError as e:
            log.warning("cannot read the conversation %s (%s); starting afresh", path, e)
            return
        self._turns = saved.turns[-self.keep_turns :] if self.max_turns else []
        self._title, self._created, self._updated = saved.title, saved.created, saved.updated
        if not self._created:  # format 1: its file's time stands for both
            self._created = self._updated = _file_time(path)

    def _save(self) -> None:
        del self._turns[: -self.keep_turns]
        if not self.max_turns:
            self._turns.clear()
        self._updated = now_iso()
        self._created = self._created or self._updated
        data = {
            "format": FORMAT,
            "id": self.conversation_id,
            "title": self._title,
            "created": self._created,
            "updated": self._updated,
            "turns": [asdict(t) for t in self._turns],
        }
        text = json.dumps(data, ensure_ascii=False, indent=1) + "\n"
        try:
            paths.atomic_write(self.path, text.encode("utf-8"))
        except OSError as e:  # a full disk must not end the conversation
            log.warning("cannot save the conversation to %s: %s", self.path, e)

    @staticmethod
    def _move_aside(path: Path, error: Exception) -> None:
        aside = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
        try:
            path.replace(aside)
        except OSError as e:
            log.warning(
                "the conversation %s is unreadable (%s) and cannot be moved: %s", path, error, e
            )
            return
        log.warning("the conversation %s was unreadable (%s); kept it as %s", path, error, aside)


def _file_time(path: Path) -> str:
    try:
        stamp = path.stat().st_mtime
    except OSError:
        return ""
    return datetime.fromtimestamp(stamp).astimezone().isoformat(timespec="seconds")


def _parse(data: Any) -> list[Turn]:
    if not isinstance(data, dict) or not isinstance(data.get("turns"), list):
        raise ValueError("not a conversation (no list of turns)")
    turns = []
    for item in data["turns"]:
        if not isinstance(item, dict):
            raise ValueError("a turn is not an object")
        user, assistant = item["user"], item["assistant"]
        if not isinstance(user, str) or not isinstance(assistant, str):
            raise TypeError("a turn's text is not a string")
        turns.append(Turn(user, assistant))
    return turns
