"""The catalogue of larger chat models `assistant models fetch` downloads, and where they live."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from assistant.paths import models_dir

HUB = "https://huggingface.co"


@dataclass(frozen=True)
class ChatModelSpec:
    """One GGUF file on the Hugging Face hub, pinned to a revision, a size and a SHA-256."""

    key: str  # what `assistant models fetch` and reply.model call it
    label: str  # for the screen, the log and the answer-quality table
    repo: str
    revision: str  # a commit, so the file cannot change under the same URL
    file: str
    size: int  # bytes
    sha256: str
    licence: str

    @property
    def url(self) -> str:
        return f"{HUB}/{self.repo}/resolve/{self.revision}/{self.file}"

    @property
    def description(self) -> str:
        return f"{self.label} ({self.size / 1e6:.0f} MB, {self.licence})"


# Sizes and hashes: the hub's LFS pointers at these revisions (several projects record the same).
CHAT_MODELS = {
    "smollm2-360m": ChatModelSpec(
        "smollm2-360m",
        "SmolLM2-360M-Instruct Q8_0",
        "HuggingFaceTB/SmolLM2-360M-Instruct-GGUF",
        "593b5a2e04c8f3e4ee880263f93e0bd2901ad47f",
        "smollm2-360m-instruct-q8_0.gguf",
        size=386_404_992,
        sha256="48ab3034d0dd401fbc721eb1df3217902fee7dab9078992d66431f09b7750201",
        licence="Apache-2.0",
    ),
    "qwen2.5-0.5b": ChatModelSpec(
        "qwen2.5-0.5b",
        "Qwen2.5-0.5B-Instruct Q8_0",
        "Qwen/Qwen2.5-0.5B-Instruct-GGUF",
        "9217f5db79a29953eb74d5343926648285ec7e67",
        "qwen2.5-0.5b-instruct-q8_0.gguf",
        size=675_710_816,
        sha256="ca59ca7f13d0e15a8cfa77bd17e65d24f6844b554a7b6c12e07a5f89ff76844e",
        licence="Apache-2.0",
    ),
}


def installed_path(spec: ChatModelSpec) -> Path:
    """Where the model is once fetched: <models>/<key>/<file>."""
    return models_dir() / spec.key / spec.file


def model_file(key: str) -> Path:
    """Where the catalogue model `key` is once fetched."""
    return installed_path(CHAT_MODELS[key])


def is_installed(key: str) -> bool:
    return key in CHAT_MODELS and model_file(key).is_file()


def installed() -> list[str]:
    """The keys of the catalogue models that are installed, in catalogue order."""
    return [key for key in CHAT_MODELS if is_installed(key)]
