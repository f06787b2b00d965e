"""Playback's pause and resume, shared by replies and music: the place is kept, nothing twice."""

import numpy as np

from assistant.conversation.speaking import Playback
from tests.conversation.test_pipeline import RATE, FakeSpeaker


def test_resume_from_the_place_and_not_a_piece_on_its_way() -> None:
    speaker = FakeSpeaker()
    playback: Playback[int] = Playback(speaker)
    kept = [np.arange(RATE, dtype=np.float32)]
    playback.queue(0, kept[0], RATE)
    speaker.advance(0.25)
    assert playback.pause() == 0.25
    kept.append(np.full(RATE, -1.0, np.float32))  # appended by the speaking thread, not queued yet
    speaker.chunks.clear()
    assert playback.resume(kept, RATE)
    (again,) = speaker.chunks
    assert np.array_equal(again, kept[0][RATE // 4 :])  # from the place, the queued part only
    assert playback.played() == 0.25 and not playback.resume(kept, RATE)  # not paused now
    playback.queue(1, kept[1], RATE)  # the piece on its way plays when queued, once
    assert len(speaker.chunks) == 2 and speaker.chunks[1][0] == -1.0


def test_a_resumed_playback_never_looks_finished() -> None:
    """wait_until_played (a tune's or a reply's thread) ends when nothing is paused and the
    speaker is silent: resume() must not look unpaused before the speaker plays again."""
    seen: list[bool] = []

    class Watching(FakeSpeaker):
        def play(self, samples: np.ndarray, sample_rate: int | None = None) -> None:
            seen.append(playback.paused_at is not None or self.playing)  # what the waiter sees
            super().play(samples, sample_rate)

    speaker = Watching()
    playback: Playback[int] = Playback(speaker)
    audio = [np.ones(RATE, np.float32)]
    playback.queue(0, audio[0], RATE)
    speaker.advance(0.5)
    playback.pause()
    seen.clear()
    assert playback.resume(audio, RATE)
    assert seen == [True] and playback.paused_at is None and speaker.playing
