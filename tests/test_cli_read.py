"""`assistant read`: bad input exits 2 with a message, an export runs, Ctrl+C and a second run."""

from __future__ import annotations

import io
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
import soundfile as sf

from assistant.cli import main

REPO = Path(__file__).resolve().parent.parent
ASSISTANT = REPO / ".venv" / "bin" / "assistant"

BOOK = """# Arrival

The boat reached the island at dusk.

# Night

The lamp turned all night long. Nobody slept.
"""


@pytest.fixture
def book(tmp_path: Path) -> Path:
    path = tmp_path / "book.md"
    path.write_text(BOOK, encoding="utf-8")
    return path


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["{tmp}/nope.md", "-o", "{tmp}/out"], "nope.md was not found"),
        (["{tmp}/empty.md", "-o", "{tmp}/out"], "empty.md"),
        (["{tmp}/book.md", "-o", "{tmp}/out", "--chapters", "3-5"], "the document has 2 chapters"),
        (["{tmp}/book.md", "-o", "{tmp}/out", "--chapters", "a-b"], "'a-b' is not a chapter"),
        (["{tmp}/book.md", "-o", "{tmp}/missing/out"], "the folder {tmp}/missing does not exist"),
        (["{tmp}/book.md", "-o", "{tmp}/missing/book.mp3"], "does not exist"),
        (["{tmp}/book.md", "-o", "{tmp}/book.md/out"], "is not a folder"),
        (["{tmp}/book.md", "-o", "{tmp}/book.m4b"], "M4B is not supported"),
        (["{tmp}/book.md", "-o", "{tmp}/out", "--voice", "nobody"], "no voice 'nobody'"),
        (["{tmp}/nope.md"], "nope.md was not found"),  # without -o the document opens first
    ],
)
def test_bad_input_exits_2_with_a_message(
    argv: list[str], message: str, book: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "empty.md").write_text("   \n", encoding="utf-8")
    code, out, err = run(["read", *(a.format(tmp=tmp_path) for a in argv)], capsys)
    assert code == 2 and out == ""
    assert err.startswith("assistant: ") and message.format(tmp=tmp_path) in err, err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_a_rate_outside_half_to_three_is_refused(
    book: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as done:
        main(["read", str(book), "-o", str(book.parent / "out"), "--rate", "3.5"])
    assert done.value.code == 2 and "between 0.5 and 3" in capsys.readouterr().err


def test_without_output_the_app_opens_on_the_document(
    book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assistant import chat
    from assistant.audio import devices

    started: dict[str, Any] = {}

    def fake_run_chat(cfg: Any, audio: Any, document: Any = None, plain: bool = False) -> None:
        started.update(audio=audio, document=document)

    monkeypatch.setattr(devices, "probe", lambda cfg: devices.AudioStatus(None, None, "none"))
    monkeypatch.setattr(chat, "run_chat", fake_run_chat)
    assert main(["read", str(book)]) == 0
    assert started["audio"].problem == "none"
    assert [c.title for c in started["document"].chapters] == ["Arrival", "Night"]


@pytest.mark.slow
def test_an_export_writes_the_chosen_chapter(
    book: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "night.wav"
    argv = ["read", str(book), "-o", str(out), "--chapters", "2", "--emotion", "calm"]
    code, stdout, err = run([*argv, "--rate", "1.5"], capsys)
    assert code == 0, err
    assert stdout.startswith("wrote 1 file (0:0") and str(out) in stdout
    assert "chapter 1/1  100 %" in err  # plain progress lines: stderr is not a terminal
    info = sf.info(out)
    assert 1.0 < info.duration < 6.0  # three short sentences at 1.5 times the speed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.md", "night.wav"]


def test_the_installed_command_exits_2_on_a_bad_document(tmp_path: Path) -> None:
    proc = subprocess.run(
        [str(ASSISTANT), "read", str(tmp_path / "gone.epub"), "-o", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith("assistant: ") and "gone.epub" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.slow
def test_ctrl_c_stops_cleanly_and_the_same_command_continues(book: Path, tmp_path: Path) -> None:
    # long enough that the export is still running when the signal comes, on a loaded machine
    book.write_text(BOOK + " The sea was calm and the stars were out." * 8 + "\n", "utf-8")
    out = tmp_path / "out"
    command = [str(ASSISTANT), "read", str(book), "-o", str(out)]
    proc = subprocess.Popen(  # as from a terminal: a runner started in the background
        command,  # (`cmd &` in a script) passes SIGINT on ignored, and Python keeps it so
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    state = out / ".assistant-export.json"
    deadline = time.monotonic() + 120
    while not state.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)  # the place is saved after each sentence
    assert proc.poll() is None, "the export ended before it could be interrupted"
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "run the same command again to continue where it stopped" in stderr
    assert "Traceback" not in stderr and stdout == ""
    again = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert "continuing the unfinished export" in again.stderr
    assert "wrote 2 files and the playlist Arrival.m3u" in again.stdout
    names = sorted(p.name for p in out.iterdir())
    assert names == ["01 - Arrival.flac", "02 - Night.flac", "Arrival.m3u"]


def test_progress_is_one_bar_on_a_terminal_and_plain_lines_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from assistant.reader.export import ExportProgress
    from assistant.reader.progress import ProgressLine

    steps = [
        ExportProgress(1 + i // 50, 2, i + 1, 100, 2.0 * i, 200.0 - 2 * i, i) for i in range(100)
    ]
    monkeypatch.setenv("COLUMNS", "120")
    bar = io.StringIO()
    shown = ProgressLine(bar, interactive=True)
    shown.update(steps[44])
    shown.note("continuing")
    shown.update(steps[-1])  # the last one is always drawn
    shown.close()
    assert bar.getvalue() == (
        "\r[##############----------------] chapter 1/2   45 %  elapsed 1:28  left 1:52\x1b[K"
        "\r\x1b[Kcontinuing\n"
        "\r[##############################] chapter 2/2  100 %  elapsed 3:18  left 0:02\x1b[K\n"
    )
    plain = io.StringIO()
    lines = ProgressLine(plain, interactive=False)
    for step in steps:
        lines.update(step)
    text = plain.getvalue().splitlines()
    assert "\r" not in plain.getvalue() and 20 <= len(text) <= 23  # every 5 % and each chapter
    assert text[-1] == "chapter 2/2  100 %  elapsed 3:18  left 0:02"


@pytest.mark.slow
def test_an_expressive_export_with_quotes_in_the_other_voice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    story = tmp_path / "story.md"
    story.write_text(
        "# A day\n\nShe laughed with joy. What a wonderful, happy surprise this was!\n\n"
        '"I am so glad," he said.\n',
        encoding="utf-8",
    )
    out = tmp_path / "story.wav"
    argv = ["read", str(story), "-o", str(out), "--expressive", "--quotes-other-voice"]
    code, _out, err = run(argv, capsys)
    assert code == 0, err
    audio, rate = sf.read(out)
    assert rate == 22050 and len(audio) / rate > 3.0
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no state left
