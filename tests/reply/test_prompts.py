"""Prompts: the spoken-answer instructions, chat formatting and the leading emotion tag."""

from typing import Any

import pytest

from assistant import EMOTIONS
from assistant.reply import prompts
from assistant.reply.prompts import EmotionTagReader, parse_emotion_tag


def test_the_system_prompt_asks_for_short_plain_spoken_answers() -> None:
    text = prompts.system_prompt()
    for words in ("one to three sentences", "aloud", "lists", "markdown", "emoji"):
        assert words in text
    assert "[" not in text
    tagged = prompts.system_prompt(emotion_tags=True)
    assert tagged.startswith(text) and all(f"[{e}]" in tagged for e in EMOTIONS)


def test_build_messages_alternates_roles_and_ends_with_the_user() -> None:
    messages = prompts.build_messages("Be brief.", [("hi", "Hello!"), ("and you?", "Fine.")], "ok")
    assert [m["role"] for m in messages] == [
        "system",
        "user",
        "assistant",
        "user",
        "assistant",
        "user",
    ]
    assert messages[-1]["content"] == "ok" and messages[2]["content"] == "Hello!"
    assert prompts.build_messages("", [], "hi") == [{"role": "user", "content": "hi"}]


class Templater:
    def __init__(self, template: str | None) -> None:
        self.chat_template = template
        self.calls: list[dict[str, Any]] = []

    def apply_chat_template(self, conversation: Any, **kwargs: Any) -> str:
        self.calls.append(kwargs)
        return "".join(f"<{m['role']}>{m['content']}" for m in conversation) + "<assistant>"


def test_format_chat_uses_the_tokenizers_template() -> None:
    tok = Templater("{{ whatever }}")
    text = prompts.format_chat(tok, [{"role": "user", "content": "hi"}])
    assert text == "<user>hi<assistant>"
    assert tok.calls == [{"add_generation_prompt": True, "tokenize": False}]


def test_format_chat_without_a_template_falls_back_to_plain_lines() -> None:
    messages = prompts.build_messages("Be brief.", [], "hi")
    assert (
        prompts.format_chat(Templater(None), messages) == "System: Be brief.\nUser: hi\nAssistant:"
    )


@pytest.mark.parametrize(
    ("text", "emotion", "rest"),
    [
        ("[happy] Great news!", "happy", "Great news!"),
        ("[Sad]It is gone.", "sad", "It is gone."),
        ("  [ calm ]  Breathe.", "calm", "Breathe."),
        ("(surprised) Really?", "surprised", "Really?"),
        ("<angry> No.", "angry", "No."),
        ("[excited] Yes!", "happy", "Yes!"),  # a synonym the model may pick
        ("[neutral]", "neutral", ""),
        ("[smiles] Hello.", None, "[smiles] Hello."),  # not an emotion: left as it is
        ("Hello [happy] there.", None, "Hello [happy] there."),
        ("[1] First point.", None, "[1] First point."),
        ("No tag at all.", None, "No tag at all."),
        ("", None, ""),
    ],
)
def test_parse_emotion_tag(text: str, emotion: str | None, rest: str) -> None:
    assert parse_emotion_tag(text) == (emotion, rest)


def read(pieces: list[str]) -> tuple[str | None, list[str]]:
    reader = EmotionTagReader()
    out = [reader.feed(p) for p in pieces] + [reader.flush()]
    return reader.emotion, out


def test_the_tag_reader_holds_back_only_the_tag() -> None:
    emotion, out = read(["[", "happy", "] ", "That ", "is ", "great!"])
    assert emotion == "happy"
    assert "".join(out) == "That is great!"
    assert out[:3] == ["", "", ""] and out[3] == "That "  # words pass as soon as the tag is read


def test_the_tag_reader_passes_untagged_text_at_once() -> None:
    emotion, out = read(["Paris ", "is ", "the ", "capital."])
    assert emotion is None and out[0] == "Paris " and "".join(out) == "Paris is the capital."


def test_the_tag_reader_gives_up_on_a_long_bracket() -> None:
    pieces = ["[", "this ", "is ", "a ", "long ", "aside] ", "and ", "more"]
    emotion, out = read(pieces)
    assert emotion is None and "".join(out) == "".join(pieces)
    assert out[-2] == "more"  # passing through again well before the end


def test_the_tag_reader_flushes_a_stream_that_ends_early() -> None:
    assert read(["[sad"]) == (None, ["", "[sad"])
    assert read(["[sad]"]) == ("sad", ["", ""])
    assert read([]) == (None, [""])
