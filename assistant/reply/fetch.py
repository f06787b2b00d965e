"""Chat model downloads (resumable, verified) and what `assistant models list` says about them."""

from __future__ import annotations

import contextlib
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from assistant import download
from assistant.reply.catalogue import CHAT_MODELS, ChatModelSpec, installed_path, model_file

if TYPE_CHECKING:
    from assistant.config import ReplyConfig

log = logging.getLogger(__name__)


class FetchError(RuntimeError):
    """A chat model could not be downloaded; nothing is installed under its real name."""


def by_hand(spec: ChatModelSpec, url: str | None = None) -> str:
    """How to install the model without this command (on a machine that is offline)."""
    dest = installed_path(spec)
    return f"to install it by hand, download {url or spec.url} and save it as {dest}"


def fetch(
    model: str | ChatModelSpec,
    *,
    url: str | None = None,
    progress: TextIO | None = None,
    timeout: float = 30.0,
    force: bool = False,
) -> Path:
    """Download the model's GGUF into <models>/<key>/ and return its path.

    The bytes go to `<file>.part` (continued by the next run if the transfer breaks off) and
    the file gets its real name only once its size and SHA-256 match the catalogue. An
    installed file is verified instead of downloaded; with `force` a damaged one is replaced.
    """
    spec = model if isinstance(model, ChatModelSpec) else _spec(model)
    dest = installed_path(spec)
    url = url or spec.url
    if force and dest.is_file() and not _intact(dest, spec):
        log.info("%s does not match the catalogue: downloading it again", dest)
        dest.unlink()
    created = [d for d in (dest.parent, *dest.parent.parents) if not d.exists()]
    try:
        download.download(
            url, dest, size=spec.size, sha256=spec.sha256, progress=progress, timeout=timeout
        )
    except download.DownloadError as err:
        for folder in created:  # empty folders only: a .part file stays for the next run
            with contextlib.suppress(OSError):
                folder.rmdir()
        again = "; or run with --force" if dest.is_file() else ""
        raise FetchError(f"{err}{again}\n{by_hand(spec, url)}") from None
    return dest


def _intact(path: Path, spec: ChatModelSpec) -> bool:
    if path.stat().st_size != spec.size:
        return False
    return download.file_sha256(path).hexdigest() == spec.sha256


def _spec(key: str) -> ChatModelSpec:
    if key not in CHAT_MODELS:
        raise FetchError(f"unknown chat model '{key}' (known: {', '.join(CHAT_MODELS)})")
    return CHAT_MODELS[key]


def describe(cfg: ReplyConfig) -> str:
    """The chat models, installed or not, and what reply.model loads."""
    from assistant.reply.sources import LLMError, resolve

    try:
        resolve("embedded")
        embedded = "installed"
    except LLMError as err:
        embedded = f"not installed: {err}"
    lines = ["chat models (reply.model):"]
    rows = [("embedded", "SmolLM2-135M-Instruct Q4_1 (bundled, Apache-2.0)", embedded)]
    for key, spec in CHAT_MODELS.items():
        path = model_file(key)
        state = "installed" if path.is_file() else f"not installed: assistant models fetch {key}"
        if not path.is_file() and download.part_path(path).is_file():
            state += " (continues a broken-off download)"
        rows.append((key, spec.description, state))
    for key, text, state in rows:
        mark = "*" if key == cfg.model else " "
        lines.append(f" {mark}{key:<13} {text:<50} {state}")
    try:
        source = resolve(cfg.model)
        where = Path(source.location) / source.gguf_file if source.gguf_file else source.location
        lines.append(f"reply.model = {cfg.model}: {source.label} ({where})")
    except LLMError as err:
        lines.append(f"reply.model = {cfg.model}: cannot run: {err}")
    return "\n".join(lines)


def command(name: str, force: bool = False) -> int:
    """`assistant models fetch KEY` for a chat model: the exit status; messages on stdout/stderr."""
    try:
        spec = _spec(name)
        path = fetch(spec, progress=sys.stderr, force=force)
    except FetchError as err:
        print(f"assistant: {err}", file=sys.stderr)
        return 1
    print(f"{name}: {path} (size and SHA-256 {spec.sha256} verified)")
    print(f'to use it: reply.model = "{name}" in the config, or the settings screen (Ctrl+S)')
    return 0
