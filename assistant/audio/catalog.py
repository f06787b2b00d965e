"""What devices there are, as plain records; PulseAudio's sinks and sources via pactl."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from typing import Literal

Kind = Literal["input", "output"]


@dataclass(frozen=True)
class Device:
    """A PortAudio device, or a PulseAudio sink/source reached through the 'pulse' device."""

    index: int
    name: str
    inputs: int
    outputs: int
    default_rate: float
    pulse_name: str = ""  # set for PulseAudio sinks/sources

    @property
    def label(self) -> str:
        return f"pulse:{self.pulse_name}" if self.pulse_name else self.name

    def can(self, kind: Kind) -> bool:
        return (self.inputs if kind == "input" else self.outputs) > 0


@dataclass(frozen=True)
class AudioStatus:
    """What the app can use: device names, or None with the reason in `problem`."""

    input_name: str | None
    output_name: str | None
    problem: str = ""

    @property
    def text_mode(self) -> bool:
        return self.input_name is None and self.output_name is None


def pulse_devices(pulse_index: int) -> list[Device]:
    """Sinks and sources of a running PulseAudio server, opened through PortAudio's 'pulse'."""
    if not shutil.which("pactl"):
        return []
    found = []
    for kind in ("sinks", "sources"):
        try:
            out = subprocess.run(
                ["pactl", "list", "short", kind],
                capture_output=True,
                text=True,
                timeout=3,
                check=True,
            ).stdout
        except (subprocess.SubprocessError, OSError):
            return []
        for line in out.splitlines():
            parts = line.split("\t")
            if len(parts) > 1:
                is_in = kind == "sources"
                found.append(
                    Device(
                        pulse_index,
                        parts[1],
                        int(is_in),
                        int(not is_in),
                        44100.0,
                        pulse_name=parts[1],
                    )
                )
    return found
