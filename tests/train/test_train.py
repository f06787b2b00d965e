"""Training: resumable checkpoints, loss curves, a voice export, DDP processes staying in sync."""

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from assistant.train.train import TrainConfig, export, load_checkpoint, train
from assistant.tts.voice import Voice

REPO = Path(__file__).resolve().parents[2]
TINY = {"d_model": 32, "n_heads": 2, "enc_layers": 1, "dec_layers": 1, "align_dim": 16}


def test_training_resumes_where_it_stopped_and_exports_a_voice(
    tiny_cache: Path, tmp_path: Path
) -> None:
    cfg = TrainConfig(
        data=tiny_cache, out=tmp_path / "run", steps=3, batch=2, crop=32, model=TINY, log_every=1
    )
    train(cfg)
    first = load_checkpoint(tmp_path / "run" / "checkpoint.pt")
    assert first["step"] == 3 and len(first["history"]) == 3
    assert (tmp_path / "run" / "losses.png").stat().st_size > 1000
    train(TrainConfig(**{**cfg.__dict__, "steps": 5}))  # a later run continues, not restarts
    second = load_checkpoint(tmp_path / "run" / "checkpoint.pt")
    assert second["step"] == 5 and [h["step"] for h in second["history"]] == [1, 2, 3, 4, 5]
    assert any(not torch.equal(second["model"][k], first["model"][k]) for k in first["model"])

    folder = export(tmp_path / "run" / "checkpoint.pt", tmp_path / "voices" / "tiny", "lj")
    voice = Voice.load(folder)
    assert voice.info.speaker_id == 0 and voice.info.vocoder == "lj"
    assert voice.info.meta["training"]["steps"] == 5


def test_two_ddp_processes_stay_in_sync(tiny_cache: Path, tmp_path: Path) -> None:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}
    torchrun = Path(sys.executable).parent / "torchrun"
    done = subprocess.run(
        [
            str(torchrun),
            "--standalone",
            "--nproc_per_node",
            "2",
            str(REPO / "tests" / "train" / "ddp_worker.py"),
            str(tiny_cache),
            str(tmp_path),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    digests = {(tmp_path / f"rank{r}.sha256").read_text() for r in (0, 1)}
    assert len(digests) == 1  # identical weights after 3 steps on different batches
    assert load_checkpoint(tmp_path / "checkpoint.pt")["step"] == 3


def test_training_needs_only_torch_numpy_and_safetensors(tiny_cache: Path, tmp_path: Path) -> None:
    """A bare GPU machine can train: no audio I/O, pitch tracker, phonemizer or ONNX needed."""
    first = TrainConfig(data=tiny_cache, out=tmp_path / "a", steps=1, batch=2, crop=32, model=TINY)
    train(first)
    start = export(tmp_path / "a" / "checkpoint.pt", tmp_path / "voices" / "start", "joe")
    weights = start / "model.safetensors"
    script = f"""
import sys
for name in ("soundfile", "parselmouth", "piper_phonemize", "onnxruntime", "sounddevice"):
    sys.modules[name] = None  # importing any of them now fails
import logging
from pathlib import Path
from assistant.train.train import TrainConfig, train
logging.basicConfig(level=logging.INFO)
train(TrainConfig(data=Path({str(tiny_cache)!r}), out=Path({str(tmp_path / "b")!r}), steps=2,
                  batch=2, crop=32, model={TINY!r}, init_from=Path({str(weights)!r})))
"""
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "initialised from" in done.stderr
    assert load_checkpoint(tmp_path / "b" / "checkpoint.pt")["step"] == 2


def test_a_fine_tune_of_the_decoder_side_leaves_the_rest_as_it_was(
    tiny_cache: Path, tmp_path: Path
) -> None:
    cfg = TrainConfig(data=tiny_cache, out=tmp_path / "base", steps=2, batch=2, crop=32, model=TINY)
    train(cfg)
    folder = export(tmp_path / "base" / "checkpoint.pt", tmp_path / "voices" / "base", "lj")
    learning = ("decoder", "to_mel", "postnet", "frame_pos", "aligner")
    tune = replace(
        cfg,
        out=tmp_path / "tune",
        steps=3,
        model={},
        init_from=folder / "model.safetensors",
        speakers=("lj",),
        train_only=learning,
    )
    train(tune)
    before = load_checkpoint(tmp_path / "base" / "checkpoint.pt")
    after = load_checkpoint(tmp_path / "tune" / "checkpoint.pt")
    assert after["config"] == before["config"]  # the voice's own, from its voice.json
    start = {k: v.half().float() for k, v in before["model"].items()}  # a voice is fp16
    changed = {k.split(".")[0] for k, v in after["model"].items() if not torch.equal(v, start[k])}
    assert changed == set(learning)  # each of them learnt, nothing else moved


def test_an_unknown_module_to_train_is_an_error(tiny_cache: Path, tmp_path: Path) -> None:
    cfg = TrainConfig(
        data=tiny_cache, out=tmp_path, steps=1, batch=2, model=TINY, train_only=("decodr",)
    )
    with pytest.raises(ValueError, match="decodr"):
        train(cfg)
