"""How a document sounds: the pauses after sentences, paragraphs, headings and chapters."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.reader.document import Block, from_blocks, pause_after
from assistant.reader.narration import Narration, Part, Style, seconds_left
from tests.conversation.test_pipeline import RATE, WORD_S, FakeVoice

BOOK = from_blocks(
    Path("b.md"),
    "b",
    [
        Block("One", 1),
        Block("First words here. More words here."),
        Block("A new paragraph."),
        Block("Two", 1),
        Block("The last one."),
    ],
)


def trailing_silence(audio: np.ndarray, rate: int, threshold: float = 0.01) -> float:
    loud = np.flatnonzero(np.abs(audio) > threshold)
    return (len(audio) - (loud[-1] + 1 if len(loud) else 0)) / rate


def test_longer_pauses_after_paragraphs_headings_and_chapters() -> None:
    narration = Narration(BOOK, FakeVoice())
    pauses = [len(narration.pause(i)) / RATE for i in range(len(BOOK.sentences))]
    # One | First words here. | More words here. | A new paragraph. | Two | The last one.
    assert pauses == pytest.approx([1.0, 0.25, 0.6, 1.6, 1.0, 1.6])
    fast = Narration(BOOK, FakeVoice(), Style(rate=2.0))
    assert len(fast.pause(3)) / RATE == pytest.approx(0.8)  # shorter at a faster rate
    assert [pause_after(BOOK, i) for i in (0, 1)] == [1.0, None]


def test_footnote_markers_and_addresses_are_not_said_unless_asked() -> None:
    doc = from_blocks(Path("n.md"), "n", [Block("See www.example.org/a for it[3]. Done.")])
    voice = FakeVoice()
    Narration(doc, voice).speech(0)
    Narration(doc, voice, Style(read_notes=True)).speech(0)
    assert [call[0] for call in voice.calls] == ["See for it.", "See www.example.org/a for it[3]."]


def test_a_plan_gives_each_part_its_emotion_and_voice() -> None:
    voice, other = FakeVoice("lj"), FakeVoice("joe")

    def plan(index: int) -> list[Part]:
        return [Part("She said", "sad"), Part('"hello"', "happy", other_voice=True)]

    audio = Narration(BOOK, voice, plan=plan, other_voice=other).speech(1)
    assert [c[:2] for c in voice.calls] == [("She said", "sad")]
    assert [c[:2] for c in other.calls] == [('"hello"', "happy")]
    assert len(audio) == int(3 * WORD_S * RATE)


def test_time_left_shrinks_as_reading_goes_on_and_with_the_rate() -> None:
    first = seconds_left(BOOK, 0, 1.0)
    assert first > seconds_left(BOOK, 3, 1.0) > 0 == seconds_left(BOOK, 99, 1.0)
    assert seconds_left(BOOK, 0, 2.0) == pytest.approx(first / 2)


@pytest.mark.slow
def test_the_real_voice_pauses_longer_at_headings_than_paragraphs_than_sentences() -> None:
    from assistant.tts.voice import Voice

    voice = Voice.load("lj")
    narration = Narration(BOOK, voice)
    silence = [trailing_silence(narration.audio(i), voice.sample_rate) for i in (1, 2, 4)]
    after_sentence, after_paragraph, after_heading = silence
    assert 0.2 <= after_sentence < after_paragraph < after_heading, silence
    assert after_heading - after_paragraph == pytest.approx(0.4, abs=0.1)
