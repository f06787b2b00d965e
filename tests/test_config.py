"""Config: defaults without a file, strict validation naming the key, atomic persistence."""

import subprocess
import sys
from pathlib import Path

import pytest

from assistant import config, paths
from assistant.config import Config, ConfigError


def write(text: str) -> Path:
    path = paths.config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_no_file_means_working_defaults() -> None:
    assert not paths.config_file().exists()
    cfg = config.load()
    assert cfg == Config()
    assert cfg.voice.emotion == "neutral" and cfg.asr.endpoint_silence_s <= 0.6


def test_values_round_trip_through_the_file() -> None:
    cfg = Config().replace("voice", emotion="sad", intensity=0.4).replace("audio", block_ms=20)
    path = config.save(cfg)
    assert path == paths.config_file()
    assert config.load() == cfg
    assert [p.name for p in path.parent.iterdir()] == ["config.toml"]  # no temp files left


def test_a_partial_file_keeps_the_other_defaults() -> None:
    write('[voice]\nemotion = "happy"\n')
    cfg = config.load()
    assert cfg.voice.emotion == "happy" and cfg.voice.voice == "lj" and cfg.audio == Config().audio


def test_an_int_is_accepted_where_a_float_is_expected() -> None:
    write("[voice]\nintensity = 1\n")
    assert config.load().voice.intensity == 1.0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[voice]\nemotions = 'sad'\n", "unknown key 'voice.emotions'"),
        ("[sound]\nx = 1\n", r"unknown section \[sound\]"),
        ("[voice]\nintensity = 'high'\n", "'voice.intensity' must be float, not str"),
        ("[audio]\nblock_ms = true\n", "'audio.block_ms' must be int, not bool"),
        ("[audio]\nblock_ms = 2.5\n", "'audio.block_ms' must be int, not float"),
        ("[voice]\nemotion = 'furious'\n", "'voice.emotion' must be one of neutral, happy"),
        ("[voice]\nintensity = 1.5\n", "'voice.intensity' must be between 0 and 1"),
        ("[asr]\nengine = 'google'\n", "'asr.engine' must be one of auto, vosk, whisper"),
        ("voice = 3\n", r"\[voice\] must be a table"),
        ("[voice\n", "not valid TOML"),
    ],
)
def test_bad_files_are_rejected_with_the_key_named(text: str, message: str) -> None:
    path = write(text)
    with pytest.raises(ConfigError, match=message) as error:
        config.load()
    assert str(path) in str(error.value)


def test_replace_validates_like_a_file() -> None:
    with pytest.raises(ConfigError, match=r"'voice\.rate' must be between"):
        Config().replace("voice", rate=9.0)


def test_binary_garbage_is_a_clear_error_not_a_crash() -> None:
    path = paths.config_file()
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ConfigError, match="not valid TOML"):
        config.load()


def test_config_command_prints_the_path_and_effective_values(tmp_path: Path) -> None:
    write("[voice]\nemotion = 'calm'\n")
    done = subprocess.run(
        [sys.executable, "-m", "assistant", "config"], capture_output=True, text=True, check=True
    )
    assert str(paths.config_file()) in done.stdout
    assert 'emotion = "calm"' in done.stdout and "endpoint_silence_s = 0.6" in done.stdout


def test_a_broken_config_stops_the_command_with_the_message() -> None:
    write("[voice]\nspeed = 2\n")
    done = subprocess.run(
        [sys.executable, "-m", "assistant", "config"], capture_output=True, text=True
    )
    assert done.returncode != 0
    assert "unknown key 'voice.speed'" in done.stderr
