"""A pause that may end the turn: SpeechPaused/SpeechResumed, and the Listener's Tentative text."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.asr.engine import Listener, ListenEvent, Tentative
from assistant.asr.types import Final, Partial
from assistant.asr.vad import (
    Endpointer,
    EnergyVad,
    SpeechEnded,
    SpeechPaused,
    SpeechResumed,
    SpeechStarted,
)
from assistant.config import AsrConfig

RATE = 16000


class LevelVad(EnergyVad):
    """A VAD whose speech probability is the window's peak sample: tests script it exactly."""

    def __call__(self, window: np.ndarray) -> float:
        return float(np.max(np.abs(window)))


def audio(*parts: tuple[float, float]) -> np.ndarray:
    """(seconds, level) stretches of constant samples."""
    return np.concatenate([np.full(int(s * RATE), level, np.float32) for s, level in parts])


def feed(target: Endpointer | Listener, samples: np.ndarray) -> list:
    return [e for i in range(0, len(samples), 480) for e in target.feed(samples[i : i + 480])]


class PeekingRecognizer:
    """Says how many seconds it heard; counts its decodes like Whisper's (peek and finish)."""

    name = "peeking"

    def __init__(self) -> None:
        self.samples = 0
        self.peeks = self.finishes = 0

    def start(self, sample_rate: int) -> None:
        pass

    def accept(self, block: np.ndarray) -> None:
        self.samples += len(block)

    def peek(self) -> Partial:
        self.peeks += 1
        return Partial(f"heard {self.samples / RATE:.2f}")

    def finish(self) -> Final:
        self.finishes += 1
        text = f"heard {self.samples / RATE:.2f}"
        self.samples = 0
        return Final(text)

    def reset(self) -> None:
        self.samples = 0

    def close(self) -> None:
        pass


def endpointer(early_s: float = 0.2) -> Endpointer:
    endpointer = Endpointer(LevelVad(), silence_s=0.6, min_speech_s=0.1, early_s=early_s)
    endpointer.start(RATE)
    return endpointer


def test_a_pause_is_reported_early_and_again_when_speech_comes_back() -> None:
    ep = endpointer()
    events = feed(ep, audio((0.5, 0.0), (1.0, 0.9), (0.4, 0.0), (0.5, 0.9), (1.0, 0.0)))
    kinds = [type(e) for e in events]
    assert kinds == [SpeechStarted, SpeechPaused, SpeechResumed, SpeechPaused, SpeechEnded]
    first_pause, resumed, second_pause, ended = events[1:]
    assert first_pause.at == pytest.approx(1.5, abs=0.04)  # where the voice stopped
    assert resumed.at == pytest.approx(1.9, abs=0.04)
    assert second_pause.at == ended.at == pytest.approx(2.4, abs=0.04)


def test_no_pause_events_unless_asked_for() -> None:
    events = feed(endpointer(early_s=0.0), audio((0.5, 0.0), (1.0, 0.9), (1.0, 0.0)))
    assert [type(e) for e in events] == [SpeechStarted, SpeechEnded]


def test_the_setting_switches_them_and_push_to_talk_has_none() -> None:
    assert Endpointer.from_config(AsrConfig()).early_s > 0
    assert Endpointer.from_config(AsrConfig(early_reply=False)).early_s == 0
    assert Endpointer.from_config(AsrConfig(), push_to_talk=True).early_s == 0


def listen(
    samples: np.ndarray, guess_every_s: float = 0.0
) -> tuple[list[ListenEvent], PeekingRecognizer]:
    """The Listener's events for `samples` (running guesses off unless asked for)."""
    recognizer = PeekingRecognizer()
    listener = Listener(endpointer(), recognizer, preroll_s=0.0, guess_every_s=guess_every_s)
    listener.sample_rate = RATE
    recognizer.start(RATE)
    return feed(listener, samples), recognizer


def test_the_turn_decoded_at_its_last_pause_is_its_final() -> None:
    events, recognizer = listen(audio((0.5, 0.0), (1.0, 0.9), (1.0, 0.0)))
    guesses = [e for e in events if isinstance(e, Tentative)]
    final = events[-1]
    assert len(guesses) == 1 and isinstance(final, Final)
    assert final.text == guesses[0].text  # decoded once, at the pause
    assert (recognizer.peeks, recognizer.finishes) == (1, 0)
    assert (
        events.index(guesses[0])
        == events.index(next(e for e in events if isinstance(e, SpeechPaused))) + 1
    )


def test_speech_after_the_pause_is_decoded_again_at_the_end() -> None:
    events, recognizer = listen(audio((0.5, 0.0), (1.0, 0.9), (0.4, 0.0), (0.5, 0.9), (1.0, 0.0)))
    guesses = [e.text for e in events if isinstance(e, Tentative)]
    final = events[-1]
    assert isinstance(final, Final) and len(guesses) == 2
    assert final.text == guesses[-1] != guesses[0]  # the second guess heard the words after
    assert SpeechResumed in [type(e) for e in events]
    assert recognizer.finishes == 0 and recognizer.peeks == 2


def test_a_recogniser_without_peek_offers_its_latest_partial() -> None:
    class Partials(PeekingRecognizer):
        peek = None  # type: ignore[assignment]

        def accept(self, block: np.ndarray) -> Partial:  # type: ignore[override]
            self.samples += len(block)
            return Partial("so far")

    recognizer = Partials()
    listener = Listener(endpointer(), recognizer, preroll_s=0.0)
    listener.sample_rate = RATE
    events = feed(listener, audio((0.5, 0.0), (1.0, 0.9), (1.0, 0.0)))
    assert Tentative("so far") in events
    assert isinstance(events[-1], Final) and recognizer.finishes == 1  # Vosk's own final


def test_a_running_guess_shows_every_second_and_a_half_of_voice() -> None:
    events, recognizer = listen(audio((0.5, 0.0), (3.2, 0.9), (1.0, 0.0)), guess_every_s=1.5)
    partials = [e.text for e in events if isinstance(e, Partial)]
    assert partials == ["heard 1.50", "heard 3.00"]  # voiced audio only: not the silences
    paused = next(i for i, e in enumerate(events) if isinstance(e, SpeechPaused))
    assert all(isinstance(e, Partial) for e in events[1:paused])  # all while speaking
    assert recognizer.peeks == 3 and recognizer.finishes == 0  # two guesses and the pause's
    (tentative,) = [e for e in events if isinstance(e, Tentative)]
    assert events[-1] == Final(tentative.text)  # the guesses do not replace the pause's decode


def test_no_running_guess_when_turned_off() -> None:
    events, recognizer = listen(audio((0.5, 0.0), (3.2, 0.9), (1.0, 0.0)), guess_every_s=0.0)
    assert not [e for e in events if isinstance(e, Partial)] and recognizer.peeks == 1
