"""The voice side of a turn: each sentence synthesised with its emotion and queued on the turn's
playback, the sentence sounding now reported, and another voice loaded in the background."""

from __future__ import annotations

import contextlib
import itertools
import logging
import threading
import time
from collections.abc import Callable, Iterator

import numpy as np

from assistant.audio.convert import to_mono
from assistant.conversation.speaking import Synthesizer
from assistant.conversation.turns import Turn, VoiceSettings
from assistant.cpu import urgent
from assistant.events import Notice, PipelineEvent, SpeakingSentence, VoiceChanged
from assistant.tts.voice import SENTENCE_PAUSE

log = logging.getLogger(__name__)

Emit = Callable[[PipelineEvent], None]
Pieces = Iterator[tuple[np.ndarray, int, bool]]  # (audio, sample rate, is it the sentence's end)


def synthesize(
    voice: Synthesizer,
    settings: VoiceSettings,
    turn: Turn,
    sentence: str,
    guess_emotion: Callable[[str], str] | None,
    emit: Emit,
) -> Pieces:
    """`sentence` said by `voice` in pieces, each as soon as it is made, then the pause after
    it (the end piece). The voice sizes the pieces to play without a gap: the first sentence's
    first piece is what the user waits for (the model's next words wait for it); a later
    sentence's pieces are made while the audio before them plays. `guess_emotion` picks the
    emotion for "auto" when the model gave no tag.
    """
    emotion, intensity = turn.emotion or (settings.emotion, settings.intensity)
    if emotion == "auto":
        emotion = turn.reply.emotion or (guess_emotion(sentence) if guess_emotion else "neutral")
    args = (sentence, emotion, intensity, settings.rate)
    pause = np.zeros(int(SENTENCE_PAUSE * voice.sample_rate / settings.rate), np.float32)
    ahead = turn.playback.ahead() if turn.playback is not None and turn.sounding else 0.0
    said = False
    try:
        pieces = voice.sentence_pieces(*args, ahead_s=ahead)
        with urgent() if not turn.sounding else contextlib.nullcontext():
            first = next(pieces, None)  # the turn's first sound: what the user waits for
        for piece in itertools.chain([] if first is None else [first], pieces):
            if len(piece):
                said = True
                yield np.asarray(piece, np.float32), voice.sample_rate, False
    except Exception as e:
        log.exception("could not synthesise %r", sentence)
        emit(Notice(f"Could not say a sentence: {e}"))
        return
    if said:
        yield pause, voice.sample_rate, True


def queue_audio(
    turn: Turn, sentence: str, audio: np.ndarray, rate: int, end: bool, speed: float
) -> bool:
    """Queue a piece of the sentence on the turn's playback; its `end` piece carries the pause
    after it (said at `speed`). True if it is the turn's first sound (its time is stamped)."""
    assert turn.playback is not None
    pause_s = SENTENCE_PAUSE / max(speed, 1e-3)
    seconds = len(audio) / rate
    with turn.lock:
        turn.rate = turn.rate or rate
        if turn.cancelled.is_set() or turn.playback.failure is not None:
            return False
        turn.audio.append(audio if rate == turn.rate else to_mono(audio, rate, turn.rate))
        first = not turn.sounding
        turn.sounding = True
    speech_s = max(seconds - pause_s, 0.0) if end else seconds
    turn.playback.queue(sentence if end else None, audio, rate, speech_s)
    if first:
        turn.timing.first_audio = time.perf_counter()
    return first


def follow(turn: Turn, emit: Emit, current: Callable[[], bool]) -> None:
    """Report the sentence sounding now (SpeakingSentence) while the turn is `current`."""
    playback, shown = turn.playback, -1
    while playback is not None and current() and not turn.cancelled.wait(0.1):
        now = playback.played()
        with turn.lock:  # the first sentence's first piece (None) is shown with its rest
            ahead = [(i, s) for i, (s, _, end) in enumerate(playback.marks) if s and end > now]
        if ahead and ahead[0][0] != shown:
            shown = ahead[0][0]
            emit(SpeakingSentence(ahead[0][1]))


def load_voice(
    loader: Callable[[str], Synthesizer],
    name: str,
    use: Callable[[Synthesizer], None],
    emit: Emit,
) -> threading.Thread:
    """Load the voice `name` in a thread and hand it to `use` (VoiceChanged follows), or say
    why not."""

    def load() -> None:
        try:
            voice = loader(name)
        except Exception as e:
            log.exception("could not load voice %s", name)
            emit(Notice(f"Could not load the voice {name}: {e}"))
            return
        use(voice)
        emit(VoiceChanged(voice.name))

    thread = threading.Thread(target=load, name="voice-load", daemon=True)
    thread.start()
    return thread
