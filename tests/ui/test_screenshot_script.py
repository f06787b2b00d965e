"""scripts/screenshot draws the README's picture from the real app."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_screenshot_shows_a_conversation(tmp_path: Path) -> None:
    out = tmp_path / "shot.svg"
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "screenshot"), "--out", str(out)],
        check=True, timeout=120,
    )  # fmt: skip
    svg = out.read_text().replace("&#160;", " ")
    assert svg.startswith("<svg")
    for shown in ("what time is it?", "percent of 80 is 12.", "384,000", "p50", "SPEAKING"):
        assert shown in svg
