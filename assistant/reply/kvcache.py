"""A prompt's key/value cache: read a chunk at a time, kept for a next prompt that begins alike."""

from __future__ import annotations

import inspect
import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch

log = logging.getLogger(__name__)

PREFILL_CHUNK = 64  # prompt tokens read at once: a stop is noticed within one chunk


class PromptCache:
    """Keeps the model's KV cache of the last prompt and answer, and the tokens it holds.

    The next prompt usually begins the same way: the system prompt up to its clock line (which
    comes last, to the minute), and within a minute also the earlier turns. `start` hands back
    the cache cut to that common beginning, so only the rest is read. One user at a time:
    `start` takes the kept cache out until `keep` puts one back (a failed generation keeps none).
    """

    def __init__(self, new_cache: Callable[[], Any]) -> None:
        self._new = new_cache  # an empty cache for the model (transformers' DynamicCache)
        self._ids: torch.Tensor | None = None  # (N,) the tokens the kept cache holds
        self._cache: Any = None
        self.reused = 0  # tokens not read again by the last `start`

    def start(self, ids: torch.Tensor) -> tuple[Any, int]:
        """A cache holding the first n tokens of `ids` (1, T), and n (at most T - 1, so that
        generate() has a token to read)."""
        kept, cache = self._ids, self._cache
        self._ids = self._cache = None
        self.reused = 0
        if kept is None:
            return self._new(), 0
        limit = min(len(kept), ids.shape[1] - 1)
        differs = (kept[:limit] != ids[0, :limit]).nonzero()
        common = int(differs[0, 0]) if len(differs) else limit
        if common == 0:
            return self._new(), 0
        try:
            extra = cache.get_seq_length() - common
            if extra:
                cache.crop(-extra)  # negative: drop that many from the end (every version)
        except (AttributeError, ValueError, RuntimeError) as e:
            log.warning("cannot cut the kept KV cache (%s); reading the whole prompt", e)
            return self._new(), 0
        self.reused = common
        return cache, common

    def keep(self, ids: torch.Tensor, cache: Any) -> None:
        """`cache` holds the KV of the first tokens of `ids` (1, T): keep it for the next prompt."""
        length = int(cache.get_seq_length())
        if 0 < length <= ids.shape[1]:
            self._ids, self._cache = ids[0, :length].clone(), cache

    def clear(self) -> None:
        self._ids = self._cache = None


def prefill(model: Any, ids: Any, stop: threading.Event, cache: Any, start: int = 0) -> bool:
    """Fill `cache` (holding the first `start` tokens) with all but the prompt's last token,
    PREFILL_CHUNK tokens at a time; False if `stop` was set meanwhile. generate() then reads
    the last token and writes."""
    length = ids.shape[1] - 1
    for begin in range(start, length, PREFILL_CHUNK):
        if stop.is_set():
            return False
        chunk = ids[:, begin : min(begin + PREFILL_CHUNK, length)]  # (1, chunk)
        model(input_ids=chunk, use_cache=True, **{cache_arg(model): cache})
    return not stop.is_set()


def cache_arg(model: Any) -> str:
    """What the model calls its KV cache argument ("past_key_values" before transformers 5.2x)."""
    return "cache" if "cache" in inspect.signature(model.forward).parameters else "past_key_values"
