"""Voice training: resumable, 2 threads by default, a GPU when present, DDP under torchrun."""

from __future__ import annotations

import json
import logging
import math
import os
import random
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
from torch import nn

from assistant import paths
from assistant.train.batches import SPEAKERS, Utterances, collate, sample_items
from assistant.train.cache import read_manifest
from assistant.tts.model import AcousticModel, ModelConfig

log = logging.getLogger(__name__)

LOSS_WEIGHTS = {
    "mel": 1.0,
    "postnet": 1.0,
    "duration": 0.3,
    "pitch": 0.3,
    "energy": 0.3,
    "align": 1.0,
}

NEW_PARTS = {"rate.weight"}  # weights a fine-tune may add to a voice (ModelConfig.rate_input)


@dataclass(frozen=True)
class TrainConfig:
    data: Path = field(default_factory=lambda: paths.cache_dir() / "voice-data")
    out: Path = field(default_factory=lambda: paths.cache_dir() / "train" / "voice")
    steps: int = 100_000
    batch: int = 16
    lr: float = 1e-3
    warmup: int = 300
    crop: int = 192  # decoder trains on random windows of this many frames
    threads: int = 2
    checkpoint_minutes: float = 5.0
    log_every: int = 20
    seed: int = 0
    binarize_start: int = 300  # steps before the hard/soft alignment agreement loss starts
    init_from: Path | None = None  # a voice's model.safetensors to start from (new optimizer)
    max_seconds: float = math.inf  # stop (with a checkpoint) after this much wall time
    model: dict[str, Any] = field(default_factory=dict)  # ModelConfig overrides (size, layers)
    speakers: tuple[str, ...] = SPEAKERS  # whose utterances it trains on
    # only the modules named here learn (all when empty), e.g. the decoder side, so that a
    # fine-tune on fast speech leaves the voice's durations, pitch and energy as they were
    train_only: tuple[str, ...] = ()


def model_config_from_data(data: Path) -> ModelConfig:
    """Speaker statistics of the prepared cache → the model's normalisation constants."""
    summary, _ = read_manifest(data)
    stats = summary["stats"]
    pick = lambda key: tuple(float(stats[s][key]) for s in SPEAKERS)  # noqa: E731
    return ModelConfig(
        logf0_mean=pick("log_f0_mean"),
        logf0_std=pick("log_f0_std"),
        logenergy_mean=pick("log_energy_mean"),
        logenergy_std=pick("log_energy_std"),
    )


def _distributed() -> tuple[int, int]:
    """(rank, world size); starts the process group when run under torchrun."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    return (dist.get_rank(), world) if world > 1 else (0, 1)


def learning_rate(cfg: TrainConfig, step: int) -> float:
    warm = min(1.0, (step + 1) / cfg.warmup)
    return cfg.lr * warm * max(0.1, 0.5 ** (step / 20_000))  # halves every 20k steps


def save_checkpoint(
    path: Path,
    model: nn.Module,
    opt: torch.optim.Optimizer,
    step: int,
    config: ModelConfig,
    history: list[dict[str, float]],
    hours: float,
) -> None:
    """Tensors and plain data only, so `torch.load(weights_only=True)` can read it."""
    state = {
        "model": model.state_dict(),
        "optimizer": opt.state_dict(),
        "step": step,
        "config": json.dumps(config.to_dict()),
        "history": json.dumps(history),
        "hours": hours,
    }
    tmp = path.with_name(path.name + ".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)


def load_checkpoint(path: Path) -> dict[str, Any]:
    state: dict[str, Any] = torch.load(path, map_location="cpu", weights_only=True)
    state["config"] = ModelConfig.from_dict(json.loads(state["config"]))
    state["history"] = json.loads(state["history"])
    return state


def train(cfg: TrainConfig) -> AcousticModel:
    """Train until `cfg.steps` (or `max_seconds`); resumes from `cfg.out/checkpoint.pt`."""
    rank, world = _distributed()
    device = torch.device(
        f"cuda:{rank % torch.cuda.device_count()}" if torch.cuda.is_available() else "cpu"
    )
    torch.set_num_threads(cfg.threads)
    cfg.out.mkdir(parents=True, exist_ok=True)
    ckpt = cfg.out / "checkpoint.pt"
    state = load_checkpoint(ckpt) if ckpt.exists() else None
    if state:
        mconfig = state["config"]
    elif cfg.init_from and (cfg.init_from.parent / "voice.json").exists():  # a voice's own
        voice = json.loads((cfg.init_from.parent / "voice.json").read_text(encoding="utf-8"))
        mconfig = replace(ModelConfig.from_dict(voice["model"]), **cfg.model)
    else:
        mconfig = replace(model_config_from_data(cfg.data), **cfg.model)
    torch.manual_seed(cfg.seed)  # same initial weights on every rank
    model = AcousticModel(mconfig).to(device)
    frozen = freeze(model, cfg.train_only)
    learning = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(learning, lr=cfg.lr, betas=(0.9, 0.98), weight_decay=1e-6)
    step, history, hours = 0, [], 0.0
    if state:
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        step, history, hours = int(state["step"]), state["history"], float(state["hours"])
        log.info("resumed at step %d from %s", step, ckpt)
    elif cfg.init_from:
        from safetensors.torch import load_file  # not tts.voice: training skips the frontend

        weights = {k: v.float() for k, v in load_file(str(cfg.init_from)).items()}
        missing, unexpected = model.load_state_dict(weights, strict=False)
        if unexpected or set(missing) - NEW_PARTS:  # only a part the voice never had may start
            raise ValueError(f"{cfg.init_from} does not fit: {missing=} {unexpected=}")
        log.info("initialised from %s (new: %s)", cfg.init_from, ", ".join(missing) or "none")
    net: nn.Module = model
    if world > 1:
        net = nn.parallel.DistributedDataParallel(model)
    data = Utterances(cfg.data, speakers=cfg.speakers)
    rng = random.Random(cfg.seed * 1000 + rank + step)
    started, last_save = time.monotonic(), time.monotonic()
    model.train()
    for module in frozen:
        module.eval()  # no dropout where nothing learns: its output is as at inference
    while step < cfg.steps:
        t0 = time.monotonic()
        batch = collate(data, sample_items(data, rng, cfg.batch), rng)
        batch = {k: v.to(device) for k, v in batch.items()}
        losses = net(batch, cfg.crop)  # AcousticModel.forward = its training losses
        bin_w = min(1.0, max(0.0, (step - cfg.binarize_start) / 700))
        total = sum(LOSS_WEIGHTS[k] * v for k, v in losses.items() if k in LOSS_WEIGHTS)
        total = total + bin_w * losses["binarize"]
        for group in opt.param_groups:
            group["lr"] = learning_rate(cfg, step)
        opt.zero_grad(set_to_none=True)
        total.backward()  # under DDP the gradients are averaged across processes here
        nn.utils.clip_grad_norm_(learning, 1.0)
        opt.step()
        step += 1
        hours += (time.monotonic() - t0) / 3600 * world
        if step % cfg.log_every == 0 or step == 1:
            row = {
                "step": step,
                "seconds": round(time.monotonic() - t0, 3),
                **{k: round(float(v.detach()), 4) for k, v in losses.items()},
            }
            history.append(row)
            if rank == 0:
                log.info("%s", row)
        done = step >= cfg.steps or time.monotonic() - started > cfg.max_seconds
        if rank == 0 and (done or time.monotonic() - last_save > cfg.checkpoint_minutes * 60):
            save_checkpoint(ckpt, model, opt, step, mconfig, history, hours)
            plot_losses(history, cfg.out / "losses.png")
            last_save = time.monotonic()
        if done:
            break
    if world > 1:
        dist.barrier()
    return model


def freeze(model: AcousticModel, train_only: tuple[str, ...]) -> list[nn.Module]:
    """Stop every top-level module not named in train_only from learning (none if it is empty);
    returns the frozen ones."""
    if not train_only:
        return []
    names = dict(model.named_children())
    unknown = set(train_only) - set(names)
    if unknown:
        raise ValueError(f"no such modules: {sorted(unknown)}; the model has {sorted(names)}")
    frozen = [module for name, module in names.items() if name not in train_only]
    for module in frozen:
        module.requires_grad_(False)
    return frozen


def plot_losses(history: list[dict[str, float]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keys = [k for k in history[0] if k not in ("step", "seconds")] if history else []
    fig, axes = plt.subplots(len(keys), 1, figsize=(7, 1.6 * max(len(keys), 1)), sharex=True)
    for ax, key in zip(axes if len(keys) > 1 else [axes], keys, strict=False):
        ax.plot([h["step"] for h in history], [h[key] for h in history])
        ax.set_ylabel(key, fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


def summary(cfg: TrainConfig) -> dict[str, Any]:
    return {k: str(v) for k, v in asdict(cfg).items()}


VOCODERS = {"lj": "lj", "joe": "universal"}  # which HiFi-GAN weights each speaker's voice uses


def export(checkpoint: Path, folder: Path, speaker: str) -> Path:
    """A voice folder (fp16 weights + voice.json) for one speaker of a training checkpoint."""
    from assistant.tts.voice import export_voice

    state = load_checkpoint(checkpoint)
    model = AcousticModel(state["config"])
    model.load_state_dict(state["model"])
    training = {"steps": int(state["step"]), "hours": round(float(state["hours"]), 3)}
    return export_voice(
        model,
        folder,
        folder.name,
        SPEAKERS.index(speaker),
        VOCODERS[speaker],
        {"speaker": speaker, "training": training},
    )
