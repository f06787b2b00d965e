"""Model downloads over real HTTP from a local server: progress, checks, atomic install, offline."""

import dataclasses
import hashlib
import io
import random
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.asr import fetch
from assistant.asr.fetch import FetchError, ModelSpec
from assistant.cli import main
from assistant.config import AsrConfig
from tests.local_http import closed_port_url, serving

NAME = "vosk-model-fake-0.1"
FILES = {
    "am/final.mdl": random.Random(0).randbytes(300_000),  # incompressible: several chunks
    "conf/model.conf": b"--min-active=200\n",
    "graph/HCLr.fst": b"fst",
    "graph/Gr.fst": b"fst",
    "README": b"A fake model for the download tests\n",
}


def make_zip(path: Path, files: dict[str, bytes], top: str = NAME) -> bytes:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(f"{top}/{name}" if top else name, data)
    return path.read_bytes()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A real HTTP server on localhost serving the folder it returns."""
    root = tmp_path / "www"
    root.mkdir()
    with serving(root) as (url, _):
        yield url, root


@pytest.fixture
def served(server: tuple[str, Path]) -> tuple[ModelSpec, bytes]:
    """A fake model zip on the server and the spec that describes it exactly."""
    base, root = server
    data = make_zip(root / "model.zip", FILES)
    spec = ModelSpec("fake", NAME, f"{base}/model.zip", len(data), hashlib.sha256(data).hexdigest())
    return spec, data


def assert_nothing_left(dest: Path) -> None:
    assert not dest.exists() or list(dest.iterdir()) == [], list(dest.iterdir())


def test_downloads_verifies_and_installs_with_progress(served: tuple[ModelSpec, bytes]) -> None:
    spec, data = served
    progress = io.StringIO()
    folder = fetch.fetch(spec, progress=progress)
    assert folder == fetch.models_dir() / NAME
    assert (folder / "am" / "final.mdl").read_bytes() == FILES["am/final.mdl"]
    assert sorted(p.name for p in fetch.models_dir().iterdir()) == [NAME]  # no temp files
    assert fetch.recorded_hash(folder) == hashlib.sha256(data).hexdigest()
    lines = progress.getvalue().splitlines()
    assert len(lines) >= 3 and "100%" in lines[-1] and "model.zip" in lines[-1]
    assert f"{len(data) / 1e6:.1f} MB" in lines[-1]


def test_an_unknown_hash_is_recorded_after_the_download(served: tuple[ModelSpec, bytes]) -> None:
    spec, data = served
    folder = fetch.fetch(dataclasses.replace(spec, sha256=None, size=None))
    hash_line = (folder / fetch.HASH_FILE).read_text()
    assert hash_line == f"{hashlib.sha256(data).hexdigest()}  model.zip\n"


def test_offline_is_a_clear_message_and_leaves_nothing(user_dirs: Path) -> None:
    url = closed_port_url()
    dest = fetch.models_dir()
    with pytest.raises(FetchError) as error:
        fetch.fetch("vosk-en", url=url, timeout=5)
    message = str(error.value)
    assert message.startswith("could not reach 127.0.0.1: ")
    assert f"download it by hand from {url} and unzip into {dest}, or set asr.vosk_model" in message
    assert not (user_dirs / "data").exists()  # not even the folders it would have made


def test_a_broken_off_download_leaves_nothing(
    server: tuple[str, Path], served: tuple[ModelSpec, bytes]
) -> None:
    spec, _ = served
    with pytest.raises(FetchError, match=r"broke off|incomplete"):
        fetch.fetch(spec, url=f"{server[0]}/cut/model.zip")  # hangs up halfway
    assert_nothing_left(fetch.models_dir())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"sha256": "0" * 64}, "has SHA-256 [0-9a-f]{64}, expected 0000"),
        ({"size": 123}, "expected 123: not the known archive"),
    ],
)
def test_a_different_file_is_refused(
    served: tuple[ModelSpec, bytes], change: dict[str, object], message: str
) -> None:
    spec, _ = served
    with pytest.raises(FetchError, match=message):
        fetch.fetch(dataclasses.replace(spec, **change))  # type: ignore[arg-type]
    assert_nothing_left(fetch.models_dir())


def test_a_damaged_archive_is_refused(server: tuple[str, Path]) -> None:
    base, root = server
    data = bytearray(make_zip(root / "model.zip", FILES))
    data[100] ^= 0xFF  # inside am/final.mdl's compressed data: its CRC no longer matches
    (root / "model.zip").write_bytes(bytes(data))
    spec = ModelSpec("fake", NAME, f"{base}/model.zip")
    with pytest.raises(FetchError, match=rf"damaged \(CRC error in {NAME}/am/final.mdl\)"):
        fetch.fetch(spec)
    assert_nothing_left(fetch.models_dir())


@pytest.mark.parametrize(
    ("files", "top", "message"),
    [
        ({"README": b"x"}, NAME, r"not a Vosk model \(missing am/final.mdl, conf/model.conf"),
        ({"../evil.txt": b"x"}, "", "unsafe path: ../evil.txt"),
    ],
)
def test_an_archive_that_is_not_a_model_is_refused(
    server: tuple[str, Path], files: dict[str, bytes], top: str, message: str
) -> None:
    base, root = server
    make_zip(root / "model.zip", files, top)
    with pytest.raises(FetchError, match=message):
        fetch.fetch(ModelSpec("fake", NAME, f"{base}/model.zip"))
    assert_nothing_left(fetch.models_dir())


def test_an_installed_model_is_kept_unless_forced(served: tuple[ModelSpec, bytes]) -> None:
    spec, _ = served
    folder = fetch.fetch(spec)
    (folder / "README").write_text("edited")
    assert fetch.fetch(spec, url=closed_port_url()) == folder  # no download at all
    assert (folder / "README").read_text() == "edited"
    assert fetch.fetch(spec, force=True) == folder
    assert (folder / "README").read_bytes() == FILES["README"]
    assert sorted(p.name for p in fetch.models_dir().iterdir()) == [NAME]


def test_the_catalogue_pins_the_real_archive() -> None:
    spec = fetch.MODELS["vosk-en"]
    assert spec.url == "https://alphacephei.com/vosk/models/vosk-model-small-en-us-0.15.zip"
    assert spec.size == 41_205_931 and spec.sha256 is not None and len(spec.sha256) == 64
    assert fetch.model_path("vosk-en") == fetch.models_dir() / "vosk-model-small-en-us-0.15"
    with pytest.raises(FetchError, match="unknown model 'vosk-fr' \\(known: vosk-en\\)"):
        fetch.fetch("vosk-fr")


def test_models_list_says_what_auto_would_use(
    served: tuple[ModelSpec, bytes], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["models", "list"]) == 0
    out = capsys.readouterr().out
    assert "vosk-en    vosk-model-small-en-us-0.15      not installed" in out
    assert "asr.engine = auto: whisper tiny.en (offline fallback: no Vosk model installed" in out
    spec, _ = served
    fetch.fetch(dataclasses.replace(spec, name="vosk-model-small-en-us-0.15"))
    assert main(["models"]) == 0  # `list` is the default
    out = capsys.readouterr().out
    assert "vosk-model-small-en-us-0.15      installed" in out
    assert "asr.engine = auto: vosk (vosk-model-small-en-us-0.15)" in out
    text = fetch.describe(AsrConfig(engine="whisper", vosk_model="/nowhere"))
    assert "asr.vosk_model: /nowhere (does not exist)" in text
    assert "asr.engine = whisper: whisper tiny.en (asr.engine = whisper)" in text
    assert "asr.engine = auto would use: whisper tiny.en (offline fallback: asr.vosk_model" in text


def test_models_fetch_offline_exits_1_with_the_message(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    offline = dataclasses.replace(fetch.MODELS["vosk-en"], url=closed_port_url())
    monkeypatch.setitem(fetch.MODELS, "vosk-en", offline)
    assert main(["models", "fetch", "vosk-en"]) == 1
    err = capsys.readouterr().err
    assert "assistant: could not reach 127.0.0.1" in err and "or set asr.vosk_model" in err
    assert main(["models", "fetch", "nosuch"]) == 1
    assert "unknown model 'nosuch'" in capsys.readouterr().err


def test_models_fetch_installs_and_reports_the_hash(
    monkeypatch: pytest.MonkeyPatch,
    served: tuple[ModelSpec, bytes],
    capsys: pytest.CaptureFixture[str],
) -> None:
    spec, data = served
    monkeypatch.setitem(fetch.MODELS, "vosk-en", dataclasses.replace(spec, key="vosk-en"))
    assert main(["models", "fetch", "vosk-en"]) == 0
    captured = capsys.readouterr()
    assert f"vosk-en: {fetch.models_dir() / NAME}" in captured.out
    assert hashlib.sha256(data).hexdigest() in captured.out
    assert "100%" in captured.err  # the progress bar goes to stderr
