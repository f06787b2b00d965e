"""`pip install .` (not editable) into a fresh environment: the voices come as package data."""

from __future__ import annotations

import shutil
import site
import subprocess
import sys
from pathlib import Path

import pytest
import soundfile as sf

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_a_plain_install_speaks_with_a_shipped_voice(tmp_path: Path) -> None:
    source = tmp_path / "source"  # a copy, so the build leaves nothing in the checkout
    shutil.copytree(
        REPO,
        source,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "build", "*.egg-info", "__pycache__", ".*cache"
        ),
    )
    fresh = tmp_path / "fresh"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(fresh)], check=True)
    python = fresh / "bin" / "python"
    fresh_site = subprocess.run(
        [str(python), "-c", "import site; print(site.getsitepackages()[0])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # the project's dependencies from this environment (its .pth files, and so an editable
    # install of the checkout, are not read from there: only the fresh install can be found)
    (Path(fresh_site) / "dependencies.pth").write_text(site.getsitepackages()[0] + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
         "--no-deps", "--no-build-isolation", str(source)],
        check=True, timeout=300,
    )  # fmt: skip
    shutil.rmtree(source)  # nothing may point back into the sources
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = subprocess.run(
        [str(python), "-c", "import assistant; print(assistant.__file__)"],
        capture_output=True, text=True, check=True, cwd=elsewhere,
    ).stdout  # fmt: skip
    assert where.startswith(fresh_site), where
    done = subprocess.run(
        [str(python), "-m", "assistant", "say", "Hello.", "-o", "x.wav"],
        capture_output=True, text=True, cwd=elsewhere, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    audio, rate = sf.read(elsewhere / "x.wav")
    assert rate == 22050 and 0.3 < len(audio) / rate < 3.0
    assert abs(audio).max() > 0.05
