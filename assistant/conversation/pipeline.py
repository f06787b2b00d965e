"""Turns: heard or typed text → reply → TTS → speaker, one at a time, with barge-in.

The microphone side is `listening.Ears`, the voice side `voicing` (each sentence synthesised and
queued), the playing side `speaking.Playback`; a document being read (`reading.Reader`) is paused
by barge-in and by a new question.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.conversation import voicing
from assistant.conversation.listening import Ears
from assistant.conversation.music import Composer, Music
from assistant.conversation.reading import open_for_reading
from assistant.conversation.speaking import Output, Synthesizer, speaker_error
from assistant.conversation.speculation import Speculator
from assistant.conversation.turns import (
    SentenceCutter,
    Timing,
    Turn,
    VoiceSettings,
    latency_summary,
)
from assistant.events import (
    EmotionChanged,
    HeardFinal,
    HeardPartial,
    NoReply,
    Notice,
    PipelineEvent,
    ReplyDone,
    ReplyPiece,
    Speaking,
    TurnLatency,
)
from assistant.reply.engine import Reply, ReplyEngine
from assistant.reply.skills import Pause, PlayMusic, ReadFile, Resume, SetEmotion, SetVoice, Stop

if TYPE_CHECKING:
    from assistant.asr.engine import Listener, ListenEvent
    from assistant.audio.devices import Microphone
    from assistant.conversation.reading import Reader

log = logging.getLogger(__name__)

SPEAKER_LOST = "The sound server stopped: replies are text only until it is back."


class Pipeline:
    """Runs the conversation: answers text, speaks it sentence by sentence, stops on barge-in.

    Parts are passed in; `voice` and `speaker` may be None (text only), and may be set later
    (the app opens them in the background, and again when the sound server is back); a speaker
    that stops working is dropped (`speaker_lost`) and the reply goes on as text. `emit` gets
    every PipelineEvent, from the pipeline's threads; `settings_fn` gives the UI's current
    choices and is read before each sentence.
    A reply cut off by the model's token limit is spoken to its last word, as it is shown.
    """

    def __init__(
        self,
        reply_engine: ReplyEngine,
        voice: Synthesizer | None,
        speaker: Output | None,
        emit: Callable[[PipelineEvent], None],
        settings_fn: Callable[[], VoiceSettings] = VoiceSettings,
        voice_loader: Callable[[str], Synthesizer] | None = None,
        guess_emotion: Callable[[str], str] | None = None,
        composer: Composer | None = None,
    ) -> None:
        self.reply_engine, self.voice, self.speaker = reply_engine, voice, speaker
        self.emit, self.settings_fn = emit, settings_fn
        self.voice_loader = voice_loader
        self.guess_emotion = guess_emotion  # for emotion "auto" when the model gave no tag
        self.latencies: list[TurnLatency] = []
        self._turn: Turn | None = None
        self._lock = threading.Lock()
        self._start_lock = threading.Lock()  # turns start one at a time
        self.ears = Ears(emit, self.on_heard)
        self._threads: list[threading.Thread] = []  # turn and TTS workers, for join()
        self.reader: Reader | None = None  # the document being read, when one is open
        self.music = Music(
            composer, lambda: self.speaker, emit, self._set_speaking, self.speaker_lost
        )
        self.speculator = Speculator(  # replies started while the user's pause may end the turn
            reply_engine, lambda: self._turn is None and not self._start_lock.locked()
        )

    # ------------------------------------------------------------ turns

    def submit_text(
        self, text: str, speech_end: float | None = None, reply: Reply | None = None
    ) -> threading.Thread:
        """Answer `text` (typed or recognised) in a worker thread; returns the thread.
        `reply`: its answer, already started (by the Speculator)."""
        timing = Timing(speech_end=speech_end, final=time.perf_counter())
        if reply is None:
            self.speculator.drop()
        args = (text, timing, reply)
        thread = threading.Thread(target=self._turn_main, args=args, name="turn")
        thread.daemon = True
        self._started(thread)
        return thread

    def say_again(self, text: str) -> threading.Thread | None:
        """Speak a past reply again, as "say that again" does (it is on screen already, and
        not recorded); None, with a notice, when there is no voice or speaker to say it."""
        if self.speaker is None or self.voice is None:
            self.emit(Notice("Cannot say it again: there is no speaker or voice (text only)."))
            return None
        return self.submit_text(text, reply=self.reply_engine.again(text, shown=False))

    def _started(self, thread: threading.Thread) -> None:
        thread.start()
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]

    def join(self, timeout: float = 10.0) -> bool:
        """Wait for the turn and TTS threads to end (after stop()); False if some still run."""
        with self._lock:
            threads = list(self._threads)
        end = time.monotonic() + timeout
        for thread in threads:
            thread.join(max(0.0, end - time.monotonic()))
        return not any(t.is_alive() for t in threads)

    def _turn_main(self, text: str, timing: Timing, started: Reply | None = None) -> None:
        answered = False
        try:
            with self._start_lock:
                reply = started or self.reply_engine.reply(text)
                if reply.notice:
                    self.emit(Notice(reply.notice))
                action = reply.action
                if isinstance(action, Pause | Resume) and self._steer_reader(action):
                    return
                if isinstance(action, Pause | Resume):
                    self.pause() if isinstance(action, Pause) else self.resume()
                    return
                self.stop()  # a new request interrupts the answer in progress
                if isinstance(action, Stop):
                    return
                if self.speaker is not None:
                    self.speaker.stop()  # its progress now counts this turn's audio from zero
                turn = Turn(reply, timing)
                with self._lock:
                    self._turn = turn
            self._run(turn)
            answered = True
        except Exception as e:
            log.exception("the turn failed")
            self.emit(Notice(f"Something went wrong answering that: {e}"))
        finally:
            if not answered:  # a command (stop, pause, go on) or a failure: no ReplyDone follows
                self.emit(NoReply())

    def _run(self, turn: Turn) -> None:
        action = turn.reply.action
        if isinstance(action, SetEmotion):
            turn.emotion = (action.emotion, action.intensity)
            self.emit(EmotionChanged(action.emotion, action.intensity))
        elif isinstance(action, SetVoice):
            self.load_voice(action.name)
        elif isinstance(action, PlayMusic):  # composed now, played once the reply was said
            self.music.prepare(action.emotion, action.intensity)
        speaker = self.speaker
        if speaker is not None and (reason := speaker_error(speaker)) is not None:
            self.speaker_lost(speaker, reason)
        speaks = self.speaker is not None and self.voice is not None
        worker = None
        if speaks:
            worker = threading.Thread(target=self._speak, args=(turn,), name="tts", daemon=True)
            self._started(worker)
        cutter = SentenceCutter()
        for piece in turn.reply.stream:
            if turn.timing.first_piece is None:
                turn.timing.first_piece = time.perf_counter()
            if turn.reply.shown:
                self.emit(ReplyPiece(piece))
            for sentence in cutter.feed(piece) if speaks else ():
                turn.sentences.put(sentence)
        for sentence in cutter.flush() if speaks else ():
            turn.sentences.put(sentence)
        if isinstance(action, ReadFile) and not turn.cancelled.is_set():
            problem = open_for_reading(action.path, self.emit)
            if problem and speaks:
                turn.sentences.put(problem)
        turn.sentences.put(None)
        if worker is None:
            self._record(turn.timing)
            self._finish(turn)

    def _steer_reader(self, action: Pause | Resume) -> bool:
        """ "Pause" and "go on" steer the reader when no answer is being said."""
        reader = self.reader
        if reader is None or self.music.active or (self._turn is not None and self._turn.sounding):
            return False
        reader.pause() if isinstance(action, Pause) else reader.play()
        return True

    def open_document(self, path: Path) -> threading.Thread:
        """Open a file for the reader in a thread (DocumentOpened, or a notice saying why not)."""
        thread = threading.Thread(target=open_for_reading, args=(path, self.emit), name="open")
        thread.daemon = True
        thread.start()
        return thread

    def _speak(self, turn: Turn) -> None:
        """The TTS worker: synthesise each sentence and queue it on the speaker."""
        speaker = self.speaker
        assert speaker is not None
        playback = turn.speak_on(speaker)
        args = (turn, self.emit, lambda: self._turn is turn)
        follow = threading.Thread(target=voicing.follow, args=args, name="follow", daemon=True)
        self._started(follow)
        while not turn.cancelled.is_set():
            sentence = turn.sentences.get()
            if sentence is None or not playback.wait_for_room():
                break
            voice = self.voice
            assert voice is not None
            pieces = voicing.synthesize(
                voice, self.settings_fn(), turn, sentence, self.guess_emotion, self.emit
            )
            for audio, rate, last in pieces:
                speed = self.settings_fn().rate
                if voicing.queue_audio(turn, sentence, audio, rate, last, speed):
                    self._record(turn.timing)
                    self._set_speaking(True)
        playback.wait_until_played(getattr(speaker, "delay", 0.0))  # the buffer sounds
        if (reason := playback.failure) is not None:  # the rest of the reply is text only
            self.speaker_lost(speaker, reason)
            while turn.sentences.get() is not None:  # the text goes on to its end (or a stop)
                pass
        self._finish(turn)

    def _record(self, timing: Timing) -> None:
        latency = timing.latency()
        self.latencies.append(latency)
        self.emit(latency)

    def _finish(self, turn: Turn) -> None:
        """The turn ended by itself: everything was said."""
        with self._lock:
            if self._turn is not turn:
                return  # stopped meanwhile: stop() reported it
            self._turn = None
        text = turn.reply.stream.text
        if turn.sounding:
            self._set_speaking(False)
        self.emit(ReplyDone(text, text))
        self.music.start()  # a tune the reply announced

    # ------------------------------------------------------------ control

    def stop(self) -> None:
        """Barge-in: silence the speaker now, end the reply, keep only what was heard; a
        document being read pauses at its place; a tune playing ends."""
        self.speculator.drop()
        self.music.stop()
        if self.reader is not None:
            self.reader.pause()
        with self._lock:
            turn, self._turn = self._turn, None
        if turn is None:
            return
        playback = turn.playback
        if playback is not None:
            played = playback.cancel()
        else:
            turn.cancelled.set()
            played = 0.0
        turn.reply.cancel()
        turn.sentences.put(None)
        text = turn.reply.stream.text
        heard = turn.heard_text(played) if turn.sounding else ""
        if self.speaker is None or self.voice is None:
            heard = text  # text mode: everything shown was "heard"
        self._truncate(text, heard)
        if turn.sounding:
            self._set_speaking(False)
        self.emit(ReplyDone(text, heard, cancelled=True))

    def _truncate(self, text: str, heard: str) -> None:
        """Make the history hold what was heard, if this reply is the history's last one."""
        turns = self.reply_engine.history.turns
        if turns and text.strip() and turns[-1].assistant == text.strip() and heard != text:
            self.reply_engine.truncate_last_reply(heard)
            log.info("barge-in: kept %d of %d characters", len(heard), len(text.strip()))

    def speaker_lost(self, speaker: Output, reason: str) -> None:
        """`speaker` stopped working (from any thread, once or more): say so, go on in text
        mode until a speaker is set again; the reply being said goes on as text, and a document
        being read pauses at its place."""
        with self._lock:
            if self.speaker is not speaker:
                return  # already dropped, or not the pipeline's speaker
            self.speaker = None
            turn = self._turn
        log.warning("the speaker stopped (%s): text only", reason)
        if turn is not None and turn.playback is not None and turn.playback.speaker is speaker:
            with turn.lock:
                sounding, turn.sounding = turn.sounding, False
            if sounding:
                self._set_speaking(False)
        reading = self.reader is not None and self.reader.playing
        if self.reader is not None:
            self.reader.pause()
        note = " Reading paused at its place." if reading else ""
        self.emit(Notice(SPEAKER_LOST + note))

    def pause(self) -> None:
        """Stop the sound but keep the place; resume() goes on from there."""
        self.music.pause()
        turn = self._turn
        if turn is None or turn.playback is None:
            return
        turn.playback.pause()
        self._set_speaking(False)

    def resume(self) -> None:
        self.music.resume()
        turn = self._turn
        playback = turn.playback if turn is not None else None
        if turn is not None and playback is not None and playback.resume(turn.audio, turn.rate):
            self._set_speaking(True)

    @property
    def speaking(self) -> bool:
        turn = self._turn
        return (
            turn is not None
            and turn.sounding
            and turn.playback is not None
            and turn.playback.paused_at is None
        )

    def _set_speaking(self, active: bool) -> None:
        self.ears.set_talking(active)
        self.emit(Speaking(active))

    # ------------------------------------------------------------ voices

    def load_voice(self, name: str) -> threading.Thread | None:
        """Load another voice in the background; it speaks from the next sentence on."""
        if self.voice_loader is None:
            self.emit(Notice(f"Cannot switch voices here (asked for {name})."))
            return None
        return voicing.load_voice(self.voice_loader, name, self._use_voice, self.emit)

    def _use_voice(self, voice: Synthesizer) -> None:
        self.voice = voice

    # ------------------------------------------------------------ telemetry

    def latency_summary(self) -> dict[str, dict[str, float]]:
        """p50/p95 (seconds) and count of each latency stage over the turns so far."""
        return latency_summary(self.latencies)

    # ------------------------------------------------------------ microphone

    def start_listening(self, mic: Microphone, listener: Listener) -> threading.Thread:
        """Hear the microphone in a thread: final transcripts are answered, speech stops speech."""
        return self.ears.start(mic, listener)

    def talk_key(self) -> None:
        """The talk key (push-to-talk): start a spoken turn, or end the open one; any thread."""
        self.ears.talk_key()

    def on_heard(self, event: ListenEvent, speech_end: float | None = None) -> None:
        """One listener event: speech while speaking stops it; a final transcript is answered."""
        from assistant.asr.types import Final, Partial
        from assistant.asr.vad import SpeechStarted

        self.speculator.hear(event)
        if isinstance(event, SpeechStarted) and (
            self.speaking or self.music.playing or (self.reader is not None and self.reader.playing)
        ):
            log.info("barge-in: the user speaks")
            self.stop()
        elif isinstance(event, Partial) and event.text:
            self.emit(HeardPartial(event.text))
        elif isinstance(event, Final) and event.text.strip():
            self.emit(HeardFinal(event.text))
            self.submit_text(event.text, speech_end, self.speculator.take(event.text))

    def close(self) -> None:
        """Stop speaking and listening (the parts passed in are closed by their owner)."""
        self.stop()
        self.music.close()
        self.ears.stop()
        self.join()
