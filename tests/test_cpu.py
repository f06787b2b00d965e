"""Background work gives way while urgent work (a reply's first audio) runs."""

from __future__ import annotations

import threading
import time

from assistant.cpu import give_way, urgent


def test_give_way_returns_at_once_when_nothing_is_urgent() -> None:
    assert give_way() == 0.0


def test_give_way_waits_until_the_urgent_work_is_done() -> None:
    waited: list[float] = []
    with urgent():
        worker = threading.Thread(target=lambda: waited.append(give_way()))
        worker.start()
        time.sleep(0.2)
        assert worker.is_alive()  # still waiting
    worker.join(2)
    assert not worker.is_alive() and 0.15 <= waited[0] < 1.0


def test_a_stop_or_the_limit_ends_the_wait() -> None:
    stop = threading.Event()
    stop.set()
    with urgent():
        assert give_way(stop) < 0.05
        assert 0.1 <= give_way(limit_s=0.1) < 0.5
