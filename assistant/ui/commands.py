"""The command palette's (Ctrl+P) provider: every action of the app, searchable by name."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import NamedTuple

from textual.command import DiscoveryHit, Hit, Hits, Provider


class PaletteCommand(NamedTuple):
    title: str
    help: str
    action: str  # an action of the app, run with App.run_action


PALETTE: tuple[PaletteCommand, ...] = (
    PaletteCommand("Help: keys and spoken commands", "F1", "help"),
    PaletteCommand("Talk (push-to-talk)", "F3: start speaking, again to finish", "talk"),
    PaletteCommand("Stop speaking", "Esc: silence the reply, reading or music", "stop_speaking"),
    PaletteCommand("Emotion of the voice…", "F2: choose the emotion and intensity", "pick_emotion"),
    PaletteCommand("Next voice", "Switch to the next installed voice", "next_voice"),
    PaletteCommand("Open document…", "Ctrl+O: a file to read aloud", "open_file"),
    PaletteCommand("Settings…", "Ctrl+S or F5: devices, voice, speech, display", "settings"),
    PaletteCommand(
        "Conversations (history)…", "F6: reopen, delete or export past conversations", "history"
    ),
    PaletteCommand(
        "New conversation", "Begin afresh; this one stays in F6's list", "new_conversation"
    ),
    PaletteCommand("Say a reply again…", "Choose a reply (Up/Down), Enter says it", "choose_reply"),
    PaletteCommand("Latency panel", "F4: show or hide the turn latencies", "toggle_latency"),
    PaletteCommand("Quit", "Ctrl+Q", "quit"),
)


class AssistantCommands(Provider):
    """Lists the app's actions (shown before anything is typed) and fuzzy-matches their titles."""

    async def discover(self) -> Hits:
        for command in PALETTE:
            yield DiscoveryHit(command.title, self._runner(command), help=command.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in PALETTE:
            score = matcher.match(command.title)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(command.title),
                    self._runner(command),
                    text=command.title,
                    help=command.help,
                )

    def _runner(self, command: PaletteCommand) -> Callable[[], Awaitable[bool]]:
        return partial(self.app.run_action, command.action)
