"""Training the melody model on CPU: resumable, time-capped, with a loss curve and an export."""

from __future__ import annotations

import json
import logging
import math
import os
import random
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from assistant import paths
from assistant.music import encoding
from assistant.music.encoding import Melody
from assistant.music.generate import EMOTION_PROFILES
from assistant.music.model import MelodyConfig, MelodyLSTM, parameter_count
from assistant.train import music_data
from assistant.train.music_data import LabelEdges, make_batch

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MusicTrainConfig:
    data: Path = field(default_factory=music_data.default_cache)
    out: Path = field(default_factory=lambda: paths.cache_dir() / "train" / "music")
    steps: int = 3000
    batch: int = 32
    window: int = 256
    lr: float = 2e-3
    warmup: int = 100
    threads: int = 1
    checkpoint_minutes: float = 3.0
    eval_every: int = 200
    log_every: int = 25
    seed: int = 0
    max_seconds: float = math.inf
    plot: Path | None = None  # the loss curve; default out/loss.png
    model: dict[str, Any] = field(default_factory=dict)  # MelodyConfig overrides


def learning_rate(cfg: MusicTrainConfig, step: int, seconds: float = 0.0) -> float:
    """Linear warm-up, then cosine decay to 5 % by `cfg.steps` or `cfg.max_seconds`, whichever
    comes first."""
    if step < cfg.warmup:
        return cfg.lr * (step + 1) / cfg.warmup
    t = min(
        1.0, max((step - cfg.warmup) / max(1, cfg.steps - cfg.warmup), seconds / cfg.max_seconds)
    )
    return cfg.lr * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * t)))


def sequence_nll(
    model: MelodyLSTM, melodies: Sequence[Melody], edges: LabelEdges, batch: int = 16
) -> dict[str, float]:
    """Mean negative log-likelihood of whole tunes: nats per token and per note."""
    model.eval()
    total, tokens, notes = 0.0, 0, 0
    with torch.no_grad():
        for i in range(0, len(melodies), batch):
            chunk = melodies[i : i + batch]
            b = make_batch(chunk, edges, window=100_000)
            logits, _ = model(b.tokens, b.position, b.phrase, b.left, b.labels)
            loss = F.cross_entropy(
                logits.transpose(1, 2), b.targets, ignore_index=encoding.PAD, reduction="sum"
            )
            total += float(loss)
            tokens += int((b.targets != encoding.PAD).sum())
            notes += sum(len(m.events) for m in chunk)
    model.train()
    return {"per_token": total / max(1, tokens), "per_note": total / max(1, notes)}


def save_checkpoint(path: Path, state: dict[str, Any]) -> None:
    """Tensors and JSON strings only, so `torch.load(weights_only=True)` reads it."""
    tmp = path.with_name(path.name + ".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)


def load_checkpoint(path: Path) -> dict[str, Any]:
    state: dict[str, Any] = torch.load(path, map_location="cpu", weights_only=True)
    return state


def _data(
    cfg: MusicTrainConfig, melodies: Sequence[Melody] | None
) -> tuple[list[Melody], list[Melody], LabelEdges]:
    kept, why = music_data.usable(melodies or music_data.read_melodies(cfg.data))
    train_set, held = music_data.split(kept)
    if not held:  # a handful of tunes (tests): hold out the last one
        train_set, held = train_set[:-1] or train_set, train_set[-1:]
    log.info("tunes: %d train, %d held out; dropped %s", len(train_set), len(held), dict(why))
    return train_set, held, LabelEdges.fit(train_set)


@dataclass
class _Run:
    """The state of one training run (what a checkpoint holds)."""

    model: MelodyLSTM
    opt: torch.optim.Optimizer
    step: int = 0
    history: list[dict[str, float]] = field(default_factory=list)
    best: float = math.inf  # lowest held-out NLL so far
    started: float = 0.0  # time.monotonic() of step 0, resumed runs included

    @property
    def seconds(self) -> float:
        return time.monotonic() - self.started


def _start(cfg: MusicTrainConfig, edges: LabelEdges) -> _Run:
    """A new model, or the one in `cfg.out/checkpoint.pt` with its optimizer and history."""
    ckpt = cfg.out / "checkpoint.pt"
    state = load_checkpoint(ckpt) if ckpt.exists() else None
    mconfig = (
        MelodyConfig.from_dict(json.loads(state["config"]))
        if state
        else replace(MelodyConfig(densities=len(edges.density) + 1), **cfg.model)
    )
    torch.manual_seed(cfg.seed)
    model = MelodyLSTM(mconfig)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=1e-4)
    run = _Run(model, opt, started=time.monotonic())
    if state:
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        run.step, run.best = int(state["step"]), float(state["best"])
        run.history = json.loads(state["history"])
        run.started -= float(state["seconds"])
        log.info("resumed at step %d (%.1f min) from %s", run.step, run.seconds / 60, ckpt)
    log.info("model: %d parameters", parameter_count(model))
    return run


def _checkpoint(run: _Run, cfg: MusicTrainConfig, edges: LabelEdges, tunes: list[int]) -> None:
    save_checkpoint(cfg.out / "checkpoint.pt", {
        "model": run.model.state_dict(), "optimizer": run.opt.state_dict(), "step": run.step,
        "seconds": run.seconds, "config": json.dumps(run.model.config.to_dict()),
        "history": json.dumps(run.history), "best": run.best,
        "edges": json.dumps(asdict(edges)), "tunes": json.dumps(tunes),
    })  # fmt: skip
    plot_history(run.history, cfg.plot or cfg.out / "loss.png")


def _evaluate(run: _Run, cfg: MusicTrainConfig, held: list[Melody], edges: LabelEdges) -> float:
    """Held-out NLL now; the weights go to best.pt when it is the lowest yet."""
    nll = sequence_nll(run.model, held, edges)["per_token"]
    run.history[-1]["heldout"] = nll
    if nll < run.best:
        run.best = nll
        state = {"model": run.model.state_dict(), "step": run.step, "heldout": nll}
        save_checkpoint(cfg.out / "best.pt", state)
    return nll


def _step(run: _Run, cfg: MusicTrainConfig, tunes: list[Melody], edges: LabelEdges,
          rng: random.Random) -> float:  # fmt: skip
    """One optimiser step on a batch of randomly transposed windows; the batch loss."""
    for group in run.opt.param_groups:
        group["lr"] = learning_rate(cfg, run.step, run.seconds)
    batch = [music_data.transpose_in_range(rng.choice(tunes), rng) for _ in range(cfg.batch)]
    b = make_batch(batch, edges, cfg.window, rng)
    logits, _ = run.model(b.tokens, b.position, b.phrase, b.left, b.labels)
    loss = F.cross_entropy(logits.transpose(1, 2), b.targets, ignore_index=encoding.PAD)
    run.opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(run.model.parameters(), 1.0)
    run.opt.step()
    run.step += 1
    value = loss.item()
    run.history.append({"step": run.step, "loss": value, "seconds": run.seconds})
    return value


def train(
    cfg: MusicTrainConfig, melodies: Sequence[Melody] | None = None
) -> tuple[MelodyLSTM, list[dict[str, float]]]:
    """Train until `cfg.steps` or `cfg.max_seconds`; resumes from `cfg.out/checkpoint.pt`.
    The held-out NLL is measured every `cfg.eval_every` steps and at the end."""
    torch.set_num_threads(cfg.threads)
    cfg.out.mkdir(parents=True, exist_ok=True)
    train_set, held, edges = _data(cfg, melodies)
    run, tunes = _start(cfg, edges), [len(train_set), len(held)]
    rng = random.Random(cfg.seed * 7919 + run.step)
    saved, running = time.monotonic(), math.nan
    while run.step < cfg.steps and run.seconds < cfg.max_seconds:
        loss = _step(run, cfg, train_set, edges, rng)
        running = loss if math.isnan(running) else 0.95 * running + 0.05 * loss
        held_nll = _evaluate(run, cfg, held, edges) if run.step % cfg.eval_every == 0 else None
        if run.step % cfg.log_every == 0 or held_nll is not None:
            log.info(
                "step %d/%d loss %.3f (avg %.3f)%s lr %.2e %.1f min", run.step, cfg.steps, loss,
                running, "" if held_nll is None else f" held-out {held_nll:.3f}",
                run.opt.param_groups[0]["lr"], run.seconds / 60,
            )  # fmt: skip
        if time.monotonic() - saved > cfg.checkpoint_minutes * 60:
            _checkpoint(run, cfg, edges, tunes)
            saved = time.monotonic()
    if run.history and "heldout" not in run.history[-1]:
        log.info("step %d held-out %.3f (final)", run.step, _evaluate(run, cfg, held, edges))
    _checkpoint(run, cfg, edges, tunes)
    return run.model, run.history


def plot_history(history: Sequence[dict[str, float]], png: Path) -> None:
    """Training loss (smoothed) and held-out NLL per step, nats per token."""
    if not history:
        return
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = [h["step"] for h in history]
    smooth, acc = [], history[0]["loss"]
    for h in history:
        acc = 0.9 * acc + 0.1 * h["loss"]
        smooth.append(acc)
    held = [(h["step"], h["heldout"]) for h in history if "heldout" in h]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    ax.plot(steps, [h["loss"] for h in history], color="0.8", linewidth=0.6, label="train (batch)")
    ax.plot(steps, smooth, label="train (smoothed)")
    if held:
        ax.plot(*zip(*held, strict=True), "o-", label="held-out tunes")
    ax.set(xlabel="step", ylabel="NLL (nats per token)", title="melody LSTM")
    ax.grid(alpha=0.3)
    ax.legend()
    png.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png, dpi=110, bbox_inches="tight")
    plt.close(fig)


def export(out: Path, folder: Path, melodies: Sequence[Melody] | None = None) -> Path:
    """The best checkpoint as a shipped folder: model.safetensors (fp16) and model.json."""
    from safetensors.torch import save_file

    state = load_checkpoint(out / "checkpoint.pt")
    best = out / "best.pt"
    weights = load_checkpoint(best)["model"] if best.exists() else state["model"]
    folder.mkdir(parents=True, exist_ok=True)
    save_file(
        {k: v.half().contiguous() for k, v in weights.items()}, str(folder / "model.safetensors")
    )
    history = json.loads(state["history"])
    held = [h["heldout"] for h in history if "heldout" in h]
    meta = {
        "format": 1,
        "config": json.loads(state["config"]),
        "encoding": encoding.spec(),
        "labels": json.loads(state["edges"]),
        "emotions": EMOTION_PROFILES,
        "training": {
            "steps": int(state["step"]),
            "best_step": int(load_checkpoint(best)["step"])
            if best.exists()
            else int(state["step"]),
            "minutes": round(float(state["seconds"]) / 60, 1),
            "tunes": json.loads(state["tunes"]),
            "heldout_nll_per_token": round(min(held), 4) if held else None,
            "threads": 1,
        },
    }
    (folder / "model.json").write_text(json.dumps(meta, indent=1) + "\n")
    return folder
