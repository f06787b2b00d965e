"""Benchmark rows for speech: vocoders, the Piper anchor, our voice with and without the vocoder."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from assistant.lab.bench.runner import BenchConfig, Metrics, Unavailable, measurement


def _best_time(run: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    """(fastest wall time of repeats calls, the last result)."""
    best, result = float("inf"), None
    for _ in range(max(1, repeats)):
        start = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - start)
    return best, result


@measurement("baseline", "Python with numpy and torch imported: the memory floor of every row")
def _baseline(config: BenchConfig) -> Metrics:
    import torch

    torch.set_num_threads(config.threads)
    return {}


def _vocoder(name: str, config: BenchConfig) -> Metrics:
    import torch

    from assistant.tts.vocoder import measure_rtf
    from assistant.tts.voice import load_vocoder

    torch.set_num_threads(config.threads)
    start = time.perf_counter()
    vocoder = load_vocoder(name)
    load_s = time.perf_counter() - start
    return {"rtf": measure_rtf(vocoder, config.seconds, config.repeats), "load_s": load_s}


@measurement("vocoder-lj", "HiFi-GAN V1 LJSpeech generator, RTF on noise mels")
def _vocoder_lj(config: BenchConfig) -> Metrics:
    return _vocoder("lj", config)


@measurement("vocoder-universal", "HiFi-GAN V1 universal generator, RTF on noise mels")
def _vocoder_universal(config: BenchConfig) -> Metrics:
    return _vocoder("universal", config)


@measurement("vocoder-fast", "our fast vocoder (ConvNeXt + inverse STFT), RTF on noise mels")
def _vocoder_fast(config: BenchConfig) -> Metrics:
    return _vocoder("fast", config)


def _speech_timing(speak: Callable[[str], Any], config: BenchConfig) -> Metrics:
    """First-sentence latency and whole-paragraph RTF of speak(text) → (samples, sample rate)."""
    first, paragraph = config.paragraph[0], " ".join(config.paragraph)
    speak(first)  # warm-up
    latency, _ = _best_time(lambda: speak(first), config.repeats)
    elapsed, (audio, sample_rate) = _best_time(lambda: speak(paragraph), config.repeats)
    audio_s = len(audio) / sample_rate
    return {"rtf": elapsed / audio_s, "latency_s": latency, "audio_s": audio_s}


@measurement("piper", "Piper joe voice (ONNX): paragraph RTF, first-sentence latency")
def _piper(config: BenchConfig) -> Metrics:
    from assistant.train.piper import PiperVoice

    start = time.perf_counter()
    voice = PiperVoice.load(threads=config.threads)
    load_s = time.perf_counter() - start
    metrics = _speech_timing(lambda text: (voice.synthesize(text), voice.sample_rate), config)
    return {**metrics, "load_s": load_s}


def load_voice(config: BenchConfig, vocoder: str | None = None) -> Any:
    """The benchmarked voice (default lj) with its own vocoder, or `vocoder`, or the bench's
    `--vocoder`."""
    import torch

    from assistant.tts.voice import Voice, VoiceError

    torch.set_num_threads(config.threads)
    try:
        voice = Path(config.voice) if config.voice else "lj"
        return Voice.load(voice, vocoder=vocoder or config.vocoder)
    except VoiceError as err:
        raise Unavailable(str(err)) from err


@measurement(
    "voice", "our voice (default lj): paragraph RTF, first-sentence and first-chunk latency"
)
def _our_voice(config: BenchConfig) -> Metrics:
    return _voice_timing(config)


@measurement("voice-fast", "our voice with the fast vocoder: the same as voice, beside piper")
def _our_voice_fast(config: BenchConfig) -> Metrics:
    return _voice_timing(config, "fast")


def _voice_timing(config: BenchConfig, vocoder: str | None = None) -> Metrics:
    start = time.perf_counter()
    voice = load_voice(config, vocoder)
    load_s = time.perf_counter() - start
    first_chunk_s, _ = _best_time(lambda: next(voice.stream(config.paragraph[0])), config.repeats)
    return {
        **_speech_timing(voice.synthesize, config),
        "first_chunk_s": first_chunk_s,  # what `Voice.stream` hands to the speaker first
        "load_s": load_s,
    }


@measurement("acoustic", "our acoustic model alone (text → mel, no vocoder): RTF, latency")
def _acoustic(config: BenchConfig) -> Metrics:
    import torch

    from assistant.tts import features, text

    voice = load_voice(config)

    def mel_only(sentence: str) -> tuple[np.ndarray, int]:
        mels = [
            voice.model.infer(torch.tensor(text.text_to_ids(s)), voice.info.speaker_id)
            for s in text.split_sentences(sentence)
        ]
        frames = sum(m.shape[1] for m in mels)
        return np.zeros(frames * features.HOP, np.float32), features.SAMPLE_RATE

    return _speech_timing(mel_only, config)
