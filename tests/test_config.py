"""Config: defaults without a file, validation naming the key, saving that keeps the user's file."""

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
        ("[voice]\nintensity = 'high'\n", "'voice.intensity' must be float, not str"),
        ("[audio]\nblock_ms = true\n", "'audio.block_ms' must be int, not bool"),
        ("[audio]\nblock_ms = 2.5\n", "'audio.block_ms' must be int, not float"),
        ("[voice]\nemotion = 'furious'\n", "'voice.emotion' must be one of neutral, happy"),
        ("[voice]\nintensity = 1.5\n", "'voice.intensity' must be between 0 and 1"),
        ("[asr]\nengine = 'google'\n", "'asr.engine' must be one of auto, vosk, whisper"),
        ("[voice]\nvocoder = 'hifigan'\n", "'voice.vocoder' must be one of '', 'fast', 'lj'"),
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
    write("[voice]\nintensity = 'loud'\n")
    done = subprocess.run(
        [sys.executable, "-m", "assistant", "config"], capture_output=True, text=True
    )
    assert done.returncode != 0
    assert "'voice.intensity' must be float" in done.stderr and "Traceback" not in done.stderr


USERS_FILE = """\
# my settings; I like a calm voice
[voice]
emotion = "calm"   # not too cheerful
rate = 1.2

# from a newer version
[voice.extra]
depth = 3

[telepathy]
enabled = true

[audio]
output_device = "USB"
volume_boost = 2
"""


def test_unknown_keys_from_a_newer_version_are_reported_and_kept() -> None:
    path = write(USERS_FILE)
    cfg, ignored = config.read()
    assert cfg.voice.emotion == "calm" and cfg.audio.output_device == "USB"
    assert any("unknown key 'audio.volume_boost'" in p for p in ignored)
    assert any("unknown section [telepathy]" in p for p in ignored)
    assert any("unknown key 'voice.extra'" in p for p in ignored)
    assert all(str(path) in p for p in ignored)
    config.save(cfg.replace("voice", emotion="sad"))
    text = path.read_text()
    assert text == USERS_FILE.replace('emotion = "calm"', 'emotion = "sad"')


def test_saving_changes_only_the_changed_keys_and_keeps_comments() -> None:
    path = write(USERS_FILE)
    cfg = config.load()
    config.save(cfg.replace("asr", push_to_talk=True).replace("audio", output_device=""))
    text = path.read_text()
    assert text.startswith("# my settings; I like a calm voice\n[voice]\n")
    assert 'emotion = "calm"   # not too cheerful' in text and "volume_boost = 2" in text
    assert 'output_device = ""' in text
    assert text.rstrip().endswith("[asr]\npush_to_talk = true")
    assert config.load() == cfg.replace("asr", push_to_talk=True).replace("audio", output_device="")


def test_an_unreadable_config_is_a_message() -> None:
    paths.config_file().mkdir(parents=True)  # a folder where the file should be
    with pytest.raises(ConfigError, match="cannot be read"):
        config.load()
    with pytest.raises(ConfigError, match="not overwritten"):
        config.save(Config().replace("voice", emotion="sad"))


def test_an_unwritable_config_is_a_message_and_the_old_file_stays(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = write(USERS_FILE)

    def disk_full(path: Path, data: bytes) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(paths, "atomic_write", disk_full)
    with pytest.raises(ConfigError, match="No space left on device"):
        config.save(Config().replace("voice", emotion="sad"))
    assert path.read_text() == USERS_FILE


def test_a_config_folder_that_is_a_file_is_a_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    monkeypatch.setenv("ASSISTANT_CONFIG_DIR", str(blocker))
    with pytest.raises(ConfigError, match="Not a directory"):
        config.load()
    with pytest.raises(ConfigError, match="could not be saved"):
        config.save(Config().replace("voice", emotion="sad"))
    assert blocker.read_text() == "x"
