"""The melody model: a 2-layer LSTM over note-event tokens, conditioned on musical labels.

Each step reads a token (pitch, rest, duration, bar line) with where the next event falls in the
bar, the bar's place in its phrase and the bars left; every step also sees the tune's labels:
mode, meter, note density, register and tonic. Emotions are mapped to these labels outside the
model (generate.py), so the model only learns what the corpus shows.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from assistant.music import encoding

State = tuple[torch.Tensor, torch.Tensor]  # LSTM (h, c), each (layers, B, hidden)


@dataclass(frozen=True)
class MelodyConfig:
    vocab: int = encoding.VOCAB_SIZE
    positions: int = encoding.N_POSITIONS
    phrases: int = encoding.PHRASE + 1
    lefts: int = encoding.MAX_LEFT + 1
    modes: int = len(encoding.MODES)
    meters: int = len(encoding.METERS)
    densities: int = 4
    registers: int = 3
    tonics: int = 12
    embed: int = 96  # token embedding
    step_embed: int = 16  # position; phrase and bars-left use half of it each
    label_embed: int = 8  # each of the five labels
    hidden: int = 256
    layers: int = 2
    dropout: float = 0.3

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MelodyConfig:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


class MelodyLSTM(nn.Module):
    def __init__(self, config: MelodyConfig) -> None:
        super().__init__()
        c = config
        self.config = c
        self.token = nn.Embedding(c.vocab, c.embed)
        self.position = nn.Embedding(c.positions, c.step_embed)
        self.phrase = nn.Embedding(c.phrases, c.step_embed // 2)
        self.left = nn.Embedding(c.lefts, c.step_embed // 2)
        self.labels = nn.ModuleList(
            nn.Embedding(n, c.label_embed)
            for n in (c.modes, c.meters, c.densities, c.registers, c.tonics)
        )
        width = c.embed + 2 * c.step_embed + 5 * c.label_embed
        self.lstm = nn.LSTM(width, c.hidden, c.layers, batch_first=True, dropout=c.dropout)
        self.drop = nn.Dropout(c.dropout)
        self.out = nn.Linear(c.hidden, c.vocab)

    def _inputs(
        self,
        tokens: torch.Tensor,  # (B, T)
        position: torch.Tensor,  # (B, T)
        phrase: torch.Tensor,  # (B, T)
        left: torch.Tensor,  # (B, T)
        labels: torch.Tensor,  # (B, 5): mode, meter, density, register, tonic
    ) -> torch.Tensor:
        steps = [self.token(tokens), self.position(position), self.phrase(phrase), self.left(left)]
        cond = torch.cat(
            [emb(labels[:, i]) for i, emb in enumerate(self.labels)], dim=-1
        )  # (B, 40)
        cond = cond[:, None, :].expand(-1, tokens.shape[1], -1)  # (B, T, 40)
        return self.drop(torch.cat([*steps, cond], dim=-1))  # (B, T, width)

    def forward(
        self,
        tokens: torch.Tensor,  # (B, T)
        position: torch.Tensor,  # (B, T)
        phrase: torch.Tensor,  # (B, T)
        left: torch.Tensor,  # (B, T)
        labels: torch.Tensor,  # (B, 5)
        state: State | None = None,
    ) -> tuple[torch.Tensor, State]:
        x = self._inputs(tokens, position, phrase, left, labels)  # (B, T, width)
        h, state = self.lstm(x, state)  # (B, T, hidden)
        return self.out(self.drop(h)), state  # (B, T, vocab)

    def step(
        self,
        tokens: torch.Tensor,  # (B, 1)
        position: torch.Tensor,  # (B, 1)
        phrase: torch.Tensor,  # (B, 1)
        left: torch.Tensor,  # (B, 1)
        labels: torch.Tensor,  # (B, 5)
        state: State | None = None,
    ) -> tuple[torch.Tensor, State]:
        """One step of forward() written out (the same weights and gate order as nn.LSTM):
        ten times faster than nn.LSTM's CPU kernel for a single token."""
        x = self._inputs(tokens, position, phrase, left, labels)[:, 0]  # (B, width)
        c = self.config
        if state is None:
            zeros = x.new_zeros(c.layers, x.shape[0], c.hidden)
            state = (zeros, zeros)
        hs, cs = [], []
        for layer in range(c.layers):
            w_ih, w_hh, b_ih, b_hh = (
                getattr(self.lstm, f"{name}_l{layer}")
                for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
            )
            gates = F.linear(x, w_ih, b_ih) + F.linear(state[0][layer], w_hh, b_hh)  # (B, 4H)
            i, f, g, o = gates.chunk(4, dim=-1)  # (B, H) each
            cell = torch.sigmoid(f) * state[1][layer] + torch.sigmoid(i) * torch.tanh(g)
            x = torch.sigmoid(o) * torch.tanh(cell)  # (B, H)
            hs.append(x)
            cs.append(cell)
        return self.out(x), (torch.stack(hs), torch.stack(cs))  # (B, vocab)


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
