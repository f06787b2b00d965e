"""Packing the training cache to carry it to another machine, and unpacking it there."""

import subprocess
import sys
from pathlib import Path

import numpy as np

from assistant.train.batches import Utterances
from assistant.train.cache import load_utterance, read_manifest

REPO = Path(__file__).resolve().parents[2]


def test_a_packed_cache_unpacks_to_the_same_utterances(tiny_cache: Path, tmp_path: Path) -> None:
    script = [sys.executable, str(REPO / "scripts" / "pack_cache")]
    for action, source, target in (
        ("pack", tiny_cache, tmp_path / "packed"),
        ("unpack", tmp_path / "packed", tmp_path / "again"),
    ):
        done = subprocess.run([*script, action, str(source), str(target)], capture_output=True)
        assert done.returncode == 0, done.stderr.decode()[-2000:]
    summary, records = read_manifest(tiny_cache)
    again_summary, again_records = read_manifest(tmp_path / "again")
    assert again_summary == summary
    assert again_records == [r for r in records if r["split"] == "train"] and again_records
    for record in again_records:
        before = load_utterance(tiny_cache / record["path"])
        after = load_utterance(tmp_path / "again" / record["path"])
        assert np.array_equal(after["ids"], before["ids"])
        mel_error = np.abs(after["mel"].astype(np.float32) - before["mel"].astype(np.float32))
        assert mel_error.max() < 0.03  # 8-bit steps of 13.8 / 255 ln units, half a step
        assert np.allclose(after["f0"], before["f0"], rtol=1e-3)
        assert np.allclose(after["energy"], before["energy"], rtol=1e-3, atol=1e-3)
    assert len(Utterances(tmp_path / "again")) == len(Utterances(tiny_cache))
