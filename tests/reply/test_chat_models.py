"""Larger chat models: fetched over real HTTP from a local server (progress, resume, checks,
offline), listed, and chosen by reply.model through their catalogue key."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant import config, download, paths
from assistant.asr.models import MODELS
from assistant.cli import main
from assistant.config import ReplyConfig
from assistant.reply import catalogue, fetch
from assistant.reply.catalogue import CHAT_MODELS, ChatModelSpec, model_file, models_dir
from assistant.reply.fetch import FetchError
from assistant.reply.llm import TransformersLLM
from assistant.reply.sources import LLMError, resolve
from tests.local_http import closed_port_url, serving

DATA = b"GGUF" + random.Random(1).randbytes(300_000)  # incompressible: several chunks
KEY = "smollm2-360m"
Served = tuple[str, list[tuple[str, str | None]]]  # the server's base URL and the requests seen


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Served]:
    """A real HTTP server on localhost playing the hub: (base URL, requests seen)."""
    with serving(tmp_path / "www") as served:
        yield served


@pytest.fixture
def hub(server: Served, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ChatModelSpec:
    """The catalogue's smollm2-360m entry made to describe a small fake GGUF the server holds."""
    monkeypatch.setattr(catalogue, "HUB", server[0])
    spec = dataclasses.replace(
        CHAT_MODELS[KEY], size=len(DATA), sha256=hashlib.sha256(DATA).hexdigest()
    )
    served = tmp_path / "www" / spec.url.removeprefix(server[0] + "/")
    served.parent.mkdir(parents=True)
    served.write_bytes(DATA)
    monkeypatch.setitem(CHAT_MODELS, KEY, spec)
    return spec


def test_fetch_installs_the_verified_file_with_progress(hub: ChatModelSpec) -> None:
    progress = io.StringIO()
    path = fetch.fetch(KEY, progress=progress)
    assert path == models_dir() / KEY / hub.file == model_file(KEY)
    assert path.read_bytes() == DATA
    assert [p.name for p in path.parent.iterdir()] == [hub.file]  # no .part left
    lines = progress.getvalue().splitlines()
    assert len(lines) >= 3 and "100%" in lines[-1] and hub.file in lines[-1]
    assert catalogue.installed() == [KEY]
    source = resolve(KEY)  # reply.model = "smollm2-360m"
    assert (source.kind, source.gguf_file, source.label) == ("gguf", hub.file, hub.label)
    assert Path(source.location) == path.parent


def test_a_broken_off_download_is_continued_not_installed(
    hub: ChatModelSpec, server: Served
) -> None:
    base, seen = server
    cut = hub.url.replace(base, f"{base}/cut")
    with pytest.raises(FetchError, match=r"broke off at 0\.2 MB .*run again to continue"):
        fetch.fetch(KEY, url=cut)
    part = download.part_path(model_file(KEY))
    assert part.stat().st_size == len(DATA) // 2 and not model_file(KEY).exists()
    assert "continues a broken-off download" in fetch.describe(ReplyConfig())
    with pytest.raises(LLMError, match=f"{KEY} is not installed: run assistant models fetch {KEY}"):
        resolve(KEY)
    fetch.fetch(KEY)
    assert seen[-1][1] == f"bytes={len(DATA) // 2}-"  # asked only for the rest
    assert model_file(KEY).read_bytes() == DATA and not part.exists()


def test_a_different_file_is_refused_and_nothing_installed(
    hub: ChatModelSpec, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(CHAT_MODELS, KEY, dataclasses.replace(hub, sha256="0" * 64))
    with pytest.raises(FetchError) as error:
        fetch.fetch(KEY)
    assert "not the known file (deleted)" in str(error.value)
    assert not paths.data_dir().exists()  # no file, no .part, no empty folders
    assert catalogue.installed() == []


def test_offline_says_where_to_put_a_hand_downloaded_file(
    hub: ChatModelSpec, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(catalogue, "HUB", closed_port_url("").rstrip("/"))
    url = CHAT_MODELS[KEY].url
    assert main(["models", "fetch", KEY]) == 1
    err = capsys.readouterr().err
    assert err.startswith("assistant: could not reach 127.0.0.1 (")
    assert f"download {url} and save it as {models_dir() / KEY / hub.file}" in err
    assert not paths.data_dir().exists()  # not even the folders it would have made


def test_the_cli_fetches_lists_and_reply_model_uses_it(
    hub: ChatModelSpec, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["models", "list"]) == 0
    out = capsys.readouterr().out
    assert "speech models (asr):" in out and "vosk-en" in out
    assert f"  {KEY:<13}" in out and f"not installed: assistant models fetch {KEY}" in out
    assert " *embedded " in out and "reply.model = embedded: SmolLM2-135M-Instruct" in out
    assert main(["models", "fetch", KEY]) == 0
    captured = capsys.readouterr()
    assert f"{KEY}: {model_file(KEY)} (size and SHA-256 {hub.sha256} verified)" in captured.out
    assert "100%" in captured.err  # the progress bar goes to stderr
    config.save(config.from_dict({"reply": {"model": KEY}}))
    assert config.load().reply.model == KEY  # the config accepts the key
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith(f" *{KEY}"))
    assert row.endswith("installed")
    speech = out.split("speech models (asr):")[1].split("chat models")[0]
    assert KEY not in speech  # its folder is not taken for a Vosk model put there by hand
    assert f"reply.model = {KEY}: {hub.label} ({model_file(KEY)})" in out
    assert main(["models", "fetch", KEY]) == 0  # installed: verified, not downloaded again
    assert "verified" in capsys.readouterr().out


def test_a_damaged_installed_file_is_replaced_only_when_forced(hub: ChatModelSpec) -> None:
    path = fetch.fetch(KEY)
    path.write_bytes(DATA[:-1] + b"x")
    with pytest.raises(FetchError, match="delete it and retry; or run with --force"):
        fetch.fetch(KEY)
    assert fetch.fetch(KEY, force=True) == path and path.read_bytes() == DATA


def test_the_catalogue_pins_two_larger_models() -> None:
    assert set(CHAT_MODELS) == {"smollm2-360m", "qwen2.5-0.5b"}
    for key, spec in CHAT_MODELS.items():
        assert spec.key == key and spec.licence == "Apache-2.0" and spec.file.endswith(".gguf")
        assert len(spec.sha256) == 64 and len(spec.revision) == 40 and spec.size > 300_000_000
        assert spec.url == f"https://huggingface.co/{spec.repo}/resolve/{spec.revision}/{spec.file}"
    assert CHAT_MODELS["qwen2.5-0.5b"].size == 675_710_816
    assert not set(CHAT_MODELS) & {*MODELS, *(m.name for m in MODELS.values())}
    with pytest.raises(FetchError, match="unknown chat model 'gpt5'"):
        fetch.fetch("gpt5")


def test_a_key_not_installed_is_a_clear_error_and_others_still_resolve() -> None:
    with pytest.raises(LLMError, match=r"qwen2\.5-0\.5b is not installed: run assistant models"):
        TransformersLLM("qwen2.5-0.5b").load()
    assert resolve("Qwen/Qwen2.5-0.5B-Instruct").kind == "hub"  # a hub id is still a hub id
    assert resolve("embedded").label == "SmolLM2-135M-Instruct (embedded)"
    text = fetch.describe(ReplyConfig(model="qwen2.5-0.5b"))
    assert "reply.model = qwen2.5-0.5b: cannot run: qwen2.5-0.5b is not installed" in text
