"""Who goes first on a small CPU: background model work gives way while a reply's first audio
is being made (what the user is waiting for), instead of halving its speed."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

MAX_WAIT_S = 2.0  # background work never waits longer than this at one step
_POLL_S = 0.005
_urgent = threading.Event()  # set while urgent work runs (process-wide, as the CPU is)


@contextmanager
def urgent() -> Iterator[None]:
    """Mark the enclosed work as what the user waits for: `give_way` callers pause meanwhile."""
    _urgent.set()
    try:
        yield
    finally:
        _urgent.clear()


def give_way(stop: threading.Event | None = None, limit_s: float = MAX_WAIT_S) -> float:
    """Called by background work between its steps: wait while urgent work runs (until `stop`
    is set or `limit_s` passed); the seconds waited."""
    if not _urgent.is_set():
        return 0.0
    started = time.monotonic()
    while _urgent.is_set() and not (stop is not None and stop.is_set()):
        if time.monotonic() - started >= limit_s:
            break
        time.sleep(_POLL_S)
    return time.monotonic() - started
