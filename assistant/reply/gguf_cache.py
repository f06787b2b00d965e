"""A GGUF model dequantized once and kept in the cache: its folder, its stamp, writing it."""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
from pathlib import Path
from typing import Any

from assistant.reply.sources import ModelSource

log = logging.getLogger(__name__)

CACHE_FORMAT = 1  # bump when what the cache holds changes


def cache_folder(cache_dir: Path, source: ModelSource) -> Path:
    """The folder under `cache_dir` that holds `source` dequantized, ready to load quickly."""
    name = re.sub(r"[^\w.-]+", "-", Path(source.gguf_file).stem).strip("-").lower()
    return cache_dir / name


def stamp(source: ModelSource, transformers_version: str) -> dict[str, Any]:
    """What the cache was built from; a different stamp means a stale cache."""
    gguf = Path(source.location) / source.gguf_file
    stat = gguf.stat()
    return {
        "format": CACHE_FORMAT,
        "gguf": str(gguf),
        "size": stat.st_size,
        "mtime_ns": stat.st_mtime_ns,
        "transformers": transformers_version,
    }


def read_stamp(cache: Path) -> dict[str, Any] | None:
    try:
        stamp = json.loads((cache / "source.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return stamp if isinstance(stamp, dict) else None


def write_cache(model: Any, tokenizer: Any, cache: Path, stamp: dict[str, Any]) -> None:
    """Save the dequantized model (a transformers PreTrainedModel) and its tokenizer as
    safetensors (built aside, then renamed into place)."""
    quantizer = getattr(model, "hf_quantizer", None)
    if quantizer is not None:
        if getattr(quantizer, "packed_modules", None):
            log.info("the GGUF weights stay packed (fast to load); nothing to cache")
            return
        quantizer.remove_quantization_config(model)  # plain float weights now, saveable
    building = cache.with_name(f"{cache.name}.building-{os.getpid()}")
    try:
        shutil.rmtree(building, ignore_errors=True)
        model.save_pretrained(building, safe_serialization=True)
        tokenizer.save_pretrained(building)
        (building / "source.json").write_text(json.dumps(stamp, indent=1), encoding="utf-8")
        os.replace(building, cache)
        log.info("cached the dequantized model in %s", cache)
    except OSError as e:  # no room: it still runs, it just loads slowly next time
        log.warning("cannot cache the model in %s: %s", cache, e)
    finally:
        shutil.rmtree(building, ignore_errors=True)
