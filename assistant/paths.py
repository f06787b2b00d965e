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


def data_dir() -> Path:
    return _override("DATA", _DIRS.user_data_dir)


def cache_dir() -> Path:
    return _override("CACHE", _DIRS.user_cache_dir)


def repo_voices_dir() -> Path:
    """Voices shipped with the source tree (voices/<name>/)."""
    return Path(__file__).resolve().parent.parent / "voices"


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
