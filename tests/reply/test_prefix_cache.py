"""The kept KV cache of the last prompt: the same greedy answers as reading every prompt whole."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import datetime

import pytest
import torch

from assistant.cpu import urgent
from assistant.reply import prompts
from assistant.reply.llm import TransformersLLM

pytestmark = pytest.mark.slow

QUESTION = "Tell me something about the moon."


def system(minute: int) -> str:
    return prompts.grounded_prompt(datetime(2026, 12, 2, 14, minute), "lj", "neutral")


@pytest.fixture(scope="module")
def models() -> Iterator[tuple[TransformersLLM, TransformersLLM]]:
    """The embedded model twice: keeping the last prompt's keys and values, and not. In float32
    (`packed=False`): with packed 4-bit layers the activations are rounded to bfloat16, which
    turns the last-bit differences of reading a prompt in two parts into changed tokens now and
    then (`test_packed.py` checks the packed model against the float one)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    kept = TransformersLLM(max_new_tokens=12, reuse_prompt=True, packed=False)
    whole = TransformersLLM(max_new_tokens=12, reuse_prompt=False, packed=False)
    kept.load()
    whole.load()
    yield kept, whole
    kept.close()
    whole.close()
    torch.set_num_threads(threads)


def answer(model: TransformersLLM, messages: list[prompts.Message]) -> tuple[str, int]:
    text = "".join(model.stream(messages))
    assert model.last_stats is not None
    return text, model.last_stats.cached_tokens


def test_a_kept_prompt_gives_the_same_greedy_answers(
    models: tuple[TransformersLLM, TransformersLLM],
) -> None:
    kept, whole = models
    first = prompts.build_messages(system(7), [], QUESTION)
    text, cached = answer(kept, first)
    assert cached == 0 and text
    assert answer(whole, first) == (text, 0)

    # the same minute, a turn later: system prompt and the first turn are read from the cache
    second = prompts.build_messages(system(7), [(QUESTION, text)], "And the sun?")
    again, cached = answer(kept, second)
    system_tokens = len(
        kept._tokenizer(prompts.format_chat(kept._tokenizer, first[:1]))["input_ids"]
    )  # type: ignore[misc]
    assert cached > system_tokens
    assert answer(whole, second) == (again, 0)

    # the clock moved on: only the system prompt before its clock line is reused
    third = prompts.build_messages(system(8), [], "What is a comet?")
    comet, cached = answer(kept, third)
    assert 0 < cached < system_tokens
    assert answer(whole, third) == (comet, 0)


def test_a_stopped_answer_leaves_a_usable_cache(
    models: tuple[TransformersLLM, TransformersLLM],
) -> None:
    kept, whole = models
    messages = prompts.build_messages(system(9), [], QUESTION)
    stop = threading.Event()
    pieces = kept.stream(messages, stop)
    next(pieces)
    stop.set()
    list(pieces)
    assert answer(kept, messages)[0] == answer(whole, messages)[0]
    assert kept.last_stats is not None and kept.last_stats.cached_tokens > 0


def test_the_model_gives_way_while_a_first_audio_is_made(
    models: tuple[TransformersLLM, TransformersLLM],
) -> None:
    kept, _ = models
    pieces: list[str] = []
    messages = prompts.build_messages(system(10), [], QUESTION)
    with urgent():
        writer = threading.Thread(target=lambda: pieces.extend(kept.stream(messages)))
        writer.start()
        time.sleep(1.0)
        assert len(pieces) <= 1  # at most the token in progress came out
    writer.join(30)
    assert len(pieces) > 3
