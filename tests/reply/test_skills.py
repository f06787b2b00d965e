"""Skills: many phrasings of each command match, and ordinary questions are left to the model."""

from datetime import datetime
from pathlib import Path

import pytest

from assistant import EMOTIONS
from assistant.reply.skills import (
    EMOTION_WORDS,
    Help,
    Pause,
    ReadFile,
    Repeat,
    Resume,
    SetEmotion,
    SetVoice,
    Skills,
    Stop,
    file_names,
    normalize,
)

NOW = datetime(2025, 3, 4, 15, 7)  # a Tuesday afternoon


def skills(**kwargs: object) -> Skills:
    return Skills(voices=("joe", "lj"), clock=lambda: NOW, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("said", "normal"),
    [
        ("What's the time?", "what is the time"),
        ("Hey, could you please STOP!", "stop"),
        ("OK so can you sound happy now, thanks", "sound happy"),
        ("  Say   that again…  ", "say that again"),
        ("I’m sad today.", "i am sad today"),
        ('Switch voice to "lj", please', "switch voice to lj"),
    ],
)
def test_normalize(said: str, normal: str) -> None:
    assert normalize(said) == normal


# ------------------------------------------------------------------ control commands

CONTROL = {
    Stop(): [
        "stop", "Stop!", "stop talking", "Stop it.", "please stop", "stop reading", "be quiet",
        "quiet", "shut up", "Hush", "shhh", "enough", "that's enough", "cancel", "never mind",
        "nevermind", "forget it", "OK stop", "hey assistant, stop now", "could you stop please",
    ],
    Pause(): [
        "pause", "Pause.", "pause reading", "hold on", "hang on a second", "wait", "wait a moment",
        "one moment", "just a sec", "pause for a minute", "please pause",
    ],
    Resume(): [
        "resume", "continue", "continue reading", "go on", "carry on", "keep going",
        "keep reading", "unpause", "go ahead", "where were we", "please continue",
    ],
    Repeat(): [
        "say that again", "Say it again, please.", "repeat", "repeat that", "could you repeat that",
        "what did you say?", "what did you just say", "come again?", "pardon?", "pardon me",
        "sorry, what?", "what?", "one more time", "again", "I didn't catch that",
        "I did not hear you", "what was that",
    ],
    Help(): [
        "help", "Help!", "help me", "what can you do?", "What can I say?", "what are your commands",
        "list commands", "show me the commands", "how do I use you",
    ],
}  # fmt: skip


@pytest.mark.parametrize(
    ("said", "action"), [(said, action) for action, saids in CONTROL.items() for said in saids]
)
def test_control_commands(said: str, action: object) -> None:
    result = skills().match(said)
    assert result is not None and result.action == action, said
    assert not result.remember
    if isinstance(action, Help):
        assert "time" in result.text and "stop" in result.text
    else:
        assert result.text == ""  # the pipeline acts; nothing to say


# ------------------------------------------------------------------ time and date

TIME = [
    "what time is it", "What time is it?", "what time is it now", "what's the time",
    "What is the time?", "what is the current time", "tell me the time", "do you know the time",
    "do you know what time it is", "the time", "time", "time please", "got the time?",
    "could you tell me the time, please", "hey, what time is it right now?",
]  # fmt: skip
DATE = [
    "what's the date", "What's the date today?", "what is today's date", "what date is it",
    "what day is it", "what day is it today", "what day is today", "what's today",
    "which day is it", "what day of the week is it", "tell me the date", "today's date",
    "what month is it", "what year is it", "can you tell me today's date",
]  # fmt: skip


@pytest.mark.parametrize("said", TIME)
def test_time(said: str) -> None:
    result = skills().match(said)
    assert result is not None and result.skill == "time", said
    assert result.text == "It's 3:07 PM." and result.action is None and result.remember


@pytest.mark.parametrize("said", DATE)
def test_date(said: str) -> None:
    result = skills().match(said)
    assert result is not None and result.skill == "date", said
    assert result.text == "Today is Tuesday, March 4, 2025."


@pytest.mark.parametrize(
    ("hour", "minute", "text"),
    [(0, 5, "12:05 AM"), (9, 30, "9:30 AM"), (12, 0, "12:00 PM"), (23, 59, "11:59 PM")],
)
def test_time_reads_as_a_clock(hour: int, minute: int, text: str) -> None:
    result = Skills(clock=lambda: datetime(2025, 1, 1, hour, minute)).match("what time is it")
    assert result is not None and result.text == f"It's {text}."


# ------------------------------------------------------------------ emotion

EMOTION = [
    ("sound happy", "happy", 0.7),
    ("Be sad.", "sad", 0.7),
    ("use a calm voice", "calm", 0.7),
    ("speak more angrily", "angry", 0.7),
    ("sound a bit sad", "sad", 0.4),
    ("be a little happier", "happy", 0.4),
    ("sound slightly surprised", "surprised", 0.4),
    ("be very happy", "happy", 1.0),
    ("sound really angry", "angry", 1.0),
    ("speak extremely calmly", "calm", 1.0),
    ("talk much more cheerfully", "happy", 1.0),
    ("could you please sound happy?", "happy", 0.7),
    ("say it sadly", "sad", 0.7),
    ("read it calmly", "calm", 0.7),
    ("answer angrily", "angry", 0.7),
    ("use a happy tone", "happy", 0.7),
    ("switch to a calm voice", "calm", 0.7),
    ("try a slightly sad voice", "sad", 0.4),
    ("make your voice happier", "happy", 0.7),
    ("change your tone to calm", "calm", 0.7),
    ("set the mood to sad", "sad", 0.7),
    ("speak in a happy voice", "happy", 0.7),
    ("talk with a very angry tone", "angry", 1.0),
    ("sound amazed", "surprised", 0.7),
    ("be surprised", "surprised", 0.7),
    ("calm down", "calm", 0.7),
    ("cheer up", "happy", 0.7),
    ("sound normal", "neutral", 1.0),
    ("use your normal voice", "neutral", 1.0),
    ("speak neutrally", "neutral", 1.0),
    ("stop being so angry", "neutral", 1.0),
    ("no emotion", "neutral", 1.0),
    ("I want you to sound sad from now on", "sad", 0.7),
]


@pytest.mark.parametrize(("said", "emotion", "intensity"), EMOTION)
def test_emotion(said: str, emotion: str, intensity: float) -> None:
    result = skills().match(said)
    assert result is not None, said
    assert result.action == SetEmotion(emotion, intensity), said
    assert result.text.startswith("Okay") and not result.remember


def test_every_emotion_word_means_a_known_emotion() -> None:
    assert set(EMOTION_WORDS.values()) == set(EMOTIONS)
    for emotion in EMOTIONS:
        result = skills().match(f"sound {emotion}")
        assert result is not None and isinstance(result.action, SetEmotion)
        assert result.action.emotion == emotion


# ------------------------------------------------------------------ voice

VOICE = [
    ("use the joe voice", "joe"),
    ("Use Joe's voice.", "joe"),
    ("switch voice to lj", "lj"),
    ("switch the voice to LJ please", "lj"),
    ("change your voice to joe", "joe"),
    ("switch to the joe voice", "joe"),
    ("use voice lj", "lj"),
    ("select the voice called joe", "joe"),
    ("speak with the lj voice", "lj"),
    ("talk like joe", "joe"),
    ("switch voice to L. J.", "lj"),
    ("set voice to the joe voice", "joe"),
]


@pytest.mark.parametrize(("said", "name"), VOICE)
def test_voice(said: str, name: str) -> None:
    result = skills().match(said)
    assert result is not None and result.action == SetVoice(name), said
    assert name in result.text


def test_an_unknown_voice_is_answered_without_an_action() -> None:
    result = skills().match("use the fred voice")
    assert result is not None and result.action is None
    assert "fred" in result.text and "joe" in result.text and "lj" in result.text


def test_without_a_voice_list_any_single_name_is_passed_on() -> None:
    result = Skills().match("use the amy voice")
    assert result is not None and result.action == SetVoice("amy")


# ------------------------------------------------------------------ reading files


def test_read_an_absolute_path(tmp_path: Path) -> None:
    doc = tmp_path / "story.txt"
    doc.write_text("Once upon a time.")
    for said in (f"read {doc}", f"Read {doc} aloud.", f"please read out {doc}", f"read '{doc}'"):
        result = Skills(file_dirs=()).match(said)
        assert result is not None and result.action == ReadFile(doc), said
        assert result.text == ""  # the reader opens on it (or says why it cannot)


@pytest.mark.parametrize(
    "said",
    [
        "read my notes.md",
        "Read notes.md",
        "read the file notes.md",
        "can you read notes.md to me",
        "read the document called notes.md please",
        "read me notes dot md",
        "read aloud my notes.md",
    ],
)
def test_read_a_file_by_name(said: str, tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text("# Notes")
    result = Skills(file_dirs=(tmp_path / "elsewhere", tmp_path)).match(said)
    assert result is not None and result.action == ReadFile(tmp_path / "notes.md"), said


def test_a_name_with_a_space_is_found_too(tmp_path: Path) -> None:
    (tmp_path / "my notes.md").write_text("# Notes")
    result = Skills(file_dirs=(tmp_path,)).match("read my notes.md")
    assert result is not None and result.action == ReadFile(tmp_path / "my notes.md")


def test_a_missing_file_is_said_not_read(tmp_path: Path) -> None:
    result = Skills(file_dirs=(tmp_path,)).match("read my diary.txt")
    assert result is not None and result.action is None and "diary.txt" in result.text


def test_home_relative_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "book.epub").write_bytes(b"PK")
    result = Skills(file_dirs=()).match("read ~/book.epub")
    assert result is not None and result.action == ReadFile(tmp_path / "book.epub")


@pytest.mark.parametrize(
    "said", ["read me a story", "I read a book yesterday", "read the news", "read it", "read"]
)
def test_reading_without_a_file_name_is_for_the_model(said: str) -> None:
    assert file_names(said) == []
    assert skills().match(said) is None


# ------------------------------------------------------------------ what must NOT trigger a skill

NEGATIVES = [
    "I'm sad today",
    "I am so happy for you",
    "are you happy?",
    "why are you angry",
    "what makes people happy",
    "be careful",
    "tell me a happy story",
    "I want to be happy",
    "happy birthday",
    "how do I calm my dog down",
    "sad songs from the nineties",
    "what is time travel",
    "what time does the bakery open",
    "how much time do I have left",
    "time flies like an arrow",
    "what's the date of the French revolution",
    "what day is Christmas this year",
    "what's the weather like",
    "how do I stop smoking",
    "don't stop",
    "stop sign meaning",
    "wait until tomorrow to decide",
    "continue the story about the dragon",
    "repeat after me: hello",
    "what did you say about Paris",
    "help me write a poem",
    "can you help me with my homework",
    "use a different voice",
    "my voice is hoarse",
    "I like the joe voice",
    "tell me about Joe Biden",
    "talk like a pirate",
    "speak like shakespeare",
    "speak in french",
    "sound like a robot",
    "what is the capital of France",
    "",
    "   ",
    "?!",
]


@pytest.mark.parametrize("said", NEGATIVES)
def test_ordinary_requests_are_left_to_the_model(said: str) -> None:
    assert skills().match(said) is None
