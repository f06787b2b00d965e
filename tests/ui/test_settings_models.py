"""The settings screen's language model list: the embedded model and the installed larger ones."""

from __future__ import annotations

from dataclasses import replace

from assistant.config import Config, ReplyConfig
from assistant.reply.catalogue import model_file
from assistant.ui.screens.settings import FIELDS, options

MODEL = next(f for f in FIELDS if f.key == "model")


def choices(cfg: Config) -> list[tuple[str, str]]:
    return options(MODEL, cfg, [], [], [])


def test_only_the_embedded_model_until_another_is_fetched() -> None:
    assert choices(Config()) == [("SmolLM2-135M (embedded)", "embedded")]
    model_file("smollm2-360m").parent.mkdir(parents=True)
    model_file("smollm2-360m").write_bytes(b"GGUF")
    assert choices(Config()) == [
        ("SmolLM2-135M (embedded)", "embedded"),
        ("SmolLM2-360M-Instruct Q8_0", "smollm2-360m"),
    ]


def test_the_model_in_the_config_stays_listed_and_says_if_it_is_missing() -> None:
    missing = replace(Config(), reply=ReplyConfig(model="qwen2.5-0.5b"))
    assert choices(missing)[-1] == ("Qwen2.5-0.5B-Instruct Q8_0 (not installed)", "qwen2.5-0.5b")
    by_path = replace(Config(), reply=ReplyConfig(model="~/models/my.gguf"))
    assert choices(by_path)[-1] == ("~/models/my.gguf", "~/models/my.gguf")
