"""Audiobook export with the real lj voice: files, playlist, formats, resuming, a full disk."""

from __future__ import annotations

import difflib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch

from assistant.asr.whisper import WhisperRecognizer
from assistant.lab.scoring import normalize_for_scoring, wer
from assistant.reader import audiofile
from assistant.reader import export as ex
from assistant.reader.document import Block, Document, from_blocks
from assistant.reader.narration import Narration, Style
from assistant.tts.voice import Voice

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow

BLOCKS = [
    Block("The Harbour", 1),
    Block(
        "The fishing boats came home before the storm. "
        "Their crews tied them to the stone wall and hurried up the hill."
    ),
    Block("The Lamp: Night / Watch?", 1),
    Block(
        "The old keeper climbed the tower at dusk. He cleaned the glass and lit the great lamp. "
        "Its beam swept across the dark water all night."
    ),
    Block("By morning the sea was calm again, and the boats went out."),
    Block("Morning", 1),
    Block("Children ran along the beach to count the shells."),
]


def make_doc() -> Document:
    return from_blocks(Path("lighthouse.txt"), "The Lighthouse", BLOCKS)


@dataclass
class Recorder:
    """A Reporter that keeps what it was told and can stop the export (like Ctrl+C)."""

    stop_after: int | None = None  # sentences made in this run
    notes: list[str] = field(default_factory=list)
    updates: list[ex.ExportProgress] = field(default_factory=list)

    def note(self, text: str) -> None:
        self.notes.append(text)

    def update(self, progress: ex.ExportProgress) -> None:
        self.updates.append(progress)
        if self.stop_after is not None and len(self.updates) >= self.stop_after:
            raise KeyboardInterrupt


class CachedVoice:
    """The real lj voice, each distinct sentence synthesized once (the tests export the same
    text many times; what they check is the export, and synthesis repeats exactly)."""

    def __init__(self, voice: Voice) -> None:
        self.voice, self.name, self.sample_rate = voice, voice.name, voice.sample_rate
        self._made: dict[tuple[str, str, float, float], np.ndarray] = {}

    def sentence_audio(
        self, sentence: str, emotion: str = "neutral", intensity: float = 1.0, rate: float = 1.0
    ) -> np.ndarray:
        key = (sentence, emotion, intensity, rate)
        if key not in self._made:
            self._made[key] = self.voice.sentence_audio(*key)
        return self._made[key].copy()

    def sentence_pieces(
        self,
        sentence: str,
        emotion: str = "neutral",
        intensity: float = 1.0,
        rate: float = 1.0,
        *,
        ahead_s: float = 0.0,
    ) -> Iterator[np.ndarray]:
        yield self.sentence_audio(sentence, emotion, intensity, rate)


@pytest.fixture(scope="module")
def voice() -> CachedVoice:
    return CachedVoice(Voice.load("lj"))


@pytest.fixture(scope="module")
def doc() -> Document:
    return make_doc()


@pytest.fixture(scope="module")
def reference(voice: CachedVoice, doc: Document) -> list[np.ndarray]:
    """Each chapter as int16 samples, made directly from the narration (no export code)."""
    narration = Narration(doc, voice, Style())
    chapters: list[list[np.ndarray]] = [[] for _ in doc.chapters]
    for index, sentence in enumerate(doc.sentences):
        chapters[sentence.chapter].append(audiofile.to_pcm16(narration.audio(index)))
    return [np.concatenate(parts) for parts in chapters]


def run_export(
    doc: Document, voice: CachedVoice, out: Path, reporter: Recorder | None = None, **options: str
) -> ex.ExportResult:
    style = Style(emotion=options.pop("emotion", "neutral"))
    chapters = ex.parse_chapters(options.pop("chapters", None), len(doc.chapters))
    layout = ex.plan_export(doc, out, chapters, options.pop("fmt", None))
    return ex.export(doc, Narration(doc, voice, style), layout, reporter)


@pytest.fixture(scope="module")
def fresh(voice: CachedVoice, doc: Document, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An uninterrupted export to a folder (FLAC)."""
    out = tmp_path_factory.mktemp("fresh") / "book"
    result = run_export(doc, voice, out)
    assert not result.continued and result.playlist is not None
    return out


def read16(path: Path) -> np.ndarray:
    return sf.read(path, dtype="int16")[0]


def hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_a_folder_gets_one_flac_per_chapter_and_a_playlist(
    fresh: Path, reference: list[np.ndarray], voice: CachedVoice
) -> None:
    names = ["01 - The Harbour.flac", "02 - The Lamp Night Watch.flac", "03 - Morning.flac"]
    assert sorted(p.name for p in fresh.iterdir()) == [*names, "The Lighthouse.m3u"]
    titles = ["The Harbour", "The Lamp: Night / Watch?", "Morning"]
    lines = (fresh / "The Lighthouse.m3u").read_text(encoding="utf-8").splitlines()
    assert lines[:2] == ["#EXTM3U", "#PLAYLIST:The Lighthouse"]
    for number, (name, title, expected) in enumerate(zip(names, titles, reference, strict=True)):
        info = sf.info(fresh / name)
        assert info.format == "FLAC" and info.samplerate == voice.sample_rate
        assert info.duration > 2.0
        assert np.array_equal(read16(fresh / name), expected)  # every sentence, once, in order
        assert lines[2 + 2 * number : 4 + 2 * number] == [
            f"#EXTINF:{round(len(expected) / voice.sample_rate)},{title}",
            name,
        ]
        with sf.SoundFile(fresh / name) as f:
            assert f.copy_metadata() == {
                "title": title,
                "artist": "assistant (voice lj)",
                "album": "The Lighthouse",
                "tracknumber": str(number + 1),
            }


@pytest.mark.parametrize("suffix", [".mp3", ".opus"])
def test_one_lossy_file_holds_the_chosen_chapters(
    suffix: str, voice: CachedVoice, doc: Document, reference: list[np.ndarray], tmp_path: Path
) -> None:
    out = tmp_path / f"book{suffix}"
    result = run_export(doc, voice, out, chapters="2-3")
    assert result.files == [out] and result.playlist is None
    expected_s = (len(reference[1]) + len(reference[2])) / voice.sample_rate
    with sf.SoundFile(out) as f:
        assert f.format == ("MP3" if suffix == ".mp3" else "OGG")
        assert f.samplerate == (voice.sample_rate if suffix == ".mp3" else 24000)
        assert f.frames / f.samplerate == pytest.approx(expected_s, abs=0.06)
        assert f.title == "The Lighthouse" and f.album == "The Lighthouse"
        audio = f.read(dtype="float32")
    assert result.seconds == pytest.approx(expected_s, abs=0.01)
    assert 0.05 < float(np.sqrt(np.mean(audio**2))) < 0.5  # speech, not silence
    assert hidden(tmp_path) == []


def test_an_interrupted_export_continues_to_the_same_audio(
    voice: CachedVoice, doc: Document, fresh: Path, tmp_path: Path
) -> None:
    out = tmp_path / "book"
    first_chapter = doc.chapters[1].first_sentence
    stopper = Recorder(stop_after=first_chapter + 2)  # two sentences into chapter 2
    with pytest.raises(ex.ExportInterrupted, match="run the same command again"):
        run_export(doc, voice, out, stopper)
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        "01 - The Harbour.flac"  # finished, and nothing half-made under a real name
    ]
    assert hidden(out) == [".02 - The Lamp Night Watch.flac.pcm", ".assistant-export.json"]
    state = json.loads((out / ".assistant-export.json").read_text(encoding="utf-8"))
    assert state["current"]["sentences"] == 2 and state["document"] == doc.key
    again = Recorder()
    result = run_export(doc, voice, out, again)
    assert result.continued and "continuing" in again.notes[0]
    assert len(again.updates) == len(doc.sentences) - first_chapter - 2  # nothing made twice
    for name in (p.name for p in fresh.iterdir()):
        if name.endswith(".flac"):
            assert np.array_equal(read16(out / name), read16(fresh / name)), name
    assert (out / "The Lighthouse.m3u").read_text() == (fresh / "The Lighthouse.m3u").read_text()
    assert hidden(out) == []


KILLED_CHILD = """
import os, signal, sys
from pathlib import Path
import torch
from assistant.reader import export as ex
from assistant.reader.narration import Narration, Style
from assistant.tts.voice import Voice
from tests.reader.test_export import make_doc

class KillAt:
    count = 0
    def note(self, text): pass
    def update(self, progress):
        self.count += 1
        if self.count == {kill_at}:
            os.kill(os.getpid(), signal.SIGKILL)

torch.set_num_threads({threads})  # as in the test's process: the same sums, the same samples
doc = make_doc()
layout = ex.plan_export(doc, Path({out!r}), ex.parse_chapters(None, len(doc.chapters)))
ex.export(doc, Narration(doc, Voice.load("lj"), Style()), layout, KillAt())
"""


def test_a_killed_export_resumes_mid_chapter_sample_for_sample(
    voice: CachedVoice, doc: Document, reference: list[np.ndarray], tmp_path: Path
) -> None:
    out = tmp_path / "book.wav"
    kill_at = doc.chapters[1].first_sentence + 3
    code = KILLED_CHILD.format(kill_at=kill_at, out=str(out), threads=torch.get_num_threads())
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    assert not out.exists() and (tmp_path / ".book.wav.export.json").is_file()
    recorder = Recorder()
    result = run_export(doc, voice, out, recorder)
    assert result.continued
    assert len(recorder.updates) == len(doc.sentences) - kill_at
    assert np.array_equal(read16(out), np.concatenate(reference))
    assert hidden(tmp_path) == []


def test_other_settings_start_over(voice: CachedVoice, tmp_path: Path) -> None:
    tiny = from_blocks(
        Path("t.txt"), "Tiny", [Block("One", 1), Block("Yes."), Block("Two", 1), Block("No.")]
    )
    out = tmp_path / "tiny"
    with pytest.raises(ex.ExportInterrupted):
        run_export(tiny, voice, out, Recorder(stop_after=3))
    assert (out / "01 - One.flac").is_file() and (out / ".assistant-export.json").is_file()
    recorder = Recorder()
    result = run_export(tiny, voice, out, recorder, emotion="sad")
    assert not result.continued and recorder.notes == [
        "the settings changed since the unfinished export: starting over"
    ]
    assert len(recorder.updates) == len(tiny.sentences)  # chapter 1 made again
    assert hidden(out) == []


def test_a_chapter_read_back_by_whisper_has_every_passage_once(
    fresh: Path, doc: Document, recognizer: WhisperRecognizer
) -> None:
    audio, rate = sf.read(fresh / "02 - The Lamp Night Watch.flac", dtype="float32")
    heard = recognizer.transcribe(audio, rate)
    chapter = doc.chapters[1]
    sentences = [
        doc.sentence_text(i) for i in range(chapter.first_sentence, doc.chapters[2].first_sentence)
    ]
    text = " ".join(sentences)
    assert wer([text], [heard]) <= 0.20, heard
    said, words = normalize_for_scoring(heard), normalize_for_scoring(text)
    assert abs(len(said) - len(words)) <= 0.15 * len(words), heard
    matched = [False] * len(words)  # the longest in-order alignment of the two word lists
    for block in difflib.SequenceMatcher(None, words, said, autojunk=False).get_matching_blocks():
        matched[block.a : block.a + block.size] = [True] * block.size
    start = 0
    for sentence in sentences:
        count = len(normalize_for_scoring(sentence))
        assert sum(matched[start : start + count]) >= 0.6 * count, (sentence, heard)
        start += count


def tmpfs(path: Path, size_k: int) -> None:
    path.mkdir(exist_ok=True)
    command = ["mount", "-t", "tmpfs", "-o", f"size={size_k}k", "tmpfs", str(path)]
    if os.geteuid() != 0 or subprocess.run(command, capture_output=True).returncode != 0:
        pytest.skip("needs root to mount a small tmpfs (a disk that fills up)")


def test_a_full_disk_keeps_finished_chapters_and_the_place(
    voice: CachedVoice, doc: Document, fresh: Path, reference: list[np.ndarray], tmp_path: Path
) -> None:
    flac = sorted(p for p in fresh.iterdir() if p.suffix == ".flac")
    chapter_one = flac[0].stat().st_size + 2 * len(reference[0])  # the file and its journal
    chapter_two = flac[0].stat().st_size + flac[1].stat().st_size + 2 * len(reference[1])
    assert chapter_one + 40_000 < chapter_two  # so a disk between them fills in chapter 2
    disk = tmp_path / "disk"
    tmpfs(disk, (chapter_one + chapter_two) // 2 // 1024)
    try:
        with pytest.raises(ex.ExportFailed, match="the disk is full") as failed:
            run_export(doc, voice, disk / "book")
        assert "1 finished file and the saved place are kept" in str(failed.value)
        assert (disk / "book" / "01 - The Harbour.flac").is_file()
        state = json.loads((disk / "book" / ".assistant-export.json").read_text())
        assert list(state["finished"]) == ["01 - The Harbour.flac"]
        subprocess.run(["mount", "-o", "remount,size=4m", str(disk)], check=True)
        result = run_export(doc, voice, disk / "book")
        assert result.continued
        for path in flac:
            assert np.array_equal(read16(disk / "book" / path.name), read16(path))
    finally:
        subprocess.run(["umount", str(disk)], check=False)


def test_chapter_ranges_are_parsed_and_checked() -> None:
    assert ex.parse_chapters(None, 4) == (0, 1, 2, 3)
    assert ex.parse_chapters("3-4", 4) == (2, 3)
    assert ex.parse_chapters("2", 4) == (1,)
    assert ex.parse_chapters("1, 3-", 4) == (0, 2, 3)
    assert ex.parse_chapters("-2,2", 4) == (0, 1)
    for spec, message in [
        ("3-5", "has 4 chapters"),
        ("0", "has 4 chapters"),
        ("4-2", "backwards"),
        ("x", "'x' is not a chapter number"),
        ("1-2-3", "not a chapter number"),
        ("-", "not a chapter number"),
        ("", None),
    ]:
        if message is None:
            assert ex.parse_chapters(spec, 4) == (0, 1, 2, 3)
            continue
        with pytest.raises(ex.ExportError, match=message):
            ex.parse_chapters(spec, 4)


def test_output_paths_are_checked_before_anything_is_made(tmp_path: Path) -> None:
    doc, chapters = make_doc(), (0, 1, 2)
    layout = ex.plan_export(doc, tmp_path / "Vol. 2", chapters, "opus")
    assert layout.folder and layout.tracks[1].path.name == "02 - The Lamp Night Watch.opus"
    assert ex.plan_export(doc, tmp_path / "b.ogg", chapters).fmt.name == "opus"
    for out, fmt, message in [
        (tmp_path / "missing" / "book", None, "does not exist"),
        (tmp_path / "missing" / "book.mp3", None, "does not exist"),
        (tmp_path / "book.m4b", None, "M4B is not supported"),
        (tmp_path / "book.txt", None, "unknown audio format"),
        (tmp_path / "book.flac", "mp3", "is a flac file name but --format mp3"),
    ]:
        with pytest.raises(ex.ExportError, match=message):
            ex.plan_export(doc, out, chapters, fmt)
    (tmp_path / "plain").write_text("x")
    with pytest.raises(ex.ExportError, match="exists and is not a folder"):
        ex.plan_export(doc, tmp_path / "plain", chapters)
    with pytest.raises(ex.ExportError, match="is not a folder"):
        ex.plan_export(doc, tmp_path / "plain" / "book.flac", chapters)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plain"]


def test_titles_become_safe_file_names() -> None:
    assert audiofile.safe_name('A/B\\C: "D"?*<>|') == "A B C D"
    assert audiofile.safe_name("..hidden. ") == "hidden"
    assert audiofile.safe_name("Ünïcode stays — fine") == "Ünïcode stays — fine"
    assert audiofile.safe_name("x" * 300) == "x" * 80
    assert audiofile.safe_name("???") == ""
