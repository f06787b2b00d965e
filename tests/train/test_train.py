"""Training: resumable checkpoints, loss curves, a voice export, DDP processes staying in sync."""

import os
import random
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from assistant.train import data as train_data
from assistant.train.batches import Utterances, collate
from assistant.train.train import TrainConfig, export, load_checkpoint, train
from assistant.tts.voice import Voice
from tests.conftest import TINY_LJ_IDS

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


@pytest.fixture(scope="module")
def fast_cache(
    tiny_cache: Path, shared_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The tiny cache plus each training clip spoken twice as fast."""
    out = tmp_path_factory.mktemp("fast") / "voice-data"
    shutil.copytree(tiny_cache, out)
    cfg = train_data.PrepareConfig(
        out=out,
        shared=shared_dir,
        hours=0.005,
        lj_ids=TINY_LJ_IDS,
        joe_limit=3,
        progress=False,
        tempos=(2.0,),
    )
    train_data.prepare(cfg)
    return out


def test_a_rate_fine_tune_learns_the_rate_from_the_fast_clips(
    fast_cache: Path, tmp_path: Path
) -> None:
    data = Utterances(fast_cache)
    assert {it.rate for it in data.items} == {1.0, 2.0}
    batch = collate(data, data.items, random.Random(0))
    assert batch["rate"].tolist() == [it.rate for it in data.items]

    cfg = TrainConfig(data=fast_cache, out=tmp_path / "base", steps=1, batch=2, crop=32, model=TINY)
    train(cfg)
    folder = export(tmp_path / "base" / "checkpoint.pt", tmp_path / "voices" / "base", "lj")
    learning = ("decoder", "to_mel", "postnet", "frame_pos", "aligner", "rate")
    tune = replace(
        cfg,
        out=tmp_path / "tune",
        steps=4,
        model={"rate_input": True},
        init_from=folder / "model.safetensors",
        train_only=learning,
    )
    train(tune)
    after = load_checkpoint(tmp_path / "tune" / "checkpoint.pt")
    assert after["config"].rate_input
    # it starts at zero and only a fast clip's ln rate gives it a gradient
    assert float(after["model"]["rate.weight"].abs().sum()) > 0.0
    start = {
        k: v.half().float()
        for k, v in load_checkpoint(tmp_path / "base" / "checkpoint.pt")["model"].items()
    }
    changed = {
        k.split(".")[0]
        for k, v in after["model"].items()
        if k not in start or not torch.equal(v, start[k])
    }
    assert changed == set(learning)
    voice = Voice.load(export(tmp_path / "tune" / "checkpoint.pt", tmp_path / "voices" / "t", "lj"))
    assert voice.model.config.rate_input


def test_weights_that_do_not_fit_the_model_are_refused(tiny_cache: Path, tmp_path: Path) -> None:
    from safetensors.torch import load_file, save_file

    cfg = TrainConfig(data=tiny_cache, out=tmp_path / "base", steps=1, batch=2, crop=32, model=TINY)
    train(cfg)
    folder = export(tmp_path / "base" / "checkpoint.pt", tmp_path / "voices" / "base", "lj")
    weights = load_file(str(folder / "model.safetensors"))
    del weights["to_mel.weight"]  # a part the model needs, not one a fine-tune may add
    save_file(weights, str(folder / "model.safetensors"))
    with pytest.raises(ValueError, match=r"to_mel\.weight"):
        train(replace(cfg, out=tmp_path / "tune", init_from=folder / "model.safetensors"))
