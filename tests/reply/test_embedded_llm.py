"""The real embedded SmolLM2-135M: cached dequantized load, streaming, cancellation (slow)."""

import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch

from assistant.reply import prompts
from assistant.reply.engine import ReplyEngine
from assistant.reply.history import History
from assistant.reply.llm import TransformersLLM
from assistant.reply.skills import Skills

pytestmark = pytest.mark.slow
log = logging.getLogger(__name__)

FRANCE = prompts.build_messages(prompts.system_prompt(), [], "What is the capital of France?")
STORY = prompts.build_messages(prompts.system_prompt(), [], "Tell me a long story about a dragon.")


@dataclass
class Loaded:
    cache: Path
    first: TransformersLLM  # built the cache (and is closed again)
    cached: TransformersLLM  # loaded from the cache
    first_answer: str
    cached_answer: str


def cache_folder(model: TransformersLLM) -> Path:
    assert model.source is not None
    return model.cache_path(model.source)


def greedy(model: TransformersLLM, messages: list[prompts.Message]) -> str:
    return "".join(model.stream(messages))


@pytest.fixture(scope="session")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Loaded]:
    """The model loaded twice, once building the cache and once from it (its own cache dir)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    cache = tmp_path_factory.mktemp("llm-cache")
    first = TransformersLLM(max_new_tokens=12, cache_dir=cache)
    first.load()
    first_answer = greedy(first, FRANCE)
    first.close()
    cached = TransformersLLM(max_new_tokens=12, cache_dir=cache)
    cached.load()
    log.info("first load %.1f s, cached load %.1f s", first.load_seconds, cached.load_seconds)
    yield Loaded(cache, first, cached, first_answer, greedy(cached, FRANCE))
    cached.close()
    torch.set_num_threads(threads)


def test_the_first_load_builds_the_cache_and_the_next_uses_it(embedded: Loaded) -> None:
    assert not embedded.first.from_cache and embedded.cached.from_cache
    folder = cache_folder(embedded.cached)
    assert folder.parent == embedded.cache
    assert {"model.safetensors", "config.json", "tokenizer.json", "source.json"} <= {
        p.name for p in folder.iterdir()
    }
    assert [p.name for p in embedded.cache.iterdir()] == [folder.name]  # no half-built folders
    first, cached = embedded.first.load_seconds, embedded.cached.load_seconds
    assert first is not None and cached is not None and cached < first / 2  # ~0.4 s vs ~20 s


def test_the_cached_model_gives_the_same_greedy_tokens(embedded: Loaded) -> None:
    assert embedded.first_answer and embedded.cached_answer == embedded.first_answer


def test_it_streams_an_answer_about_france(embedded: Loaded) -> None:
    model = embedded.cached
    model.max_new_tokens = 32
    pieces = list(model.stream(FRANCE))
    answer = "".join(pieces)
    assert len(pieces) >= 3, pieces  # streamed, not one block
    assert "Paris" in answer, answer  # the 135M model does know this one


def test_cancelling_stops_generation_early(embedded: Loaded) -> None:
    model = embedded.cached
    model.max_new_tokens = 200
    stop = threading.Event()
    pieces: list[str] = []
    stopped_at = 0.0
    for piece in model.stream(STORY, stop):
        pieces.append(piece)
        if len(pieces) == 3:
            stop.set()
            stopped_at = time.perf_counter()
    assert 3 <= len(pieces) <= 5  # at most a word or two already on its way
    assert time.perf_counter() - stopped_at < 5


def test_the_engine_with_the_real_model_records_a_cancelled_answer(embedded: Loaded) -> None:
    model = embedded.cached
    model.max_new_tokens = 200
    engine = ReplyEngine(Skills(), model, History())
    reply = engine.reply("Tell me a long story about a dragon.")
    got: list[str] = []
    consumer = threading.Thread(target=lambda: got.extend(reply.stream))
    consumer.start()
    deadline = time.monotonic() + 60
    while len(got) < 4 and time.monotonic() < deadline:
        time.sleep(0.01)
    reply.cancel()
    consumer.join(timeout=10)
    assert not consumer.is_alive() and 4 <= len(got) < 30
    turn = engine.history.turns[-1]
    assert turn.user.startswith("Tell me") and turn.assistant.startswith(got[0].strip())
    assert engine.reply("what time is it").skill == "time"


def test_a_corrupt_cache_is_deleted_and_rebuilt(
    embedded: Loaded, caplog: pytest.LogCaptureFixture
) -> None:
    folder = cache_folder(embedded.cached)
    (folder / "config.json").write_text("{ not json")
    model = TransformersLLM(max_new_tokens=12, cache_dir=embedded.cache)
    with caplog.at_level(logging.WARNING):
        model.load()
    assert "unreadable" in caplog.text and not model.from_cache
    assert greedy(model, FRANCE) == embedded.first_answer
    model.close()
    again = TransformersLLM(max_new_tokens=12, cache_dir=embedded.cache)
    again.load()
    assert again.from_cache
    again.close()
