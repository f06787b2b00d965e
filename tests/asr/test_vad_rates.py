"""vad = "auto" at any microphone rate: Silero hears 16 kHz only, so another rate gets the
energy VAD instead of listening turning off."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from assistant.asr.vad import Endpointer, EnergyVad, SileroVad, SpeechEnded, SpeechStarted
from assistant.config import AsrConfig
from tests.asr.conftest import play_into_mic


def test_auto_keeps_silero_at_16_khz_and_uses_energy_elsewhere() -> None:
    at_16k = Endpointer.from_config(AsrConfig())
    at_16k.start(16000)
    assert isinstance(at_16k.vad, SileroVad)
    for rate in (44100, 48000, 8000):
        endpointer = Endpointer.from_config(AsrConfig())
        endpointer.start(rate)
        assert isinstance(endpointer.vad, EnergyVad)
        assert endpointer.feed(np.zeros(rate // 10, np.float32)) == []


def test_silero_asked_for_by_name_still_explains_the_rate() -> None:
    endpointer = Endpointer.from_config(AsrConfig(vad="silero"))
    with pytest.raises(RuntimeError, match="16000 Hz"):
        endpointer.start(48000)


@pytest.mark.audio
def test_a_48_khz_microphone_hears_a_turn_with_vad_auto(
    pulse: Path, espeak: Callable[..., Path]
) -> None:
    endpointer = Endpointer.from_config(AsrConfig(endpoint_silence_s=0.6, early_reply=False))
    endpointer.start(48000)
    heard = play_into_mic(
        espeak("The weather is fine today, and the sun is out.", voice="en"),
        endpointer.feed,
        lambda e: isinstance(e, SpeechEnded),
        timeout=12.0,
        rate=48000,
    )
    assert [type(e) for _, e in heard.events] == [SpeechStarted, SpeechEnded]
