"""The acoustic model: masks, alignment search, emotion targets, save/load, learning."""

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from assistant.train.batches import Utterances, collate, sample_items
from assistant.tts.model import (
    EMOTIONS,
    AcousticModel,
    EmotionProsody,
    ModelConfig,
    emotion_targets,
    monotonic_alignment,
)
from assistant.tts.voice import Voice, export_voice

TINY = ModelConfig(d_model=32, n_heads=2, enc_layers=1, dec_layers=1, align_dim=16)


def test_alignment_search_is_monotonic_and_gives_every_token_a_frame() -> None:
    rng = np.random.default_rng(0)
    logp = np.log(rng.dirichlet(np.ones(7), size=(2, 20)))  # (B=2, T=20, N=7)
    path = monotonic_alignment(logp, np.array([7, 4]), np.array([20, 9]))
    for i, (n, t) in enumerate([(7, 20), (4, 9)]):
        p = path[i, :t, :n]
        assert (p.sum(1) == 1).all()  # each frame exactly one token
        assert (p.sum(0) >= 1).all()  # each token at least one frame
        assert (np.diff(p.argmax(1)) >= 0).all() and p.argmax(1)[-1] == n - 1
        assert path[i, t:].sum() == 0 and path[i, :, n:].sum() == 0  # padding untouched


def test_alignment_search_follows_a_clear_diagonal() -> None:
    truth = np.repeat(np.arange(5), [3, 1, 4, 2, 2])  # token per frame, 12 frames
    logp = np.full((1, 12, 5), -10.0)
    logp[0, np.arange(12), truth] = 0.0
    path = monotonic_alignment(logp, np.array([5]), np.array([12]))
    assert (path[0].argmax(1) == truth).all()


def test_emotion_targets_shift_spread_soften_and_stretch() -> None:
    c = ModelConfig(logf0_std=(0.3, 0.3), logenergy_std=(2.0, 2.0))
    pitch = torch.tensor([[0.5, -0.5, 0.0, 1.0]])
    voiced = torch.tensor([[True, True, False, True]])
    durations = torch.tensor([[4, 6, 2, 8]])
    energy = torch.zeros(1, 4)
    for name in EMOTIONS:
        batch = {
            "emotion": torch.tensor([EMOTIONS.index(name)]),
            "intensity": torch.tensor([1.0]),
            "speaker": torch.tensor([0]),
        }
        log_dur, new_pitch, new_energy = emotion_targets(c, batch, durations, pitch, energy, voiced)
        e = c.emotions[name]
        mean_shift = (new_pitch[voiced].mean() - pitch[voiced].mean()) * 0.3 * 12 / np.log(2)
        assert float(mean_shift) == pytest.approx(e.f0_shift_semitones, abs=1e-4)
        spread = new_pitch[voiced].std() / pitch[voiced].std()
        assert float(spread) == pytest.approx(e.f0_range_ratio, rel=1e-4)
        assert float(new_energy[0, 0]) * 2.0 * 20 / np.log(10) == pytest.approx(e.energy_db)
        stretched = torch.expm1(log_dur) / durations
        assert torch.allclose(stretched, torch.full_like(stretched, e.duration_ratio))
        assert new_pitch[0, 2] == 0  # unvoiced tokens stay unvoiced


def batch_of(tiny_cache: Path, size: int = 3) -> dict[str, torch.Tensor]:
    import random

    data = Utterances(tiny_cache)
    rng = random.Random(0)
    return collate(data, sample_items(data, rng, size), rng)


def test_padding_does_not_change_an_utterance(tiny_cache: Path) -> None:
    torch.manual_seed(0)
    model = AcousticModel(TINY).eval()
    batch = batch_of(tiny_cache)
    with torch.no_grad():
        _, h, pad = model.encode(batch["ids"], batch["speaker"])
        for i in range(3):
            n = int(batch["n_text"][i])
            _, alone, _ = model.encode(batch["ids"][i : i + 1, :n], batch["speaker"][i : i + 1])
            assert torch.allclose(h[i, :n], alone[0], atol=1e-5)
            assert (h[i, n:] == 0).all() and pad[i, n:].all()


def test_losses_are_finite_and_a_short_run_drives_them_down(tiny_cache: Path) -> None:
    torch.manual_seed(0)
    model = AcousticModel(TINY)
    batch = batch_of(tiny_cache, 2)
    batch["intensity"][:] = 0.0  # fixed targets: the run should overfit them
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    totals = []
    for _ in range(40):
        losses = model(batch, crop=64)
        assert all(torch.isfinite(v) for v in losses.values())
        total = losses["mel"] + losses["postnet"] + losses["align"] + losses["duration"]
        opt.zero_grad()
        total.backward()
        opt.step()
        totals.append(float(total.detach()))
    assert np.mean(totals[-5:]) < 0.6 * np.mean(totals[:5])


def test_intensity_zero_is_neutral_and_emotions_change_prosody(tiny_cache: Path) -> None:
    torch.manual_seed(0)
    model = AcousticModel(TINY).eval()
    ids = batch_of(tiny_cache, 1)["ids"][0]
    neutral = model.infer(ids, 0, EMOTIONS.index("neutral"))
    assert torch.equal(model.infer(ids, 0, EMOTIONS.index("sad"), intensity=0.0), neutral)
    with torch.no_grad():
        torch.nn.init.normal_(model.emotion.weight, std=1.0)
    _, h, pad = model.encode(ids[None], torch.tensor([0]))
    happy = model.predict_prosody(h, pad, torch.tensor([1]), torch.tensor([1.0]))
    calm = model.predict_prosody(h, pad, torch.tensor([5]), torch.tensor([1.0]))
    assert not torch.allclose(happy[1], calm[1])


def test_an_emotion_s_pitch_follows_its_rule_whatever_the_predictor_learned(
    tiny_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The decoder is given the predicted neutral pitch of the pitched tokens shifted by exactly
    3 semitones × intensity (range × 1); the other tokens keep theirs."""
    shifted = EmotionProsody(3.0, 1.0, 0.0, 1.0)
    config = replace(TINY, emotions={**TINY.emotions, "happy": shifted})
    torch.manual_seed(0)
    model = AcousticModel(config).eval()  # untrained: its own pitch change would be noise
    given: list[torch.Tensor] = []
    real_decode = model.decode
    monkeypatch.setattr(
        model,
        "decode",
        lambda h, p, *rest, **kw: given.append(p[0]) or real_decode(h, p, *rest, **kw),
    )
    ids = batch_of(tiny_cache, 1)["ids"][0]
    pitched = torch.arange(len(ids)) % 3 == 0
    _, h, pad = model.encode(ids[None], torch.tensor([0]))
    neutral = model.predict_prosody(h, pad, torch.tensor([0]), torch.tensor([1.0]))[1][0]
    std = config.logf0_std[0]
    for intensity in (1.0, 0.5):
        model.infer(ids, 0, EMOTIONS.index("happy"), intensity, pitched=pitched)
        semitones = (given[-1] - neutral) * std * 12 / np.log(2)
        assert torch.allclose(semitones[pitched], torch.tensor(3.0 * intensity), atol=1e-4)
        assert torch.allclose(semitones[~pitched], torch.tensor(0.0), atol=1e-5)


def test_a_saved_voice_reproduces_the_model_exactly(tiny_cache: Path, tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = AcousticModel(TINY).eval()
    with torch.no_grad():  # the voice stores fp16: compare with the fp16-rounded model
        for p in model.parameters():
            p.copy_(p.half().float())
    export_voice(model, tmp_path / "tiny", "tiny", 1, "universal")
    voice = Voice.load(tmp_path / "tiny")
    ids = batch_of(tiny_cache, 1)["ids"][0]
    assert torch.equal(voice.model.infer(ids, 1, 2, 0.7), model.infer(ids, 1, 2, 0.7))


def test_a_corrupt_voice_is_a_clear_error(tmp_path: Path) -> None:
    from assistant.tts.voice import VoiceError

    model = AcousticModel(TINY)
    folder = export_voice(model, tmp_path / "broken", "broken", 0, "lj")
    (folder / "model.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(VoiceError, match=r"model\.safetensors"):
        Voice.load(folder)
    (folder / "voice.json").write_text("{")
    with pytest.raises(VoiceError, match=r"voice\.json"):
        Voice.load(folder)
    with pytest.raises(VoiceError, match="no voice 'nosuch'"):
        Voice.load("nosuch")


def test_the_rate_input_starts_silent_and_then_acts_above_one_times_only(
    tiny_cache: Path, tmp_path: Path
) -> None:
    """A voice given the rate input speaks exactly as before until it learns; once its weights
    move, the rate changes the mel at 2x and still nothing at 1x (ln 1 = 0, no bias)."""
    torch.manual_seed(0)
    plain = AcousticModel(TINY).eval()
    rated = AcousticModel(replace(TINY, rate_input=True)).eval()
    missing, unexpected = rated.load_state_dict(plain.state_dict(), strict=False)
    assert missing == ["rate.weight"] and not unexpected
    ids = batch_of(tiny_cache, 1)["ids"][0]
    for rate in (1.0, 2.0):
        assert torch.equal(rated.infer(ids, 0, rate=rate), plain.infer(ids, 0, rate=rate))
    with torch.no_grad():
        torch.nn.init.normal_(rated.rate.weight, std=1.0)
    assert torch.equal(rated.infer(ids, 0, rate=1.0), plain.infer(ids, 0, rate=1.0))
    fast = rated.infer(ids, 0, rate=2.0)
    assert fast.shape == plain.infer(ids, 0, rate=2.0).shape  # durations as before
    assert not torch.allclose(fast, plain.infer(ids, 0, rate=2.0), atol=1e-3)
    folder = export_voice(rated, tmp_path / "rated", "rated", 0, "lj")  # and it travels
    assert Voice.load(folder).model.config.rate_input
