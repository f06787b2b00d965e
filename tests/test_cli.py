"""The command line: version, help on every command, the installed console script."""

import shutil
import subprocess
from pathlib import Path

import pytest

from assistant import __version__
from assistant.cli import build_parser, main

COMMANDS = ["chat", "devices", "config", "say", "models"]


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
    minimal = {"say": ["say", "hello"]}
    for command in COMMANDS:
        args = parser.parse_args(minimal.get(command, [command]))
        assert args.func.__name__ == f"cmd_{command}"


def test_the_console_script_is_installed() -> None:
    script = shutil.which("assistant") or str(Path(__file__).parents[1] / ".venv/bin/assistant")
    done = subprocess.run([script, "--version"], capture_output=True, text=True, check=True)
    assert __version__ in done.stdout
