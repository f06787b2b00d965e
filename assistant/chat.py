"""`assistant chat`: builds the parts (speaker, voice, microphone, replies) and runs the app."""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from assistant import paths
from assistant.config import Config
from assistant.conversation.music import LazyComposer
from assistant.conversation.pipeline import Pipeline
from assistant.conversation.speaking import Synthesizer
from assistant.conversation.turns import VoiceSettings
from assistant.emotion_auto import EmotionGuesser
from assistant.events import DocumentOpened, Notice, PipelineEvent

if TYPE_CHECKING:
    from assistant.asr.engine import Listener
    from assistant.audio.devices import AudioStatus, Kind, Microphone, Speaker
    from assistant.conversation.reading import Reader
    from assistant.reader.document import Document
    from assistant.reader.narration import Style
    from assistant.reconnect import DeviceWatch
    from assistant.reply.conversations import Conversations
    from assistant.reply.engine import ReplyEngine
    from assistant.ui.app import AssistantApp
    from assistant.ui.plain import PlainApp

log = logging.getLogger(__name__)

SPEAKER_RATE = 22050  # our voices' rate: no resampling on the way out


def settings_of(cfg: Config) -> VoiceSettings:
    v = cfg.voice
    return VoiceSettings(v.voice, v.emotion, v.intensity, v.rate)


def style_of(cfg: Config) -> Style:
    """How documents are read: the voice's emotion (neutral for "auto") at the reading rate."""
    from assistant.reader.narration import Style

    v, r = cfg.voice, cfg.reader
    emotion = "neutral" if v.emotion == "auto" else v.emotion
    return Style(emotion, v.intensity, r.rate, r.read_notes)


def voice_names() -> list[str]:

    return sorted(paths.voice_folders())


class OtherVoice:
    """The voice that is not speaking now (for quoted speech), loaded when first asked for."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline
        self.voice: Synthesizer | None = None

    def __call__(self) -> Synthesizer | None:
        current = self.pipeline.voice
        if current is None:
            return None
        if self.voice is None or self.voice.name == current.name:
            other = paths.other_voice_name(current.name)
            load = self.pipeline.voice_loader or load_voice  # with the configured vocoder
            try:
                self.voice = load(other) if other else None
            except Exception as e:
                log.warning("no second voice for quotes: %s", e)
                return None
        return self.voice


def load_voice(name: str, vocoder: str = "") -> Synthesizer:
    """The voice `name` with `vocoder` (voice.vocoder; "": the one its voice.json names), warmed
    up so that the first reply does not wait for its networks' first calls."""
    from assistant.tts.voice import Voice

    voice = Voice.load(name, vocoder=vocoder or None)
    voice.warm_up()
    return voice


def speech_engine_name(cfg: Config, audio: AudioStatus) -> str:
    """What the status bar shows before the recogniser has loaded."""
    if audio.input_name is None:
        return "none (no microphone)"
    from assistant.asr.engine import choose_engine
    from assistant.asr.types import AsrError

    try:
        return choose_engine(cfg.asr).name + " (loading)"
    except AsrError as e:
        return f"none ({e})"


def conversations_of(cfg: Config) -> Conversations:
    """The saved conversations, as bounded by the config (the old single one migrated)."""
    from assistant.reply.conversations import Conversations

    r = cfg.reply
    store = Conversations(None, r.max_conversations, r.max_history_turns, r.max_saved_turns)
    store.migrate()
    return store


def build_engine(cfg: Config, store: Conversations | None = None) -> ReplyEngine:
    """Skills answer at once; the language model loads later (`load_model`). Each start
    begins a new conversation."""
    from assistant.reply.engine import ReplyEngine
    from assistant.reply.llm import TransformersLLM
    from assistant.reply.skills import Skills

    voices = voice_names()
    history = (store or conversations_of(cfg)).begin()
    llm = TransformersLLM.from_config(cfg.reply)
    return ReplyEngine(Skills(voices), llm, history, emotion_tags=cfg.voice.emotion == "auto")


@dataclass
class Parts:
    """What `start_parts` opened, to close when the app quits; `watch` reopens the devices
    after the sound server comes back, and gives the microphone back to `listener`."""

    speaker: Speaker | None = None
    mic: Microphone | None = None
    threads: list[threading.Thread] = field(default_factory=list)
    listener: Listener | None = None
    watch: DeviceWatch | None = None

    def stop_watching(self) -> None:
        if self.watch is not None:
            self.watch.close()

    def close(self) -> None:
        self.stop_watching()  # first: it must not reopen what is closed next
        if self.mic is not None:
            self.mic.stop()
        if self.speaker is not None:
            self.speaker.stop()
            self.speaker.close()


def start_speaker(cfg: Config, pipeline: Pipeline, parts: Parts) -> None:
    """Open the speaker and load the voice; on failure, replies stay text only."""
    from assistant.audio.devices import AudioError, open_speaker
    from assistant.tts.voice import VoiceError

    try:
        parts.speaker = open_speaker(cfg.audio, SPEAKER_RATE)
    except AudioError as e:
        parts.speaker = None
        pipeline.emit(Notice(f"No speaker ({e}): replies are text only."))
        return
    try:
        pipeline.voice = load_voice(cfg.voice.voice, cfg.voice.vocoder)
    except (VoiceError, OSError) as e:
        pipeline.emit(Notice(f"The voice could not be loaded ({e}): replies are text only."))
        return
    pipeline.speaker = parts.speaker


def start_microphone(cfg: Config, pipeline: Pipeline, parts: Parts) -> None:
    """Open the microphone and start listening; on failure, typing still works."""
    from assistant.asr.engine import Listener, create_recognizer
    from assistant.asr.types import AsrError
    from assistant.asr.vad import Endpointer
    from assistant.audio.devices import AudioError, open_microphone

    try:
        recognizer = create_recognizer(cfg.asr)
        parts.mic = open_microphone(cfg.audio)
    except (AudioError, AsrError) as e:
        pipeline.emit(Notice(f"Not listening ({e}): type your messages."))
        return
    parts.listener = Listener(Endpointer.from_config(cfg.asr, cfg.asr.push_to_talk), recognizer)
    parts.threads.append(pipeline.start_listening(parts.mic, parts.listener))


def load_model(engine: ReplyEngine, pipeline: Pipeline) -> None:
    try:
        engine.load()
    except Exception as e:  # LLMError, or a broken install: skills still answer
        log.exception("the language model did not load")
        pipeline.emit(Notice(f"The language model is not available ({e}); commands still work."))
        return
    pipeline.emit(Notice(f"The language model {engine.llm.name} is ready."))


def start_parts(
    cfg: Config, audio: AudioStatus, pipeline: Pipeline, engine: ReplyEngine, parts: Parts
) -> None:
    """Everything slow, off the UI thread: the model loads while the voice and devices open;
    once a device is open, a watch reopens the devices if the sound server stops and comes back."""
    model = threading.Thread(target=load_model, args=(engine, pipeline), name="llm-load")
    model.daemon = True
    model.start()
    pronunciation_notes(pipeline)
    if audio.output_name is not None:
        _guarded(start_speaker, cfg, pipeline, parts, "The speaker")
    else:
        pipeline.emit(Notice("No speaker: replies are text only."))
    if audio.input_name is not None:
        _guarded(start_microphone, cfg, pipeline, parts, "Listening")
    else:
        pipeline.emit(Notice("No microphone: type your messages."))
    devices: tuple[tuple[Kind, str | None], ...] = (
        ("output", audio.output_name),
        ("input", audio.input_name),
    )
    absent = frozenset(kind for kind, name in devices if name is None)
    if parts.speaker is not None or parts.mic is not None or absent:
        from assistant.reconnect import DeviceWatch

        parts.watch = DeviceWatch(cfg, pipeline, parts, audio, absent=absent).start()


def pronunciation_notes(pipeline: Pipeline, most: int = 5) -> None:
    """Say which lines of the user's pronunciation file were skipped, and why."""
    from assistant.tts.lexicon import user_lexicon

    problems = user_lexicon().problems
    name = paths.pronunciations_file()
    for problem in problems[:most]:
        pipeline.emit(Notice(f"{name}, {problem} (skipped)"))
    if len(problems) > most:
        pipeline.emit(Notice(f"{name}: {len(problems) - most} more lines skipped (see the log)"))


def _guarded(
    step: Callable[[Config, Pipeline, Parts], None],
    cfg: Config,
    pipeline: Pipeline,
    parts: Parts,
    what: str,
) -> None:
    """One start-up step; a failure nobody foresaw is a notice, and the next step still runs."""
    try:
        step(cfg, pipeline, parts)
    except Exception as e:
        log.exception("%s failed to start", what)
        pipeline.emit(Notice(f"{what} could not start ({e}); typing still works."))


def make_reader(
    doc: Document,
    pipeline: Pipeline,
    config_fn: Callable[[], Config],
    guesser: EmotionGuesser | None = None,
) -> Reader:
    """The reader of `doc`: it speaks with the pipeline's voice on the shared speaker, and the
    pipeline pauses it for barge-in and answers. With `reader.expressive`, each sentence gets
    the emotion of what it says, and quoted speech the other voice if asked."""
    from assistant.conversation.reading import Reader
    from assistant.reader.expressive import ExpressivePlan

    if pipeline.reader is not None:
        pipeline.reader.close()
    cfg = config_fn().reader
    plan = None
    if cfg.expressive:
        guesser = guesser or EmotionGuesser()
        guesser.load_in_background()
        plan = ExpressivePlan(
            doc,
            guesser.guess_many,
            quotes_other_voice=cfg.quotes_other_voice,
            ready=lambda: guesser.ready,
        )
    reader = Reader(
        doc,
        lambda: pipeline.speaker,
        lambda: pipeline.voice,
        lambda: style_of(config_fn()),
        pipeline.emit,
        plan=plan,
        other_voice_fn=OtherVoice(pipeline) if cfg.quotes_other_voice else lambda: None,
    )
    pipeline.reader = reader
    return reader


def build_app(
    cfg: Config, audio: AudioStatus, document: Document | None = None, plain: bool = False
) -> tuple[AssistantApp | PlainApp, Callable[[], None]]:
    """The app and its parts, wired (the composition root), and what closes them; the parts
    come up in the background once the screen is up, and report on screen. With `document`,
    the reader opens on it and reads once the voice is ready; `plain`: lines of text only."""
    from assistant.reader.documents import SUFFIXES
    from assistant.reply.conversations import Library
    from assistant.ui.app import AssistantApp
    from assistant.ui.hooks import make_hooks
    from assistant.ui.plain import PlainApp
    from assistant.ui.wiring import Wiring

    store = conversations_of(cfg)
    engine = build_engine(cfg, store)
    app_box: list[AssistantApp | PlainApp] = []
    engine.voice_fn = lambda: settings_of(app_box[0].config if app_box else cfg)

    def emit(event: PipelineEvent) -> None:
        if app_box:
            app_box[0].post_event(event)

    parts = Parts()
    guesser = EmotionGuesser()
    pipeline = Pipeline(
        engine,
        None,
        None,
        emit,
        lambda: settings_of(app_box[0].config),
        voice_loader=functools.partial(load_voice, vocoder=cfg.voice.vocoder),
        guess_emotion=guesser.guess,  # loads its encoder when first asked
        composer=LazyComposer(),  # the melody model loads when a tune is first asked for
    )

    wiring = Wiring(
        on_user_text=pipeline.submit_text,
        on_stop_speaking=pipeline.stop,
        on_talk_key=pipeline.talk_key,
        make_reader=lambda doc: make_reader(doc, pipeline, lambda: app.config, guesser),
        on_open_file=pipeline.open_document,
        voices=tuple(voice_names()),
        on_choose_voice=pipeline.load_voice,
        hooks=make_hooks(cfg.audio, pipeline, parts),
        conversations=Library(store, engine),
        on_say_again=pipeline.say_again,
    )
    app: AssistantApp | PlainApp
    if plain:
        app = PlainApp(cfg, audio, wiring=wiring)
    else:
        engine_name = speech_engine_name(cfg, audio)
        app = AssistantApp(cfg, audio, engine_name, wiring=wiring, document_suffixes=SUFFIXES)
    app_box.append(app)

    def start() -> None:
        deadline = time.monotonic() + 10.0
        while not app.is_running and time.monotonic() < deadline:  # the screen is up first
            time.sleep(0.05)
        start_parts(cfg, audio, pipeline, engine, parts)
        if document is not None:
            emit(DocumentOpened(document))

    def close() -> None:
        parts.stop_watching()
        if pipeline.reader is not None:
            pipeline.reader.close()
        pipeline.close()
        parts.close()
        engine.close()

    threading.Thread(target=start, name="start-parts", daemon=True).start()
    return app, close


def run_chat(
    cfg: Config, audio: AudioStatus, document: Document | None = None, plain: bool = False
) -> None:
    """Run the app until the user quits (see build_app)."""
    app, close = build_app(cfg, audio, document, plain)
    try:
        app.run()
    finally:
        close()
