"""The local language model through Hugging Face transformers (the only transformers import)."""

from __future__ import annotations

import contextlib
import functools
import inspect
import io
import logging
import os
import shutil
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant import paths
from assistant.config import ReplyConfig
from assistant.cpu import give_way, own_threads
from assistant.reply import gguf_cache, prompts
from assistant.reply.kvcache import PromptCache, cache_arg, prefill
from assistant.reply.prompts import Message
from assistant.reply.sources import LLMError, ModelSource, resolve  # LLMError: importable here

if TYPE_CHECKING:
    from transformers import PreTrainedModel, PreTrainedTokenizerBase, TextIteratorStreamer

log = logging.getLogger(__name__)

REPETITION_PENALTY = 1.1  # small models loop without it
PENALIZE_PROMPT = False  # True: repeats of the prompt's words count too (transformers' default)
TOP_P = 0.9  # when sampling (temperature > 0)
MAX_PROMPT_TOKENS = 1536  # older turns are dropped beyond this (the model reads 8k; CPUs are slow)


@dataclass(frozen=True)
class GenerationStats:
    """How the last answer went: tokens read and written, and the seconds each part took."""

    prompt_tokens: int
    new_tokens: int
    prefill_s: float  # reading the prompt, up to the first new token
    total_s: float
    cached_tokens: int = 0  # of the prompt's, not read again (the last prompt began alike)

    @property
    def tokens_per_s(self) -> float:
        """New tokens per second of writing them (after the prompt was read)."""
        return self.new_tokens / max(self.total_s - self.prefill_s, 1e-9)


class TransformersLLM:
    """A chat model that streams its answer a few words at a time and stops when asked."""

    def __init__(
        self,
        model: str = "embedded",
        max_new_tokens: int = 96,
        temperature: float = 0.0,
        cache_dir: Path | None = None,
        reuse_prompt: bool = True,
        packed: bool = True,
        threads: int = 1,
    ) -> None:
        self.model = model
        self.max_new_tokens = max_new_tokens
        self.temperature = temperature  # 0 = greedy: the same answer every time
        self._cache_dir = cache_dir  # None = <cache>/llm
        self._source: ModelSource | None = None
        self._model: PreTrainedModel | None = None
        self._tokenizer: PreTrainedTokenizerBase | None = None
        self._lock = threading.Lock()  # one generation at a time
        self.load_seconds: float | None = None
        self.from_cache = False  # whether the last load used the dequantized cache
        self.last_stats: GenerationStats | None = None  # of the last finished answer
        self.reuse_prompt = reuse_prompt  # keep the last prompt's keys and values for the next
        self._prompt_cache: PromptCache | None = None
        self.packed = packed  # run layers a Q4 file stored as 4-bit as 4-bit (`reply/packed.py`)
        self.packed_layers = 0  # how many the last load packed
        self.threads = threads  # OpenMP threads it writes with (0: torch's); a prompt is read
        # with torch's count: many tokens at once keep a team busy

    @classmethod
    def from_config(cls, cfg: ReplyConfig, cache_dir: Path | None = None) -> TransformersLLM:
        return cls(
            cfg.model,
            cfg.max_new_tokens,
            cfg.temperature,
            cache_dir,
            packed=cfg.packed_weights,
            threads=cfg.threads,
        )

    @property
    def name(self) -> str:
        return self._source.label if self._source else self.model

    @property
    def ready(self) -> bool:
        return self._model is not None

    @property
    def source(self) -> ModelSource | None:
        """Where the loaded model came from (None before load())."""
        return self._source

    @property
    def cache_dir(self) -> Path:
        return self._cache_dir or paths.cache_dir() / "llm"

    def cache_path(self, source: ModelSource) -> Path:
        """The folder that holds `source` dequantized, ready to load quickly."""
        return gguf_cache.cache_folder(self.cache_dir, source)

    def load(self) -> None:
        """Load the model (slow: call it off the UI thread); LLMError says what went wrong."""
        started = time.perf_counter()
        source = resolve(self.model)
        transformers = _transformers()
        if source.kind == "gguf":
            model, tokenizer = self._load_gguf(source)
        else:
            self.from_cache = False
            model, tokenizer = _load_pretrained(transformers, source)
        model.eval()
        if self.packed:
            from assistant.reply.packed import pack_linears  # torch: imported when needed

            self.packed_layers = pack_linears(model)
        self._source, self._model, self._tokenizer = source, model, tokenizer
        self._prompt_cache = PromptCache(lambda: _transformers().DynamicCache(config=model.config))
        self.load_seconds = time.perf_counter() - started
        how = " from the cache" if self.from_cache else ""
        log.info("loaded %s in %.1f s%s", source.label, self.load_seconds, how)

    def close(self) -> None:
        with self._lock:
            self._model = self._tokenizer = None
            self._prompt_cache = None

    def stream(
        self, messages: Sequence[Message], stop: threading.Event | None = None
    ) -> Iterator[str]:
        """The answer to `messages` in pieces; setting `stop` ends it after the current token,
        or, while a long prompt is still being read, after the current chunk of it."""
        model, tokenizer = self._model, self._tokenizer
        if model is None or tokenizer is None:
            raise LLMError("the language model is not loaded yet")
        transformers = _transformers()
        stop = stop or threading.Event()
        inputs = self._encode(tokenizer, messages)
        streamer = transformers.TextIteratorStreamer(
            tokenizer, skip_prompt=True, skip_special_tokens=True
        )
        sampling: dict[str, Any] = {"do_sample": False}
        if self.temperature > 0:
            sampling = {"do_sample": True, "temperature": self.temperature, "top_p": TOP_P}
        kwargs = {
            **inputs,
            **sampling,
            "streamer": streamer,
            "max_new_tokens": self.max_new_tokens,
            **_repetition_penalty(inputs["input_ids"].shape[1]),
            "stopping_criteria": transformers.StoppingCriteriaList([_stop_criteria()(stop)]),
            "pad_token_id": tokenizer.pad_token_id or tokenizer.eos_token_id,
        }
        return self._generate(model, kwargs, streamer, stop)

    def _encode(self, tokenizer: Any, messages: Sequence[Message]) -> Any:
        """The prompt's tokens: the user's message capped, the oldest turns dropped to fit."""
        fitted = list(messages)
        if fitted and fitted[-1]["role"] == "user":
            text, _ = prompts.cap_input(fitted[-1]["content"])
            fitted[-1] = {"role": "user", "content": text}
        while True:
            inputs = tokenizer(
                prompts.format_chat(tokenizer, fitted),
                return_tensors="pt",
                add_special_tokens=False,
            )
            first = 1 if fitted[0]["role"] == "system" else 0
            if inputs["input_ids"].shape[1] <= MAX_PROMPT_TOKENS or len(fitted) - first < 3:
                return inputs
            del fitted[first : first + 2]  # the oldest user/assistant pair

    def _generate(
        self,
        model: Any,  # PreTrainedModel; its stubs type `generate` as a tensor
        kwargs: dict[str, Any],
        streamer: TextIteratorStreamer,
        stop: threading.Event,
    ) -> Iterator[str]:
        failures: list[BaseException] = []

        def run() -> None:
            import torch

            try:
                with self._lock, torch.inference_mode():
                    self._prefill_and_generate(model, kwargs, stop)
            except BaseException as e:  # handed to the reading thread below
                failures.append(e)
            finally:
                streamer.end()  # a no-op after generate() ended it

        thread = threading.Thread(target=run, name="llm-generate", daemon=True)
        thread.start()
        try:
            for piece in streamer:
                if piece:
                    yield piece
        finally:
            stop.set()
            thread.join()
        if failures:
            raise LLMError(f"the language model failed: {failures[0]}") from failures[0]

    def _prefill_and_generate(
        self, model: Any, kwargs: dict[str, Any], stop: threading.Event
    ) -> None:
        """Read the prompt a chunk at a time (a stop is seen between chunks), then write.
        What the last prompt shared with this one's beginning is not read again."""
        started = time.perf_counter()
        ids = kwargs["input_ids"]  # (1, T)
        kept = self._prompt_cache
        if kept is None:  # closed meanwhile
            return
        cache, reused = kept.start(ids)
        if not prefill(model, ids, stop, cache, reused):
            if self.reuse_prompt:
                kept.keep(ids, cache)
            log.info("stopped while reading the prompt")
            return
        prefilled = time.perf_counter()
        with own_threads(self.threads):  # not a team woken hundreds of times a token (cpu.py)
            out = model.generate(**kwargs, **{cache_arg(model): cache})  # (1, T + new)
        if self.reuse_prompt:
            kept.keep(out, cache)
        self.last_stats = GenerationStats(
            prompt_tokens=ids.shape[1],
            new_tokens=out.shape[1] - ids.shape[1],
            prefill_s=prefilled - started,
            total_s=time.perf_counter() - started,
            cached_tokens=reused,
        )

    # ------------------------------------------------------------ GGUF and its cache

    def _load_gguf(self, source: ModelSource) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
        """GGUF weights are dequantized on every load (slow), so the result is cached."""
        transformers = _transformers()
        cache = self.cache_path(source)
        stamp = gguf_cache.stamp(source, transformers.__version__)
        if cache.is_dir():
            if gguf_cache.read_stamp(cache) == stamp:
                try:
                    loaded = _load_pretrained(transformers, ModelSource("folder", str(cache), ""))
                    self.from_cache = True
                    return loaded
                except LLMError as e:
                    log.warning("the model cache %s is unreadable (%s); rebuilding it", cache, e)
            else:
                log.info("the model cache %s is out of date; rebuilding it", cache)
            shutil.rmtree(cache, ignore_errors=True)
        self.from_cache = False
        try:
            folder, name = source.location, source.gguf_file
            tokenizer = transformers.AutoTokenizer.from_pretrained(
                folder, gguf_file=name, local_files_only=True
            )
            # the dequantizing loop draws a tqdm bar that ignores disable_progress_bar()
            with contextlib.redirect_stderr(io.StringIO()):
                model = transformers.AutoModelForCausalLM.from_pretrained(
                    folder, gguf_file=name, local_files_only=True
                )
        except (OSError, ValueError, KeyError, RuntimeError) as e:
            raise LLMError(f"cannot load {Path(source.location) / source.gguf_file}: {e}") from e
        gguf_cache.write_cache(model, tokenizer, cache, stamp)
        return model, tokenizer


@functools.cache
def _transformers() -> Any:
    """transformers, imported on first use (it takes seconds) and never allowed online."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # read when huggingface_hub is imported
    import transformers

    transformers.utils.logging.disable_progress_bar()  # bars would scribble over the TUI
    return transformers


def _repetition_penalty(prompt_tokens: int) -> dict[str, Any]:
    """generate()'s arguments for the penalty on repeats: on what the model writes only, so it
    can still quote the prompt (the time it was told, the user's words), where transformers can."""
    transformers = _transformers()
    penalty = transformers.RepetitionPenaltyLogitsProcessor
    if not PENALIZE_PROMPT and "prompt_ignore_length" in inspect.signature(penalty).parameters:
        processor = penalty(REPETITION_PENALTY, prompt_ignore_length=prompt_tokens)
        return {"logits_processor": transformers.LogitsProcessorList([processor])}
    return {"repetition_penalty": REPETITION_PENALTY}


@functools.cache
def _stop_criteria() -> type:
    """A StoppingCriteria that ends generation once a threading.Event is set."""
    import torch

    class StopOnEvent(_transformers().StoppingCriteria):  # type: ignore[misc]
        def __init__(self, event: threading.Event) -> None:
            self.event = event

        def __call__(self, input_ids: torch.Tensor, scores: Any, **kwargs: Any) -> torch.Tensor:
            give_way(self.event)  # while a reply's first audio is made, the rest can wait
            stopped = self.event.is_set()
            return torch.full(
                (input_ids.shape[0],), stopped, dtype=torch.bool, device=input_ids.device
            )

    return StopOnEvent


def _load_pretrained(
    transformers: Any, source: ModelSource
) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    where = source.location
    try:
        tokenizer = transformers.AutoTokenizer.from_pretrained(where, local_files_only=True)
        model = transformers.AutoModelForCausalLM.from_pretrained(where, local_files_only=True)
    except Exception as e:  # a damaged folder fails in many ways (JSON, safetensors, OS)
        hint = ""
        if source.kind == "hub":
            hint = f" (the assistant works offline: download it once with `hf download {where}`)"
        raise LLMError(f"cannot load the model {where}: {e}{hint}") from e
    return model, tokenizer


class SentenceEncoder:
    """A sentence-transformers encoder from a local folder: mean-pooled, unit-length vectors."""

    def __init__(self, folder: Path, max_tokens: int = 128) -> None:
        self.folder, self.max_tokens = folder, max_tokens
        self._model: Any = None
        self._tokenizer: Any = None

    def load(self) -> None:
        transformers = _transformers()
        try:
            self._tokenizer = transformers.AutoTokenizer.from_pretrained(str(self.folder))
            self._model = transformers.AutoModel.from_pretrained(str(self.folder)).eval()
        except (OSError, ValueError) as e:
            raise LLMError(f"cannot load the sentence encoder in {self.folder}: {e}") from None

    def encode(self, texts: Sequence[str]) -> Any:
        """(N, dim) float32 numpy array of unit vectors."""
        import torch

        if self._model is None:
            raise LLMError("the sentence encoder is not loaded")
        batch = self._tokenizer(
            list(texts),
            padding=True,
            truncation=True,
            max_length=self.max_tokens,
            return_tensors="pt",
        )
        with torch.inference_mode():
            hidden = self._model(**batch).last_hidden_state  # (N, T, dim)
        mask = batch["attention_mask"].unsqueeze(-1).float()  # (N, T, 1)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)  # (N, dim)
        return torch.nn.functional.normalize(pooled, dim=-1).numpy()
