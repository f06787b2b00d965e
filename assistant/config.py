"""Settings: a frozen dataclass per component, read from TOML, saved keeping the user's file."""

from __future__ import annotations

import dataclasses
import logging
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_type_hints

import tomlkit
from tomlkit.exceptions import TOMLKitError

from assistant import EMOTIONS, paths
from assistant.tts.rate import MAX_RATE, MIN_RATE

log = logging.getLogger(__name__)


class ConfigError(ValueError):
    """The config file cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class AudioConfig:
    input_device: str = ""  # name (or part of it) or index; "" = the system default
    output_device: str = ""
    input_rate: int = 16000  # Hz, what speech recognition wants
    block_ms: int = 30  # microphone block length
    volume: float = 1.0  # of everything the speaker plays, 0 (silent) to 1 (as made)

    def check(self) -> None:
        _require(0.0 <= self.volume <= 1.0, "volume", "must be between 0 and 1")
        _require(
            self.input_rate in (8000, 16000, 22050, 32000, 44100, 48000),
            "input_rate",
            "must be one of 8000, 16000, 22050, 32000, 44100, 48000",
        )
        _require(5 <= self.block_ms <= 200, "block_ms", "must be between 5 and 200")


VOCODERS = ("", "fast", "lj", "universal")  # "": the one the voice's voice.json names


@dataclass(frozen=True)
class VoiceConfig:
    voice: str = "lj"
    emotion: str = "neutral"  # one of EMOTIONS, or "auto" (chosen per sentence)
    intensity: float = 1.0  # 0 = neutral .. 1 = full emotion
    rate: float = 1.0  # speaking rate multiplier
    # "" = the voice's own (voice.json: HiFi-GAN V1); "fast": quicker and never stalls on a
    # small CPU, a little rougher; "lj" or "universal": a HiFi-GAN V1 checkpoint
    vocoder: str = ""

    def check(self) -> None:
        _require(
            self.vocoder in VOCODERS,
            "vocoder",
            f"must be one of {', '.join(repr(v) for v in VOCODERS)}",
        )
        _require(
            self.emotion in (*EMOTIONS, "auto"),
            "emotion",
            f"must be one of {', '.join((*EMOTIONS, 'auto'))}",
        )
        _require(0.0 <= self.intensity <= 1.0, "intensity", "must be between 0 and 1")
        _require(
            MIN_RATE <= self.rate <= MAX_RATE,
            "rate",
            f"must be between {MIN_RATE:g} and {MAX_RATE:g}",
        )


@dataclass(frozen=True)
class AsrConfig:
    engine: str = "auto"  # auto | vosk | whisper
    vosk_model: str = ""  # a Vosk model directory; "" = look in the data dir
    endpoint_silence_s: float = 0.6  # pause that ends a turn
    vad: str = "auto"  # auto (Silero, else energy) | silero | energy
    vad_threshold: float = 0.5  # speech probability that starts a turn
    barge_in_threshold: float = 0.8  # the same while the assistant talks (its own voice leaks in)
    min_speech_s: float = 0.15  # speech shorter than this never starts a turn (clicks, coughs)
    push_to_talk: bool = False  # True: no VAD; the talk key (F3) starts and ends each turn
    early_reply: bool = True  # start the reply during the end-of-turn pause (dropped if you go on)
    # with early_reply: a pause after a finished sentence ends the turn sooner (2/3 of the
    # endpoint pause), one after "and", "the", "um" later (twice it, at most 1 s more)
    endpoint_by_words: bool = True

    def check(self) -> None:
        _require(
            self.engine in ("auto", "vosk", "whisper"),
            "engine",
            "must be one of auto, vosk, whisper",
        )
        _require(
            0.1 <= self.endpoint_silence_s <= 5.0,
            "endpoint_silence_s",
            "must be between 0.1 and 5 seconds",
        )
        _require(
            self.vad in ("auto", "silero", "energy"), "vad", "must be one of auto, silero, energy"
        )
        for key in ("vad_threshold", "barge_in_threshold"):
            _require(0.05 <= getattr(self, key) <= 0.99, key, "must be between 0.05 and 0.99")
        _require(
            self.barge_in_threshold >= self.vad_threshold,
            "barge_in_threshold",
            "must not be below vad_threshold",
        )
        _require(0.0 <= self.min_speech_s <= 2.0, "min_speech_s", "must be between 0 and 2 seconds")


@dataclass(frozen=True)
class ReplyConfig:
    model: str = "embedded"  # "embedded" (SmolLM2-135M), a Hugging Face model id or a local path
    max_history_turns: int = 8  # the last turns the model is shown (0: no history kept at all)
    max_saved_turns: int = 500  # turns kept in a conversation's file (history screen, export)
    max_conversations: int = 200  # conversations kept; the oldest are deleted beyond this
    max_new_tokens: int = 96
    temperature: float = 0.0  # 0 = greedy (the same answer every time); up to 2 = more varied
    packed_weights: bool = True  # a Q4 model's 4-bit layers as 4-bit codes: faster, less memory
    threads: int = 1  # CPU threads the model writes with (0: torch's count); see cpu.own_threads

    def check(self) -> None:
        _require(self.max_history_turns >= 0, "max_history_turns", "must be 0 or more")
        _require(1 <= self.max_saved_turns <= 100_000, "max_saved_turns", "must be 1 to 100000")
        _require(1 <= self.max_conversations <= 100_000, "max_conversations", "must be 1 to 100000")
        _require(1 <= self.max_new_tokens <= 4096, "max_new_tokens", "must be between 1 and 4096")
        _require(0.0 <= self.temperature <= 2.0, "temperature", "must be between 0 and 2")
        _require(0 <= self.threads <= 256, "threads", "must be between 0 and 256")


@dataclass(frozen=True)
class ReaderConfig:
    rate: float = 1.0  # reading rate, MIN_RATE to MAX_RATE (the conversation's is voice.rate)
    read_notes: bool = False  # also say footnote markers and web addresses
    expressive: bool = False  # stories: an emotion per sentence, from what it says
    quotes_other_voice: bool = False  # with expressive: quoted speech in the other voice

    def check(self) -> None:
        _require(
            MIN_RATE <= self.rate <= MAX_RATE,
            "rate",
            f"must be between {MIN_RATE:g} and {MAX_RATE:g}",
        )


THEMES = ("default", "high-contrast")


@dataclass(frozen=True)
class UiConfig:
    plain: bool = False  # screen readers: linear text, lines only appended (also `--plain`)
    theme: str = "default"  # default | high-contrast
    self_voicing: bool = False  # speak focus changes and notices in the chosen voice and rate

    def check(self) -> None:
        _require(self.theme in THEMES, "theme", f"must be one of {', '.join(THEMES)}")


@dataclass(frozen=True)
class Config:
    audio: AudioConfig = field(default_factory=AudioConfig)
    voice: VoiceConfig = field(default_factory=VoiceConfig)
    asr: AsrConfig = field(default_factory=AsrConfig)
    reply: ReplyConfig = field(default_factory=ReplyConfig)
    reader: ReaderConfig = field(default_factory=ReaderConfig)
    ui: UiConfig = field(default_factory=UiConfig)

    def replace(self, section: str, **changes: Any) -> Config:
        """A copy with some keys of one section changed, validated like a loaded file."""
        merged = {**dataclasses.asdict(getattr(self, section)), **changes}
        return dataclasses.replace(self, **{section: _section(section, merged)})

    def to_dict(self) -> dict[str, dict[str, Any]]:
        return dataclasses.asdict(self)


class _Invalid(Exception):
    def __init__(self, key: str, problem: str) -> None:
        super().__init__(key, problem)
        self.key, self.problem = key, problem


def _require(ok: bool, key: str, problem: str) -> None:
    if not ok:
        raise _Invalid(key, problem)


_SECTIONS: dict[str, type] = get_type_hints(Config)


def _section(name: str, values: Any, ignored: list[str] | None = None) -> Any:
    """A section from its values; unknown keys are errors, or go to `ignored` when given."""
    cls = _SECTIONS[name]
    if not isinstance(values, dict):
        raise ConfigError(f"[{name}] must be a table of keys")
    hints = get_type_hints(cls)
    for key in [k for k in values if k not in hints]:
        problem = f"unknown key '{name}.{key}' (known keys: {', '.join(hints)})"
        if ignored is None:
            raise ConfigError(problem)
        ignored.append(problem)
        values = {k: v for k, v in values.items() if k != key}
    for key, value in values.items():
        want = hints[key]
        ok = isinstance(value, want) and not (want is not bool and isinstance(value, bool))
        if want is float and isinstance(value, int) and not isinstance(value, bool):
            ok, values = True, {**values, key: float(value)}
        if not ok:
            raise ConfigError(
                f"'{name}.{key}' must be {want.__name__}, not {type(value).__name__} ({value!r})"
            )
    section = cls(**values)
    try:
        section.check()
    except _Invalid as e:
        got = getattr(section, e.key)
        raise ConfigError(f"'{name}.{e.key}' {e.problem} (got {got!r})") from None
    return section


def from_dict(data: dict[str, Any], ignored: list[str] | None = None) -> Config:
    """A Config from parsed TOML; unknown sections and keys are errors, or are listed in
    `ignored` when it is given (a file written by a newer version keeps working)."""
    sections = {}
    for name, values in data.items():
        if name in _SECTIONS:
            sections[name] = _section(name, values, ignored)
            continue
        problem = f"unknown section [{name}] (known sections: {', '.join(_SECTIONS)})"
        if ignored is None:
            raise ConfigError(problem)
        ignored.append(problem)
    return Config(**sections)


def read(path: Path | None = None) -> tuple[Config, list[str]]:
    """The config file's settings (a missing file means the defaults) and what in it was
    ignored: unknown sections and keys, e.g. from a newer version; they stay in the file."""
    path = path or paths.config_file()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Config(), []
    except UnicodeDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML: {e}") from None
    except OSError as e:
        raise ConfigError(f"{path} cannot be read: {e.strerror or e}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML: {e}") from None
    ignored: list[str] = []
    try:
        config = from_dict(data, ignored)
    except ConfigError as e:
        raise ConfigError(f"{path}: {e}") from None
    return config, [f"{path}: {problem}; ignored" for problem in ignored]


def load(path: Path | None = None) -> Config:
    """The config file's settings; what was ignored is logged (see `read`)."""
    config, ignored = read(path)
    for problem in ignored:
        log.warning("%s", problem)
    return config


def save(config: Config, path: Path | None = None) -> Path:
    """Write the settings that differ from the file, keeping its comments, order and keys this
    version does not know; atomically. ConfigError when the file cannot be read or written."""
    path = path or paths.config_file()
    try:
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        document = tomlkit.parse(text)
    except (OSError, UnicodeDecodeError, TOMLKitError) as e:
        raise ConfigError(f"{path} cannot be read, so it is not overwritten: {e}") from None
    defaults = Config().to_dict()
    for name, values in config.to_dict().items():
        table = document.get(name)
        for key, value in values.items():
            if table is not None and key in table:
                if table[key] == value:
                    continue
            elif value == defaults[name][key]:
                continue
            if table is None:
                table = document[name] = tomlkit.table()
            table[key] = value
    try:
        paths.atomic_write(path, tomlkit.dumps(document).encode("utf-8"))
    except OSError as e:
        raise ConfigError(f"the settings could not be saved to {path}: {e.strerror or e}") from None
    return path


def dumps(config: Config) -> str:
    return tomlkit.dumps(config.to_dict())
