"""The GGUF cache's bookkeeping on real files: its stamp, and writing it all or nothing."""

import json
import logging
from pathlib import Path

import pytest

from assistant.reply import gguf_cache
from assistant.reply.sources import ModelSource


class Saves:
    """Stands in for a transformers model or tokenizer: save_pretrained writes one file."""

    def __init__(self, name: str, fail: bool = False) -> None:
        self.name, self.fail = name, fail

    def save_pretrained(self, folder: Path, **kwargs: object) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / self.name).write_bytes(b"weights")
        if self.fail:
            raise OSError(28, "No space left on device")


@pytest.fixture
def source(tmp_path: Path) -> ModelSource:
    (tmp_path / "Tiny-Model.Q4_1.gguf").write_bytes(b"GGUF" * 10)
    return ModelSource("gguf", str(tmp_path), "tiny", "Tiny-Model.Q4_1.gguf")


def test_the_stamp_changes_with_the_file_and_the_library(source: ModelSource) -> None:
    first = gguf_cache.stamp(source, "4.57.0")
    assert first == gguf_cache.stamp(source, "4.57.0")
    assert first != gguf_cache.stamp(source, "4.58.0")
    (Path(source.location) / source.gguf_file).write_bytes(b"GGUF" * 11)
    assert gguf_cache.stamp(source, "4.57.0")["size"] != first["size"]


def test_the_folder_is_named_after_the_file(tmp_path: Path, source: ModelSource) -> None:
    assert gguf_cache.cache_folder(tmp_path, source) == tmp_path / "tiny-model.q4_1"


def test_a_written_cache_holds_everything_and_its_stamp(
    tmp_path: Path, source: ModelSource
) -> None:
    cache = tmp_path / "cache" / "tiny"
    cache.parent.mkdir()
    stamp = gguf_cache.stamp(source, "4.57.0")
    gguf_cache.write_cache(Saves("model.safetensors"), Saves("tokenizer.json"), cache, stamp)
    assert {p.name for p in cache.iterdir()} == {
        "model.safetensors",
        "tokenizer.json",
        "source.json",
    }
    assert gguf_cache.read_stamp(cache) == stamp
    assert [p.name for p in cache.parent.iterdir()] == ["tiny"]  # nothing half-built is left


def test_a_failed_write_leaves_no_cache(
    tmp_path: Path, source: ModelSource, caplog: pytest.LogCaptureFixture
) -> None:
    cache = tmp_path / "cache" / "tiny"
    cache.parent.mkdir()
    with caplog.at_level(logging.WARNING):
        gguf_cache.write_cache(
            Saves("model.safetensors", fail=True), Saves("tokenizer.json"), cache, {}
        )
    assert list(cache.parent.iterdir()) == []
    assert "No space left" in caplog.text


@pytest.mark.parametrize("content", ["{not json", json.dumps([1, 2])])
def test_an_unreadable_stamp_reads_as_none(tmp_path: Path, content: str) -> None:
    (tmp_path / "source.json").write_text(content, encoding="utf-8")
    assert gguf_cache.read_stamp(tmp_path) is None
    assert gguf_cache.read_stamp(tmp_path / "missing") is None
