"""The command line: version, help on every command, the installed console script."""

import shutil
import subprocess
from pathlib import Path

import pytest

from assistant import __version__
from assistant.cli import build_parser, main

COMMANDS = ["chat", "devices", "config", "say", "read", "models"]


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"assistant {__version__}"


@pytest.mark.parametrize("command", [[], *([c] for c in COMMANDS)])
def test_every_command_has_help(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main([*command, "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: assistant")
    if not command:
        assert all(c in out for c in COMMANDS)


def test_parser_knows_every_command() -> None:
    parser = build_parser()
    minimal = {"say": ["say", "hello"], "read": ["read", "book.epub"]}
    for command in COMMANDS:
        args = parser.parse_args(minimal.get(command, [command]))
        assert args.func.__name__ == f"cmd_{command}"


def test_the_console_script_is_installed() -> None:
    script = shutil.which("assistant") or str(Path(__file__).parents[1] / ".venv/bin/assistant")
    done = subprocess.run([script, "--version"], capture_output=True, text=True, check=True)
    assert __version__ in done.stdout


def test_the_log_is_rotated_once_it_is_big(tmp_path: Path) -> None:
    from assistant.cli import rotate

    log = tmp_path / "assistant.log"
    log.write_text("x" * 100)
    rotate(log, limit=1000)
    assert [p.name for p in tmp_path.iterdir()] == ["assistant.log"]  # small: kept
    for n in range(5):
        log.write_text(f"run {n}\n" * 200)
        rotate(log, limit=1000, keep=3)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "assistant.log.1",
        "assistant.log.2",
        "assistant.log.3",
    ]
    assert (tmp_path / "assistant.log.1").read_text().startswith("run 4")
    assert (tmp_path / "assistant.log.3").read_text().startswith("run 2")
    rotate(tmp_path / "missing.log")  # no log yet: nothing to do


def test_keys_of_a_newer_version_are_noted_and_the_command_runs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from assistant import paths

    paths.config_file().parent.mkdir(parents=True)
    paths.config_file().write_text('[voice]\nemotion = "sad"\nwhisper_mode = true\n')
    assert main(["config"]) == 0
    out, err = capsys.readouterr()
    assert 'emotion = "sad"' in out
    assert "note:" in err and "unknown key 'voice.whisper_mode'" in err and "ignored" in err
