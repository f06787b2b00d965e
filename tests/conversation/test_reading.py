"""The reader: sentence by sentence from the saved place, a few seconds ahead, pauses keep it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from assistant.conversation.reading import Reader
from assistant.conversation.speaking import MAX_AHEAD_S
from assistant.events import Notice, PipelineEvent, ReadingAt
from assistant.reader.document import Block, Document, from_blocks
from assistant.reader.narration import Style
from assistant.reader.session import Cursor, Places
from tests.conftest import Recorder, active_seconds
from tests.conversation.test_pipeline import RATE, WORD_S, FakeSpeaker, FakeVoice

REPO = Path(__file__).resolve().parents[2]


def story(paragraphs: int = 3) -> Document:
    blocks = [Block("A title", 1)]
    for n in range(paragraphs):
        blocks.append(Block(f"Paragraph {n} begins here. It has a middle. And it ends now."))
    return from_blocks(Path("story.md"), "Story", blocks)


class Setup:
    def __init__(self, tmp_path: Path, doc: Document, style: Style | None) -> None:
        self.events: list[PipelineEvent] = []
        self.voice, self.speaker, self.style = FakeVoice(), FakeSpeaker(), style or Style()
        self.places = Places(tmp_path / "places.json")
        self.reader = Reader(
            doc,
            lambda: self.speaker,
            lambda: self.voice,
            lambda: self.style,
            self.events.append,
            self.places,
        )

    def said(self) -> list[str]:
        return [call[0] for call in self.voice.calls]

    def at(self) -> list[int]:
        return [e.index for e in self.events if isinstance(e, ReadingAt) and e.playing]

    def wait(self, condition: Callable[[], bool], timeout: float = 5.0) -> None:
        end = time.monotonic() + timeout
        while not condition():
            assert time.monotonic() < end, f"timed out; events {self.events}"
            time.sleep(0.01)


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Callable[..., Setup]]:
    made: list[Setup] = []

    def factory(doc: Document | None = None, style: Style | None = None) -> Setup:
        made.append(Setup(tmp_path, doc or story(), style))
        return made[-1]

    yield factory
    for s in made:
        s.reader.close()


def test_reads_in_order_and_reports_the_sentence_sounding(setup: Callable[..., Setup]) -> None:
    s = setup()
    s.reader.play()
    s.wait(lambda: len(s.said()) >= 3)
    assert s.said()[:3] == ["A title", "Paragraph 0 begins here.", "It has a middle."]
    s.wait(lambda: s.at() == [0])
    s.speaker.advance(1.3)  # "A title" is 0.2 s + a heading's pause of 1 s
    s.wait(lambda: s.at()[-1] >= 1)
    assert s.reader.index == 1 and s.places.load(s.reader.doc) == 1


def test_pause_keeps_the_place_and_play_goes_on_from_it(setup: Callable[..., Setup]) -> None:
    s = setup()
    s.reader.play()
    s.wait(lambda: len(s.said()) >= 4)
    s.speaker.advance(1.3)  # into the second sentence
    s.wait(lambda: s.at()[-1:] == [1])
    s.reader.pause()
    assert not s.reader.playing and s.speaker.queued == 0  # silenced at once
    assert s.reader.index == 1 and s.places.load(s.reader.doc) == 1
    s.voice.calls.clear()
    s.reader.play()
    s.wait(lambda: len(s.said()) >= 1)
    assert s.said()[0] == "Paragraph 0 begins here."


def test_only_a_few_seconds_are_made_ahead(setup: Callable[..., Setup]) -> None:
    s = setup(story(paragraphs=200))  # ~ 200 s of fake speech
    s.reader.play()
    time.sleep(0.5)
    made_s = sum(len(c[0].split()) * WORD_S for c in s.voice.calls)
    assert 0 < made_s <= MAX_AHEAD_S + 3.0  # not the whole book
    s.speaker.advance(5.0)
    s.wait(lambda: sum(len(c[0].split()) * WORD_S for c in s.voice.calls) > made_s + 2.0)


def test_moving_while_reading_goes_on_from_the_new_place(setup: Callable[..., Setup]) -> None:
    s = setup()
    s.reader.play()
    s.wait(lambda: len(s.said()) >= 2)
    s.voice.calls.clear()
    index = s.reader.move(Cursor.next_paragraph)
    assert s.reader.doc.sentence_text(index) == "Paragraph 0 begins here."
    s.wait(lambda: len(s.said()) >= 1)
    assert s.said()[0] == "Paragraph 0 begins here." and s.reader.playing
    s.reader.pause()
    index = s.reader.move(Cursor.next_chapter)  # one chapter: stays
    assert not s.reader.playing and s.places.load(s.reader.doc) == index


def test_rate_and_emotion_are_read_for_each_sentence(setup: Callable[..., Setup]) -> None:
    s = setup(style=Style("sad", 0.5, 2.5))
    s.reader.play()
    s.wait(lambda: len(s.voice.calls) >= 2)
    assert s.voice.calls[0][1:] == ("sad", 0.5, 2.5)
    pause = len(s.speaker.chunks[0]) / RATE - 0.2  # "A title": 2 words of speech
    assert pause == pytest.approx(1.0 / 2.5, abs=0.01)  # a heading's pause, at the rate


def test_the_end_is_noticed_and_the_next_start_is_the_beginning(
    setup: Callable[..., Setup],
) -> None:
    s = setup(story(paragraphs=1))
    s.reader.play()
    s.wait(lambda: len(s.said()) == 4)

    def done() -> bool:
        s.speaker.advance(5.0)
        return any(isinstance(e, Notice) and "Finished" in e.text for e in s.events)

    s.wait(done)
    assert not s.reader.playing
    assert s.places.load(s.reader.doc) == 0


def test_no_voice_is_a_notice_not_a_crash(setup: Callable[..., Setup]) -> None:
    s = setup()
    s.reader.voice_fn = lambda: None
    s.reader.play()
    assert not s.reader.playing
    assert [e.text for e in s.events if isinstance(e, Notice)] == [
        "No voice or speaker: the document cannot be read aloud."
    ]


CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from assistant.audio.devices import Speaker, find_device
    from assistant.conversation.reading import Reader
    from assistant.events import ReadingAt
    from assistant.reader.documents import open_document
    from assistant.reader.narration import Style
    from assistant.reader.session import Places
    from tests.conversation.test_pipeline import FakeVoice

    doc = open_document(Path(sys.argv[1]))
    places = Places(Path(sys.argv[2]))
    print("start", places.load(doc), flush=True)
    speaker = Speaker(find_device("spk", "output"), 16000).start()

    def emit(event):
        if isinstance(event, ReadingAt):
            print("at", event.index, flush=True)

    voice = FakeVoice()
    Reader(doc, lambda: speaker, lambda: voice, lambda: Style(rate=2.0), emit, places).play()
    time.sleep(60)
    """
)


@pytest.mark.audio
def test_a_killed_reader_resumes_where_it_was(pulse: Path, tmp_path: Path) -> None:
    """A real process reading on the real sound server, killed with SIGKILL, then restarted."""
    doc_path = tmp_path / "book.txt"
    doc_path.write_text(
        "\n\n".join(f"Paragraph {n} has words. And one more sentence." for n in range(40)),
        encoding="utf-8",
    )
    places = tmp_path / "places.json"
    env = {**os.environ, "PYTHONPATH": str(REPO)}

    def run() -> subprocess.Popen[str]:
        args = [sys.executable, "-c", CHILD, str(doc_path), str(places)]
        return subprocess.Popen(args, stdout=subprocess.PIPE, text=True, env=env, cwd=REPO)

    child = run()
    assert child.stdout is not None
    assert child.stdout.readline().split() == ["start", "0"]
    reached = 0
    while reached < 4:
        reached = int(child.stdout.readline().split()[1])
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=10)
    again = run()
    assert again.stdout is not None
    start = int(again.stdout.readline().split()[1])
    again.send_signal(signal.SIGKILL)
    again.wait(timeout=10)
    assert start in (reached, reached + 1)  # the sentence being read when it was killed
    assert not [p for p in tmp_path.iterdir() if p.name.endswith((".tmp", ".partial"))]


@pytest.mark.audio
@pytest.mark.slow
def test_the_real_voice_reads_on_the_real_speaker(
    record_source: Callable[[str], Recorder], tmp_path: Path
) -> None:
    from assistant.audio.devices import Speaker, find_device
    from assistant.tts.voice import Voice

    voice = Voice.load("lj")
    doc = from_blocks(Path("x.txt"), "x", [Block("The cat sat down. Then it slept.")])
    speaker = Speaker(find_device("spk", "output"), voice.sample_rate).start()
    events: list[PipelineEvent] = []
    reader = Reader(
        doc, lambda: speaker, lambda: voice, Style, events.append, Places(tmp_path / "p.json")
    )
    recorder = record_source("spk.monitor")
    try:
        reader.play()
        end = time.monotonic() + 30
        while not any(isinstance(e, Notice) for e in events) and time.monotonic() < end:
            time.sleep(0.05)
    finally:
        reader.close()
        speaker.close()
    audio = recorder.stop()
    assert [e.index for e in events if isinstance(e, ReadingAt) and e.playing] == [0, 1]
    assert 1.0 < active_seconds(audio, recorder.rate) < 6.0
    assert float(np.sqrt(np.mean(audio**2))) > 0.01
