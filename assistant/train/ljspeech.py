"""LJ Speech 1.1 → the offline resources' layout (LJ subset, sentences) when ../shared is absent."""

from __future__ import annotations

import io
import logging
import os
import shutil
import tarfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import TextIO

import soundfile

from assistant import download, paths
from assistant.train import heldout

log = logging.getLogger(__name__)

URL = "https://data.keithito.com/data/speech/LJSpeech-1.1.tar.bz2"
# Published with the same URL by torchaudio.datasets.LJSPEECH (its checksum) and the Homebrew
# formula for the dataset; 2,748,572,632 bytes.
SHA256 = "be1a30453f28eb8dd26af4101ae40cbf2c50413b1bb21936cbcdc6fae3de8aa5"
SIZE = 2_748_572_632
ARCHIVE = "LJSpeech-1.1.tar.bz2"
# Ids absent from ../shared/data (clips it holds back for evaluation): left out here too, so the
# held-out sets come out the same. Ids LJ Speech does not have are harmless.
_HELD_BACK_IDS = (
    "LJ001-0001 LJ001-0012 LJ001-0019 LJ001-0042 LJ001-0075 LJ001-0134 LJ001-0140 LJ001-0164 "
    "LJ002-0006 LJ002-0055 LJ002-0063 LJ002-0108 LJ002-0115 LJ002-0116 LJ002-0155 LJ002-0192 "
    "LJ003-0272 LJ004-0053 LJ005-0081 LJ006-0037 LJ008-0179 LJ014-0145 LJ014-0270 LJ014-0284 "
    "LJ014-0319 LJ016-0083 LJ016-0269 LJ016-0270 LJ016-0345 LJ016-0372 LJ016-0437 LJ017-0275 "
    "LJ017-0279 LJ021-0013 LJ027-0140 LJ028-0135 LJ034-0139 LJ038-0195 LJ038-0196 LJ042-0034 "
    "LJ042-0243 LJ044-0046 LJ044-0216 LJ048-0108 LJ049-0131"
)
HELD_BACK = frozenset(_HELD_BACK_IDS.split())
_DONE = ".complete"  # written last into a finished resources folder


class LJSpeechError(RuntimeError):
    """LJ Speech could not be found, downloaded or read; the message says what to do."""


def in_subset(utt_id: str) -> bool:
    """The clips ../shared/data/ljspeech-subset holds: LJ001-*, LJ002-0001..0200 (not held back)."""
    if utt_id in HELD_BACK:
        return False
    return utt_id.startswith("LJ001-") or (utt_id.startswith("LJ002-") and utt_id <= "LJ002-0200")


def has_resources(root: Path) -> bool:
    """Whether root holds the layout prepare needs (data/ljspeech-subset, data/text)."""
    return (heldout.lj_subset_dir(root) / "metadata.csv").is_file() and heldout.sentences_csv(
        root
    ).is_file()


def work_dir() -> Path:
    """Where the archive and the resources made from it are kept (the user's cache)."""
    return paths.cache_dir() / "ljspeech"


def _write_layout(lines: list[str], wavs: Iterator[tuple[str, bytes]], root: Path) -> Path:
    """Write root/data/{ljspeech-subset/{metadata.csv,wavs/*.flac},text/ljspeech-sentences.csv}.

    Built in a temporary folder renamed into place when complete, so a broken run leaves no
    half-made resources. `wavs` yields (id, WAV bytes) of at least the subset's clips.
    """
    tmp = root.with_name(f".{root.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    subset_dir = heldout.lj_subset_dir(tmp)
    (subset_dir / "wavs").mkdir(parents=True)
    for utt_id, data in wavs:
        if in_subset(utt_id):
            samples, rate = soundfile.read(io.BytesIO(data), dtype="int16")  # lossless to FLAC
            out = subset_dir / "wavs" / f"{utt_id}.flac"
            soundfile.write(out, samples, rate, format="FLAC", subtype="PCM_16")
    rows = [line for line in lines if line.strip() and line.split("|")[0] not in HELD_BACK]
    subset = [line for line in rows if in_subset(line.split("|")[0])]
    have = {p.stem for p in (subset_dir / "wavs").iterdir()}
    missing = [i for i in (line.split("|")[0] for line in subset) if i not in have]
    if not rows or missing:
        shutil.rmtree(tmp, ignore_errors=True)
        raise LJSpeechError(
            f"not a complete LJ Speech 1.1: {len(rows)} transcripts, "
            f"{len(missing)} subset clips missing (e.g. {missing[:3]})"
        )
    (subset_dir / "metadata.csv").write_text("\n".join(subset) + "\n", encoding="utf-8")
    heldout.sentences_csv(tmp).parent.mkdir(parents=True)
    heldout.sentences_csv(tmp).write_text("\n".join(rows) + "\n", encoding="utf-8")
    (tmp / _DONE).write_text(f"{len(subset)} clips, {len(rows)} sentences\n", encoding="utf-8")
    shutil.rmtree(root, ignore_errors=True)
    os.replace(tmp, root)
    log.info(
        "LJ Speech resources: %d subset clips, %d sentences in %s", len(subset), len(rows), root
    )
    return root


def _metadata(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except OSError as err:
        raise LJSpeechError(
            f"{path}: {err.strerror}: not an unpacked LJ Speech 1.1 folder"
        ) from None


def from_folder(lj_dir: Path, root: Path) -> Path:
    """Make the resources in root from an unpacked LJ Speech folder (metadata.csv, wavs/)."""
    lines = _metadata(lj_dir / "metadata.csv")
    wav_dir = lj_dir / "wavs"
    ids = [line.split("|")[0] for line in lines if line.strip()]
    wavs = ((i, (wav_dir / f"{i}.wav").read_bytes()) for i in ids if in_subset(i))
    try:
        return _write_layout(lines, wavs, root)
    except OSError as err:
        raise LJSpeechError(f"cannot read {lj_dir} or write {root}: {err}") from None


def _archive_members(tar: tarfile.TarFile, lines: list[str]) -> Iterator[tuple[str, bytes]]:
    """One pass over the archive: (id, WAV bytes) of subset clips; metadata.csv into `lines`."""
    for member in tar:
        name = PurePosixPath(member.name)
        if not member.isfile():
            continue
        if name.name == "metadata.csv" and not lines:
            lines.extend(_read(tar, member).decode("utf-8").splitlines())
        elif name.suffix == ".wav" and in_subset(name.stem):
            yield name.stem, _read(tar, member)


def _read(tar: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    f = tar.extractfile(member)
    if f is None:
        raise LJSpeechError(f"cannot read {member.name} in the archive")
    return f.read()


def from_archive(archive: Path, root: Path) -> Path:
    """Make the resources in root from LJSpeech-1.1.tar.bz2 (read once; nothing else unpacked)."""
    lines: list[str] = []  # filled while the clips stream by (metadata.csv may come last)
    try:
        with tarfile.open(archive, "r|*") as tar:
            return _write_layout(lines, _archive_members(tar, lines), root)
    except (tarfile.TarError, EOFError) as err:
        raise LJSpeechError(f"cannot read {archive}: {err}; delete it and run again") from None
    except OSError as err:
        raise LJSpeechError(
            f"cannot read {archive} or write {root}: {err} (if the archive is damaged, delete it "
            "and run again)"
        ) from None


def resources(
    shared: Path,
    lj_dir: Path | None = None,
    work: Path | None = None,
    progress: TextIO | None = None,
) -> Path:
    """A folder in ../shared's layout: `shared` when it has the data, else made from LJ Speech.

    With lj_dir (an unpacked LJ Speech 1.1), from that; otherwise the archive is downloaded into
    `work` (resumable, SHA-256 checked) and the subset and sentences are taken from it.
    """
    work = work or work_dir()
    root = work / "resources"
    if lj_dir is not None:
        return from_folder(lj_dir, root)
    if has_resources(shared):
        return shared
    if (root / _DONE).is_file() and has_resources(root):
        return root
    log.info("%s has no data: using LJ Speech 1.1 (%.1f GB) from %s", shared, SIZE / 1e9, URL)
    archive = work / ARCHIVE
    download.download(URL, archive, size=SIZE, sha256=SHA256, progress=progress)
    return from_archive(archive, root)
