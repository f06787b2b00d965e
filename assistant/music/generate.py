"""Composing a tune for an emotion: labels from the emotion, then LSTM sampling bar by bar."""

from __future__ import annotations

import json
import logging
import random
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import torch

from assistant.cpu import own_threads
from assistant.music import encoding
from assistant.music.encoding import BAR, BOS, REST
from assistant.music.model import MelodyConfig, MelodyLSTM, State
from assistant.music.tune import Note, Tune

log = logging.getLogger(__name__)

EMOTIONS = ("happy", "sad", "calm", "angry", "neutral")
SHIPPED = Path(__file__).resolve().parent / "melody"
LOWEST, HIGHEST = 48, 93  # MIDI range a generated note may take (C3..A6)

# What each emotion asks of the music. density and register are targets in 0..1 across the
# corpus buckets (0 = the sparsest / lowest quarter of the training tunes); intensity moves
# them from the middle towards the target. tempo: quarter notes per minute at intensity 0 and 1.
EMOTION_PROFILES: dict[str, dict[str, Any]] = {
    "happy": {"mode": "major", "density": 0.9, "register": 0.85, "tempo": [112, 152],
              "meters": ["6/8", "2/4", "4/4"], "tonics": [7, 2, 0, 9, 5]},
    "sad": {"mode": "minor", "density": 0.1, "register": 0.15, "tempo": [72, 54],
            "meters": ["3/4", "4/4"], "tonics": [9, 4, 2, 7, 11]},
    "calm": {"mode": "major", "density": 0.15, "register": 0.5, "tempo": [84, 66],
             "meters": ["3/4", "6/8", "4/4"], "tonics": [5, 0, 7, 10, 2]},
    "angry": {"mode": "minor", "density": 0.9, "register": 0.2, "tempo": [124, 172],
              "meters": ["4/4", "2/4"], "tonics": [4, 2, 0, 7, 9]},
    "neutral": {"mode": "major", "density": 0.5, "register": 0.5, "tempo": [96, 108],
                "meters": ["4/4", "3/4"], "tonics": [0, 7, 2, 5]},
    "surprised": {"mode": "major", "density": 0.8, "register": 0.95, "tempo": [116, 160],
                  "meters": ["6/8", "2/4"], "tonics": [2, 9, 7, 4]},
}  # fmt: skip


class MusicError(Exception):
    """The melody model is missing or broken, or a request cannot be met (the message says)."""


@dataclass(frozen=True)
class Plan:
    """What one tune will be: its labels for the model and what the Tune records."""

    emotion: str
    mode: str
    meter: str
    tonic: int
    density: int
    register: int
    tempo: float


def _toward(target: float, intensity: float) -> float:
    """The middle moved towards `target`: 40 % of the way at intensity 0, all of it at 1."""
    return 0.5 + (target - 0.5) * (0.4 + 0.6 * intensity)


def plan(
    profiles: dict[str, dict[str, Any]],
    emotion: str,
    intensity: float,
    rng: random.Random,
    densities: int,
    registers: int,
) -> Plan:
    if emotion not in profiles:
        choices = ", ".join(EMOTIONS)
        raise MusicError(f"unknown emotion {emotion!r}: choose one of {choices} (or surprised)")
    p = profiles[emotion]
    pick = lambda target, n: min(n - 1, int(_toward(target, intensity) * n))  # noqa: E731
    slow, fast = p["tempo"]
    return Plan(
        emotion=emotion,
        mode=p["mode"],
        meter=rng.choice(p["meters"]),
        tonic=rng.choice(p["tonics"]),
        density=pick(p["density"], densities),
        register=pick(p["register"], registers),
        tempo=round(slow + (fast - slow) * intensity, 1),
    )


def _top_p(
    logits: torch.Tensor,
    allowed: torch.Tensor,
    temperature: float,
    top_p: float,
    generator: torch.Generator,
) -> int:
    """Sample one token among the allowed ones: temperature, then nucleus (top-p)."""
    logits = logits.masked_fill(~allowed, float("-inf")) / temperature
    probs = torch.softmax(logits, dim=-1)
    sorted_p, order = torch.sort(probs, descending=True)
    keep = torch.cumsum(sorted_p, dim=-1) - sorted_p < top_p  # the first always stays
    sorted_p = torch.where(keep, sorted_p, torch.zeros_like(sorted_p))
    choice = torch.multinomial(sorted_p / sorted_p.sum(), 1, generator=generator)
    return int(order[choice])


UNITS = tuple(int(d * encoding.GRID) for d in encoding.DURATIONS)  # durations in grid steps


@cache
def _fillable() -> tuple[bool, ...]:
    """For each number of grid steps up to the longest bar: can whole durations fill it?"""
    ok = [True]
    for rest in range(1, encoding.GRID * encoding.MAX_BAR_BEATS + 1):
        ok.append(any(u <= rest and ok[rest - u] for u in UNITS))
    return tuple(ok)


@cache
def _duration_mask(vocab: int, rest: int, last: bool) -> torch.Tensor:
    """Durations that fit the `rest` grid steps left in the bar and leave a fillable remainder;
    in the last bar, room must remain for the final note."""
    mask = torch.zeros(vocab, dtype=torch.bool)
    for i, u in enumerate(UNITS):
        mask[encoding.FIRST_DURATION + i] = (
            u < rest if last else u <= rest and _fillable()[rest - u]
        )
    return mask


class _Sampler:
    """Feeds tokens with their bar context to the LSTM one step at a time."""

    def __init__(self, model: MelodyLSTM, labels: torch.Tensor) -> None:
        self.model, self.labels = model, labels
        self.state: State | None = None
        self.logits = torch.zeros(0)

    def feed(self, token: int, position: int, phrase: int, left: int) -> None:
        """`position`: grid steps into the bar where the next event starts."""
        context = (
            token,
            min(position, encoding.N_POSITIONS - 1),
            phrase,
            max(0, min(left, encoding.MAX_LEFT)),
        )
        tok, pos, phr, lft = (torch.tensor([[x]]) for x in context)  # (1, 1) each
        with torch.no_grad():
            logits, self.state = self.model.step(tok, pos, phr, lft, self.labels, self.state)
        self.logits = logits[0]  # (vocab,)


class Composer:
    """Loads the shipped melody model (or one in `folder`) and composes tunes for an emotion."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or SHIPPED
        self.model: MelodyLSTM | None = None
        self.meta: dict[str, Any] = {}

    def load(self) -> None:
        """Read model.json and model.safetensors; MusicError if missing, corrupt or mismatched."""
        from safetensors.torch import load_file

        meta_path, weights = self.folder / "model.json", self.folder / "model.safetensors"
        try:
            meta = json.loads(meta_path.read_text())
            config = MelodyConfig.from_dict(meta["config"])
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise MusicError(f"melody model {meta_path} cannot be read: {e}") from e
        if meta.get("encoding") != encoding.spec():
            raise MusicError(f"melody model {meta_path} was trained with another note encoding")
        model = MelodyLSTM(config)
        try:
            state = {k: v.float() for k, v in load_file(str(weights)).items()}
            model.load_state_dict(state)
        except Exception as e:  # safetensors raises its own error types for damaged files
            raise MusicError(f"melody weights {weights} cannot be loaded: {e}") from e
        self.model, self.meta = model.eval(), meta

    def compose(
        self,
        emotion: str,
        intensity: float = 0.7,
        bars: int = 16,
        seed: int | None = None,
        temperature: float = 1.0,
        top_p: float = 0.95,
    ) -> Tune:
        """A tune of `bars` whole bars in the emotion's mode, tempo, density and register."""
        if bars < 1 or bars > 512:
            raise MusicError(f"bars must be between 1 and 512, not {bars}")
        if temperature <= 0 or not 0 < top_p <= 1:
            raise MusicError("temperature must be above 0 and top_p in (0, 1]")
        if self.model is None:
            self.load()
        assert self.model is not None
        config = self.model.config
        rng = random.Random(seed)
        profiles = self.meta.get("emotions", EMOTION_PROFILES)
        p = plan(
            profiles,
            emotion,
            min(1.0, max(0.0, intensity)),
            rng,
            config.densities,
            config.registers,
        )
        generator = torch.Generator().manual_seed(rng.getrandbits(62))
        labels = torch.tensor(
            [
                [
                    encoding.MODES.index(p.mode),
                    encoding.METERS.index(p.meter),
                    p.density,
                    p.register,
                    p.tonic,
                ]
            ]
        )
        with own_threads(1):  # tiny steps: a team waiting for the voice's cores is 10x slower
            notes = self._sample(
                _Sampler(self.model, labels), p, bars, generator, temperature, top_p
            )
        key = encoding.key_name(p.tonic, p.mode)
        return Tune(
            tuple(notes), p.tempo, p.meter, key, emotion, f"{emotion.capitalize()} tune in {key}"
        )

    def _sample(
        self,
        s: _Sampler,
        p: Plan,
        bars: int,
        generator: torch.Generator,
        temperature: float,
        top_p: float,
    ) -> list[Note]:
        """Note by note; bars are filled exactly and the last note is the tonic, held to the
        bar line."""
        full, ref = int(encoding.bar_beats(p.meter) * encoding.GRID), encoding.tonic_midi(p.tonic)
        vocab = s.model.config.vocab
        pitch_ok = torch.zeros(vocab, dtype=torch.bool)
        tonic_ok = torch.zeros(vocab, dtype=torch.bool)
        for rel in range(encoding.REL_MIN, encoding.REL_MAX + 1):
            if LOWEST <= ref + rel <= HIGHEST:
                pitch_ok[encoding.pitch_token(rel)] = True
                tonic_ok[encoding.pitch_token(rel)] = rel % 12 == 0
        pitch_ok[REST] = True
        sample = lambda allowed: _top_p(s.logits, allowed, temperature, top_p, generator)  # noqa: E731
        notes: list[Note] = []
        s.feed(BOS, 0, 0, bars - 1)
        for bar in range(bars):
            pos, phrase, left, last = 0, bar % encoding.PHRASE, bars - 1 - bar, bar == bars - 1
            while pos < full:
                if last and 2 * pos >= full:  # the final note: the tonic, to the bar line
                    token = sample(tonic_ok)
                    notes.append(
                        Note(ref + encoding.token_rel(token), (full - pos) / encoding.GRID)
                    )
                    return notes
                token = sample(pitch_ok)
                s.feed(token, pos, phrase, left)
                d_token = sample(_duration_mask(vocab, full - pos, last))
                beats = encoding.token_duration(d_token)
                pos += int(beats * encoding.GRID)
                notes.append(
                    Note(None if token == REST else ref + encoding.token_rel(token), float(beats))
                )
                s.feed(d_token, pos, phrase, left)
            s.feed(BAR, 0, (bar + 1) % encoding.PHRASE, left - 1)
        return notes
