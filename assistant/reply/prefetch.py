"""An iterator pulled ahead of its reader in a thread of its own (a reply prepared early)."""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class Prefetched(Generic[T]):
    """Iterates `items` in a thread now; reading it later gets what was made, then the rest.

    Setting `stop` (or `close()`) makes the thread end after the item in progress; the thread
    closes `items` itself (a generator cannot be closed from another thread while it runs).
    A failure in `items` is raised to the reader once it reaches it.
    """

    def __init__(self, items: Iterator[T], stop: threading.Event | None = None) -> None:
        self._stop = stop or threading.Event()
        self._queue: queue.Queue[tuple[bool, T | BaseException | None]] = queue.Queue()
        self._end: tuple[bool, T | BaseException | None] | None = None
        self.thread = threading.Thread(target=self._pull, args=(items,), name="prefetch")
        self.thread.daemon = True
        self.thread.start()

    def _pull(self, items: Iterator[T]) -> None:
        failure: BaseException | None = None
        try:
            for item in items:
                self._queue.put((True, item))
                if self._stop.is_set():
                    break
        except BaseException as e:  # handed to the reader
            failure = e
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                with contextlib.suppress(Exception):
                    close()
            self._queue.put((False, failure))

    def __iter__(self) -> Prefetched[T]:
        return self

    def __next__(self) -> T:
        if self._end is None:
            is_item, value = self._queue.get()
            if is_item:
                return value  # type: ignore[return-value]
            self._end = (False, value)
        failure = self._end[1]
        if isinstance(failure, BaseException):
            self._end = (False, None)  # raised once
            raise failure
        raise StopIteration

    def close(self) -> None:
        """Stop making more (what was made is dropped unless read)."""
        self._stop.set()
