"""The one list of spoken commands: each example reaches its skill; the spoken help says them."""

from pathlib import Path

import pytest

from assistant.reply.skills import Skills
from assistant.reply.spoken import SPOKEN_COMMANDS, SpokenCommand, spoken_help


@pytest.mark.parametrize("command", SPOKEN_COMMANDS, ids=lambda c: " · ".join(c.says))
def test_each_example_reaches_its_skill(command: SpokenCommand, tmp_path: Path) -> None:
    """The help must not promise what the skills do not understand (each example, as said)."""
    skills = Skills(voices=("lj", "joe"), file_dirs=[tmp_path])
    for said in command.says:
        result = skills.match(said)
        assert result is not None, said
        wanted = {"pause": ("pause", "resume")}.get(command.skill, (command.skill,))
        assert result.skill in wanted, (said, result.skill)


def test_what_can_you_do_says_every_command() -> None:
    result = Skills(voices=("lj", "joe")).match("what can you do")
    assert result is not None and result.text == spoken_help()
    for command in SPOKEN_COMMANDS:
        if command.skill != "help":
            assert all(example in result.text for example in command.says), command
    assert result.text.endswith("or how many km is 5 miles.")
