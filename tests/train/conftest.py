"""A tiny prepared cache (real LJ clips + a few Piper joe sentences) shared by training tests."""

from pathlib import Path

import pytest

from assistant.train import data

LJ_IDS = ("LJ001-0002", "LJ001-0003", "LJ001-0004", "LJ001-0005")


@pytest.fixture(scope="session")
def tiny_cache(tmp_path_factory: pytest.TempPathFactory, shared_dir: Path) -> Path:
    out = tmp_path_factory.mktemp("voice-data")
    cfg = data.PrepareConfig(
        out=out, shared=shared_dir, hours=0.005, lj_ids=LJ_IDS, joe_limit=3, progress=False
    )
    data.prepare(cfg)  # returns the manifest path
    return out
