"""`assistant read FILE -o OUT`: the audiobook export as a command (messages, exit status)."""

from __future__ import annotations

import argparse
import sys

from assistant import paths
from assistant.config import Config
from assistant.conversation.speaking import Synthesizer
from assistant.reader.document import Document
from assistant.reader.narration import Plan


def export_command(doc: Document, args: argparse.Namespace, settings: Config) -> int:
    """`assistant read FILE -o OUT`: 2 for a bad request, 1 if writing failed, 130 when stopped."""
    from assistant.reader import export as ex
    from assistant.reader.narration import Narration, Style
    from assistant.reader.progress import ProgressLine, clock
    from assistant.tts.voice import Voice, VoiceError

    cfg, reading = settings.voice, settings.reader
    try:
        chapters = ex.parse_chapters(args.chapters, len(doc.chapters))
        layout = ex.plan_export(doc, args.output.expanduser(), chapters, args.format)
        voice = Voice.load(args.voice or cfg.voice, vocoder=cfg.vocoder or None)
        expressive = args.expressive or reading.expressive
        quotes = expressive and (args.quotes_other_voice or reading.quotes_other_voice)
        other = _other_voice(voice.name, cfg.vocoder) if quotes else None
    except (ex.ExportError, VoiceError) as e:
        print(f"assistant: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("assistant: stopped before the export started", file=sys.stderr)
        return 130
    style = Style(
        args.emotion or (cfg.emotion if cfg.emotion != "auto" else "neutral"),
        cfg.intensity if args.intensity is None else args.intensity,
        args.rate or reading.rate,
        args.read_notes or reading.read_notes,
    )
    plan = _expressive_plan(doc, quotes) if expressive else None
    progress = ProgressLine(sys.stderr)
    try:
        narration = Narration(doc, voice, style, plan, other)
        result = ex.export(doc, narration, layout, progress)
    except (ex.ExportInterrupted, ex.ExportFailed) as e:
        progress.close()
        print(f"assistant: {e}", file=sys.stderr)
        return 130 if isinstance(e, ex.ExportInterrupted) else 1
    progress.close()
    files = f"{len(result.files)} file{'s' * (len(result.files) != 1)}"
    playlist = f" and the playlist {result.playlist.name}" if result.playlist else ""
    print(f"wrote {files}{playlist} ({clock(result.seconds)} of speech) to {layout.out}")
    return 0


def _other_voice(name: str, vocoder: str) -> Synthesizer | None:
    """The first shipped or user voice that is not `name` (for quoted speech)."""
    from assistant.tts.voice import Voice

    other = paths.other_voice_name(name)
    return Voice.load(other, vocoder=vocoder or None) if other else None


def _expressive_plan(doc: Document, quotes: bool) -> Plan:
    """Emotions guessed per sentence (the encoder loads now: an export waits for it)."""
    from assistant.emotion_auto import EmotionError, EmotionGuesser
    from assistant.reader.expressive import ExpressivePlan

    guesser = EmotionGuesser()
    try:
        guesser.load()
    except EmotionError as e:
        print(f"assistant: note: expressive reading is not available ({e})", file=sys.stderr)
    return ExpressivePlan(doc, guesser.guess_many, quotes_other_voice=quotes)
