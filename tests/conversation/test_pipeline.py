"""The conversation pipeline with fakes: streaming sentences, barge-in, actions, text mode."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from assistant.asr.types import Final, Partial
from assistant.asr.vad import SpeechEnded, SpeechStarted
from assistant.conversation.pipeline import Pipeline
from assistant.conversation.turns import SentenceCutter, VoiceSettings
from assistant.events import (
    DocumentOpened,
    EmotionChanged,
    HeardFinal,
    HeardPartial,
    Listening,
    Notice,
    PipelineEvent,
    ReplyDone,
    ReplyPiece,
    Speaking,
    TurnLatency,
    VoiceChanged,
)
from assistant.reply.engine import EchoLLM, ReplyEngine
from assistant.reply.history import History
from assistant.reply.skills import Skills

RATE = 1000  # the fake voice's sample rate
WORD_S = 0.1  # seconds of fake speech per word
PAUSE_S = 0.25


class FakeVoice:
    """0.1 s of audio per word; remembers what it was asked to say and when."""

    sample_rate = RATE

    def __init__(self, name: str = "fake") -> None:
        self.name = name
        self.calls: list[tuple[str, str, float, float]] = []
        self.llm: EchoLLM | None = None
        self.words_produced_at_first_call: int | None = None

    def sentence_audio(
        self, sentence: str, emotion: str = "neutral", intensity: float = 1.0, rate: float = 1.0
    ) -> np.ndarray:
        if self.llm is not None and self.words_produced_at_first_call is None:
            self.words_produced_at_first_call = self.llm.produced
        self.calls.append((sentence, emotion, intensity, rate))
        return np.full(int(len(sentence.split()) * WORD_S * RATE), 0.1, np.float32)

    def sentence_pieces(
        self,
        sentence: str,
        emotion: str = "neutral",
        intensity: float = 1.0,
        rate: float = 1.0,
        *,
        ahead_s: float = 0.0,
    ) -> Iterator[np.ndarray]:
        audio = self.sentence_audio(sentence, emotion, intensity, rate)
        if ahead_s > 0.0:  # as a voice does: all of it, made while the audio ahead plays
            yield audio
            return
        tenth = RATE // 10  # else a short first piece, then the rest in pieces
        yield from (audio[:tenth], audio[tenth : 2 * tenth], audio[2 * tenth :])


class FakeSpeaker:
    """Plays nothing: `advance(s)` moves its clock, so tests decide what has been heard."""

    def __init__(self) -> None:
        self.chunks: list[np.ndarray] = []
        self.played = 0.0
        self.queued = 0.0
        self.stops = 0
        self.lock = threading.Lock()

    def play(self, samples: np.ndarray, sample_rate: int | None = None) -> None:
        with self.lock:
            self.chunks.append(samples)
            self.queued += len(samples) / (sample_rate or RATE)

    def stop(self) -> float:
        with self.lock:
            played, self.played, self.queued = self.played, 0.0, 0.0
            self.stops += 1
            return played

    def advance(self, seconds: float) -> None:
        with self.lock:
            self.played = min(self.queued, self.played + seconds)

    @property
    def progress(self) -> tuple[float, float]:
        return self.played, self.queued

    @property
    def playing(self) -> bool:
        return self.played < self.queued


class Harness:
    def __init__(self, tmp_path: Path, llm: EchoLLM, speaker: bool = True, voice: bool = True):
        self.events: list[PipelineEvent] = []
        self.llm = llm
        self.voice = FakeVoice() if voice else None
        if self.voice is not None:
            self.voice.llm = llm
        self.speaker = FakeSpeaker() if speaker else None
        self.settings = VoiceSettings(emotion="neutral", intensity=0.5)
        self.loaded: list[str] = []
        skills = Skills(voices=("lj", "joe"), file_dirs=[tmp_path])
        self.engine = ReplyEngine(skills, llm, History(directory=tmp_path / "history"))
        self.pipeline = Pipeline(
            self.engine,
            self.voice,
            self.speaker,
            self.events.append,
            lambda: self.settings,
            voice_loader=self.load,
        )

    def load(self, name: str) -> FakeVoice:
        self.loaded.append(name)
        return FakeVoice(name)

    def of(self, kind: type) -> list:
        return [e for e in list(self.events) if isinstance(e, kind)]

    def wait(self, condition: Callable[[], bool], timeout: float = 5.0) -> None:
        end = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > end:
                raise AssertionError(f"timed out; events: {self.events}")
            time.sleep(0.005)

    def finish(self, replies: int = 1) -> None:
        """Let the fake speaker play everything until `replies` turns reported they are done."""

        def done() -> bool:
            if self.speaker is not None:
                self.speaker.advance(10.0)
            return len(self.of(ReplyDone)) >= replies

        self.wait(done)


@pytest.fixture
def make(tmp_path: Path) -> Iterator[Callable[..., Harness]]:
    made: list[Harness] = []

    def factory(answer: str | None = None, delay_s: float = 0.0, **kw: bool) -> Harness:
        h = Harness(tmp_path, EchoLLM(answer, delay_s), **kw)
        made.append(h)
        return h

    yield factory
    for h in made:
        h.pipeline.close()


def test_sentences_are_cut_as_soon_as_the_next_one_begins() -> None:
    cutter = SentenceCutter()
    assert cutter.feed("Hello there. How") == ["Hello there."]
    assert cutter.feed(" are you? I met Dr. Smith") == ["How are you?"]
    assert cutter.feed(" today. It cost 3.") == ["I met Dr. Smith today."]
    assert cutter.feed("5 dollars") == []
    assert cutter.flush() == ["It cost 3.5 dollars"]
    assert cutter.flush() == []


def test_the_first_clause_goes_ahead_of_its_sentence() -> None:
    cutter = SentenceCutter(first_clause_words=5)
    assert cutter.feed("Well, the moon has no air of its own,") == []  # next word not begun
    assert cutter.feed(" so") == ["Well, the moon has no air of its own,"]
    assert cutter.feed(" it is silent, and cold. Next,") == ["so it is silent, and cold."]
    assert cutter.feed(" we go on") == []  # only the reply's first piece may be a clause
    assert cutter.flush() == ["Next, we go on"]
    assert SentenceCutter().feed("It costs 3,000 dollars and more") == []


def test_speech_starts_while_the_model_still_writes(make: Callable[..., Harness]) -> None:
    answer = "One two three. Four five six. Seven eight nine ten eleven twelve."
    h = make(answer, delay_s=0.03)
    h.pipeline.submit_text("count for me")
    h.wait(lambda: bool(h.speaker and h.speaker.chunks))
    assert h.llm.produced < len(answer.split())  # audio queued before the text is complete
    assert h.voice is not None and h.voice.words_produced_at_first_call is not None
    assert h.voice.words_produced_at_first_call <= 4  # the first sentence and one word more
    h.finish()
    said = [call[0] for call in h.voice.calls]
    assert said == ["One two three.", "Four five six.", "Seven eight nine ten eleven twelve."]
    assert "".join(e.text for e in h.of(ReplyPiece)) == answer
    assert h.of(ReplyDone) == [ReplyDone(answer, answer)]
    assert [e.active for e in h.of(Speaking)] == [True, False]
    assert h.engine.history.last_reply() == answer


def test_the_first_sentence_starts_playing_before_it_is_all_made(
    make: Callable[..., Harness],
) -> None:
    h = make("One two three. Four five six.")
    h.pipeline.submit_text("count").join()
    h.wait(lambda: h.speaker is not None and len(h.speaker.chunks) == 6)  # nothing played yet
    h.finish()
    assert h.speaker is not None
    sizes = [len(chunk) for chunk in h.speaker.chunks]
    pause = int(PAUSE_S * RATE)
    tenth, words = RATE // 10, int(3 * WORD_S * RATE)
    # each piece when made, then the sentence's pause; later sentences come whole (the audio
    # ahead of them leaves time), each with its pause
    assert sizes == [tenth, tenth, words - 2 * tenth, pause, words, pause]
    assert h.engine.history.last_reply() == "One two three. Four five six."


def test_stop_cancels_and_keeps_only_the_heard_sentences(make: Callable[..., Harness]) -> None:
    answer = "One two three. Four five six. Seven eight nine."
    h = make(answer)
    h.pipeline.submit_text("count for me")
    assert h.speaker is not None
    # all queued: the first sentence in pieces (it starts before it is all made) and its pause,
    # then one each
    h.wait(lambda: h.speaker is not None and len(h.speaker.chunks) == 8)
    h.speaker.advance(3 * WORD_S + PAUSE_S + 2 * WORD_S)  # the 1st sentence and part of the 2nd
    h.pipeline.stop()
    assert h.speaker.stops == 2  # once as the turn began, once now
    assert h.of(ReplyDone) == [ReplyDone(answer, "One two three.", cancelled=True)]
    assert h.engine.history.last_reply() == "One two three."
    assert h.of(Speaking)[-1] == Speaking(False)
    assert not h.pipeline.speaking
    h.pipeline.submit_text("say that again").join()
    h.finish(2)
    assert h.voice is not None and h.voice.calls[-1][0] == "One two three."


def test_stop_while_the_model_writes_cancels_its_stream(make: Callable[..., Harness]) -> None:
    h = make(" ".join(["Word."] * 200), delay_s=0.01)
    turn = h.pipeline.submit_text("talk")
    h.wait(lambda: bool(h.of(Speaking)))
    h.pipeline.stop()
    turn.join(timeout=2)
    assert not turn.is_alive()
    assert h.llm.produced < 200
    assert h.of(ReplyDone)[-1].cancelled
    assert h.engine.history.last_reply() == ""  # nothing was played


def test_a_new_question_interrupts_the_answer(make: Callable[..., Harness]) -> None:
    h = make("One two three. Four five six.")
    h.pipeline.submit_text("first").join()
    h.wait(lambda: h.speaker is not None and len(h.speaker.chunks) == 6)  # 3 pieces, 1, pauses
    h.pipeline.submit_text("second").join()
    assert h.of(ReplyDone)[0] == ReplyDone("One two three. Four five six.", "", cancelled=True)
    h.finish(2)
    turns = h.engine.history.turns
    assert [(t.user, t.assistant) for t in turns] == [
        ("first", ""),
        ("second", "One two three. Four five six."),
    ]


def test_set_emotion_applies_to_its_own_answer(make: Callable[..., Harness]) -> None:
    h = make()
    h.pipeline.submit_text("sound a bit sad").join()
    h.finish()
    assert h.of(EmotionChanged) == [EmotionChanged("sad", 0.4)]
    assert h.voice is not None and h.voice.calls == [
        ("Okay, I'll sound a bit sad.", "sad", 0.4, 1.0)
    ]


def test_settings_are_read_for_each_sentence(make: Callable[..., Harness]) -> None:
    h = make("One. Two.")
    h.settings = VoiceSettings(emotion="auto", intensity=0.9, rate=1.5)
    h.pipeline.guess_emotion = lambda s: "happy" if "One" in s else "calm"
    h.pipeline.submit_text("go").join()
    h.finish()
    assert h.voice is not None
    assert h.voice.calls == [("One.", "happy", 0.9, 1.5), ("Two.", "calm", 0.9, 1.5)]


def test_set_voice_loads_it_in_the_background(make: Callable[..., Harness]) -> None:
    h = make("Hello.")
    h.pipeline.submit_text("use the joe voice").join()
    h.wait(lambda: bool(h.of(VoiceChanged)))
    assert h.loaded == ["joe"] and h.of(VoiceChanged) == [VoiceChanged("joe")]
    h.finish()
    h.events.clear()
    h.pipeline.submit_text("hi").join()
    h.finish()
    assert isinstance(h.pipeline.voice, FakeVoice) and h.pipeline.voice.name == "joe"
    assert [call[0] for call in h.pipeline.voice.calls][-1] == "Hello."


def test_stop_pause_and_resume_commands(make: Callable[..., Harness]) -> None:
    h = make("One two three. Four five six.")
    assert h.speaker is not None
    h.pipeline.submit_text("count").join()
    h.wait(lambda: h.speaker is not None and len(h.speaker.chunks) == 6)  # 3 pieces, 1, pauses
    h.speaker.advance(0.5)
    h.pipeline.submit_text("pause").join()
    assert h.of(Speaking)[-1] == Speaking(False) and h.speaker.progress == (0.0, 0.0)
    h.pipeline.submit_text("go on").join()
    assert h.of(Speaking)[-1] == Speaking(True)
    rest = h.speaker.chunks[-1]
    total = 2 * (3 * WORD_S + PAUSE_S)
    assert len(rest) == pytest.approx((total - 0.5) * RATE, abs=2)  # from where it paused
    h.speaker.advance(0.2)  # 0.7 s into the turn: the 2nd sentence's speech ends at 0.85 s
    h.pipeline.submit_text("stop").join()
    assert h.of(ReplyDone)[-1] == ReplyDone("One two three. Four five six.", "One two three.", True)
    assert h.engine.history.last_reply() == "One two three."


def test_read_file_opens_it_for_the_reader(make: Callable[..., Harness], tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("First line here.\n\nSecond one. Third!", encoding="utf-8")
    h = make()
    h.pipeline.submit_text("read notes.txt").join()
    h.finish()
    opened = h.of(DocumentOpened)
    assert len(opened) == 1
    doc = opened[0].document
    assert [doc.sentence_text(i) for i in range(len(doc.sentences))] == [
        "First line here.",
        "Second one.",
        "Third!",
    ]
    assert h.voice is not None and h.voice.calls == []  # the reader says it, not the turn


def test_a_file_that_cannot_be_read_is_explained_not_read(
    make: Callable[..., Harness], tmp_path: Path
) -> None:
    (tmp_path / "photo.txt").write_bytes(bytes(range(256)) * 40)  # binary renamed to .txt
    h = make()
    h.pipeline.submit_text("read photo.txt").join()
    h.finish()
    assert not h.of(DocumentOpened)
    notices = [n.text for n in h.of(Notice)]
    assert len(notices) == 1 and "photo.txt" in notices[0]
    assert h.voice is not None and [c[0] for c in h.voice.calls] == notices


def test_help_is_said(make: Callable[..., Harness]) -> None:
    h = make()
    h.pipeline.submit_text("help").join()
    h.finish()
    assert "what time is it" in h.of(ReplyDone)[0].text


def test_text_mode_replies_without_speaker_or_voice(make: Callable[..., Harness]) -> None:
    h = make("Just text. Nothing else.", speaker=False, voice=False)
    h.pipeline.submit_text("hello").join()
    h.wait(lambda: bool(h.of(ReplyDone)))
    assert h.of(ReplyDone) == [ReplyDone("Just text. Nothing else.", "Just text. Nothing else.")]
    assert not h.of(Speaking)
    h.pipeline.submit_text("read nothing.txt").join()
    h.wait(lambda: len(h.of(ReplyDone)) == 2)
    assert "can't find" in h.of(ReplyDone)[1].text


def test_latency_telemetry_per_turn(make: Callable[..., Harness]) -> None:
    h = make("Hello there.")
    for _ in range(3):
        h.events.clear()
        h.pipeline.submit_text("hi", speech_end=time.perf_counter() - 0.2).join()
        h.finish()
    latencies = [e for e in h.pipeline.latencies if isinstance(e, TurnLatency)]
    assert len(latencies) == 3
    assert all(
        t.speech_end_to_final is not None and t.speech_end_to_final >= 0.2 for t in latencies
    )
    summary = h.pipeline.latency_summary()
    assert summary["total"]["n"] == 3
    assert summary["total"]["p50"] <= summary["total"]["p95"] < 5
    assert set(summary) == {
        "speech_end_to_final",
        "final_to_first_piece",
        "first_piece_to_audio",
        "total",
    }


def test_heard_speech_barges_in_and_is_answered(make: Callable[..., Harness]) -> None:
    h = make("One two three. Four five six.")
    h.pipeline.submit_text("count").join()
    h.wait(lambda: h.pipeline.speaking)
    h.pipeline.on_heard(SpeechStarted(1.0))
    assert not h.pipeline.speaking and h.of(ReplyDone)[-1].cancelled
    h.pipeline.on_heard(Partial("what ti"))
    h.pipeline.on_heard(SpeechEnded(2.0, 1.0))
    h.pipeline.on_heard(Final("what time is it"), speech_end=time.perf_counter())
    h.finish(2)
    assert HeardPartial("what ti") in h.events and HeardFinal("what time is it") in h.events
    assert h.voice is not None and h.voice.calls[-1][0].startswith("It's ")


class FakeMic:
    sample_rate = 16000

    def __init__(self, blocks: int) -> None:
        self.left = blocks
        self.stopped = threading.Event()

    def blocks(self, timeout: float = 2.0) -> Iterator[np.ndarray]:
        while self.left and not self.stopped.is_set():
            self.left -= 1
            yield np.zeros(480, np.float32)
        self.stopped.wait(timeout)

    def stop(self) -> None:
        self.stopped.set()

    def clear(self) -> None:
        pass


class FakeEndpointer:
    talking = False
    time = 3.0


class FakeRecognizer:
    name = "fake asr"


class FakeListener:
    """Says the user spoke during the 2nd block and finished in the 5th."""

    def __init__(self) -> None:
        self.endpointer = FakeEndpointer()
        self.recognizer = FakeRecognizer()
        self.fed = 0

    def start(self, sample_rate: int) -> None:
        assert sample_rate == 16000

    def feed(self, block: np.ndarray) -> list[object]:
        self.fed += 1
        if self.fed == 2:
            return [SpeechStarted(0.03)]
        if self.fed == 5:
            return [SpeechEnded(2.5, 0.03), Final("what time is it")]
        return []


def test_listening_thread_answers_what_was_said(make: Callable[..., Harness]) -> None:
    h = make()
    mic, listener = FakeMic(8), FakeListener()
    h.pipeline.start_listening(mic, listener)  # type: ignore[arg-type]
    h.wait(lambda: bool(h.of(ReplyPiece)))
    h.wait(lambda: h.pipeline.speaking)
    assert listener.endpointer.talking  # the higher barge-in threshold applies while it speaks
    h.finish()
    assert not listener.endpointer.talking
    assert h.of(Listening) == [Listening("fake asr")]
    latency = h.pipeline.latencies[0]
    assert latency.speech_end_to_final is not None and latency.speech_end_to_final >= 0.5


class EndlessMic(FakeMic):
    def blocks(self, timeout: float = 2.0) -> Iterator[np.ndarray]:
        while not self.stopped.wait(0.01):
            yield np.full(480, 0.1, np.float32)


class HearsWhatItGets:
    """A recogniser that 'hears' the time question in whatever audio the turn held."""

    name = "counting asr"

    def __init__(self) -> None:
        self.samples = 0

    def start(self, sample_rate: int) -> None:
        pass

    def accept(self, block: np.ndarray) -> None:
        self.samples += len(block)

    def finish(self) -> Final:
        heard, self.samples = self.samples, 0
        return Final("what time is it" if heard else "")

    def reset(self) -> None:
        self.samples = 0

    def close(self) -> None:
        pass


def test_the_talk_key_starts_and_ends_a_turn(make: Callable[..., Harness]) -> None:
    from assistant.asr.engine import Listener
    from assistant.asr.vad import Endpointer

    h = make()
    recognizer = HearsWhatItGets()
    mic = EndlessMic(0)
    h.pipeline.start_listening(mic, Listener(Endpointer(push_to_talk=True), recognizer))  # type: ignore[arg-type]
    h.wait(lambda: bool(h.of(Listening)))
    time.sleep(0.1)
    assert not h.of(ReplyPiece)  # without the key, push-to-talk hears nothing
    h.pipeline.talk_key()
    h.wait(lambda: recognizer.samples >= 4800)  # the turn is open: audio reaches the recogniser
    h.pipeline.talk_key()
    h.wait(lambda: bool(h.of(ReplyPiece)))
    assert "what time is it" in [e.text for e in h.of(HeardFinal)]
    mic.stop()
    h.finish()


def test_the_talk_key_without_a_microphone_says_so(make: Callable[..., Harness]) -> None:
    h = make()
    h.pipeline.talk_key()
    assert any("microphone" in n.text for n in h.of(Notice))


def test_no_voice_loaded_yet_still_answers_in_text(make: Callable[..., Harness]) -> None:
    h = make("Hi.", voice=False)
    h.pipeline.submit_text("hello").join()
    h.wait(lambda: bool(h.of(ReplyDone)))
    assert h.of(ReplyDone) == [ReplyDone("Hi.", "Hi.")]
    assert not h.of(Notice)


class ReaderStub:
    """Stands for the document reader: records what the pipeline asked of it."""

    def __init__(self) -> None:
        self.playing = True
        self.calls: list[str] = []

    def pause(self) -> None:
        self.calls.append("pause")
        self.playing = False

    def play(self) -> None:
        self.calls.append("play")
        self.playing = True


def test_barge_in_pause_and_go_on_steer_the_reader(make: Callable[..., Harness]) -> None:
    h = make("An answer.")
    reader = ReaderStub()
    h.pipeline.reader = reader
    h.pipeline.on_heard(SpeechStarted(0.5))  # the user speaks over the reading
    assert reader.calls == ["pause"] and not reader.playing
    h.pipeline.submit_text("go on").join()
    assert reader.calls == ["pause", "play"]
    h.pipeline.submit_text("pause").join()
    assert reader.calls[-1] == "pause"
    reader.play()
    h.pipeline.submit_text("what is this").join()  # a question while reading pauses it first
    h.finish()
    assert reader.calls[-1] == "pause" and not reader.playing
