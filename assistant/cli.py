"""Command line: `assistant` (the app, `chat`), `ask`, `devices`, `say`, `read`, `music`, …"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from assistant import EMOTIONS, __version__, config, paths
from assistant.config import Config, ConfigError
from assistant.tts.rate import MAX_RATE, MIN_RATE, check_rate

if TYPE_CHECKING:
    import numpy as np

    from assistant.reader.document import Document

log = logging.getLogger(__name__)


LOG_BYTES = 1 << 20  # the log file is rotated at start-up once it is this big
LOG_KEEP = 3  # assistant.log.1 .. .3 are kept


def _load_config() -> Config:
    """The config; keys it does not know (a newer version's) are reported and left alone."""
    try:
        cfg, ignored = config.read()
    except ConfigError as e:
        sys.exit(f"assistant: {e}")
    for problem in ignored:
        print(f"assistant: note: {problem}", file=sys.stderr)
    return cfg


def cmd_chat(args: argparse.Namespace) -> int:
    """Start the terminal app; without audio devices it runs in text mode."""
    return _run_app(None, plain=getattr(args, "plain", False))


def _run_app(doc: Document | None, plain: bool = False) -> int:
    """The app (opened on `doc` if given); C libraries' messages go to the log file."""
    from assistant.audio.devices import AudioError, AudioStatus, probe
    from assistant.chat import run_chat

    cfg = _load_config()
    log_file = paths.cache_dir() / "assistant.log"
    with _output_to(log_file):  # C libraries (ALSA, PortAudio) write to fd 2 and would tear the UI
        try:
            audio = probe(cfg.audio)
        except AudioError as e:
            audio = AudioStatus(None, None, str(e))
        if audio.problem:
            log.warning("audio: %s", audio.problem)
        run_chat(cfg, audio, document=doc, plain=plain or cfg.ui.plain)
    return 0


def rotate(path: Path, limit: int = LOG_BYTES, keep: int = LOG_KEEP) -> None:
    """Move a log that grew past `limit` to .1 (and .1 to .2 …, dropping the oldest)."""
    try:
        if path.stat().st_size < limit:
            return
        for n in range(keep - 1, 0, -1):
            older = path.with_name(f"{path.name}.{n}")
            if older.exists():
                older.replace(path.with_name(f"{path.name}.{n + 1}"))
        path.replace(path.with_name(f"{path.name}.1"))
    except OSError:  # no log yet, or it cannot be moved: keep appending
        return


@contextmanager
def _output_to(path: Path) -> Iterator[None]:
    """Point file descriptor 2 at a log file while the TUI draws on a duplicate of the terminal."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rotate(path)
    original = sys.__stderr__
    terminal_fd = os.dup(2)
    terminal = os.fdopen(terminal_fd, "w", encoding="utf-8", errors="replace", closefd=False)
    with open(path, "a", encoding="utf-8") as f:
        os.dup2(f.fileno(), 2)
        setattr(sys, "__stderr__", terminal)  # noqa: B010 (Textual draws on sys.__stderr__)
        try:
            yield
        finally:
            setattr(sys, "__stderr__", original)  # noqa: B010
            terminal.flush()
            os.dup2(terminal_fd, 2)
            os.close(terminal_fd)


def cmd_devices(args: argparse.Namespace) -> int:
    """List devices, choose them (saved in the config) and test them."""
    from assistant.audio.devices import AudioError, find_device, list_devices
    from assistant.audio.selftest import play_and_record

    cfg = _load_config()
    try:
        if args.input is not None or args.output is not None:
            changes = {}
            if args.input is not None:
                device = find_device(args.input, "input")
                changes["input_device"] = "" if device is None else device.label
            if args.output is not None:
                device = find_device(args.output, "output")
                changes["output_device"] = "" if device is None else device.label
            cfg = cfg.replace("audio", **changes)
            try:
                print(f"saved to {config.save(cfg)}")
            except ConfigError as e:
                print(f"assistant: {e}", file=sys.stderr)
                return 1
        devices = list_devices()
        chosen_in, chosen_out = cfg.audio.input_device, cfg.audio.output_device
        print("  #  in out  name")
        for d in devices:
            mark = "*" if d.label in (chosen_in, chosen_out) else " "
            print(f"{mark}{d.index:>3} {d.inputs:>3} {d.outputs:>3}  {d.label}")
        print(f"input: {chosen_in or 'system default'}   output: {chosen_out or 'system default'}")
        if args.test:
            result = play_and_record(
                find_device(chosen_out, "output"), find_device(chosen_in, "input")
            )
            verdict = "heard the tone" if result.heard(440.0) else "did NOT hear the tone"
            print(
                f"test: played 440 Hz for 1 s; recorded level {result.level_db:.1f} dBFS, "
                f"strongest frequency {result.peak_hz:.0f} Hz — {verdict}"
            )
            return 0 if result.heard(440.0) else 1
    except (AudioError, ConfigError) as e:
        print(f"assistant: {e}", file=sys.stderr)
        print("No usable audio device: the app still starts in text mode.", file=sys.stderr)
        return 1
    return 0


def cmd_config(args: argparse.Namespace) -> int:
    """Print where the config file is and the values in effect."""
    cfg = _load_config()
    path = paths.config_file()
    state = "exists" if path.exists() else "not created yet; these are the defaults"
    print(f"# {path} ({state})")
    print(config.dumps(cfg), end="")
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    """Download speech and chat models (fetch NAME), or list them and which ones are in use."""
    from assistant.asr import fetch
    from assistant.asr.models import MODELS
    from assistant.reply import fetch as chat_models
    from assistant.reply.catalogue import CHAT_MODELS

    cfg = _load_config()
    if args.action == "fetch" and args.name in CHAT_MODELS:
        return chat_models.command(args.name, force=args.force)
    if args.action == "fetch" and args.name not in MODELS:
        known = ", ".join([*MODELS, *CHAT_MODELS])
        print(f"assistant: unknown model '{args.name}' (known: {known})", file=sys.stderr)
        return 1
    status = fetch.command(args.action or "list", args.name, cfg.asr, force=args.force)
    if args.action != "fetch":
        print(chat_models.describe(cfg.reply))
    return status


def cmd_say(args: argparse.Namespace) -> int:
    """Speak text (or '-' for standard input) with our voice, or write it to a wav file."""
    from assistant.tts.say import OutputError, has_words, write_stream
    from assistant.tts.voice import Voice, VoiceError

    cfg = _load_config().voice
    content = sys.stdin.read() if args.text == "-" else args.text
    if not content.strip():
        return 0  # nothing to say
    if not has_words(content):
        print("assistant: nothing to say: the text has no letters or digits", file=sys.stderr)
        return 1
    try:
        voice = Voice.load(args.voice or cfg.voice, vocoder=cfg.vocoder or None)
    except VoiceError as e:
        print(f"assistant: {e}", file=sys.stderr)
        return 1
    emotion = args.emotion or (cfg.emotion if cfg.emotion != "auto" else "neutral")
    intensity = cfg.intensity if args.intensity is None else args.intensity
    chunks = voice.stream(content, emotion, intensity, args.rate or cfg.rate)
    if args.output:
        try:
            seconds = write_stream(chunks, args.output, voice.sample_rate)
        except OutputError as e:
            print(f"assistant: {e}", file=sys.stderr)
            return 1
        print(f"wrote {seconds:.1f} s of speech to {args.output}")
        return 0
    return _play(chunks, voice.sample_rate)


def _play(chunks: Iterator[np.ndarray], rate: int) -> int:
    """Play on the configured speaker; Ctrl+C stops at once."""
    from assistant.audio.devices import AudioError, Speaker, find_device
    from assistant.conversation.speaking import play_stream

    try:
        speaker = Speaker(find_device(_load_config().audio.output_device, "output"), rate).start()
    except AudioError as e:
        print(f"assistant: {e} (use -o FILE to write a wav instead)", file=sys.stderr)
        return 1
    try:
        play_stream(chunks, speaker, rate)
    except KeyboardInterrupt:
        speaker.stop()
    except AudioError as e:  # the sound server went away while speaking
        print(f"assistant: {e}", file=sys.stderr)
        return 1
    finally:
        speaker.close()
    return 0


def cmd_read(args: argparse.Namespace) -> int:
    """Read a document aloud in the app, or with -o export it as an audiobook (resumable)."""
    from assistant.reader.document import DocumentError
    from assistant.reader.documents import open_document

    try:
        doc = open_document(args.file.expanduser())
    except DocumentError as e:
        print(f"assistant: {e}", file=sys.stderr)
        return 2
    if args.output is None:
        return _run_app(doc)
    from assistant.reader.command import export_command

    return export_command(doc, args, _load_config())


def cmd_music(args: argparse.Namespace) -> int:
    """Compose a tune in a mood and play it, or write it to a .mid or audio file."""
    from assistant.music.command import music_command

    return music_command(args, _play)


def cmd_ask(args: argparse.Namespace) -> int:
    """Answer one question as the app would (its commands, else the language model)."""
    from assistant.ask import AskError, answer, speech, which_intent

    text = " ".join(args.text.split())
    if not text:
        print("assistant: nothing to ask: the text is empty", file=sys.stderr)
        return 2
    if args.intent:  # no model, no voice: only which command would take it
        print(which_intent(text))
        return 0
    cfg = _load_config()
    try:
        reply = answer(text, cfg)
        print(reply.shown, flush=True)
        if not (args.speak and reply.text):
            return 0
        return _play(*speech(reply, cfg))
    except AskError as e:
        print(f"assistant: {e}", file=sys.stderr)
        return 1


def _fraction(value: str) -> float:
    number = float(value)
    if not 0.0 <= number <= 1.0:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return number


def _rate(value: str) -> float:
    try:
        return check_rate(float(value))
    except ValueError as e:  # float("x") or out of range
        raise argparse.ArgumentTypeError(str(e)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="assistant", description="An offline voice assistant with its own emotional voice."
    )
    parser.add_argument("--version", action="version", version=f"assistant {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail")
    parser.set_defaults(func=cmd_chat)
    _add_plain_option(parser)
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    chat = sub.add_parser("chat", help="the terminal app (default)", description=cmd_chat.__doc__)
    chat.set_defaults(func=cmd_chat)
    _add_plain_option(chat)

    dev = sub.add_parser(
        "devices", help="list, choose and test audio devices", description=cmd_devices.__doc__
    )
    dev.add_argument(
        "--input", metavar="NAME|INDEX", help="microphone to use (saved; '' for the system default)"
    )
    dev.add_argument(
        "--output", metavar="NAME|INDEX", help="speaker to use (saved; '' for the system default)"
    )
    dev.add_argument(
        "--test",
        action="store_true",
        help="play a short tone and report the level the microphone records",
    )
    dev.set_defaults(func=cmd_devices)

    say = sub.add_parser("say", help="speak text with our voice", description=cmd_say.__doc__)
    say.add_argument("text", help="what to say ('-' reads standard input)")
    _add_voice_options(say)
    say.add_argument("-o", "--output", type=Path, help="write a wav file instead of playing")
    say.set_defaults(func=cmd_say)
    _add_read(sub)
    ask = sub.add_parser("ask", help="answer one question", description=cmd_ask.__doc__)
    ask.add_argument("text", help="the question or command, as you would say or type it")
    ask.add_argument("--speak", action="store_true", help="also say the answer with the voice")
    ask.add_argument(
        "--intent", action="store_true", help="only print the command that would take it (or model)"
    )
    ask.set_defaults(func=cmd_ask)
    from assistant.music.command import add_arguments

    music = sub.add_parser("music", help="play or write a tune", description=cmd_music.__doc__)
    add_arguments(music, _fraction)
    music.set_defaults(func=cmd_music)

    cfg = sub.add_parser(
        "config",
        help="show the config file path and effective values",
        description=cmd_config.__doc__,
    )
    cfg.set_defaults(func=cmd_config)

    models = sub.add_parser(
        "models", help="download and list speech and chat models", description=cmd_models.__doc__
    )
    models.set_defaults(func=cmd_models, action=None, name=None, force=False)
    actions = models.add_subparsers(dest="action", metavar="ACTION")
    fetch = actions.add_parser(
        "fetch",
        help="download a model: vosk-en (Vosk US English, 40 MB), smollm2-360m (chat, 386 MB), "
        "qwen2.5-0.5b (chat, 676 MB)",
    )
    fetch.add_argument("name", metavar="NAME", help="vosk-en, smollm2-360m or qwen2.5-0.5b")
    fetch.add_argument(
        "--force", action="store_true", help="download again over an installed (or damaged) copy"
    )
    actions.add_parser("list", help="speech and chat models, installed or not, and those in use")
    return parser


def _add_plain_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--plain",
        action="store_true",
        default=argparse.SUPPRESS,  # the subcommand's must not reset the main one's
        help="plain text for screen readers: lines only appended, no drawing or colour",
    )


def _add_voice_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--voice", help="voice name or folder (default: from the config)")
    parser.add_argument("--emotion", choices=EMOTIONS, help="default: from the config")
    parser.add_argument("--intensity", type=_fraction, help="0 (neutral) to 1 (full emotion)")
    parser.add_argument("--rate", type=_rate, help=f"speaking rate, {MIN_RATE:g} to {MAX_RATE:g}")


def _add_read(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    read = sub.add_parser(
        "read",
        help="read a document aloud, or export it as an audiobook",
        description=cmd_read.__doc__,
    )
    read.add_argument("file", type=Path, help="the document (txt, md, rst, html, pdf, epub, docx)")
    read.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="OUT",
        help="export instead of reading: a folder (one file per chapter + an .m3u playlist) "
        "or one file (book.flac, .mp3, .opus, .wav); a second run continues an unfinished one",
    )
    _add_voice_options(read)
    read.add_argument(
        "--chapters", metavar="RANGE", help="chapters to export: 3-5, 2, 1,4- (from 1)"
    )
    read.add_argument(
        "--format", choices=("flac", "mp3", "opus", "wav"), help="for a folder (default flac)"
    )
    read.add_argument(
        "--read-notes", action="store_true", help="also say footnote markers and web addresses"
    )
    read.add_argument(
        "--expressive",
        action="store_true",
        help="stories: each sentence in the emotion of what it says (smoothed)",
    )
    read.add_argument(
        "--quotes-other-voice",
        action="store_true",
        help="with --expressive: quoted speech in the other voice",
    )
    read.set_defaults(func=cmd_read)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    func: Callable[[argparse.Namespace], int] = args.func
    return func(args)
