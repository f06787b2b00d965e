"""The benchmark registry: selection, isolated runs that report memory, JSON and PNG reports."""

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from assistant.lab import bench

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "bench"
TINY = bench.BenchConfig(seconds=0.25, repeats=1)


def test_registry_has_the_components_and_selects_in_its_order() -> None:
    rows = {"baseline", "vocoder-lj", "vocoder-universal", "vocoder-fast", "piper", "voice"}
    assert rows | {"voice-fast", "acoustic"} <= set(bench.REGISTRY)
    assert bench.select(None) == list(bench.REGISTRY)
    assert bench.select(["piper", "vocoder-lj"]) == ["vocoder-lj", "piper"]
    with pytest.raises(bench.BenchError, match="unknown measurement nope"):
        bench.select(["piper", "nope"])


def test_a_name_registers_once() -> None:
    with pytest.raises(ValueError, match="twice"):
        bench.measurement("baseline", "again")(lambda config: {})


def test_cheap_rows_run_isolated_and_write_json_and_png(tmp_path: Path) -> None:
    missing = bench.BenchConfig(seconds=0.25, repeats=1, voice="/nonexistent/voice")
    report = bench.run_bench(["baseline", "voice"], missing)
    baseline, voice = report.rows
    assert baseline.status == "ok" and baseline.metrics == {}
    assert baseline.peak_rss_mb is not None and 50 < baseline.peak_rss_mb < 4000  # torch loaded
    assert voice.status == "skipped" and "no voice '/nonexistent/voice'" in voice.note
    json_path, png_path = bench.write_report(report, tmp_path / "bench")
    data = json.loads(json_path.read_text(encoding="utf-8"))
    assert [row["name"] for row in data["rows"]] == ["baseline", "voice"]
    assert data["config"]["seconds"] == 0.25
    assert len(data["load_average"]["start"]) == 3 and data["machine"]["cpu_count"] >= 1
    assert png_path.stat().st_size > 0 and png_path.read_bytes()[:4] == b"\x89PNG"
    table = bench.format_table(report)
    assert "baseline" in table and "load average" in table


def test_the_fast_vocoder_rows_measure_it_alone_and_in_the_voice() -> None:
    report = bench.run_bench(["vocoder-fast", "voice-fast"], TINY)
    vocoder, voice = report.rows
    assert vocoder.status == voice.status == "ok", (vocoder.note, voice.note)
    assert vocoder.metrics["rtf"] > 0 and vocoder.peak_rss_mb is not None
    assert voice.metrics["audio_s"] > 1 and voice.metrics["latency_s"] > 0


def test_a_crashing_child_is_a_failed_row(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bench.runner, "_CHILD", "raise SystemExit('broken on purpose')")
    row = bench.run_isolated("baseline", TINY)
    assert row.status == "failed" and "broken on purpose" in row.note


def test_the_script_lists_and_refuses_unknown_names() -> None:
    listed = subprocess.run([sys.executable, str(SCRIPT), "--list"], capture_output=True, text=True)
    assert listed.returncode == 0 and "vocoder-lj" in listed.stdout
    wrong = [sys.executable, str(SCRIPT), "--only", "nope"]
    refused = subprocess.run(wrong, capture_output=True, text=True)
    assert refused.returncode == 2 and "unknown measurement" in refused.stderr


@pytest.mark.slow
def test_script_measures_a_vocoder_and_piper(tmp_path: Path) -> None:
    command = [sys.executable, str(SCRIPT), "--only", "vocoder-lj,piper", "--seconds", "0.5"]
    proc = subprocess.run(
        [*command, "--repeats", "1", "--out", str(tmp_path)], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    rows = {row["name"]: row for row in json.loads((tmp_path / "bench.json").read_text())["rows"]}
    assert rows["vocoder-lj"]["metrics"]["rtf"] > 0
    assert 0 < rows["piper"]["metrics"]["latency_s"] < 30
    assert 0 < rows["piper"]["metrics"]["rtf"] < 5
    assert rows["vocoder-lj"]["peak_rss_mb"] > 100  # the generator's weights are in it
    assert (tmp_path / "bench.png").stat().st_size > 0


def test_setup_runs_in_a_thread_that_ends_and_hands_back_its_result_or_error() -> None:
    from assistant.lab.bench.conversation import _in_a_thread

    assert _in_a_thread(lambda: threading.current_thread().name) == "bench-setup"
    with pytest.raises(ZeroDivisionError):
        _in_a_thread(lambda: 1 / 0)
