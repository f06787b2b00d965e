"""The saved conversations: listed newest first, reopened, deleted, bounded, exported."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

from assistant import paths
from assistant.reply.history import KEEP_TURNS, History, Turn, check_id, new_id, read_saved

log = logging.getLogger(__name__)

MAX_CONVERSATIONS = 200
LEGACY_ID = "default"  # the one conversation kept before there were many


class ConversationError(Exception):
    """A conversation cannot be opened, deleted or exported (the message says why)."""


@dataclass(frozen=True)
class Summary:
    """One line of the list; `problem` is set (and the rest is a guess) when it is unreadable."""

    id: str
    title: str
    created: str
    updated: str
    turns: int
    problem: str = ""
    mtime: float = field(default=0.0, repr=False)  # breaks ties between equal `updated` times

    @property
    def age_key(self) -> tuple[str, float]:
        return self.updated, self.mtime

    @property
    def when(self) -> str:
        """The last change, as people read it: '2026-12-02 15:30'."""
        return self.updated[:16].replace("T", " ") if self.updated else "unknown date"

    @property
    def count(self) -> str:
        return "1 turn" if self.turns == 1 else f"{self.turns} turns"

    def label(self) -> str:
        if self.problem:
            return f"{self.id} — unreadable ({self.problem})"
        return f"{self.title or '(untitled)'} — {self.when}, {self.count}"


class Conversations:
    """The folder of conversations (`<data>/conversations` by default): each a History file."""

    def __init__(
        self,
        directory: Path | None = None,
        max_conversations: int = MAX_CONVERSATIONS,
        max_turns: int = 8,
        keep_turns: int = KEEP_TURNS,
    ) -> None:
        if max_conversations < 1:
            raise ValueError("max_conversations must be 1 or more")
        self._directory = directory
        self.max_conversations = max_conversations
        self.max_turns, self.keep_turns = max_turns, keep_turns

    @property
    def directory(self) -> Path:
        return self._directory or paths.data_dir() / "conversations"

    def history(self, conversation_id: str) -> History:
        return History(conversation_id, self.max_turns, self.directory, self.keep_turns)

    def summaries(self) -> list[Summary]:
        """Every conversation with something in it, newest first; unreadable ones say so."""
        found = []
        for path in self._files():
            summary = _summary(path)
            if summary.turns or summary.problem:
                found.append(summary)
        return sorted(found, key=lambda s: s.age_key, reverse=True)

    def open(self, conversation_id: str) -> History:
        """The conversation, read; ConversationError if it is missing or unreadable."""
        path = self._path(conversation_id)
        try:
            read_saved(path)
        except (OSError, ValueError) as e:
            raise ConversationError(f"cannot open the conversation {conversation_id}: {e}") from e
        history = self.history(conversation_id)
        history.load()
        return history

    def begin(self, now: datetime | None = None) -> History:
        """A new conversation (written with its first turn); the oldest go to make room."""
        self.prune(self.max_conversations - 1)
        base = new_id(now)
        conversation_id, n = base, 1
        while self._path(conversation_id).exists():
            n += 1
            conversation_id = f"{base}-{n}"
        return self.history(conversation_id)

    def delete(self, conversation_id: str) -> None:
        try:
            self._path(conversation_id).unlink()
        except FileNotFoundError:
            return
        except OSError as e:
            raise ConversationError(f"cannot delete the conversation {conversation_id}: {e}") from e

    def prune(self, keep: int) -> list[str]:
        """Delete the oldest conversations beyond `keep` (by their last change); their ids."""
        summaries = sorted((_summary(p) for p in self._files()), key=lambda s: s.age_key)
        gone = []
        for old in summaries[: max(0, len(summaries) - keep)]:
            try:
                self.delete(old.id)
            except ConversationError as e:
                log.warning("%s", e)
                continue
            gone.append(old.id)
        if gone:
            log.info("deleted the %d oldest conversations: %s", len(gone), ", ".join(gone))
        return gone

    def migrate(self) -> str | None:
        """The single conversation of older versions ("default.json") becomes one of the list,
        named by the time it was last changed; its new id, or None if there was none."""
        old = self.directory / f"{LEGACY_ID}.json"
        try:
            stamp = datetime.fromtimestamp(old.stat().st_mtime)
        except OSError:
            return None
        conversation_id, n = new_id(stamp), 1
        while self._path(conversation_id).exists():
            n += 1
            conversation_id = f"{new_id(stamp)}-{n}"
        try:
            old.rename(self._path(conversation_id))
        except OSError as e:  # still listed under its old name
            log.warning("could not rename %s: %s", old, e)
            return None
        log.info("the saved conversation %s is now %s", old.name, conversation_id)
        return conversation_id

    def _path(self, conversation_id: str) -> Path:
        try:
            check_id(conversation_id)
        except ValueError as e:
            raise ConversationError(str(e)) from e
        return self.directory / f"{conversation_id}.json"

    def _files(self) -> list[Path]:
        try:
            return [p for p in self.directory.glob("*.json") if not p.name.startswith(".")]
        except OSError as e:
            log.warning("cannot list the conversations in %s: %s", self.directory, e)
            return []


def _summary(path: Path) -> Summary:
    try:
        mtime = path.stat().st_mtime
    except OSError:
        mtime = 0.0
    try:
        saved = read_saved(path)
    except (OSError, ValueError) as e:
        log.warning("the conversation %s is unreadable: %s", path, e)
        problem = str(e) or "unreadable"
        return Summary(path.stem, "", "", _mtime(path), 0, problem, mtime)
    updated = saved.updated or _mtime(path)
    created = saved.created or updated
    return Summary(path.stem, saved.title, created, updated, len(saved.turns), "", mtime)


def _mtime(path: Path) -> str:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime).astimezone().isoformat("T", "seconds")
    except OSError:
        return ""


# ------------------------------------------------------------ Markdown


def to_markdown(history: History) -> str:
    """The conversation as Markdown: a title, when it was, then each turn."""
    title = history.title or "Conversation"
    lines = [f"# {_line(title)}", ""]
    if history.created:
        lines += [f"Started {history.created[:16].replace('T', ' ')}.", ""]
    for turn in history.all_turns:
        lines += [f"**You:** {_block(turn.user)}", ""]
        lines += [f"**Assistant:** {_block(turn.assistant)}", ""]
    return "\n".join(lines).rstrip() + "\n"


def export(history: History, path: Path) -> Path:
    """Write the conversation to `path` as Markdown, atomically; ConversationError says why not."""
    path = path.expanduser()
    if path.is_dir():
        raise ConversationError(f"{path} is a folder: give a file name, e.g. {path}/chat.md")
    if not path.parent.is_dir():
        raise ConversationError(f"the folder {path.parent} does not exist")
    try:
        paths.atomic_write(path, to_markdown(history).encode("utf-8"))
    except PermissionError as e:
        raise ConversationError(f"cannot write {path}: the folder is not writable") from e
    except OSError as e:
        raise ConversationError(f"cannot write {path}: {e.strerror or e}") from e
    return path


def default_export_path(conversation_id: str) -> Path:
    return Path.home() / f"conversation-{conversation_id}.md"


def _line(text: str) -> str:
    return " ".join(text.split())


def _block(text: str) -> str:
    """A turn's text inside a paragraph: its lines kept (Markdown line breaks)."""
    return "  \n".join(line.rstrip() for line in text.strip().splitlines()) or "(nothing)"


# ------------------------------------------------------------ the app's conversations


class UsesHistory(Protocol):
    """What the library needs of the reply engine (ReplyEngine)."""

    @property
    def history(self) -> History: ...

    def use_history(self, history: History) -> None: ...


class Library:
    """The conversation the engine continues, and the others to list, reopen, delete, export."""

    def __init__(self, store: Conversations, engine: UsesHistory) -> None:
        self.store, self.engine = store, engine

    @property
    def current_id(self) -> str:
        return self.engine.history.conversation_id

    def summaries(self) -> list[Summary]:
        return self.store.summaries()

    def turns(self, conversation_id: str) -> tuple[Turn, ...]:
        """All the kept turns of a conversation (the current one's as they are now)."""
        if conversation_id == self.current_id:
            return self.engine.history.all_turns
        return self.store.open(conversation_id).all_turns

    def open(self, conversation_id: str) -> tuple[Turn, ...]:
        """Continue `conversation_id`: the model's context is now its last turns; all its turns."""
        history = self.store.open(conversation_id)
        self.engine.use_history(history)
        return history.all_turns

    def new(self) -> None:
        """Begin a new conversation (the current one stays in the list)."""
        self.engine.use_history(self.store.begin())

    def delete(self, conversation_id: str) -> None:
        """Delete a conversation; deleting the current one begins a new one."""
        self.store.delete(conversation_id)
        if conversation_id == self.current_id:
            self.new()

    def export(self, conversation_id: str, path: Path) -> Path:
        history = (
            self.engine.history
            if conversation_id == self.current_id
            else self.store.open(conversation_id)
        )
        return export(history, path)
