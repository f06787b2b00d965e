"""The catalogue of downloadable speech models and where installed ones live."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from assistant.paths import models_dir


@dataclass(frozen=True)
class ModelSpec:
    """A downloadable model: where it comes from, how big it is, and what it must hash to."""

    key: str  # what `assistant models fetch` calls it
    name: str  # the folder it unpacks to under models_dir()
    url: str
    size: int | None = None  # bytes of the archive; None = unknown
    sha256: str | None = None  # None = unknown: record the hash of what arrived
    description: str = ""


# The hash and size are not published by alphacephei.com; they are the values several independent
# projects record for this archive (it has not changed since 2020), so a changed file is refused.
MODELS = {
    "vosk-en": ModelSpec(
        "vosk-en",
        "vosk-model-small-en-us-0.15",
        "https://alphacephei.com/vosk/models/vosk-model-small-en-us-0.15.zip",
        size=41_205_931,
        sha256="30f26242c4eb449f948e42cb302dd7a686cb29a3423a8367f99ff41780942498",
        description="Vosk small US English (40 MB, Apache-2.0)",
    ),
}


def model_path(key: str) -> Path:
    """Where a catalogue model lives once fetched."""
    return models_dir() / MODELS[key].name
