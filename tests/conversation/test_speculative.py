"""Replies started at a pause that may end the turn: released when the final transcript
confirms it, dropped unheard (nothing shown, said or remembered) when the user goes on."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from assistant.asr.engine import Tentative
from assistant.asr.types import Final
from assistant.asr.vad import SpeechEnded, SpeechPaused, SpeechResumed, SpeechStarted
from assistant.conversation.listening import StreamClock
from assistant.conversation.turns import SentenceCutter
from assistant.events import HeardFinal, ReplyDone, ReplyPiece, Speaking
from assistant.reply.engine import EchoLLM
from tests.conversation.test_pipeline import Harness

ANSWER = "The moon is a rock that circles the earth. It has no air."
QUESTION = "tell me something about the moon"


@pytest.fixture
def make(tmp_path: Path) -> Iterator[Callable[..., Harness]]:
    made: list[Harness] = []

    def factory(delay_s: float = 0.02) -> Harness:
        h = Harness(tmp_path, EchoLLM(ANSWER, delay_s))
        made.append(h)
        return h

    yield factory
    for h in made:
        h.pipeline.close()


def pause(h: Harness, text: str) -> None:
    h.pipeline.on_heard(SpeechPaused(2.0))
    h.pipeline.on_heard(Tentative(text), time.perf_counter())


def nothing_shown_or_said(h: Harness) -> bool:
    assert h.speaker is not None and h.voice is not None
    return not (h.of(ReplyPiece) or h.of(Speaking) or h.speaker.chunks or h.voice.calls)


def test_a_reply_started_at_the_pause_is_released_by_the_same_final(
    make: Callable[..., Harness],
) -> None:
    h = make()
    pause(h, QUESTION)
    h.wait(lambda: h.llm.produced >= 3)  # the model writes while the user is still silent
    assert nothing_shown_or_said(h)  # ... but nothing is shown or said before the turn ends
    h.pipeline.on_heard(SpeechEnded(2.0, 0.5))
    h.pipeline.on_heard(Final(QUESTION), time.perf_counter() - 0.6)
    h.finish()
    assert len(h.llm.calls) == 1  # the reply started early was the one said
    assert h.of(ReplyDone)[-1].text == ANSWER and not h.of(ReplyDone)[-1].cancelled
    assert "".join(e.text for e in h.of(ReplyPiece)) == ANSWER
    assert [t.assistant for t in h.engine.history.turns] == [ANSWER]
    assert [t.user for t in h.engine.history.turns] == [QUESTION]
    assert h.pipeline.speculator.taken == 1
    latency = h.pipeline.latencies[0]
    assert latency.final_to_first_piece is not None and latency.final_to_first_piece < 0.05


def test_a_reply_started_at_the_pause_is_dropped_when_the_user_goes_on(
    make: Callable[..., Harness],
) -> None:
    h = make(delay_s=0.05)
    pause(h, "tell me something about")
    h.wait(lambda: h.llm.produced >= 1)
    h.pipeline.on_heard(SpeechResumed(2.3))
    produced = h.llm.produced
    time.sleep(0.3)
    assert h.llm.produced <= produced + 1  # the model was stopped
    assert nothing_shown_or_said(h) and not h.of(ReplyDone)
    assert not h.engine.history.turns  # nothing of the dropped reply is remembered
    h.pipeline.on_heard(SpeechEnded(3.0, 0.5))
    h.pipeline.on_heard(Final(QUESTION), time.perf_counter())
    h.finish()
    assert [c[-1]["content"] for c in h.llm.calls] == ["tell me something about", QUESTION]
    assert [(t.user, t.assistant) for t in h.engine.history.turns] == [(QUESTION, ANSWER)]
    assert len(h.of(ReplyDone)) == 1 and h.of(HeardFinal) == [HeardFinal(QUESTION)]
    assert (h.pipeline.speculator.taken, h.pipeline.speculator.dropped) == (0, 1)


def test_a_final_with_other_words_gets_its_own_reply(make: Callable[..., Harness]) -> None:
    h = make()
    pause(h, "tell me something about the moo")
    h.wait(lambda: h.llm.produced >= 1)
    h.pipeline.on_heard(Final(QUESTION), time.perf_counter())
    h.finish()
    assert [c[-1]["content"] for c in h.llm.calls] == ["tell me something about the moo", QUESTION]
    assert [t.user for t in h.engine.history.turns] == [QUESTION]


def test_new_speech_or_a_typed_message_drops_it(make: Callable[..., Harness]) -> None:
    h = make()
    pause(h, QUESTION)
    h.pipeline.on_heard(SpeechStarted(3.0))
    assert h.pipeline.speculator.dropped == 1
    pause(h, QUESTION)
    h.pipeline.submit_text("something typed").join()
    h.finish()
    assert [t.user for t in h.engine.history.turns] == ["something typed"]
    assert h.pipeline.speculator.dropped == 2


def test_commands_are_not_started_early(make: Callable[..., Harness]) -> None:
    h = make()
    pause(h, "what time is it")
    assert h.pipeline.speculator.started == 0 and h.llm.calls == []
    h.pipeline.on_heard(Final("what time is it"), time.perf_counter())
    h.finish()
    assert h.voice is not None and h.voice.calls[0][0].startswith("It's ")


def test_nothing_is_started_early_while_an_answer_is_said(make: Callable[..., Harness]) -> None:
    h = make(delay_s=0.0)
    h.pipeline.submit_text("first question").join()
    h.wait(lambda: h.pipeline.speaking)
    pause(h, QUESTION)  # (a pause in speech too quiet to barge in)
    assert h.pipeline.speculator.started == 0
    h.finish()


def test_the_first_piece_may_end_before_a_word_that_starts_a_phrase() -> None:
    cutter = SentenceCutter(first_clause_words=5)
    pieces = ["The", " moon", " is", " a", " celestial", " body", " that", " orbits", " us"]
    out = [(p, cutter.feed(p)) for p in pieces]
    assert out[-2] == (" orbits", ["The moon is a celestial body"])  # once "that" is a word
    assert all(not cut for _, cut in out[:-2])
    assert cutter.feed(" too. Then, a second") == ["that orbits us too."]
    assert SentenceCutter().feed("Why would you want to do that?") == []  # "that" ends it
    assert SentenceCutter().feed("I know that it is") == []  # too few words before "that"
    assert SentenceCutter().feed("You can tell the time and date") == []  # "and" joins words
    assert SentenceCutter().feed("It costs 3,000 dollars and more") == []


def test_the_stream_clock_stamps_the_turn_from_blocks_that_were_on_time() -> None:
    clock = StreamClock()
    clock.update(arrived=10.03, stream_s=0.03, new_turn=True)
    clock.update(arrived=10.50, stream_s=0.06, new_turn=False)  # waited behind a decode
    assert clock.at(0.06) == pytest.approx(10.06)
    clock.update(arrived=20.0, stream_s=5.0, new_turn=True)  # a new turn starts afresh
    assert clock.at(5.0) == pytest.approx(20.0)
