"""The model is grounded: told the time, its name, voice and emotion each turn; a long message is
cut with a note; a reply can be cancelled while a long prompt is still being read (real SmolLM2)."""

import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import torch

from assistant.conversation.pipeline import Pipeline
from assistant.conversation.turns import VoiceSettings
from assistant.events import Notice, PipelineEvent
from assistant.reply import llm, prompts
from assistant.reply.engine import ChatModel, EchoLLM, ReplyEngine
from assistant.reply.history import History
from assistant.reply.llm import TransformersLLM
from assistant.reply.skills import SkillResult, Skills

log = logging.getLogger(__name__)
CLOCK = datetime(2025, 3, 4, 9, 15)  # a Tuesday morning
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
PARTS = ["morning", "afternoon", "evening", "night"]


def first_of(answer: str, words: list[str]) -> str | None:
    """Which of `words` the answer claims first; "not morning" claims nothing (None: none)."""
    claims = re.sub(r"\bnot (?:the |a |an |in the )?\w+", " ", answer.lower())
    found = {w: m.start() for w in words if (m := re.search(rf"\b{re.escape(w)}\b", claims))}
    return min(found, key=lambda w: found[w]) if found else None


class NoSkills(Skills):
    """Every question goes to the model (a skill answering one would prove nothing here)."""

    def match(self, text: str) -> SkillResult | None:
        return None


def engine_with(model: ChatModel, **kwargs: Any) -> ReplyEngine:
    return ReplyEngine(Skills(clock=lambda: CLOCK), model, History(max_turns=0), **kwargs)


# ---------------------------------------------------------------- the prompt (no model)


def test_each_turn_the_model_is_told_the_time_its_name_voice_and_emotion() -> None:
    echo = EchoLLM("Fine.")
    now = [CLOCK]
    choice = [VoiceSettings("joe", "happy")]
    engine = ReplyEngine(
        Skills(clock=lambda: now[0]),
        echo,
        History(max_turns=0),
        voice_fn=lambda: choice[0],
    )
    engine.reply("hello there").text()
    first = echo.calls[-1][0]["content"]
    for fact in (
        "Assistant",
        "joe voice",
        "happy",
        "Tuesday",
        "morning",
        "March 4, 2025",
        "9:15 AM",
    ):
        assert fact in first, fact
    assert "unit conversions" in first and "read documents" in first and "not sure" in first
    assert first.endswith(
        "Today is Tuesday, March 4, 2025, a weekday. The time is 9:15 AM, in the morning."
    )
    now[0], choice[0] = datetime(2025, 3, 8, 21, 40), VoiceSettings("lj", "auto")
    engine.reply("and now").text()
    second = echo.calls[-1][0]["content"]
    assert "Saturday, March 8" in second and "9:40 PM, at night" in second
    assert "a weekend day" in second
    assert "lj voice" in second and "feeling of what you say" in second
    shared = prompts.system_prompt(name=prompts.NAME, capabilities=prompts.CAPABILITIES)
    assert first.startswith(shared) and second.startswith(shared)  # the same start: cacheable


def test_a_fixed_system_prompt_is_left_alone() -> None:
    echo = EchoLLM("Fine.")
    engine = engine_with(echo, system="Be brief.")
    engine.reply("hello").text()
    assert echo.calls[-1][0]["content"] == "Be brief."


def test_a_broken_voice_setting_does_not_stop_the_answer() -> None:
    def broken() -> VoiceSettings:
        raise RuntimeError("no app yet")

    echo = EchoLLM("Fine.")
    assert engine_with(echo, voice_fn=broken).reply("hello").text() == "Fine."
    assert "9:15 AM" in echo.calls[-1][0]["content"]


def test_a_long_message_is_cut_and_the_screen_is_told() -> None:
    echo = EchoLLM("Fine.")
    long = "word " * 1000  # 5,000 characters
    reply = engine_with(echo).reply(long)
    assert reply.text() == "Fine."
    sent = echo.calls[-1][-1]["content"]
    assert len(sent) <= prompts.MAX_INPUT_CHARS and sent.endswith("word")  # cut at a word
    assert reply.notice is not None and "2,000 characters" in reply.notice
    assert engine_with(echo).reply("short").notice is None


def test_the_pipeline_shows_the_note_about_a_long_message() -> None:
    events: list[PipelineEvent] = []
    pipeline = Pipeline(engine_with(EchoLLM("Fine.")), None, None, events.append)
    pipeline.submit_text("x" * 5000).join(10)
    notes = [e.text for e in events if isinstance(e, Notice)]
    assert any("only its first 2,000 characters were read" in n for n in notes), events


# ---------------------------------------------------------------- the real model


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TransformersLLM]:
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    loaded = TransformersLLM(max_new_tokens=40, cache_dir=tmp_path_factory.mktemp("llm-cache"))
    loaded.load()
    yield loaded
    loaded.close()
    torch.set_num_threads(threads)


def time_questions(now: datetime) -> list[tuple[str, Callable[[str], bool]]]:
    """Ten questions about the moment `now`, phrased so that no skill takes them, each with a
    check of what the answer says first (a wrong claim before the right one fails)."""
    part, day, month = prompts.part_of_day(now), f"{now:%A}".lower(), f"{now:%B}".lower()
    yesterday, last_month = (
        f"{now - timedelta(days=1):%A}",
        f"{now.replace(day=1) - timedelta(days=1):%B}",
    )
    weekend = now.weekday() >= 5
    hour, am = str(now.hour % 12 or 12), "am" if now.hour < 12 else "pm"

    def says_part(answer: str) -> bool:
        return first_of(answer, PARTS) == part

    def weekend_yet(answer: str) -> bool:
        denied = re.search(r"\b(?:no|not (?:yet|the weekend|a weekend))\b", answer.lower())
        said = first_of(answer, [*WEEKDAYS, "weekday", "weekend"])
        if weekend:
            return denied is None and said in (day, "weekend")
        return denied is not None or said in (day, "weekday")

    def not_yesterday(answer: str) -> bool:
        return first_of(answer, WEEKDAYS) == day or first_of(answer, ["yes", "no", "not"]) in (
            "no",
            "not",
        )

    def year(answer: str) -> bool:
        return first_of(answer, [str(y) for y in range(1900, 2100)]) == str(now.year)

    return [
        ("Is it morning or evening right now?", says_part),
        ("What part of the day is it?", says_part),
        ("Is it the weekend yet?", weekend_yet),
        ("Is it AM or PM now?", lambda a: first_of(a.replace(".", ""), ["am", "pm"]) == am),
        (
            "Should I say good morning or good evening to you now?",
            lambda a: first_of(a, [f"good {p}" for p in PARTS]) == f"good {part}",
        ),
        (f"Is it {yesterday} today?", not_yesterday),
        ("Which weekday is it today?", lambda a: first_of(a, WEEKDAYS) == day),
        ("Roughly what hour is it?", lambda a: re.search(rf"\b{hour}(?::\d\d)?\b", a) is not None),
        ("What is the current year?", year),
        (
            f"Are we in {last_month} or {now:%B}?",
            lambda a: first_of(a, [last_month.lower(), month]) == month,
        ),
    ]


@pytest.mark.slow
def test_ten_time_questions_outside_the_skills_agree_with_the_clock(model: TransformersLLM) -> None:
    questions = time_questions(CLOCK)
    assert len(questions) == 10
    model.max_new_tokens = 32  # the checks read the first claim
    history = History(max_turns=0)
    voice = VoiceSettings("lj", "neutral")
    engine = ReplyEngine(NoSkills(clock=lambda: CLOCK), model, history, voice_fn=lambda: voice)
    agreed, said = agreement(engine, questions)
    assert agreed >= 9, "\n".join(said)
    unaware = ReplyEngine(NoSkills(clock=lambda: CLOCK), model, history, system=prompts.SPOKEN)
    guessed, unaware_said = agreement(unaware, questions)
    log.info("grounded: %d of 10 agree; without the facts: %d", agreed, guessed)
    assert guessed <= 6, "\n".join(unaware_said)  # without the facts mostly wrong: they did it


def agreement(
    engine: ReplyEngine, questions: list[tuple[str, Callable[[str], bool]]]
) -> tuple[int, list[str]]:
    """How many answers agree with the clock, and each answer marked."""
    agreed, said = 0, []
    for question, check in questions:
        answer = engine.reply(question).text()
        agreed += check(answer)
        said.append(f"{'ok ' if check(answer) else 'BAD'} {question} -> {answer!r}")
    return agreed, said


@pytest.mark.slow
def test_stopping_while_a_long_prompt_is_read_ends_at_once(model: TransformersLLM) -> None:
    turns = [(f"Tell me about topic {i}. " + "More words here. " * 100, "Okay.") for i in range(3)]
    messages = prompts.build_messages(prompts.system_prompt(), turns, "And now?")
    model.last_stats = None
    stop = threading.Event()
    pieces: list[str] = []
    reader = threading.Thread(target=lambda: pieces.extend(model.stream(messages, stop)))
    reader.start()
    time.sleep(0.5)  # well inside reading the prompt (several seconds on one thread)
    stopped = time.perf_counter()
    stop.set()
    reader.join(timeout=10)
    assert not reader.is_alive()
    assert time.perf_counter() - stopped < 1.5
    assert pieces == [] and model.last_stats is None  # it never began to write


@pytest.mark.slow
def test_cancelling_a_reply_while_its_prompt_is_read(
    model: TransformersLLM, tmp_path: Path
) -> None:
    history = History(max_turns=8, directory=tmp_path)
    for i in range(3):
        history.add(f"Tell me about topic {i}. " + "More words here. " * 100, "Okay.")
    engine = ReplyEngine(Skills(clock=lambda: CLOCK), model, history)
    reply = engine.reply("Tell me a long story about a dragon.")
    got: list[str] = []
    consumer = threading.Thread(target=lambda: got.extend(reply.stream))
    consumer.start()
    time.sleep(0.5)
    cancelled = time.perf_counter()
    reply.cancel()  # what Esc and barge-in do
    consumer.join(timeout=10)
    assert not consumer.is_alive() and time.perf_counter() - cancelled < 1.5
    assert got == []


@pytest.mark.slow
def test_old_turns_are_dropped_to_keep_the_prompt_short(model: TransformersLLM) -> None:
    tokenizer = model._tokenizer
    turns = [(f"Question {i}: " + "words " * 300, f"Answer {i}.") for i in range(10)]
    messages = prompts.build_messages("Be brief.", turns, "the newest question")
    ids = model._encode(tokenizer, messages)["input_ids"]
    assert ids.shape[1] <= llm.MAX_PROMPT_TOKENS
    text = tokenizer.decode(ids[0])
    assert "Be brief." in text and "the newest question" in text and "Answer 9." in text
    assert "Answer 0." not in text
