"""`assistant music`: compose a tune in a mood, then play it or write it (.mid or audio)."""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from assistant import EMOTIONS
from assistant.music.timbres import TIMBRES, timbre_for

if TYPE_CHECKING:
    from assistant.music.tune import Tune

Player = Callable[[Iterator[Any], int], int]  # float32 chunks, sample rate → exit status


class ComposeError(Exception):
    """No tune could be made (the melody model is missing or broken); the message says why."""


def add_arguments(parser: argparse.ArgumentParser, fraction: Callable[[str], float]) -> None:
    parser.add_argument("--emotion", choices=EMOTIONS, default="neutral", help="the mood")
    parser.add_argument(
        "--intensity", type=fraction, default=0.7, help="0 (plain) to 1 (strongest)"
    )
    parser.add_argument("--bars", type=_bars, default=16, help="length in bars (1-64)")
    parser.add_argument("--seed", type=int, help="the same seed gives the same tune")
    parser.add_argument("--timbre", choices=TIMBRES, help="default: by the mood")
    parser.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write instead of playing: .mid, .wav, .flac, .mp3, .ogg",
    )


def _bars(value: str) -> int:
    try:
        bars = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if not 1 <= bars <= 64:
        raise argparse.ArgumentTypeError("must be between 1 and 64")
    return bars


def compose(args: argparse.Namespace, seed: int) -> Tune:
    """The tune the arguments ask for (the melody model loads first; ComposeError if it cannot)."""
    from assistant.music.generate import Composer, MusicError

    try:
        composer = Composer()
        composer.load()
        return composer.compose(args.emotion, intensity=args.intensity, bars=args.bars, seed=seed)
    except MusicError as e:
        raise ComposeError(str(e)) from e


def music_command(args: argparse.Namespace, play: Player) -> int:
    """0 when played or written; 2 for an unusable output path, 1 when the tune cannot be made,
    written or played, 130 after Ctrl+C."""
    from pathlib import Path

    from assistant.music.play import MusicOutputError, describe, output_kind, write_tune
    from assistant.music.synth import SAMPLE_RATE, render_chunks

    output = Path(args.output).expanduser() if args.output else None
    try:
        if output is not None:
            output_kind(output)  # before the model loads: a typo costs nothing
        seed = args.seed if args.seed is not None else random.randrange(1 << 31)
        tune = compose(args, seed)
    except MusicOutputError as e:
        print(f"assistant: {e}", file=sys.stderr)
        return 2
    except ComposeError as e:
        print(f"assistant: cannot compose: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    timbre = args.timbre or timbre_for(tune.emotion)
    what = f"{describe(tune)}, {timbre}, seed {seed}"
    if output is None:
        print(f"playing {what}; Ctrl+C stops", file=sys.stderr)
        return play(render_chunks(tune, SAMPLE_RATE, timbre), SAMPLE_RATE)
    try:
        write_tune(tune, output, timbre)
    except MusicOutputError as e:
        print(f"assistant: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("assistant: stopped; nothing was written", file=sys.stderr)
        return 130
    print(f"wrote {what} to {output}")
    return 0
