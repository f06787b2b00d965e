"""The words before a pause set how long it must last to end the turn: sooner after a finished
sentence, later after words that leave it open (rules, the endpointer, and real speech)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant.asr.engine import Listener, Tentative
from assistant.asr.turn_end import TurnEnd, judge, pause_needed
from assistant.asr.types import Final
from assistant.asr.vad import (
    Endpointer,
    SileroVad,
    SpeechEnded,
    SpeechPaused,
    SpeechResumed,
    SpeechStarted,
)
from assistant.asr.whisper import WhisperEngine
from assistant.audio.convert import to_mono
from assistant.config import AsrConfig
from assistant.tts.features import SAMPLE_RATE, load_audio
from tests.asr.test_pause import RATE, LevelVad, audio

FINISHED = [
    "What time is it?",
    "Tell me something about the moon.",
    "Can you repeat that?",
    "Where are you from?",
    "What's the weather like?",
    "Stop!",
    'He said "no."',
]
TRAILING = [  # Whisper's spellings, then Vosk's (lower case, no punctuation)
    "Tell me about the",
    "Tell me about the...",
    "What is the capital of?",
    "I want coffee and",
    "Well,",
    "So, um",
    "tell me a joke about",
    "what is the weather in",
    "play something happy and",
    "what's the capital of",
]
OPEN = [  # nothing says the sentence ended, nothing says it goes on
    "what time is it",
    "go on",
    "Go on...",
    "repeat that",
    "be happy",
    "",
    "...",
]


@pytest.mark.parametrize("text", FINISHED)
def test_a_finished_sentence_ends_the_turn_sooner(text: str) -> None:
    assert judge(text) is TurnEnd.FINISHED
    assert pause_needed(text, 0.6) == pytest.approx(0.4)


@pytest.mark.parametrize("text", TRAILING)
def test_words_that_leave_the_sentence_open_wait_longer(text: str) -> None:
    assert judge(text) is TurnEnd.TRAILING
    assert pause_needed(text, 0.6) == pytest.approx(1.2)
    assert pause_needed(text, 2.0) == pytest.approx(3.0)  # at most one second more


@pytest.mark.parametrize("text", OPEN)
def test_unpunctuated_text_keeps_the_configured_pause(text: str) -> None:
    assert judge(text) is TurnEnd.OPEN
    assert pause_needed(text, 0.6) == 0.6


@given(st.text(max_size=200), st.floats(0.1, 5.0))
def test_any_text_gets_a_pause_between_two_thirds_and_one_second_more(
    text: str, silence: float
) -> None:
    needed = pause_needed(text, silence)
    assert silence * 2 / 3 - 1e-9 <= needed <= silence + 1.0 + 1e-9


def paused_turn(by_words: bool, words: str, gap_s: float) -> list[tuple[float, object]]:
    """Speech, a pause of gap_s whose words are `words`, more speech, silence (its words `words`
    plus "moon."): the events with the audio time at which each was reported."""
    endpointer = Endpointer(
        LevelVad(), silence_s=0.6, min_speech_s=0.1, early_s=0.2, by_words=by_words
    )
    endpointer.start(RATE)
    samples = audio((0.5, 0.0), (1.0, 0.9), (gap_s, 0.0), (0.5, 0.9), (2.0, 0.0))
    events: list[tuple[float, object]] = []
    for i in range(0, len(samples), 480):
        for event in endpointer.feed(samples[i : i + 480]):
            events.append((endpointer.time, event))
            if isinstance(event, SpeechPaused):
                pauses = sum(isinstance(e, SpeechPaused) for _, e in events)
                endpointer.heard_words(words if pauses == 1 else f"{words} moon.")
    return events


def test_a_pause_after_a_finished_sentence_ends_the_turn_at_two_thirds() -> None:
    events = paused_turn(True, "What time is it?", gap_s=0.5)
    kinds = [type(e) for _, e in events]
    assert kinds[:3] == [SpeechStarted, SpeechPaused, SpeechEnded]  # the 0.5 s pause ended it
    ended_at, ended = events[2]
    assert isinstance(ended, SpeechEnded) and ended.at == pytest.approx(1.5, abs=0.04)
    assert ended_at - ended.at == pytest.approx(0.4, abs=0.04)
    # without the words, the same pause does not end the turn
    assert SpeechResumed in [type(e) for _, e in paused_turn(False, "What time is it?", 0.5)]


def test_a_pause_after_trailing_words_lets_the_user_go_on() -> None:
    events = paused_turn(True, "tell me about the", gap_s=0.9)
    kinds = [type(e) for _, e in events]
    assert kinds == [SpeechStarted, SpeechPaused, SpeechResumed, SpeechPaused, SpeechEnded]
    # the pause after the resumed speech is judged afresh: "... the moon." is finished
    end_time, ended = events[-1]
    assert isinstance(ended, SpeechEnded) and end_time - ended.at == pytest.approx(0.4, abs=0.04)
    # without the words, the 0.9 s pause ends the turn in the middle
    plain = [type(e) for _, e in paused_turn(False, "tell me about the", 0.9)]
    assert plain[:3] == [SpeechStarted, SpeechPaused, SpeechEnded]


def test_the_setting_switches_it() -> None:
    assert Endpointer.from_config(AsrConfig()).by_words
    assert not Endpointer.from_config(AsrConfig(endpoint_by_words=False)).by_words


def test_words_outside_a_pause_change_nothing() -> None:
    endpointer = Endpointer(LevelVad(), silence_s=0.6, early_s=0.2, by_words=True)
    endpointer.start(RATE)
    assert endpointer.heard_words("What time is it?") == 0.6  # no pause open


@pytest.fixture(scope="module")
def whisper() -> WhisperEngine:
    engine = WhisperEngine()
    engine.start(RATE)
    return engine


def spoken(espeak: Callable[..., Path], *parts: str | float) -> np.ndarray:
    """English espeak-ng speech and silences (float: seconds) at 16 kHz, after 0.5 s of quiet."""
    pieces = [np.zeros(RATE // 2, np.float32)]
    for part in parts:
        if isinstance(part, float):
            pieces.append(np.zeros(int(part * RATE), np.float32))
        else:
            samples = load_audio(espeak(part, voice="en-us", speed=160))
            pieces.append(to_mono(samples, SAMPLE_RATE, RATE))
    return np.concatenate(pieces)


def listen(
    whisper: WhisperEngine, samples: np.ndarray, by_words: bool
) -> list[tuple[float, object]]:
    endpointer = Endpointer(SileroVad(), silence_s=0.6, early_s=0.2, by_words=by_words)
    listener = Listener(endpointer, whisper, guess_every_s=0.0)
    listener.sample_rate = RATE
    endpointer.start(RATE)
    whisper.reset()
    return [
        (endpointer.time, event)
        for i in range(0, len(samples), 480)
        for event in listener.feed(samples[i : i + 480])
    ]


@pytest.mark.slow
def test_real_speech_a_question_ends_sooner_and_a_pause_after_about_is_waited_out(
    whisper: WhisperEngine, espeak: Callable[..., Path]
) -> None:
    question = listen(whisper, spoken(espeak, "What time is it?", 1.5), by_words=True)
    finals = [e for _, e in question if isinstance(e, Final)]
    assert [f.text for f in finals] == ["What time is it?"]
    ended = [(t, e) for t, e in question if isinstance(e, SpeechEnded)]
    ((end_time, end),) = ended
    assert end_time - end.at < 0.5  # 0.4 s of pause, not the configured 0.6 s

    # espeak's own silences make the 0.5 s gap about 0.8 s of pause: over the configured 0.6 s
    halting = spoken(espeak, "Play me a song about", 0.5, "the sea.", 1.5)
    heard = listen(whisper, halting, by_words=True)
    tentative = next(e for _, e in heard if isinstance(e, Tentative))
    assert judge(tentative.text) is TurnEnd.TRAILING  # "Play me a song about"
    finals = [e.text.lower() for _, e in heard if isinstance(e, Final)]
    assert len(finals) == 1 and "song about" in finals[0] and "sea" in finals[0]
    # the configured pause alone cuts the same speech into two turns
    cut = [e.text for _, e in listen(whisper, halting, by_words=False) if isinstance(e, Final)]
    assert len(cut) == 2
