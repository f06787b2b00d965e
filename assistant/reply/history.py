"""The conversation so far: a bounded list of turns, saved atomically as JSON per conversation."""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from assistant import paths

log = logging.getLogger(__name__)

FORMAT = 1
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


@dataclass(frozen=True)
class Turn:
    user: str
    assistant: str


class History:
    """The last `max_turns` turns of one conversation, in `<data>/conversations/<id>.json`."""

    def __init__(
        self, conversation_id: str = "default", max_turns: int = 8, directory: Path | None = None
    ) -> None:
        if not _ID.fullmatch(conversation_id) or ".." in conversation_id:
            raise ValueError(f"bad conversation id {conversation_id!r} (letters, digits, _ . -)")
        if max_turns < 0:
            raise ValueError("max_turns must be 0 or more")
        self.conversation_id = conversation_id
        self.max_turns = max_turns
        self._directory = directory
        self._turns: list[Turn] = []
        self._loaded = False
        self._lock = threading.Lock()  # the engine records from the speaking thread

    @property
    def path(self) -> Path:
        directory = self._directory or paths.data_dir() / "conversations"
        return directory / f"{self.conversation_id}.json"

    @property
    def turns(self) -> tuple[Turn, ...]:
        with self._lock:
            self._ensure_loaded()
            return tuple(self._turns)

    def load(self) -> None:
        """Read the saved conversation; a corrupt file is moved aside (with a warning), not lost."""
        with self._lock:
            self._loaded = False
            self._ensure_loaded()

    def add(self, user: str, assistant: str) -> None:
        with self._lock:
            self._ensure_loaded()
            self._turns.append(Turn(user, assistant))
            self._save()

    def last_reply(self) -> str | None:
        turns = self.turns
        return turns[-1].assistant if turns else None

    def truncate_last_reply(self, heard_text: str) -> bool:
        """Replace the last reply with the part the user heard (after a barge-in); False if none."""
        with self._lock:
            self._ensure_loaded()
            if not self._turns:
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
            raw = path.read_bytes()
        except FileNotFoundError:
            return
        except OSError as e:
            log.warning("cannot read the conversation %s (%s); starting afresh", path, e)
            return
        try:
            turns = _parse(json.loads(raw.decode("utf-8")))
        except (ValueError, TypeError, KeyError) as e:
            self._move_aside(path, e)
            return
        self._turns = turns[-self.max_turns :] if self.max_turns else []

    def _save(self) -> None:
        if self.max_turns:
            del self._turns[: -self.max_turns]
        else:
            self._turns.clear()
        data = {
            "format": FORMAT,
            "id": self.conversation_id,
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
