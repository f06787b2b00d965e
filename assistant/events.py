"""What the conversation pipeline reports to the UI: frozen dataclasses, no Textual here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from assistant.audio.catalog import AudioStatus

if TYPE_CHECKING:
    from assistant.reader.document import Document


@dataclass(frozen=True)
class Listening:
    """The microphone is open and `engine` recognises speech (shown in the status bar)."""

    engine: str


@dataclass(frozen=True)
class HeardPartial:
    """The best guess so far for what the user is saying."""

    text: str


@dataclass(frozen=True)
class HearingSpeech:
    """The endpointer heard speech begin (True) or end (False): the listening state."""

    active: bool


@dataclass(frozen=True)
class MicLevel:
    """The microphone's loudest block since the last report, in dBFS (RMS; -100 for silence)."""

    rms_db: float


@dataclass(frozen=True)
class HeardFinal:
    """What the user said, settled: it is answered next."""

    text: str


@dataclass(frozen=True)
class ReplyPiece:
    """A piece of the reply's text as it is produced (append it to the assistant's turn)."""

    text: str


@dataclass(frozen=True)
class ReplyDone:
    """The reply ended: all its text, and the part the user heard (shorter after a barge-in)."""

    text: str
    heard: str
    cancelled: bool = False


@dataclass(frozen=True)
class NoReply:
    """A request got no reply of its own (a stop, pause or go-on command, or a failure)."""


@dataclass(frozen=True)
class Speaking:
    """The assistant started (True) or stopped (False) making sound."""

    active: bool


@dataclass(frozen=True)
class SpeakingSentence:
    """The reply's sentence (as cut from its text) that is sounding now."""

    text: str


@dataclass(frozen=True)
class Notice:
    """A line for the user from the pipeline itself (a voice loaded, a device missing)."""

    text: str


@dataclass(frozen=True)
class EmotionChanged:
    """A spoken command chose the voice's emotion: show it and keep it in the settings."""

    emotion: str
    intensity: float


@dataclass(frozen=True)
class VoiceChanged:
    """Another voice is loaded and speaks from now on."""

    name: str


@dataclass(frozen=True)
class TurnLatency:
    """Seconds between the stages of one turn; None where a stage did not happen (typed text)."""

    speech_end_to_final: float | None  # the endpointer's end of speech → the final transcript
    final_to_first_piece: float | None  # the transcript (or typed text) → the reply's first text
    first_piece_to_audio: float | None  # the first text → its first sentence queued as audio
    total: float | None  # end of speech (or the typed text) → the first audio queued


@dataclass(frozen=True)
class DocumentOpened:
    """A "read FILE" request opened a document: the reader shows it and starts reading."""

    document: Document


@dataclass(frozen=True)
class ReadingAt:
    """The reader is saying sentence `index` of its document (or stopped at it)."""

    index: int
    playing: bool


@dataclass(frozen=True)
class AudioChanged(AudioStatus):
    """The sound devices changed (the server stopped, or is back): the names of those that work
    now, None for one that does not."""


PipelineEvent = (
    Listening
    | HeardPartial
    | HearingSpeech
    | MicLevel
    | HeardFinal
    | ReplyPiece
    | ReplyDone
    | NoReply
    | Speaking
    | SpeakingSentence
    | Notice
    | EmotionChanged
    | VoiceChanged
    | TurnLatency
    | DocumentOpened
    | ReadingAt
    | AudioChanged
)
