"""Who goes first on a small CPU: background model work gives way while a reply's first audio
is being made (what the user is waiting for), instead of halving its speed; and a thread's own
count of OpenMP threads for torch work that is many small steps (`own_threads`)."""

from __future__ import annotations

import ctypes
import functools
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

log = logging.getLogger(__name__)

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


@contextmanager
def own_threads(count: int) -> Iterator[None]:
    """Run the enclosed torch work on `count` OpenMP threads in this thread only.

    Each thread that runs torch keeps a team of OpenMP threads. Once the teams together hold
    more threads than there are cores, libgomp stops spinning between parallel regions, and
    each region (hundreds in one token of the model) wakes its team from sleep: on 2 cores a
    token took 80 ms in the model's thread while another thread held a team of two, 41 ms with
    a team of one, 35 ms alone. torch.set_num_threads would also change it for threads started
    later. `count` 0, or no OpenMP runtime found: nothing changes."""
    if count <= 0:
        yield
        return
    import torch  # imported by the caller already

    torch.get_num_threads()  # torch sets a thread's count on its first use: before ours
    runtime = _torch_openmp()
    if runtime is None:
        yield
        return
    before = runtime.omp_get_max_threads()
    runtime.omp_set_num_threads(count)
    try:
        yield
    finally:
        runtime.omp_set_num_threads(before)


@functools.cache
def _torch_openmp() -> ctypes.CDLL | None:
    """The OpenMP runtime torch loaded (Linux: from the process's memory map), or None (other
    systems, or a torch without one). Other libraries may bring their own copy (ctranslate2
    does): theirs is not torch's. Called once torch is imported, so the answer never changes."""
    try:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            files = sorted({line.split()[-1] for line in maps if "/torch/lib/" in line})
    except OSError:
        files = []
    for file in files:
        if file.rsplit("/", 1)[-1].startswith(("libgomp", "libomp", "libiomp")):
            try:
                return ctypes.CDLL(file)
            except OSError as e:
                log.debug("cannot open %s: %s", file, e)
    log.debug("no OpenMP runtime of torch's found: thread counts stay as torch set them")
    return None
