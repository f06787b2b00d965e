"""Speech model downloads: fetch with progress, verify, unpack atomically; list installed ones."""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import logging
import os
import shutil
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
import zlib
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, TextIO

from assistant.asr.models import MODELS, ModelSpec, model_path, models_dir
from assistant.download import Progress as _Progress

if TYPE_CHECKING:
    from assistant.config import AsrConfig

log = logging.getLogger(__name__)

HASH_FILE = "download.sha256"  # written into an unpacked model: `<sha256>  <archive name>`
_CHUNK = 1 << 16


class FetchError(RuntimeError):
    """A model could not be downloaded or installed; nothing partial was left behind."""


def _offline_message(url: str, spec: ModelSpec, dest: Path, reason: object) -> str:
    host = urllib.parse.urlsplit(url).hostname or url
    return (
        f"could not reach {host}: {reason}; download it by hand from {url} "
        f"and unzip into {dest}, or set asr.vosk_model"
    )


def _download(
    url: str, spec: ModelSpec, dest: Path, to: Path, progress: _Progress, timeout: float
) -> str:
    """Stream url into the file `to`; returns the SHA-256 of what arrived (size checked)."""
    digest = hashlib.sha256()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, open(to, "wb") as out:
            length = response.headers.get("Content-Length")
            expected = int(length) if length and length.isdigit() else spec.size
            progress.total = expected
            while chunk := response.read(_CHUNK):
                out.write(chunk)
                digest.update(chunk)
                progress.update(len(chunk))
    except urllib.error.HTTPError as err:
        raise FetchError(f"{url}: HTTP {err.code} {err.reason}") from None
    except urllib.error.URLError as err:
        raise FetchError(_offline_message(url, spec, dest, err.reason)) from None
    except (OSError, http.client.HTTPException) as err:  # timeouts, resets, a short body
        raise FetchError(f"the download from {url} broke off: {err}") from None
    finally:
        progress.close()
    got = to.stat().st_size
    if expected is not None and got != expected:
        raise FetchError(f"the download from {url} is incomplete: {got} of {expected} bytes")
    if spec.size is not None and got != spec.size:
        raise FetchError(f"{url} is {got} bytes, expected {spec.size}: not the known archive")
    return digest.hexdigest()


def _unpack(archive: Path, into: Path) -> Path:
    """Extract a verified zip into `into`; returns the model folder (its single top folder)."""
    from assistant.asr.vosk import model_problem

    try:
        with zipfile.ZipFile(archive) as zf:
            bad = zf.testzip()  # reads every member and checks its CRC
            if bad is not None:
                raise FetchError(f"the archive is damaged (CRC error in {bad}); fetch it again")
            for member in zf.namelist():
                parts = PurePosixPath(member).parts
                if member.startswith("/") or ".." in parts:
                    raise FetchError(f"the archive contains an unsafe path: {member}")
            zf.extractall(into)
    except (zipfile.BadZipFile, zlib.error) as err:
        raise FetchError(f"the download is not a valid zip archive ({err})") from None
    except OSError as err:  # a full disk, permissions
        raise FetchError(f"cannot unpack the archive into {into}: {err}") from None
    entries = [p for p in into.iterdir() if not p.name.startswith("__MACOSX")]
    root = entries[0] if len(entries) == 1 and entries[0].is_dir() else into
    problem = model_problem(root)
    if problem:
        raise FetchError(f"the archive {problem}")
    return root


def fetch(
    model: str | ModelSpec,
    *,
    url: str | None = None,
    dest: Path | None = None,
    progress: TextIO | None = None,
    timeout: float = 30.0,
    force: bool = False,
) -> Path:
    """Download, verify and unpack a model into dest (default models_dir()); returns its folder.

    The archive goes to a temporary folder inside dest and the unpacked model is renamed into
    place only once it is complete and verified, so a failure leaves dest as it was.
    """
    spec = model if isinstance(model, ModelSpec) else _spec(model)
    dest = dest or models_dir()
    target = dest / spec.name
    if target.exists() and not force:
        log.info("%s is already installed in %s", spec.name, target)
        return target
    url = url or spec.url
    created = [d for d in (dest, *dest.parents) if not d.exists()]
    dest.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".fetch-{spec.name}-", dir=dest))
    installed = False
    try:
        archive = work / Path(urllib.parse.urlsplit(spec.url).path).name
        bar = _Progress(progress, archive.name, spec.size)
        sha256 = _download(url, spec, dest, archive, bar, timeout)
        if spec.sha256 is not None and sha256 != spec.sha256:
            raise FetchError(f"{archive.name} has SHA-256 {sha256}, expected {spec.sha256}")
        root = _unpack(archive, work / "unpacked")
        (root / HASH_FILE).write_text(f"{sha256}  {archive.name}\n", encoding="utf-8")
        _swap_in(root, target, work / "old")
        log.info("installed %s in %s (SHA-256 %s)", spec.name, target, sha256)
        installed = True
        return target
    finally:
        shutil.rmtree(work, ignore_errors=True)
        for folder in created if not installed else []:  # leave no trace of a failed fetch
            with contextlib.suppress(OSError):
                folder.rmdir()


def _swap_in(new: Path, target: Path, old: Path) -> None:
    """Rename new to target; a copy already there (--force) moves to old, or back on failure."""
    replacing = target.exists()
    if replacing:
        target.rename(old)
    try:
        os.replace(new, target)
    except OSError as err:
        if replacing:
            old.rename(target)
        raise FetchError(f"cannot move the model into {target}: {err}") from None


def _spec(key: str) -> ModelSpec:
    if key not in MODELS:
        raise FetchError(f"unknown model '{key}' (known: {', '.join(MODELS)})")
    return MODELS[key]


def recorded_hash(folder: Path) -> str | None:
    """The SHA-256 recorded when the model in `folder` was fetched (None if put there by hand)."""
    try:
        return (folder / HASH_FILE).read_text(encoding="utf-8").split()[0]
    except (OSError, IndexError):
        return None


def describe(cfg: AsrConfig) -> str:
    """What `assistant models list` prints: installed models and the engine 'auto' would use."""
    from assistant.asr.engine import choose_engine
    from assistant.asr.types import AsrError
    from assistant.asr.vosk import model_problem
    from assistant.reply.catalogue import CHAT_MODELS

    lines = [f"models folder: {models_dir()}", "speech models (asr):"]
    catalogued = {spec.name for spec in MODELS.values()} | set(CHAT_MODELS)  # chat: listed apart
    for key, spec in MODELS.items():
        folder = model_path(key)
        state = "installed" if not model_problem(folder) else f"not installed ({spec.url})"
        lines.append(f"  {key:<10} {spec.name:<32} {state}")
    others = sorted(models_dir().glob("*")) if models_dir().is_dir() else []
    for folder in others:
        if folder.name not in catalogued and not folder.name.startswith("."):
            state = model_problem(folder) or "installed by hand"
            lines.append(f"  {'':<10} {folder.name:<32} {state}")
    if cfg.vosk_model:
        problem = model_problem(Path(cfg.vosk_model).expanduser())
        lines.append(f"asr.vosk_model: {cfg.vosk_model} ({problem or 'a Vosk model'})")
    lines.append(f"whisper fallback: {_whisper_state()}")
    try:
        lines.append(f"asr.engine = {cfg.engine}: {choose_engine(cfg).name}")
    except AsrError as err:
        lines.append(f"asr.engine = {cfg.engine}: cannot run: {err}")
    if cfg.engine != "auto":
        from dataclasses import replace

        lines.append(
            f"asr.engine = auto would use: {choose_engine(replace(cfg, engine='auto')).name}"
        )
    return "\n".join(lines)


def _whisper_state() -> str:
    from assistant.asr.whisper import WhisperError, default_model_path

    try:
        return f"tiny.en in {default_model_path()}"
    except WhisperError as err:
        return f"not available: {err}"


def command(action: str, name: str | None, cfg: AsrConfig, force: bool = False) -> int:
    """`assistant models list|fetch NAME`: the exit status; messages on stdout/stderr."""
    if action == "list":
        print(describe(cfg))
        return 0
    try:
        folder = fetch(name or "", progress=sys.stderr, force=force)
    except FetchError as err:
        print(f"assistant: {err}", file=sys.stderr)
        return 1
    print(f"{name}: {folder}")
    hashed = recorded_hash(folder)
    if hashed:
        print(f"SHA-256 of the download: {hashed} (recorded in {folder / HASH_FILE})")
    return 0
