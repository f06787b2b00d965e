"""The settings screen's vocoder list, and the choice kept in the settings file."""

from __future__ import annotations

from assistant import config
from assistant.config import Config
from assistant.ui.screens.settings import FIELDS, options

VOCODER = next(f for f in FIELDS if f.key == "vocoder")


def test_the_voices_own_vocoder_first_then_the_fast_one() -> None:
    listed = options(VOCODER, Config(), [], [], [])
    assert [value for _, value in listed] == ["", "fast", "lj", "universal"]
    assert listed[0][0].startswith("The voice's own") and "rougher" in listed[1][0]
    assert not VOCODER.live  # the voice is loaded again at the next start


def test_the_choice_is_saved_and_read_back() -> None:
    chosen = Config().replace("voice", vocoder="fast")
    config.save(chosen)
    assert config.load().voice.vocoder == "fast"
