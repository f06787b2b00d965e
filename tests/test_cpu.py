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


def test_own_threads_sets_this_threads_torch_count_only() -> None:
    import torch

    from assistant.cpu import own_threads

    before = torch.get_num_threads()
    torch.set_num_threads(2)  # the count every thread starts with
    seen: dict[str, int] = {}

    def other() -> None:
        seen["other thread meanwhile"] = torch.get_num_threads()

    def model_thread() -> None:  # torch's first use in a thread sets its count: not after ours
        with own_threads(1):
            torch.ones(64, 64) @ torch.ones(64, 64)
            seen["inside"] = torch.get_num_threads()
            meanwhile = threading.Thread(target=other)
            meanwhile.start()
            meanwhile.join()
        seen["after"] = torch.get_num_threads()
        with own_threads(0):
            seen["zero: unchanged"] = torch.get_num_threads()

    try:
        worker = threading.Thread(target=model_thread)
        worker.start()
        worker.join()
        assert seen == {
            "inside": 1,
            "other thread meanwhile": 2,
            "after": 2,
            "zero: unchanged": 2,
        }
        assert torch.get_num_threads() == 2  # the calling thread's too
    finally:
        torch.set_num_threads(before)
