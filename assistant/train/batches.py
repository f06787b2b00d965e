"""Training batches from the prepared cache: padded tensors plus a sampled emotion per utterance."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from assistant import EMOTIONS
from assistant.train.cache import load_utterance, read_manifest

SPEAKERS = ("lj", "joe")  # speaker ids of the model, in this order


@dataclass(frozen=True)
class Item:
    path: Path
    speaker: int
    n_frames: int
    rate: float = 1.0  # how much faster than the speaker's own pace (a sped-up clip's tempo)


class Utterances:
    """The utterances of one split, cached in memory after the first read."""

    def __init__(
        self,
        data_dir: Path,
        split: str = "train",
        max_frames: int = 1000,
        speakers: tuple[str, ...] = SPEAKERS,
    ) -> None:
        _, records = read_manifest(data_dir)
        self.items = [
            Item(
                data_dir / r["path"],
                SPEAKERS.index(r["speaker"]),
                int(r["n_frames"]),
                float(r.get("tempo", 1.0)),
            )
            for r in records
            if r["split"] == split and r["speaker"] in speakers and r["n_frames"] <= max_frames
        ]
        if not self.items:
            raise ValueError(f"no {split} utterances in {data_dir}")
        self._cache: dict[Path, dict[str, np.ndarray]] = {}

    def __len__(self) -> int:
        return len(self.items)

    def by_speaker(self, speaker: int) -> list[Item]:
        return [it for it in self.items if it.speaker == speaker]

    def load(self, item: Item) -> dict[str, np.ndarray]:
        if item.path not in self._cache:
            self._cache[item.path] = load_utterance(item.path)
        return self._cache[item.path]


def sample_items(
    data: Utterances, rng: random.Random, size: int, lj_share: float = 0.3
) -> list[Item]:
    """`size` utterances of similar length (less padding), lj oversampled to `lj_share`."""
    lj, joe = data.by_speaker(0), data.by_speaker(1)
    pool: list[Item] = []
    for _ in range(size * 4):
        side = lj if (rng.random() < lj_share and lj) or not joe else joe
        pool.append(rng.choice(side))
    pool.sort(key=lambda it: it.n_frames)
    start = rng.randrange(len(pool) - size + 1)
    return pool[start : start + size]


def sample_emotions(rng: random.Random, size: int) -> tuple[Tensor, Tensor]:
    """Per utterance: an emotion (30 % neutral) and an intensity (half at 1, half uniform)."""
    emotion, intensity = [], []
    for _ in range(size):
        e = 0 if rng.random() < 0.3 else rng.randrange(1, len(EMOTIONS))
        emotion.append(e)
        intensity.append(1.0 if rng.random() < 0.5 else rng.random())
    return torch.tensor(emotion), torch.tensor(intensity)


def collate(data: Utterances, items: list[Item], rng: random.Random) -> dict[str, Tensor]:
    """Pad a list of utterances into a batch (B, ...) the model's `losses` understands."""
    emotion, intensity = sample_emotions(rng, len(items))
    batch = pad([data.load(it) for it in items], [it.speaker for it in items])
    rate = torch.tensor([it.rate for it in items])
    return {**batch, "emotion": emotion, "intensity": intensity, "rate": rate}


def pad(utts: list[dict[str, np.ndarray]], speakers: list[int]) -> dict[str, Tensor]:
    """Utterances' arrays (`cache.load_utterance`) padded into one batch (B, ...), no emotions."""
    n_text = torch.tensor([len(u["ids"]) for u in utts])
    n_mel = torch.tensor([u["mel"].shape[1] for u in utts])
    b, n, t = len(utts), int(n_text.max()), int(n_mel.max())
    ids = torch.zeros(b, n, dtype=torch.long)
    mel = torch.zeros(b, t, utts[0]["mel"].shape[0])
    f0, energy = torch.zeros(b, t), torch.zeros(b, t)
    for i, u in enumerate(utts):
        ids[i, : len(u["ids"])] = torch.from_numpy(u["ids"].astype(np.int64))
        frames = u["mel"].shape[1]
        mel[i, :frames] = torch.from_numpy(u["mel"].astype(np.float32).T)
        f0[i, :frames] = torch.from_numpy(u["f0"].astype(np.float32))
        energy[i, :frames] = torch.from_numpy(u["energy"].astype(np.float32))
    return {
        "ids": ids,
        "n_text": n_text,
        "mel": mel,
        "n_mel": n_mel,
        "f0": f0,
        "energy": energy,
        "speaker": torch.tensor(speakers),
    }
