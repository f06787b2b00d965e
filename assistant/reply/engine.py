"""What the assistant answers: a built-in skill if one matches, else the language model's stream."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from assistant.reply import prompts
from assistant.reply.history import History
from assistant.reply.prompts import EmotionTagReader, Message
from assistant.reply.skills import Action, Pause, Repeat, Resume, SkillResult, Skills

log = logging.getLogger(__name__)

NOT_READY = "I'm still waking up. Ask me again in a moment."
NOTHING_TO_REPEAT = "I haven't said anything yet."


class ChatModel(Protocol):
    """A language model answering a chat as a stream of text pieces (TransformersLLM, EchoLLM)."""

    @property
    def name(self) -> str: ...

    @property
    def ready(self) -> bool:
        """Loaded and able to answer."""
        ...

    def load(self) -> None: ...

    def stream(
        self, messages: Sequence[Message], stop: threading.Event | None = None
    ) -> Iterator[str]:
        """The answer to `messages`; setting `stop` ends it early."""
        ...

    def close(self) -> None: ...


class VoiceChoice(Protocol):
    """The voice and emotion in use (the pipeline's VoiceSettings), told to the model."""

    @property
    def voice(self) -> str: ...

    @property
    def emotion(self) -> str: ...


class ReplyStream:
    """The text of a reply as it is produced: iterate it in one thread, cancel() it from any."""

    def __init__(
        self,
        pieces: Iterator[str],
        on_done: Callable[[str, bool], None] | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        self._pieces = pieces
        self._on_done = on_done  # (everything produced, cancelled), called exactly once
        self._stop = stop or threading.Event()
        self._parts: list[str] = []
        self._lock = threading.Lock()
        self._busy = False  # a thread is inside next(self._pieces)
        self.done = False
        self.cancelled = False

    @property
    def text(self) -> str:
        """Everything produced so far."""
        with self._lock:
            return "".join(self._parts)

    def __iter__(self) -> ReplyStream:
        return self

    def __next__(self) -> str:
        with self._lock:
            if self.done:
                raise StopIteration
            self._busy = True
        try:
            piece = next(self._pieces)
        except BaseException:  # the end (StopIteration) or a failure: what came out still counts
            with self._lock:
                self._busy = False
                text = self._settle(cancelled=False)
            self._report(text)
            raise
        with self._lock:
            self._busy = False
            if not self.done:
                self._parts.append(piece)
                return piece
        _close(self._pieces)  # cancelled while this thread waited for the piece
        raise StopIteration

    def prefetch(self) -> None:
        """Start producing now, in a thread of its own; the pieces wait until they are read
        (a reply started before it is sure to be wanted: cancelled unread, it records nothing)."""
        from assistant.reply.prefetch import Prefetched

        with self._lock:
            if not self.done and not isinstance(self._pieces, Prefetched):
                self._pieces = Prefetched(self._pieces, self._stop)

    def cancel(self) -> None:
        """Stop now: the producer is told to stop and what came out so far is recorded at once."""
        self._stop.set()
        with self._lock:
            busy = self._busy
            text = self._settle(cancelled=True)
        if text is None:
            return
        if not busy:
            _close(self._pieces)
        self._report(text)

    def _settle(self, cancelled: bool) -> str | None:
        """Mark the stream done (hold the lock); the text to report, None if already done."""
        if self.done:
            return None
        self.done, self.cancelled = True, cancelled
        return "".join(self._parts)

    def _report(self, text: str | None) -> None:
        if text is None or self._on_done is None:
            return
        try:
            self._on_done(text, self.cancelled)
        except Exception:  # recording must never break speaking
            log.exception("could not record the reply")


@dataclass(frozen=True)
class Reply:
    """One answer: what the pipeline should do (or None) and the text to say, as a stream."""

    stream: ReplyStream
    action: Action | None = None
    skill: str | None = None  # the skill that answered; None for the language model
    tags: EmotionTagReader | None = field(default=None, repr=False)
    notice: str | None = None  # a line for the screen (the message was too long and was cut)
    shown: bool = True  # False: a reply said again from the transcript, already on screen

    @property
    def emotion(self) -> str | None:
        """The emotion the model's tag asked for (known once the first words are out)."""
        return self.tags.emotion if self.tags else None

    def cancel(self) -> None:
        self.stream.cancel()

    def text(self) -> str:
        """The whole reply (waits for the stream to end)."""
        return "".join(self.stream)


class ReplyEngine:
    """Answers each user turn and keeps the conversation history."""

    def __init__(
        self,
        skills: Skills,
        llm: ChatModel,
        history: History,
        emotion_tags: bool = False,
        system: str | None = None,
        voice_fn: Callable[[], VoiceChoice] | None = None,
    ) -> None:
        self.skills = skills
        self.llm = llm
        self.history = history
        self.emotion_tags = emotion_tags  # ask the model to open with "[happy]" and read it off
        self.system = system if system is not None else prompts.system_prompt(emotion_tags)
        self._grounded = system is None  # each turn's prompt adds the time, voice and emotion
        self.voice_fn = voice_fn  # the voice and emotion in use
        self._current: ReplyStream | None = None
        self._last_said: str | None = None  # for "say that again", skills' replies included

    def load(self) -> None:
        """Read the history and load the model (slow: call it off the UI thread)."""
        self.history.load()
        self.llm.load()

    def close(self) -> None:
        self.cancel()
        self.llm.close()

    def cancel(self) -> None:
        """Stop the reply in progress, if any (it is recorded with what it had produced)."""
        current, self._current = self._current, None
        if current is not None:
            current.cancel()

    def use_history(self, history: History) -> None:
        """Continue another conversation: the reply in progress ends (recorded in its own)."""
        self.cancel()
        self.history, self._last_said = history, None

    def again(self, text: str, shown: bool = True) -> Reply:
        """`text`, a past reply, said again as "say that again" does: nothing is recorded, and
        "say that again" then repeats it."""
        self._last_said = text.strip() or self._last_said
        return Reply(ReplyStream(iter([text])), Repeat(), "repeat", shown=shown)

    def truncate_last_reply(self, heard_text: str) -> bool:
        """After a barge-in: keep only what the user heard of the last reply."""
        self._last_said = heard_text.strip() or None
        return self.history.truncate_last_reply(heard_text)

    def reply(self, user_text: str) -> Reply:
        """The answer to `user_text` (lazy); cancels a reply in progress unless asked to pause."""
        text, notice = prompts.cap_input(" ".join(user_text.split()))
        result = self.skills.match(text) if text else None
        if result is not None and isinstance(result.action, Pause | Resume):
            return Reply(ReplyStream(iter(())), result.action, result.skill)
        self.cancel()
        if not text:
            return Reply(ReplyStream(iter(())))
        if result is not None:
            reply = self._skill_reply(text, result)
        elif not self.llm.ready:
            reply = Reply(ReplyStream(iter([NOT_READY])))
        else:
            reply = self._llm_reply(text)
        self._current = reply.stream
        return dataclasses.replace(reply, notice=notice) if notice else reply

    def system_now(self) -> str:
        """The system prompt for this turn: with the local time, the voice and the emotion."""
        if not self._grounded:
            return self.system
        voice = emotion = ""
        try:
            if self.voice_fn is not None:
                choice = self.voice_fn()
                voice, emotion = choice.voice, choice.emotion
        except Exception:  # the facts help; a failure to get them must not stop the answer
            log.exception("could not read the voice settings")
        return prompts.grounded_prompt(self.skills.clock(), voice, emotion, self.emotion_tags)

    def _skill_reply(self, user_text: str, result: SkillResult) -> Reply:
        if isinstance(result.action, Repeat):
            said = self._last_said or self.history.last_reply() or NOTHING_TO_REPEAT
            return Reply(ReplyStream(iter([said])), result.action, result.skill)
        pieces = iter([result.text] if result.text else [])
        on_done = self._recorder(user_text, remember=result.remember)
        return Reply(ReplyStream(pieces, on_done), result.action, result.skill)

    def _llm_reply(self, user_text: str) -> Reply:
        turns = [(t.user, t.assistant) for t in self.history.turns]
        messages = prompts.build_messages(self.system_now(), turns, user_text)
        stop = threading.Event()
        pieces = self.llm.stream(messages, stop)
        tags = EmotionTagReader() if self.emotion_tags else None
        if tags is not None:
            pieces = _without_tag(pieces, tags)
        stream = ReplyStream(pieces, self._recorder(user_text, remember=True), stop)
        return Reply(stream, tags=tags)

    def _recorder(self, user_text: str, remember: bool) -> Callable[[str, bool], None]:
        history = self.history  # the conversation asked in, even if another is opened meanwhile

        def record(text: str, cancelled: bool) -> None:
            if not text.strip():
                return
            self._last_said = text.strip()
            if remember:
                history.add(user_text, text.strip())

        return record


def _without_tag(pieces: Iterator[str], tags: EmotionTagReader) -> Iterator[str]:
    try:
        for piece in pieces:
            text = tags.feed(piece)
            if text:
                yield text
        rest = tags.flush()
        if rest:
            yield rest
    finally:
        _close(pieces)


def _close(pieces: Iterator[str]) -> None:
    close = getattr(pieces, "close", None)
    if close is not None:
        with contextlib.suppress(ValueError):  # running in another thread: its stop event ends it
            close()


class EchoLLM:
    """A stand-in model for tests and demos: says `answer` (or "You said: ...") a word at a time."""

    name = "echo"

    def __init__(self, answer: str | None = None, delay_s: float = 0.0, ready: bool = True) -> None:
        self.answer = answer
        self.delay_s = delay_s  # before each word, as a real model takes time per token
        self._ready = ready
        self.calls: list[list[Message]] = []  # the messages of every stream() call
        self.produced = 0  # words yielded in all

    @property
    def ready(self) -> bool:
        return self._ready

    def load(self) -> None:
        self._ready = True

    def close(self) -> None:
        self._ready = False

    def stream(
        self, messages: Sequence[Message], stop: threading.Event | None = None
    ) -> Iterator[str]:
        self.calls.append(list(messages))
        text = self.answer if self.answer is not None else f"You said: {messages[-1]['content']}"
        return self._words(text.split(" "), stop or threading.Event())

    def _words(self, words: list[str], stop: threading.Event) -> Iterator[str]:
        for i, word in enumerate(words):
            if stop.wait(self.delay_s) if self.delay_s else stop.is_set():
                return
            self.produced += 1
            yield word if i == len(words) - 1 else word + " "
