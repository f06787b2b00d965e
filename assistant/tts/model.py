"""The acoustic model: phonemes → mel, with a learned attention aligner and emotional prosody.

Text tokens go through a self-attention encoder. During training an attention aligner compares
text keys with mel queries (soft alignment, with a beta-binomial prior), monotonic alignment
search turns that into hard durations, and a forward-sum (CTC) loss trains it jointly with the
rest. Duration, pitch and energy predictors see the text states plus the speaker and the emotion
embedding scaled by intensity; the decoder renders the mel from text states, pitch and energy
(never the emotion itself), so emotion acts through prosody and intensity 0 is exactly neutral.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from assistant import EMOTIONS  # the one list; a voice's emotion embedding rows follow it
from assistant.tts.rate import scale_durations


@dataclass(frozen=True)
class EmotionProsody:
    """What an emotion does to prosody at intensity 1 (interpolated linearly in log space)."""

    f0_shift_semitones: float = 0.0
    f0_range_ratio: float = 1.0  # spread of pitch around the utterance mean
    energy_db: float = 0.0
    duration_ratio: float = 1.0  # > 1 is slower


# Directions from acted speech (../shared/data/emotion-prosody.json, TESS) and the well-known
# ones (sad and calm: lower, slower, softer, narrower); sizes scaled down for long read sentences.
DEFAULT_EMOTIONS: dict[str, EmotionProsody] = {
    "neutral": EmotionProsody(),
    "happy": EmotionProsody(3.0, 1.4, 3.5, 0.95),
    "sad": EmotionProsody(-1.5, 0.7, -4.0, 1.18),
    "angry": EmotionProsody(2.5, 1.25, 5.0, 0.95),
    "surprised": EmotionProsody(4.5, 1.7, 2.5, 0.97),
    "calm": EmotionProsody(-0.5, 0.75, -3.5, 1.12),
}


@dataclass(frozen=True)
class ModelConfig:
    n_symbols: int = 78
    n_speakers: int = 2
    n_emotions: int = len(EMOTIONS)
    n_mels: int = 80
    d_model: int = 192
    n_heads: int = 2
    enc_layers: int = 4
    dec_layers: int = 4
    ff_mult: int = 2
    kernel: int = 3
    dropout: float = 0.1
    dec_window: int = 64  # decoder self-attention sees ±this many frames
    align_dim: int = 80
    # the decoder also sees the speaking rate (ln rate, per utterance), so a fine-tune on fast
    # clips (prepare_data --tempo) can learn how short phonemes sound; at 1x it adds nothing
    rate_input: bool = False
    # per-speaker statistics of ln f0 (voiced) and ln energy, for normalising pitch and energy
    logf0_mean: tuple[float, ...] = (5.28, 4.85)
    logf0_std: tuple[float, ...] = (0.29, 0.32)
    logenergy_mean: tuple[float, ...] = (2.3, 2.3)
    logenergy_std: tuple[float, ...] = (2.2, 2.2)
    emotions: dict[str, EmotionProsody] = field(default_factory=lambda: dict(DEFAULT_EMOTIONS))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @staticmethod
    def from_dict(d: dict[str, Any]) -> ModelConfig:
        d = dict(d)
        d["emotions"] = {k: EmotionProsody(**v) for k, v in d.get("emotions", {}).items()}
        for key in ("logf0_mean", "logf0_std", "logenergy_mean", "logenergy_std"):
            if key in d:
                d[key] = tuple(d[key])
        return ModelConfig(**d)


def sinusoids(positions: Tensor, dim: int) -> Tensor:
    """Sinusoidal encodings of (B, T) positions → (B, T, dim)."""
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, device=positions.device) / half)
    angles = positions.float()[..., None] * freqs  # (B, T, half)
    return torch.cat([angles.sin(), angles.cos()], dim=-1)


class Block(nn.Module):
    """Pre-norm self-attention + convolutional feed-forward (FastSpeech's FFT block)."""

    def __init__(self, c: ModelConfig, dropout: float) -> None:
        super().__init__()
        d, hidden = c.d_model, c.d_model * c.ff_mult
        self.norm1, self.norm2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.attn = nn.MultiheadAttention(d, c.n_heads, dropout=dropout, batch_first=True)
        self.conv1 = nn.Conv1d(d, hidden, c.kernel, padding=c.kernel // 2)
        self.conv2 = nn.Conv1d(hidden, d, 1)
        self.drop = nn.Dropout(dropout) if dropout > 0 else nn.Identity()

    def forward(self, x: Tensor, pad: Tensor, attn_mask: Tensor | None = None) -> Tensor:
        # x (B, T, C); pad (B, T) True where padding; attn_mask (T, T) True where not allowed
        y = self.norm1(x)
        y, _ = self.attn(y, y, y, key_padding_mask=pad, attn_mask=attn_mask, need_weights=False)
        x = (x + self.drop(y)).masked_fill(pad[..., None], 0.0)
        y = self.norm2(x).transpose(1, 2)  # (B, C, T)
        y = self.conv2(self.drop(F.relu(self.conv1(y)))).transpose(1, 2)
        return (x + self.drop(y)).masked_fill(pad[..., None], 0.0)


class Stack(nn.Module):
    def __init__(self, c: ModelConfig, layers: int, dropout: float) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(Block(c, dropout) for _ in range(layers))
        self.norm = nn.LayerNorm(c.d_model)

    def forward(self, x: Tensor, pad: Tensor, attn_mask: Tensor | None = None) -> Tensor:
        for block in self.blocks:
            x = block(x, pad, attn_mask)
        return self.norm(x).masked_fill(pad[..., None], 0.0)


class Predictor(nn.Module):
    """Two convolutions → one value per token (duration, pitch or energy)."""

    def __init__(self, c: ModelConfig) -> None:
        super().__init__()
        d = c.d_model
        self.conv1 = nn.Conv1d(d, d, 3, padding=1)
        self.conv2 = nn.Conv1d(d, d, 3, padding=1)
        self.norm1, self.norm2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.drop = nn.Dropout(c.dropout)
        self.out = nn.Linear(d, 1)

    def forward(self, x: Tensor, pad: Tensor) -> Tensor:
        # x (B, N, C) → (B, N)
        y = self.drop(self.norm1(F.relu(self.conv1(x.transpose(1, 2))).transpose(1, 2)))
        y = self.drop(self.norm2(F.relu(self.conv2(y.transpose(1, 2))).transpose(1, 2)))
        return self.out(y).squeeze(-1).masked_fill(pad, 0.0)


class Aligner(nn.Module):
    """Soft text–mel attention from the distance between text keys and mel queries."""

    def __init__(self, c: ModelConfig) -> None:
        super().__init__()
        d, a = c.d_model, c.align_dim
        self.keys = nn.Sequential(
            nn.Conv1d(d, 2 * d, 3, padding=1), nn.ReLU(), nn.Conv1d(2 * d, a, 1)
        )
        self.queries = nn.Sequential(
            nn.Conv1d(c.n_mels, 2 * d, 3, padding=1),
            nn.ReLU(),
            nn.Conv1d(2 * d, d, 1),
            nn.ReLU(),
            nn.Conv1d(d, a, 1),
        )
        self.scale = 1.0 / math.sqrt(a)

    def forward(self, emb: Tensor, mel: Tensor, text_pad: Tensor, log_prior: Tensor) -> Tensor:
        # emb (B, N, C), mel (B, T, 80), log_prior (B, T, N) → attention logits (B, T, N)
        k = self.keys(emb.transpose(1, 2)).transpose(1, 2)  # (B, N, A)
        q = self.queries(mel.transpose(1, 2)).transpose(1, 2)  # (B, T, A)
        dist = (q**2).sum(-1, keepdim=True) - 2 * q @ k.transpose(1, 2) + (k**2).sum(-1)[:, None]
        logits = -self.scale * dist + log_prior  # (B, T, N)
        return logits.masked_fill(text_pad[:, None, :], -1e4)


def beta_binomial_log_prior(n_text: Tensor, n_mel: Tensor, n: int, t: int) -> Tensor:
    """Log of a diagonal-ish prior over (frame, token) pairs, (B, T, N); padding gets 0."""
    k = torch.arange(n, dtype=torch.float32)[None, None, :]  # token index
    frames = torch.arange(t, dtype=torch.float32)[None, :, None] + 1.0
    big_n = (n_text.float() - 1.0)[:, None, None]
    alpha = frames
    beta = n_mel.float()[:, None, None] - frames + 1.0
    log_choose = torch.lgamma(big_n + 1) - torch.lgamma(k + 1) - torch.lgamma(big_n - k + 1)
    log_beta = (
        torch.lgamma(k + alpha)
        + torch.lgamma(big_n - k + beta)
        - torch.lgamma(big_n + alpha + beta)
        - (torch.lgamma(alpha) + torch.lgamma(beta) - torch.lgamma(alpha + beta))
    )
    prior = log_choose + log_beta
    valid = (k <= big_n) & (frames <= n_mel[:, None, None])
    return torch.where(valid, prior, torch.zeros(())).clamp(min=-1e4)


def monotonic_alignment(logp: np.ndarray, n_text: np.ndarray, n_mel: np.ndarray) -> np.ndarray:
    """Most likely monotonic path (each frame one token, each token ≥ 1 frame): (B, T, N) 0/1."""
    b, t_max, n_max = logp.shape
    neg = -1e9
    q = np.full((b, t_max, n_max), neg, dtype=np.float64)
    q[:, 0, 0] = logp[:, 0, 0]
    for t in range(1, t_max):
        stay = q[:, t - 1]
        move = np.concatenate([np.full((b, 1), neg), q[:, t - 1, :-1]], axis=1)
        q[:, t] = np.maximum(stay, move) + logp[:, t]
    path = np.zeros((b, t_max, n_max), dtype=np.float32)
    for i in range(b):
        n = int(n_text[i]) - 1
        for t in range(int(n_mel[i]) - 1, -1, -1):
            path[i, t, n] = 1.0
            if n > 0 and (n == t or q[i, t - 1, n - 1] > q[i, t - 1, n]):
                n -= 1
    return path


def forward_sum_loss(logits: Tensor, n_text: Tensor, n_mel: Tensor) -> Tensor:
    """CTC over the attention: every token must be visited in order (the aligner's loss)."""
    b, t, n = logits.shape
    blank = torch.full((b, t, 1), -1.0, dtype=logits.dtype, device=logits.device)
    logp = F.log_softmax(torch.cat([blank, logits], dim=-1), dim=-1)  # (B, T, N+1)
    targets = torch.arange(1, n + 1, device=logits.device).expand(b, n)
    return F.ctc_loss(
        logp.transpose(0, 1),
        targets,
        n_mel,
        n_text,
        blank=0,
        zero_infinity=True,
        reduction="mean",
    )


def token_average(frames: Tensor, hard: Tensor, weight: Tensor) -> Tensor:
    """Average of a frame feature over each token's frames (where weight > 0): (B,T)→(B,N)."""
    total = torch.einsum("btn,bt->bn", hard, frames * weight)
    count = torch.einsum("btn,bt->bn", hard, weight)
    return total / count.clamp(min=1.0)


def lengths_to_pad(lengths: Tensor, size: int) -> Tensor:
    return torch.arange(size, device=lengths.device)[None, :] >= lengths[:, None]


def expand(x: Tensor, durations: Tensor) -> tuple[Tensor, Tensor]:
    """Repeat each token's state for its frames: (B, N, C), (B, N) ints → (B, T, C), lengths."""
    lengths = durations.sum(1)
    t = max(int(lengths.max().item()), 1)
    out = x.new_zeros(x.shape[0], t, x.shape[2])
    for i in range(x.shape[0]):
        rows = torch.repeat_interleave(x[i], durations[i], dim=0)
        out[i, : rows.shape[0]] = rows
    return out, lengths


class AcousticModel(nn.Module):
    """Phoneme ids + speaker + emotion/intensity → 80-band log mel (HiFi-GAN format)."""

    def __init__(self, c: ModelConfig) -> None:
        super().__init__()
        self.config = c
        d = c.d_model
        self.embed = nn.Embedding(c.n_symbols, d, padding_idx=0)
        self.speaker = nn.Embedding(c.n_speakers, d)
        self.emotion = nn.Embedding(c.n_emotions, d)  # row 0 (neutral) is never used
        self.encoder = Stack(c, c.enc_layers, c.dropout)
        self.aligner = Aligner(c)
        self.duration = Predictor(c)
        self.pitch = Predictor(c)
        self.energy = Predictor(c)
        self.pitch_embed = nn.Conv1d(1, d, 3, padding=1)
        self.energy_embed = nn.Conv1d(1, d, 3, padding=1)
        self.frame_pos = nn.Linear(2, d)  # where a frame sits inside its token
        if c.rate_input:
            self.rate = nn.Linear(1, d, bias=False)  # ln rate → the decoder; 0 at 1x
            nn.init.zeros_(self.rate.weight)  # silent at first: the voice speaks as before
        self.decoder = Stack(c, c.dec_layers, 0.0)  # frame level: dropout costs more than it helps
        self.to_mel = nn.Linear(d, c.n_mels)
        self.postnet = nn.Sequential(
            nn.Conv1d(c.n_mels, c.d_model, 5, padding=2),
            nn.Tanh(),
            nn.Conv1d(c.d_model, c.d_model, 5, padding=2),
            nn.Tanh(),
            nn.Conv1d(c.d_model, c.n_mels, 5, padding=2),
        )

    # -- pieces shared by training and inference -------------------------------------------

    def encode(self, ids: Tensor, speaker: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """ids (B, N) → embeddings, text states with the speaker added (B, N, C), padding."""
        pad = ids == 0
        emb = self.embed(ids)  # (B, N, C)
        pos = sinusoids(torch.arange(ids.shape[1], device=ids.device)[None], emb.shape[-1])
        h = self.encoder(emb + pos, pad) + self.speaker(speaker)[:, None, :]
        return emb, h.masked_fill(pad[..., None], 0.0), pad

    def prosody_input(self, h: Tensor, emotion: Tensor, intensity: Tensor) -> Tensor:
        """Text states + emotion embedding × intensity (neutral adds nothing)."""
        scale = (intensity * (emotion != 0).float())[:, None, None]
        return h + scale * self.emotion(emotion)[:, None, :]

    def predict_prosody(
        self, h: Tensor, pad: Tensor, emotion: Tensor, intensity: Tensor
    ) -> tuple[Tensor, Tensor, Tensor]:
        """Log durations (ln(1 + frames)), normalised pitch and energy per token: (B, N) each."""
        x = self.prosody_input(h, emotion, intensity)
        return self.duration(x, pad), self.pitch(x, pad), self.energy(x, pad)

    def decode(
        self,
        h: Tensor,
        pitch: Tensor,
        energy: Tensor,
        durations: Tensor,
        frame_offset: int = 0,
        rate: Tensor | None = None,
    ) -> tuple[Tensor, Tensor]:
        """Token states + prosody → expanded → decoder → (mel before, after postnet) (B, T, 80)."""
        x = h + self.pitch_embed(pitch[:, None, :]).transpose(1, 2)
        x = x + self.energy_embed(energy[:, None, :]).transpose(1, 2)
        frames, lengths = expand(x, durations)
        feats = self.frame_features(durations, frames.shape[1])
        return self.decode_frames(frames, feats, lengths, frame_offset, rate)

    def frame_features(self, durations: Tensor, t: int) -> Tensor:
        """(fraction through the token, ln token length) per frame: (B, T, 2)."""
        ends = torch.cumsum(durations, 1)  # (B, N)
        frame = torch.arange(t, device=durations.device).repeat(durations.shape[0], 1)
        token = torch.searchsorted(ends, frame, right=True).clamp(max=durations.shape[1] - 1)
        length = durations.gather(1, token).clamp(min=1).float()  # (B, T)
        start = (ends - durations).gather(1, token)
        fraction = ((frame - start).float() / length).clamp(0.0, 1.0)
        return torch.stack([fraction, torch.log(length)], dim=-1)

    def decode_frames(
        self,
        frames: Tensor,
        feats: Tensor,
        lengths: Tensor,
        frame_offset: int | Tensor = 0,
        rate: Tensor | None = None,
    ) -> tuple[Tensor, Tensor]:
        """Frame states (B, T, C) → mel (B, T, 80) before and after the postnet; `rate` (B,)
        is each utterance's speaking rate (1 when None; only a `rate_input` model sees it)."""
        _, t, d = frames.shape
        offset = torch.as_tensor(frame_offset, device=frames.device).reshape(-1, 1)
        positions = (
            torch.arange(t, device=frames.device)[None, :] + offset
        )  # true frame index in the utterance
        x = frames + sinusoids(positions, d) + self.frame_pos(feats)
        if self.config.rate_input and rate is not None:
            x = x + self.rate(torch.log(rate.to(x.dtype))[:, None])[:, None, :]
        pad = lengths_to_pad(lengths, t)
        idx = torch.arange(t, device=frames.device)
        band = (idx[None, :] - idx[:, None]).abs() > self.config.dec_window  # (T, T)
        y = self.decoder(x, pad, band)
        mel = self.to_mel(y)  # (B, T, 80)
        post = mel + self.postnet(mel.transpose(1, 2)).transpose(1, 2)
        return mel.masked_fill(pad[..., None], 0.0), post.masked_fill(pad[..., None], 0.0)

    # -- inference --------------------------------------------------------------------------

    @torch.inference_mode()
    def infer(
        self,
        ids: Tensor,
        speaker: int,
        emotion: int = 0,
        intensity: float = 1.0,
        rate: float = 1.0,
        pitched: Tensor | None = None,
        spoken: Tensor | None = None,
    ) -> Tensor:
        """One utterance: ids (N,) → log mel (80, T).

        `rate` divides the durations only (`rate.scale_durations`): each `spoken` token ((N,)
        bool: the phonemes; default all) keeps at least one frame, pitch and energy stay as
        predicted.

        Durations and loudness come from the emotion's prediction. The emotion's pitch is the
        rule the pitch predictor is trained towards (`emotion_pitch`: shift, wider or narrower
        contour) applied to the predicted neutral pitch of the `pitched` tokens ((N,) bool: vowels
        and voiced consonants), and the decoder renders it through its pitch input. The rule is
        exact where the learned change is diluted by tokens the tracker found unvoiced. Given
        +3 st, lj's decoder renders +3.2 (sd 0.1 over sentences) and joe's +3.7 (sd 1.0), where
        warping the mel's frequency axis made the vocoder's pitch ambiguous on the low joe
        voice (+3 st measured −3…+6.6 st). Loudness is a level offset.
        """
        ids = ids[None]
        dev = ids.device
        spk = torch.tensor([speaker], device=dev)
        _, h, pad = self.encode(ids, spk)
        strength = torch.tensor([float(intensity)], device=dev)
        feeling = torch.tensor([emotion], device=dev)
        log_dur, pitch, energy = self.predict_prosody(h, pad, feeling, strength)
        talking = (spoken.to(dev)[None] if spoken is not None else ~pad) & ~pad  # (1, N)
        durations = scale_durations(torch.exp(log_dur) - 1.0, talking, rate).masked_fill(pad, 0)
        if int(durations.sum()) == 0:
            durations[0, 0] = 1
        pace = torch.tensor([float(rate)], device=dev)
        if emotion == 0 or intensity <= 0:
            return self.decode(h, pitch, energy, durations, rate=pace)[1][0].T
        _, pitch0, energy0 = self.predict_prosody(h, pad, torch.zeros_like(spk), strength)
        stats = speaker_stats(self.config, spk)  # (1, 4)
        known = (pitched.to(dev) if pitched is not None else ~pad[0])[None]  # (1, N)
        row = emotion_rows(self.config, feeling, strength)
        target = emotion_pitch(pitch0, known, row[:, 0], row[:, 1], stats[:, 1])
        level = float((energy - energy0).mean() * stats[0, 3])  # ln of the magnitude ratio
        shaped = torch.where(known, target, pitch0)
        mel = self.decode(h, shaped, energy0, durations, rate=pace)[1][0].T
        return mel + level

    # -- training ---------------------------------------------------------------------------

    def forward(self, batch: dict[str, Tensor], crop: int = 192) -> dict[str, Tensor]:
        """Training: all losses for a padded batch (see `assistant.train.batches.collate`)."""
        ids, n_text, speaker = batch["ids"], batch["n_text"], batch["speaker"]
        mel, n_mel = batch["mel"], batch["n_mel"]  # (B, T, 80), (B,)
        b, t = mel.shape[0], mel.shape[1]
        emb, h, pad = self.encode(ids, speaker)
        logits, log_soft, hard = self.align(emb, mel, pad, n_text, n_mel)
        durations = hard.sum(1).long()  # (B, N)
        out = {
            "align": forward_sum_loss(logits, n_text, n_mel),
            "binarize": -(hard * log_soft).sum() / hard.sum(),
        }

        tok_pitch, tok_energy, voiced = self.token_prosody(batch, hard)
        targets = emotion_targets(self.config, batch, durations, tok_pitch, tok_energy, voiced)
        log_dur, pitch, energy = self.predict_prosody(h, pad, batch["emotion"], batch["intensity"])
        keep = ~pad
        out["duration"] = F.mse_loss(log_dur[keep], targets[0][keep])
        out["pitch"] = F.mse_loss(pitch[keep], targets[1][keep])
        out["energy"] = F.mse_loss(energy[keep], targets[2][keep])

        frames = self.aligned_frames(h, tok_pitch, tok_energy, hard)
        feats = self.frame_features(durations, t)
        start = (
            torch.rand(b, device=mel.device) * (n_mel - crop).clamp(min=0).float()
        ).long()  # (B,)
        window = start[:, None] + torch.arange(min(crop, t), device=mel.device)[None, :]  # (B, W)
        window = window.clamp(max=t - 1)
        lengths = (n_mel - start).clamp(max=window.shape[1])
        take = window[..., None]
        before, after = self.decode_frames(
            frames.gather(1, take.expand(-1, -1, frames.shape[2])),
            feats.gather(1, take.expand(-1, -1, 2)),
            lengths,
            start,
            batch.get("rate"),
        )
        target = mel.gather(1, take.expand(-1, -1, mel.shape[2]))
        valid = (~lengths_to_pad(lengths, window.shape[1]))[..., None].float()
        scale = valid.sum() * mel.shape[2]
        out["mel"] = ((before - target).abs() * valid).sum() / scale
        out["postnet"] = ((after - target).abs() * valid).sum() / scale
        return out

    def align(
        self, emb: Tensor, mel: Tensor, pad: Tensor, n_text: Tensor, n_mel: Tensor
    ) -> tuple[Tensor, Tensor, Tensor]:
        """The aligner's logits (B, T, N), their log-softmax, and the hard monotonic path through
        them (B, T, N) of 0/1: which token each real mel frame belongs to."""
        n, t = emb.shape[1], mel.shape[1]
        prior = beta_binomial_log_prior(n_text.cpu(), n_mel.cpu(), n, t).to(mel.device)
        logits = self.aligner(emb, mel, pad, prior)
        log_soft = F.log_softmax(logits, dim=-1)
        hard_np = monotonic_alignment(
            log_soft.detach().cpu().numpy(), n_text.cpu().numpy(), n_mel.cpu().numpy()
        )
        return logits, log_soft, torch.from_numpy(hard_np).to(mel.device)

    def aligned_frames(self, h: Tensor, pitch: Tensor, energy: Tensor, hard: Tensor) -> Tensor:
        """Token states + their pitch and energy, spread over the frames of the path: (B, T, C)."""
        x = h + self.pitch_embed(pitch[:, None, :]).transpose(1, 2)
        x = x + self.energy_embed(energy[:, None, :]).transpose(1, 2)
        return torch.einsum("btn,bnc->btc", hard, x)

    @torch.inference_mode()
    def forced_mel(self, batch: dict[str, Tensor]) -> Tensor:
        """Teacher forcing: the mel (B, T, 80, after the postnet) the decoder makes from a
        recording's own durations (the aligner's path through its mel), pitch and energy. Frame
        for frame aligned with the recording, yet as smooth as the model's own mels: what a
        vocoder should learn to turn into the real audio."""
        mel, n_mel = batch["mel"], batch["n_mel"]
        emb, h, pad = self.encode(batch["ids"], batch["speaker"])
        hard = self.align(emb, mel, pad, batch["n_text"], n_mel)[2]
        pitch, energy, _ = self.token_prosody(batch, hard)
        frames = self.aligned_frames(h, pitch, energy, hard)
        feats = self.frame_features(hard.sum(1).long(), mel.shape[1])
        return self.decode_frames(frames, feats, n_mel, rate=batch.get("rate"))[1]

    def token_prosody(
        self, batch: dict[str, Tensor], hard: Tensor
    ) -> tuple[Tensor, Tensor, Tensor]:
        """Per-token normalised pitch (0 where unvoiced) and energy, and which tokens are voiced."""
        c, spk = self.config, batch["speaker"]
        f0, energy, n_mel = batch["f0"], batch["energy"], batch["n_mel"]
        frame_ok = (~lengths_to_pad(n_mel, f0.shape[1])).float()
        voiced = (f0 > 0).float() * frame_ok
        stats = speaker_stats(c, spk)  # (B, 4)
        mean, std, emean, estd = (stats[:, i, None] for i in range(4))
        pitch = (torch.log(f0.clamp(min=1.0)) - mean) / std
        loud = (torch.log(energy.clamp(min=1e-4)) - emean) / estd
        tok_voiced = torch.einsum("btn,bt->bn", hard, voiced) > 0
        return token_average(pitch, hard, voiced), token_average(loud, hard, frame_ok), tok_voiced


def speaker_stats(c: ModelConfig, speaker: Tensor) -> Tensor:
    """(ln f0 mean, ln f0 std, ln energy mean, ln energy std) per batch item: (B, 4)."""
    table = torch.tensor(
        [c.logf0_mean, c.logf0_std, c.logenergy_mean, c.logenergy_std], device=speaker.device
    ).T  # (speakers, 4)
    return table[speaker]


def emotion_rows(c: ModelConfig, emotion: Tensor, intensity: Tensor) -> Tensor:
    """(semitones, ln range ratio, dB, ln duration ratio) per item at its intensity: (B, 4)."""
    table = torch.tensor(
        [
            [
                c.emotions[e].f0_shift_semitones,
                math.log(c.emotions[e].f0_range_ratio),
                c.emotions[e].energy_db,
                math.log(c.emotions[e].duration_ratio),
            ]
            for e in EMOTIONS
        ]
    ).to(intensity.device)  # (6, 4)
    return table[emotion] * intensity[:, None]


def emotion_pitch(
    pitch: Tensor, voiced: Tensor, semitones: Tensor, log_range: Tensor, f0_std: Tensor
) -> Tensor:
    """Normalised token pitch (B, N) shifted and spread around its voiced mean; 0 if unvoiced."""
    v = voiced.float()
    mean = (pitch * v).sum(1, keepdim=True) / v.sum(1, keepdim=True).clamp(min=1.0)  # (B, 1)
    shift = (semitones * math.log(2.0) / 12.0 / f0_std)[:, None]
    return ((pitch - mean) * torch.exp(log_range)[:, None] + mean + shift) * v


def emotion_targets(
    c: ModelConfig,
    batch: dict[str, Tensor],
    durations: Tensor,
    pitch: Tensor,
    energy: Tensor,
    voiced: Tensor,
) -> tuple[Tensor, Tensor, Tensor]:
    """Turn neutral prosody into the batch's emotions: targets for the three predictors (B, N).

    Pitch is shifted (semitones) and spread around the utterance's mean, energy raised or
    lowered (dB), durations stretched, each by the emotion's value raised to the intensity.
    """
    row = emotion_rows(c, batch["emotion"], batch["intensity"])
    stats = speaker_stats(c, batch["speaker"])
    f0_std, e_std = stats[:, 1], stats[:, 3]
    new_pitch = emotion_pitch(pitch, voiced, row[:, 0], row[:, 1], f0_std)
    new_energy = energy + (row[:, 2] * math.log(10.0) / 20.0 / e_std)[:, None]
    new_dur = durations.float() * torch.exp(row[:, 3])[:, None]
    return torch.log1p(new_dur), new_pitch, new_energy
