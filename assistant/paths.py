"""Where the assistant keeps its files: config, data and cache (never the working directory)."""

import os
from pathlib import Path

from platformdirs import PlatformDirs

_DIRS = PlatformDirs("assistant", appauthor=False)


def _override(name: str, default: str) -> Path:
    """Honour ASSISTANT_<NAME>_DIR so tests and portable installs can relocate a directory."""
    return Path(os.environ.get(f"ASSISTANT_{name}_DIR", default))


def config_dir() -> Path:
    return _override("CONFIG", _DIRS.user_config_dir)


def config_file() -> Path:
    return config_dir() / "config.toml"


def pronunciations_file() -> Path:
    """The user's pronunciation dictionary (see `assistant.tts.lexicon`)."""
    return config_dir() / "pronunciations.txt"


def data_dir() -> Path:
    return _override("DATA", _DIRS.user_data_dir)


def cache_dir() -> Path:
    return _override("CACHE", _DIRS.user_cache_dir)


def shipped_voices_dir() -> Path:
    """The voices that come with the package (assistant/voices/<name>/, package data)."""
    return Path(__file__).resolve().parent / "voices"


def models_dir() -> Path:
    """The folder downloaded models live in: speech models and chat models."""
    return data_dir() / "models"


def fast_vocoder_dir() -> Path:
    """The fast vocoder shipped with the package (assistant/vocoders/fast)."""
    return Path(__file__).resolve().parent / "vocoders" / "fast"


def other_voice_name(name: str) -> str | None:
    """A voice that is not `name` (quoted speech is said in it), or None if there is no other."""
    return next((other for other in voice_folders() if other != name), None)


def voice_folders() -> dict[str, Path]:
    """Every voice by name: the user's own (data dir) beside the shipped ones; a user's voice
    of the same name comes first."""
    found: dict[str, Path] = {}
    for root in (data_dir() / "voices", shipped_voices_dir()):
        if root.is_dir():
            for folder in sorted(root.iterdir()):
                if (folder / "voice.json").is_file():
                    found.setdefault(folder.name, folder)
    return found


def atomic_write(path: Path, data: bytes) -> None:
    """Write a file so that readers see the old or the new content, never a torn one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
