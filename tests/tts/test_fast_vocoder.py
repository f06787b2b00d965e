"""The fast vocoder: exact framing, save/load, and a short distillation that learns."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from assistant import paths
from assistant.asr.whisper import WhisperRecognizer
from assistant.train import cache
from assistant.train import vocoder as training
from assistant.tts import features, streaming
from assistant.tts.fast_vocoder import (
    CONTEXT_FRAMES,
    FastVocoder,
    FastVocoderConfig,
    FastVocoderNet,
    complex_spectrum,
    overlap_add,
)
from assistant.tts.voice import OWN_VOCODER, load_vocoder

TINY = FastVocoderConfig(channels=48, blocks=2, expand=2)


def test_inverse_framing_is_exact() -> None:
    audio = torch.randn(2, features.HOP * 40) * 0.1
    spec = complex_spectrum(audio)  # (2, 513, 40): one frame per mel frame
    assert spec.shape == (2, features.N_FFT // 2 + 1, 40)
    back = overlap_add(spec, torch.hann_window(features.N_FFT))
    assert back.shape == audio.shape
    assert torch.allclose(back, audio, atol=1e-5)


def test_output_lines_up_with_the_mel_frames() -> None:
    net = FastVocoderNet(TINY).eval()
    mel = torch.randn(1, features.N_MELS, 25)
    with torch.no_grad():
        assert net(mel).shape == (1, 25 * features.HOP)


def test_save_and_load_keep_the_output(tmp_path: Path) -> None:
    vocoder = FastVocoder(FastVocoderNet(TINY))
    vocoder.save(tmp_path / "v", {"steps": 3})
    again = FastVocoder.load(tmp_path / "v")
    mel = torch.randn(features.N_MELS, 30)
    a, b = vocoder(mel), again(mel)
    assert a.dtype == np.float32 and a.shape == (30 * features.HOP,)
    assert np.abs(a - b).max() < 5e-3  # fp16 weights
    assert json.loads((tmp_path / "v" / "vocoder.json").read_text())["steps"] == 3
    by_path = load_vocoder(str(tmp_path / "v"))  # a folder just exported, for evaluate_voice
    assert isinstance(by_path, FastVocoder) and np.abs(by_path(mel) - b).max() == 0.0


def test_a_voice_with_a_fast_vocoder_of_its_own_uses_it(tmp_path: Path) -> None:
    own = FastVocoder(FastVocoderNet(TINY))
    own.save(tmp_path / "voice" / OWN_VOCODER, {"steps": 1})
    mel = torch.randn(features.N_MELS, 20)
    chosen = load_vocoder("fast", tmp_path / "voice")
    assert isinstance(chosen, FastVocoder) and np.abs(chosen(mel) - own(mel)).max() < 5e-3
    assert chosen.name == "fast-voice"
    shared = load_vocoder("fast", tmp_path / "other")  # no vocoder/ of its own
    assert isinstance(shared, FastVocoder) and shared.net.config != TINY


@pytest.mark.timeout(300)
def test_distillation_from_the_real_teacher_lowers_the_loss(tmp_path: Path) -> None:
    made = training.teacher_pairs(
        paths.shipped_voices_dir() / "lj",
        ["The quick brown fox jumps over the lazy dog by the river."],
        tmp_path / "pairs",
    )
    assert made == 1
    settings = training.TrainSettings(
        steps=120, batch=4, frames=32, lr=2e-3, warmup=10, threads=1, config=TINY
    )
    export = training.train([tmp_path / "pairs"], tmp_path / "run", settings)
    history = json.loads((tmp_path / "run" / "history.json").read_text())
    first, last = history[0], history[-1]
    assert last["step"] == 100
    assert last["mel"] < 0.8 * first["mel"]
    assert (export / "vocoder.safetensors").is_file()
    # resuming continues from the checkpoint instead of starting again
    settings.steps = 150
    training.train([tmp_path / "pairs"], tmp_path / "run", settings)
    assert json.loads((tmp_path / "run" / "history.json").read_text())[-1]["step"] == 150


def test_teacher_pairs_can_be_drawn_from_chosen_emotions(tmp_path: Path) -> None:
    """`data --emotions happy,angry`: more pairs of the emotions a student is short on."""
    sentence = ["A lamp was lit in the tower."]
    lj = paths.shipped_voices_dir() / "lj"
    mels = {}
    for emotion in ("sad", "surprised"):
        assert training.teacher_pairs(lj, sentence, tmp_path / emotion, emotions=[emotion]) == 1
        with np.load(next((tmp_path / emotion).glob("*.npz"))) as pair:
            mels[emotion] = pair["mel"].astype(np.float32)
    sad, surprised = mels["sad"], mels["surprised"]
    assert sad.shape[1] > surprised.shape[1]  # sad speech is slower
    with pytest.raises(ValueError, match="unknown emotion"):
        training.teacher_pairs(lj, sentence, tmp_path / "none", emotions=["bored"])


def test_a_pair_holds_its_teachers_audio_for_the_mel_as_stored(tmp_path: Path) -> None:
    """The teacher runs in torch (a GPU machine's way) from a copy of its checkpoint in fp16, and
    vocodes the mel as it is stored (fp16), so the pair is exactly the teacher's: V1's
    waveform moves at 12 dB SNR for a 0.002 change of the mel, and a student would learn
    a phase that is not the mel's."""
    from assistant.tts.vocoder import Vocoder, checkpoint_path

    state = torch.load(checkpoint_path("lj"), map_location="cpu", weights_only=True)
    half = {k: v.half() for k, v in state["generator"].items()}
    torch.save({"generator": half}, tmp_path / "teacher.pth")
    lj = paths.shipped_voices_dir() / "lj"
    sentence = ["The river ran past the old mill at dawn."]
    teacher = tmp_path / "teacher.pth"
    made = training.teacher_pairs(lj, sentence, tmp_path / "pairs", teacher=teacher)
    assert made == 1 and [p.suffix for p in (tmp_path / "pairs").iterdir()] == [".npz"]  # whole
    with np.load(next((tmp_path / "pairs").glob("*.npz"))) as pair:
        mel, audio = pair["mel"].astype(np.float32), pair["audio"].astype(np.float32) / 32767.0
    v1 = Vocoder.load("lj")(torch.from_numpy(mel))[: len(audio)]  # fp32 weights, onnxruntime
    snr = 10 * np.log10(np.sum(v1**2) / np.sum((v1 - audio) ** 2))
    assert snr > 40.0, snr


def test_a_voice_of_its_own_trains_on_that_voices_pairs_only(tmp_path: Path) -> None:
    """`--voice lj`: lj's teacher and teacher-forced pairs and the real LJ clips, nothing of joe."""
    names = ("lj-0-00001", "joe-0-00001", "forced-lj-LJ001-0001", "forced-joe-joe-7",
             "real-LJ002-0003", "ljx-0-1")  # fmt: skip
    for i, name in enumerate(names):
        mel = torch.full((features.N_MELS, 40), float(i))
        training.save_pair(tmp_path, name, mel, np.zeros(40 * features.HOP, np.float32))

    def kept(voice: str | None) -> set[int]:
        segments = training.Segments([tmp_path], 8, voice=voice)
        return {int(m[0, 0]) for m in segments.mels}

    assert kept("lj") == {0, 2, 4}
    assert kept("joe") == {1, 3}
    assert kept(None) == set(range(len(names)))
    with pytest.raises(ValueError, match="no pairs"):
        training.Segments([tmp_path], 8, voice="nobody")


def test_teacher_forced_pairs_line_up_with_the_recordings(tiny_cache: Path) -> None:
    """Each voice's mel along its own recording: as many frames as the recording's mel, the
    recording's samples as the target, and closest to the real mel with no shift (aligned)."""
    _, records = cache.read_manifest(tiny_cache)
    out = tiny_cache.parent / f"{tiny_cache.name}-forced"
    for name in ("lj", "joe"):
        mine = [tiny_cache / r["path"] for r in records if r["speaker"] == name][:2]
        made = training.forced_pairs(paths.shipped_voices_dir() / name, mine, tiny_cache, out)
        assert made == len(mine) == 2
        assert training.forced_pairs(paths.shipped_voices_dir() / name, mine, tiny_cache, out) == 0
        for path in mine:
            real = cache.load_utterance(path)["mel"].astype(np.float32)
            meta = cache.read_meta(path)
            with np.load(out / f"forced-{name}-{path.stem}.npz") as pair:
                forced, audio = pair["mel"].astype(np.float32), pair["audio"]
            assert forced.shape == real.shape
            assert audio.size == real.shape[1] * features.HOP
            assert audio.size <= meta["trim"][1] - meta["trim"][0]
            inner = slice(8, -8)
            errors = {
                shift: float(np.abs(np.roll(real, shift, axis=1) - forced)[:, inner].mean())
                for shift in (-3, 0, 3)
            }
            assert errors[0] < 0.8 * min(errors[-3], errors[3]), errors


def test_pieces_join_to_the_whole() -> None:
    torch.manual_seed(0)
    vocoder = FastVocoder(FastVocoderNet(FastVocoderConfig(channels=32, blocks=8, expand=2)))
    mel = torch.randn(features.N_MELS, 500) - 5.0
    whole = vocoder(mel)
    sizes = [20, 100, 100, 100, 100, 80]
    pieces = list(streaming.pieces(vocoder, mel, sizes, CONTEXT_FRAMES))
    assert [len(p) // features.HOP for p in pieces] == sizes
    planned = list(vocoder.pieces(mel, first=20))  # the sizes its pace picks
    assert len(planned) > 1 and len(planned[0]) == 20 * features.HOP
    for joined in (np.concatenate(pieces), np.concatenate(planned)):
        snr = 10 * np.log10(np.sum(whole**2) / np.sum((joined - whole) ** 2))
        assert snr > 60.0


def test_missing_or_corrupt_files_are_a_clear_error(tmp_path: Path) -> None:
    from assistant.tts.fast_vocoder import FastVocoderError

    with pytest.raises(FastVocoderError, match="cannot load"):
        FastVocoder.load(tmp_path)
    FastVocoder(FastVocoderNet(TINY)).save(tmp_path)
    (tmp_path / "vocoder.safetensors").write_bytes(b"not weights")
    with pytest.raises(FastVocoderError, match="cannot load"):
        FastVocoder.load(tmp_path)


def test_a_new_machine_resumes_from_the_exported_weights(tmp_path: Path) -> None:
    made = training.teacher_pairs(
        paths.shipped_voices_dir() / "lj", ["A short one to learn from."], tmp_path / "pairs"
    )
    assert made == 1
    settings = training.TrainSettings(steps=20, batch=2, frames=16, threads=1, config=TINY)
    training.train([tmp_path / "pairs"], tmp_path / "run", settings)
    folder = tmp_path / "shipped"
    assert training.export_checkpoint(tmp_path / "run", folder) == 20
    assert FastVocoder.load(folder).net.config == TINY  # its shape read from last.pt
    settings.steps = 30  # the cache and run are gone: start from the exported folder
    training.train([tmp_path / "pairs"], tmp_path / "new-run", settings, init=folder)
    state = torch.load(tmp_path / "new-run" / "last.pt", weights_only=True)
    assert int(state["step"]) == 30


def test_a_wide_head_grows_from_a_trained_vocoder_without_changing_it(tmp_path: Path) -> None:
    """`--head-hidden`: the GELU layer beside the linear head starts silent, then learns."""
    FastVocoder(FastVocoderNet(TINY)).save(tmp_path / "narrow", {"steps": 5})
    narrow = FastVocoder.load(tmp_path / "narrow")
    wide_config = dataclasses.replace(TINY, head_hidden=64)
    wide = FastVocoderNet(wide_config)
    training.start_from(wide, tmp_path / "narrow")
    mel = torch.randn(features.N_MELS, 20)
    assert np.abs(FastVocoder(wide)(mel) - narrow(mel)).max() == 0.0
    made = training.teacher_pairs(
        paths.shipped_voices_dir() / "lj", ["A short one to learn from."], tmp_path / "pairs"
    )
    assert made == 1
    settings = training.TrainSettings(
        steps=8, batch=2, frames=16, lr=1e-3, warmup=1, threads=1, config=wide_config
    )
    export = training.train(
        [tmp_path / "pairs"], tmp_path / "run", settings, init=tmp_path / "narrow"
    )
    grown = FastVocoder.load(export)
    assert grown.net.config.head_hidden == 64 and grown.net.wide is not None
    assert training.export_checkpoint(tmp_path / "run", tmp_path / "again") == 8
    assert FastVocoder.load(tmp_path / "again").net.config == wide_config
    assert grown.net.wide.out.weight.abs().max() > 0  # it learned
    assert np.abs(grown(mel) - narrow(mel)).max() > 1e-4
    with pytest.raises(ValueError, match="does not fit"):  # wide → narrow loses a part
        training.start_from(FastVocoderNet(TINY), export)


def test_snapshots_keep_the_weights_of_their_step_while_training_goes_on(
    tmp_path: Path,
) -> None:
    """`--snapshot-minutes`: adversarial training does not improve steadily, so a run leaves
    vocoder folders along the way to be measured and the best kept."""
    made = training.teacher_pairs(
        paths.shipped_voices_dir() / "lj", ["A short one to learn from."], tmp_path / "pairs"
    )
    assert made == 1
    settings = training.TrainSettings(
        steps=6, batch=2, frames=16, lr=1e-3, warmup=1, threads=1, config=TINY,
        snapshot_every_s=1e-9,
    )  # fmt: skip
    export = training.train([tmp_path / "pairs"], tmp_path / "run", settings)
    folders = sorted((tmp_path / "run" / "snapshots").iterdir(), key=lambda f: f.stat().st_mtime)
    assert [f.name for f in folders] == [f"step-{n}" for n in range(1, 7)]
    mel = torch.randn(features.N_MELS, 20)
    first, last = (FastVocoder.load(f)(mel) for f in (folders[0], folders[-1]))
    assert np.abs(first - last).max() > 1e-4  # the net went on learning after a snapshot
    assert np.abs(last - FastVocoder.load(export)(mel)).max() < 1e-6  # the last is the export


def test_the_adversarial_terms_weigh_as_set() -> None:
    parts = {k: torch.tensor(1.0) for k in ("mel", "stft", "complex", "adversarial", "matching")}
    parts["discriminators"] = torch.tensor(5.0)  # logged, never the student's loss
    assert float(training.total_loss(parts)) == pytest.approx(3.0 + 0.05 + 0.1)
    hifigan = {"adversarial": 0.18, "matching": 1.6}
    assert float(training.total_loss(parts, hifigan)) == pytest.approx(3.0 + 0.18 + 1.6)


def test_discriminators_judge_any_length_and_learn_to_tell(tmp_path: Path) -> None:
    from assistant.train.discriminators import Discriminators

    judges = Discriminators()
    odd = judges(torch.randn(2, 5001) * 0.1)  # not a multiple of any period
    assert len(odd) == 8 and all(score.shape[0] == 2 and inner for score, inner in odd)
    made = training.teacher_pairs(
        paths.shipped_voices_dir() / "lj", ["A short test sentence for the judges."], tmp_path / "p"
    )
    assert made == 1
    settings = training.TrainSettings(
        steps=100, batch=2, frames=24, lr=1e-3, warmup=5, threads=1, config=TINY,
        adversarial_from=0,
    )  # fmt: skip
    training.train([tmp_path / "p"], tmp_path / "run", settings)
    history = json.loads((tmp_path / "run" / "history.json").read_text())
    first, last = history[0], history[-1]
    assert {"adversarial", "matching", "discriminators"} <= set(last)
    assert last["discriminators"] < 0.7 * first["discriminators"]  # they learned to tell
    state = torch.load(tmp_path / "run" / "last.pt", weights_only=True)
    assert "judges" in state and "judges_optimizer" in state  # a resume keeps them
    settings.steps = 120
    training.train([tmp_path / "p"], tmp_path / "run", settings)
    again = torch.load(tmp_path / "run" / "last.pt", weights_only=True)
    moved = [not torch.equal(again["judges"][k], v) for k, v in state["judges"].items()]
    assert again["step"] == 120 and any(moved)


@pytest.mark.slow
def test_the_shipped_fast_vocoder_speaks_both_voices_intelligibly(
    recognizer: WhisperRecognizer,
) -> None:
    from assistant.lab.scoring import wer
    from assistant.tts.voice import Voice

    sentence = "The old keeper climbed the tower and lit the great lamp."
    for name in ("lj", "joe"):
        voice = Voice.load(name, vocoder="fast")
        # each has one fine-tuned to it; lj's with the wide head
        assert isinstance(voice.vocoder, FastVocoder) and voice.vocoder.name == f"fast-{name}"
        assert (voice.vocoder.net.wide is not None) == (name == "lj")
        audio = voice.sentence_audio(sentence)
        heard = recognizer.transcribe(audio, voice.sample_rate)
        assert wer([sentence], [heard]) <= 0.2, (name, heard)
