"""The reply engine with a fake model: skills first, streaming, history, cancellation."""

import threading
import time
from datetime import datetime

import pytest

from assistant.reply.engine import NOT_READY, NOTHING_TO_REPEAT, EchoLLM, ReplyEngine, ReplyStream
from assistant.reply.history import History, Turn
from assistant.reply.skills import Pause, Repeat, SetEmotion, Skills, Stop


def engine(llm: EchoLLM | None = None, **kwargs: bool) -> ReplyEngine:
    skills = Skills(voices=("joe", "lj"), clock=lambda: datetime(2025, 3, 4, 15, 7))
    return ReplyEngine(skills, llm or EchoLLM(), History(), **kwargs)


def test_the_model_answers_word_by_word_and_the_turn_is_recorded() -> None:
    e = engine()
    reply = e.reply("What is the capital of France?")
    assert reply.action is None and reply.skill is None
    pieces = list(reply.stream)
    assert pieces == ["You ", "said: ", "What ", "is ", "the ", "capital ", "of ", "France?"]
    assert e.history.turns == (Turn("What is the capital of France?", "".join(pieces)),)
    assert History().turns == e.history.turns  # saved


def test_the_model_sees_the_system_prompt_the_history_and_the_question() -> None:
    llm = EchoLLM("Fine.")
    e = engine(llm)
    e.reply("hello").text()
    e.reply("how are you").text()
    messages = llm.calls[-1]
    assert messages[0]["role"] == "system" and "aloud" in messages[0]["content"]
    assert [m["content"] for m in messages[1:]] == ["hello", "Fine.", "how are you"]


def test_a_skill_answers_in_one_piece_without_the_model() -> None:
    llm = EchoLLM()
    e = engine(llm)
    reply = e.reply("what time is it?")
    assert reply.skill == "time" and reply.action is None
    assert list(reply.stream) == ["It's 3:07 PM."]
    assert llm.calls == []
    assert e.history.turns == (Turn("what time is it?", "It's 3:07 PM."),)  # facts are kept


def test_commands_carry_actions_and_stay_out_of_the_history() -> None:
    e = engine()
    reply = e.reply("sound a bit sad")
    assert reply.action == SetEmotion("sad", 0.4)
    assert reply.text() == "Okay, I'll sound a bit sad."
    stop = e.reply("stop")
    assert stop.action == Stop() and list(stop.stream) == []
    assert e.history.turns == ()


def test_repeat_says_the_last_reply_again() -> None:
    e = engine(EchoLLM("Paris."))
    first = e.reply("say that again")
    assert first.action == Repeat() and first.text() == NOTHING_TO_REPEAT
    e.reply("capital of France?").text()
    again = e.reply("say that again")
    assert again.action == Repeat() and again.text() == "Paris."
    e.reply("use the joe voice").text()
    assert e.reply("repeat").text() == "Okay, switching to the joe voice."
    assert len(e.history.turns) == 1


def test_repeat_after_a_restart_uses_the_saved_history() -> None:
    engine(EchoLLM("Paris.")).reply("capital of France?").text()
    assert engine().reply("come again?").text() == "Paris."


def test_an_unloaded_model_gets_a_polite_answer() -> None:
    llm = EchoLLM(ready=False)
    e = engine(llm)
    assert e.reply("tell me a joke").text() == NOT_READY
    assert llm.calls == [] and e.history.turns == ()
    assert e.reply("what's the date").text() == "Today is Tuesday, March 4, 2025."  # skills work
    e.load()
    assert e.reply("tell me a joke").text() == "You said: tell me a joke"


def test_empty_input_gives_an_empty_reply() -> None:
    e = engine()
    assert list(e.reply("   ").stream) == [] and e.history.turns == ()


def test_cancel_stops_the_model_and_records_what_was_produced() -> None:
    llm = EchoLLM("one two three four five six seven eight nine ten", delay_s=0.01)
    e = engine(llm)
    reply = e.reply("count to ten")
    got = [next(reply.stream), next(reply.stream)]
    reply.cancel()
    assert list(reply.stream) == []
    assert reply.stream.cancelled and got == ["one ", "two "]
    assert llm.produced == 2
    assert e.history.turns == (Turn("count to ten", "one two"),)


def test_cancel_from_another_thread_while_the_consumer_waits() -> None:
    llm = EchoLLM(" ".join(["word"] * 200), delay_s=0.02)
    e = engine(llm)
    reply = e.reply("talk a lot")
    got: list[str] = []
    consumer = threading.Thread(target=lambda: got.extend(reply.stream))
    consumer.start()
    while len(got) < 3:
        time.sleep(0.005)
    reply.cancel()
    recorded = e.history.turns[-1].assistant  # recorded at once, not when the consumer notices
    consumer.join(timeout=5)
    assert not consumer.is_alive() and 3 <= len(got) < 20
    assert recorded.startswith("word word word") and llm.produced < 20
    e.truncate_last_reply("word")
    assert e.history.turns[-1].assistant == "word"


def test_a_new_question_cancels_the_reply_in_progress() -> None:
    llm = EchoLLM("a b c d e f")
    e = engine(llm)
    first = e.reply("first")
    next(first.stream)
    second = e.reply("second")
    assert first.stream.cancelled and list(first.stream) == []
    assert second.text() == "a b c d e f"
    assert e.history.turns == (Turn("first", "a"), Turn("second", "a b c d e f"))


def test_pause_does_not_cancel_the_reply_in_progress() -> None:
    e = engine(EchoLLM("a b c"))
    first = e.reply("first")
    next(first.stream)
    paused = e.reply("hold on")
    assert paused.action == Pause() and not first.stream.done
    assert "".join(first.stream) == "b c"


def test_a_reply_never_started_can_be_cancelled() -> None:
    llm = EchoLLM("a b c")
    e = engine(llm)
    e.reply("first").cancel()
    assert llm.produced == 0 and e.history.turns == ()


def test_the_model_failing_midway_raises_and_keeps_what_came_out() -> None:
    def failing() -> ReplyStream:
        def pieces():  # type: ignore[no-untyped-def]
            yield "Hello "
            raise RuntimeError("out of memory")

        return ReplyStream(pieces(), lambda text, cancelled: done.append((text, cancelled)))

    done: list[tuple[str, bool]] = []
    stream = failing()
    assert next(stream) == "Hello "
    with pytest.raises(RuntimeError, match="out of memory"):
        next(stream)
    assert done == [("Hello ", False)] and list(stream) == []


def test_emotion_tags_are_read_off_the_stream() -> None:
    e = engine(EchoLLM("[happy] What a lovely day!"), emotion_tags=True)
    assert "[happy]" in e.system
    reply = e.reply("how is the weather")
    assert reply.emotion is None  # not read yet
    assert reply.text() == "What a lovely day!" and reply.emotion == "happy"
    assert e.history.turns[-1].assistant == "What a lovely day!"


def test_without_emotion_tags_the_text_is_untouched() -> None:
    e = engine(EchoLLM("[happy] Hi"))
    reply = e.reply("hello")
    assert reply.text() == "[happy] Hi" and reply.emotion is None


def test_close_cancels_and_unloads() -> None:
    llm = EchoLLM("a b c")
    e = engine(llm)
    reply = e.reply("x")
    e.close()
    assert reply.stream.cancelled and not llm.ready
