"""assistant: an offline voice assistant for the terminal with its own emotional voice."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("assistant")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+local"

EMOTIONS: tuple[str, ...] = ("neutral", "happy", "sad", "angry", "surprised", "calm")
