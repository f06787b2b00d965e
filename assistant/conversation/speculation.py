"""A reply started at a pause that may end the user's turn, held until the turn is sure."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assistant.reply.engine import Reply, ReplyEngine

if TYPE_CHECKING:
    from assistant.asr.engine import ListenEvent

log = logging.getLogger(__name__)


def same_words(a: str, b: str) -> bool:
    """Whether two transcripts are the same text (spacing aside)."""
    return a.split() == b.split()


@dataclass(frozen=True)
class Held:
    """A reply being written for `text`, nothing of it shown or said yet."""

    text: str
    reply: Reply


class Speculator:
    """Starts the language model on the tentative transcript of a pause (`guess`), so that the
    reply is already being written when the pause turns out to end the turn.

    The turn's final transcript then takes it (`take`) if it has the same words; otherwise, or
    if the user goes on speaking (`drop`), it is cancelled unread: nothing was shown or said,
    and nothing enters the history (a reply records only what was read of it). Commands answer
    at once and are not started early. `idle` says whether nothing else is being answered.
    """

    def __init__(self, engine: ReplyEngine, idle: Callable[[], bool]) -> None:
        self.engine, self.idle = engine, idle
        self._held: Held | None = None
        self._lock = threading.Lock()
        self.started = self.taken = self.dropped = 0  # counts, for the log and the bench

    def hear(self, event: ListenEvent) -> None:
        """A listener event: a Tentative starts a held reply; speech going on drops it."""
        from assistant.asr.engine import Tentative
        from assistant.asr.types import Final
        from assistant.asr.vad import SpeechResumed, SpeechStarted

        if isinstance(event, Tentative):
            self.guess(event.text)
        elif isinstance(event, SpeechStarted | SpeechResumed) or (
            isinstance(event, Final) and not event.text.strip()
        ):
            self.drop()

    def guess(self, text: str) -> None:
        """The user paused after saying `text`: start its answer, held."""
        with self._lock:
            self._drop()
            if not text.strip() or not self.idle():
                return
            if self.engine.skills.match(text) is not None or not self.engine.llm.ready:
                return  # a command, or no model yet: answered at once when the turn ends
            reply = self.engine.reply(text)
            reply.stream.prefetch()
            self._held = Held(text, reply)
            self.started += 1
        log.debug("started a reply to %r early", text)

    def take(self, text: str) -> Reply | None:
        """The turn ended with `text`: the held reply if it answers exactly that, else None."""
        with self._lock:
            held, self._held = self._held, None
            if held is None:
                return None
            if same_words(held.text, text) and not held.reply.stream.done:
                self.taken += 1
                return held.reply
            self._cancel(held)
            return None

    def drop(self) -> None:
        """The user goes on speaking (or something else is answered): cancel the held reply."""
        with self._lock:
            self._drop()

    def _drop(self) -> None:
        held, self._held = self._held, None
        if held is not None:
            self._cancel(held)

    def _cancel(self, held: Held) -> None:
        held.reply.cancel()  # unread: nothing is recorded
        self.dropped += 1
        log.debug("dropped the early reply to %r", held.text)
