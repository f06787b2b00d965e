"""Data preparation without ../shared: LJ Speech downloaded (resumable, verified) or local."""

from __future__ import annotations

import hashlib
import http.server
import importlib.machinery
import importlib.util
import io
import random
import tarfile
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import numpy as np
import pytest
import soundfile

from assistant import download
from assistant.download import DownloadError
from assistant.train import heldout, ljspeech
from tests.local_http import closed_port_url, serving

REPO = Path(__file__).resolve().parents[2]
PAYLOAD = random.Random(0).randbytes(400_000)  # incompressible: several chunks
# A miniature LJ Speech: two subset clips, one held back, two outside the subset.
CLIPS = {
    "LJ001-0001": "Printing, in the only sense with which we are at present concerned,",
    "LJ001-0002": "in being comparatively modern.",
    "LJ001-0013": "than in the same operations with ugly ones.",
    "LJ002-0201": "A clip after the subset's range.",
    "LJ003-0010": "A clip of a later chapter.",
}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path, list[tuple[str, str | None]]]]:
    """A real HTTP server on localhost: (base URL, the folder it serves, requests seen)."""
    root = tmp_path / "www"
    root.mkdir()
    with serving(root) as (url, seen):
        yield url, root, seen


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_downloads_with_progress_and_checks(server: tuple[str, Path, list], tmp_path: Path) -> None:
    base, root, seen = server
    (root / "file.bin").write_bytes(PAYLOAD)
    dest, shown = tmp_path / "dl" / "file.bin", io.StringIO()
    got = download.download(
        f"{base}/file.bin", dest, size=len(PAYLOAD), sha256=sha(PAYLOAD), progress=shown
    )
    assert got == sha(PAYLOAD) and dest.read_bytes() == PAYLOAD
    assert not download.part_path(dest).exists()
    lines = shown.getvalue().splitlines()
    assert all(line.startswith("file.bin [") for line in lines)
    percent = [int(line.split("]")[1].split("%")[0]) for line in lines]
    assert percent == [16, 32, 49, 65, 81, 98, 100]  # one line per 64 KiB chunk (not a tty)
    assert lines[-1].endswith("100% 0.4/0.4 MB")
    assert download.download(f"{base}/file.bin", dest, sha256=got) == got  # verified, kept
    assert len(seen) == 1


def test_an_interrupted_download_continues_where_it_stopped(
    server: tuple[str, Path, list], tmp_path: Path
) -> None:
    base, root, seen = server
    (root / "file.bin").write_bytes(PAYLOAD)
    dest = tmp_path / "file.bin"
    with pytest.raises(DownloadError, match=r"broke off at 0.2 MB .*run again to continue"):
        download.download(f"{base}/cut/file.bin", dest, size=len(PAYLOAD), sha256=sha(PAYLOAD))
    part = download.part_path(dest)
    assert part.read_bytes() == PAYLOAD[: len(PAYLOAD) // 2] and not dest.exists()
    shown = io.StringIO()
    download.download(
        f"{base}/file.bin", dest, size=len(PAYLOAD), sha256=sha(PAYLOAD), progress=shown
    )
    assert dest.read_bytes() == PAYLOAD and not part.exists()
    assert seen[-1] == ("/file.bin", f"bytes={len(PAYLOAD) // 2}-")  # only the rest was asked for
    assert shown.getvalue().splitlines()[0].startswith("file.bin [#############")  # from 50 %


def test_a_server_without_ranges_starts_again(tmp_path: Path) -> None:
    root = tmp_path / "www"
    root.mkdir()
    (root / "file.bin").write_bytes(PAYLOAD)
    plain = partial(http.server.SimpleHTTPRequestHandler, directory=str(root))  # ignores Range
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), plain)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        dest = tmp_path / "file.bin"
        download.part_path(dest).write_bytes(PAYLOAD[:1000])
        url = f"http://127.0.0.1:{httpd.server_address[1]}/file.bin"
        download.download(url, dest, size=len(PAYLOAD), sha256=sha(PAYLOAD))
        assert dest.read_bytes() == PAYLOAD
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_a_different_file_is_refused_and_deleted(
    server: tuple[str, Path, list], tmp_path: Path
) -> None:
    base, root, _ = server
    (root / "file.bin").write_bytes(PAYLOAD)
    dest = tmp_path / "file.bin"
    with pytest.raises(DownloadError, match="not the known file"):
        download.download(f"{base}/file.bin", dest, size=len(PAYLOAD), sha256=sha(b"other"))
    assert not dest.exists() and not download.part_path(dest).exists()
    with pytest.raises(DownloadError, match=f"is {len(PAYLOAD)} bytes, expected 5"):
        download.download(f"{base}/file.bin", dest, size=5)
    assert not dest.exists()


def test_offline_is_a_clear_message(tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match=r"^could not reach 127.0.0.1 \(.*\): no network\?$"):
        download.download(closed_port_url(), tmp_path / "x.tar.bz2", timeout=5)
    assert list(tmp_path.iterdir()) == []


def lj_speech(lj_dir: Path) -> dict[str, np.ndarray]:
    """An unpacked miniature LJ Speech (WAV, 16-bit) made from the fixture clips."""
    fixture = heldout.lj_subset_dir(REPO / "tests" / "fixtures") / "wavs"
    (lj_dir / "wavs").mkdir(parents=True)
    samples = {}
    for i, utt_id in enumerate(CLIPS):
        source = fixture / f"{utt_id if i in (1, 2) else 'LJ001-0002'}.flac"
        samples[utt_id], rate = soundfile.read(source, dtype="int16")
        soundfile.write(lj_dir / "wavs" / f"{utt_id}.wav", samples[utt_id], rate, subtype="PCM_16")
    lines = [f"{utt_id}|{text}|{text}" for utt_id, text in CLIPS.items()]
    (lj_dir / "metadata.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return samples


def archive_of(lj_dir: Path, path: Path) -> bytes:
    """LJSpeech-1.1.tar.bz2 of an unpacked copy; metadata.csv after the clips."""
    with tarfile.open(path, "w:bz2") as tar:
        tar.add(lj_dir / "wavs", arcname="LJSpeech-1.1/wavs")
        tar.add(lj_dir / "metadata.csv", arcname="LJSpeech-1.1/metadata.csv")
    return path.read_bytes()


def check_resources(root: Path, samples: dict[str, np.ndarray]) -> None:
    """The subset (LJ001-0002, LJ001-0013) as FLAC with the same samples; held-back one absent."""
    subset = heldout.read_metadata(heldout.lj_subset_dir(root) / "metadata.csv")
    assert [s.id for s in subset] == ["LJ001-0002", "LJ001-0013"]
    for s in subset:
        flac, rate = soundfile.read(
            heldout.lj_subset_dir(root) / "wavs" / f"{s.id}.flac", dtype="int16"
        )
        assert rate == 22050 and np.array_equal(flac, samples[s.id])  # lossless
    assert len(list((heldout.lj_subset_dir(root) / "wavs").iterdir())) == 2
    sentences = heldout.read_metadata(heldout.sentences_csv(root))
    assert [s.id for s in sentences] == [i for i in CLIPS if i != "LJ001-0001"]


def test_an_unpacked_lj_speech_folder_gives_the_shared_layout(tmp_path: Path) -> None:
    samples = lj_speech(tmp_path / "LJSpeech-1.1")
    root = ljspeech.resources(tmp_path / "no-shared", lj_dir=tmp_path / "LJSpeech-1.1")
    check_resources(root, samples)
    assert root.is_relative_to(ljspeech.work_dir())  # the user's cache (isolated by conftest)


def test_without_shared_the_archive_is_downloaded_verified_and_used(
    server: tuple[str, Path, list], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base, www, seen = server
    samples = lj_speech(tmp_path / "LJSpeech-1.1")
    data = archive_of(tmp_path / "LJSpeech-1.1", www / "LJSpeech-1.1.tar.bz2")
    monkeypatch.setattr(ljspeech, "URL", f"{base}/LJSpeech-1.1.tar.bz2")
    monkeypatch.setattr(ljspeech, "SIZE", len(data))
    monkeypatch.setattr(ljspeech, "SHA256", sha(data))
    work = tmp_path / "work"
    root = ljspeech.resources(tmp_path / "no-shared", work=work)
    check_resources(root, samples)
    assert (work / "LJSpeech-1.1.tar.bz2").read_bytes() == data
    monkeypatch.setattr(ljspeech, "URL", closed_port_url())  # offline now: nothing is fetched
    assert ljspeech.resources(tmp_path / "no-shared", work=work) == root and len(seen) == 1
    shared = REPO / "tests" / "fixtures"
    assert ljspeech.resources(shared, work=work) == shared  # ../shared's data wins when present


def test_a_damaged_archive_is_a_clear_error(tmp_path: Path) -> None:
    archive = tmp_path / "LJSpeech-1.1.tar.bz2"
    archive.write_bytes(PAYLOAD)
    with pytest.raises(ljspeech.LJSpeechError, match="delete it and run again"):
        ljspeech.from_archive(archive, tmp_path / "resources")
    assert not (tmp_path / "resources").exists()


def test_the_subset_rule_matches_the_shared_subset() -> None:
    assert ljspeech.in_subset("LJ001-0002") and ljspeech.in_subset("LJ002-0200")
    assert not ljspeech.in_subset("LJ002-0201") and not ljspeech.in_subset("LJ003-0001")
    assert not ljspeech.in_subset("LJ001-0001")  # held back
    fixture = heldout.lj_subset_dir(REPO / "tests" / "fixtures") / "metadata.csv"
    assert all(ljspeech.in_subset(s.id) for s in heldout.read_metadata(fixture))
    assert ljspeech.SIZE == 2_748_572_632 and ljspeech.URL.endswith("/LJSpeech-1.1.tar.bz2")


def test_prepare_data_offline_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    script = REPO / "scripts" / "prepare_data"
    loader = importlib.machinery.SourceFileLoader("prepare_data_script", str(script))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    monkeypatch.setattr(ljspeech, "URL", closed_port_url())
    argv = ["prepare_data", "--shared", str(tmp_path / "none"), "--out", str(tmp_path / "out")]
    monkeypatch.setattr("sys.argv", [*argv, "--download-dir", str(tmp_path / "dl"), "--quiet"])
    assert module.main() == 1
    err = capsys.readouterr().err
    assert "prepare_data: could not reach 127.0.0.1" in err and "Traceback" not in err
    assert "--lj-dir DIR" in err and str(tmp_path / "none") in err
    assert not (tmp_path / "out").exists()
