"""Reading the prepared training cache (numpy and json only, so training needs nothing else)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np


def load_utterance(path: Path) -> dict[str, np.ndarray]:
    """An utterance's arrays: mel (80, T) float16, ids (N,) int16, f0 (T,) Hz, energy (T,)."""
    with np.load(path, allow_pickle=False) as z:
        return {k: z[k] for k in ("mel", "ids", "f0", "energy")}


def read_meta(path: Path) -> dict[str, Any]:
    """The metadata stored with an utterance (reads only that member of the .npz)."""
    with np.load(path, allow_pickle=False) as z:
        meta: dict[str, Any] = json.loads(str(z["meta"]))
    return meta


def read_manifest(out: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """manifest.json (sources, settings, stats) and the manifest.jsonl utterance records."""
    summary = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    lines = (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
    return summary, [json.loads(line) for line in lines if line]
