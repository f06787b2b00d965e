"""The benchmark registry, isolated runs of its measurements, and the JSON + PNG report."""

# Each measurement runs in its own Python process so that its peak RSS is its own (models loaded
# by one do not inflate the next) and thread settings cannot leak. A row is a function decorated
# with @measurement: the vocoders, the Piper anchor, our voice with and without the vocoder, the
# typed-text pipeline and the spoken conversation. A measurement that cannot run here (a model
# not installed, an option not given) raises Unavailable and is recorded as skipped.

from __future__ import annotations

import json
import logging
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from assistant import paths
from assistant.lab import evaluation

log = logging.getLogger(__name__)

PARAGRAPH = (
    "The assistant reads this paragraph aloud to measure how quickly speech begins.",
    "Only the first sentence has to be ready before playback can start.",
    "The rest is synthesized while the first one plays.",
)
_REPO = Path(__file__).resolve().parents[3]
_CHILD = (
    "import sys; from assistant.lab.bench import child_main; sys.exit(child_main(sys.argv[1:]))"
)

Metrics = dict[str, float]  # "rtf" and "latency_s" are plotted; other keys are kept in the JSON


class BenchError(RuntimeError):
    """A benchmark cannot start (unknown measurement name)."""


class Unavailable(Exception):
    """Raised by a measurement that cannot run here; the row is recorded as skipped."""


@dataclass(frozen=True)
class BenchConfig:
    """What every measurement may read; JSON-serialisable, it travels to the child process."""

    threads: int = 2
    seconds: float = 5.0  # audio length for vocoder RTF
    repeats: int = 3  # timings are the best of this many runs
    paragraph: tuple[str, ...] = PARAGRAPH
    voice: str | None = None  # voices/<name> folder for the "voice" measurement
    vocoder: str | None = None  # instead of the voice's own: lj | universal | fast
    minutes: float = 60.0  # speech in the book the "reading" row exports


def _ten_minutes(config: BenchConfig) -> float:
    return 600.0


@dataclass(frozen=True)
class Measurement:
    name: str
    description: str
    run: Callable[[BenchConfig], Metrics]
    timeout_s: Callable[[BenchConfig], float] = _ten_minutes  # the child is stopped after this


@dataclass(frozen=True)
class BenchRow:
    """One measurement's outcome; peak_rss_mb is its whole process (interpreter included)."""

    name: str
    description: str
    status: str  # "ok", "skipped" or "failed"
    metrics: Metrics = field(default_factory=dict)
    peak_rss_mb: float | None = None
    wall_s: float = 0.0
    note: str = ""


REGISTRY: dict[str, Measurement] = {}


def measurement(
    name: str, description: str, timeout_s: Callable[[BenchConfig], float] = _ten_minutes
) -> Callable[[Callable[[BenchConfig], Metrics]], Callable[[BenchConfig], Metrics]]:
    """Register a function (BenchConfig → metrics) under name."""

    def register(run: Callable[[BenchConfig], Metrics]) -> Callable[[BenchConfig], Metrics]:
        if name in REGISTRY:
            raise ValueError(f"measurement {name!r} is registered twice")
        REGISTRY[name] = Measurement(name, description, run, timeout_s)
        return run

    return register


def peak_rss_mb() -> float:
    """This process's peak resident memory in MiB (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_main(argv: Sequence[str]) -> int:
    """Entry point of the measuring process: name, config JSON path, result JSON path."""
    name, config_path, result_path = argv
    settings = json.loads(Path(config_path).read_text(encoding="utf-8"))
    config = BenchConfig(**{**settings, "paragraph": tuple(settings["paragraph"])})
    try:
        outcome: dict[str, Any] = {"status": "ok", "metrics": REGISTRY[name].run(config)}
    except Unavailable as err:
        outcome = {"status": "skipped", "metrics": {}, "note": str(err)}
    outcome["peak_rss_mb"] = peak_rss_mb()
    Path(result_path).write_text(json.dumps(outcome), encoding="utf-8")
    return 0


def run_isolated(name: str, config: BenchConfig, timeout: float = 600.0) -> BenchRow:
    """Run one registered measurement in a fresh interpreter and collect its row."""
    description = REGISTRY[name].description
    env = {**os.environ, "OMP_NUM_THREADS": str(config.threads)}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(_REPO), env.get("PYTHONPATH")]))
    with tempfile.TemporaryDirectory(prefix="assistant-bench-") as tmp:
        config_path, result_path = Path(tmp) / "config.json", Path(tmp) / "result.json"
        config_path.write_text(json.dumps(asdict(config)), encoding="utf-8")
        command = [sys.executable, "-c", _CHILD, name, str(config_path), str(result_path)]
        start = time.perf_counter()
        try:
            proc = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return BenchRow(name, description, "failed", note=f"timed out after {timeout:g} s")
        wall_s = time.perf_counter() - start
        if proc.returncode != 0 or not result_path.is_file():
            note = proc.stderr.strip().splitlines()[-1:] or [f"exit status {proc.returncode}"]
            log.warning("%s failed:\n%s", name, proc.stderr[-2000:])
            return BenchRow(name, description, "failed", wall_s=wall_s, note=note[0])
        outcome = json.loads(result_path.read_text(encoding="utf-8"))
    return BenchRow(
        name,
        description,
        outcome["status"],
        outcome["metrics"],
        outcome["peak_rss_mb"],
        wall_s,
        outcome.get("note", ""),
    )


@dataclass(frozen=True)
class BenchReport:
    config: BenchConfig
    rows: tuple[BenchRow, ...]
    load_start: tuple[float, float, float]
    load_end: tuple[float, float, float]

    def to_dict(self) -> dict[str, Any]:
        return {
            "config": asdict(self.config),
            "machine": evaluation.machine_info(),
            "load_average": {"start": list(self.load_start), "end": list(self.load_end)},
            "rows": [asdict(row) for row in self.rows],
        }


def select(only: Sequence[str] | None) -> list[str]:
    """The measurement names to run, in registry order; all of them when only is empty."""
    if not only:
        return list(REGISTRY)
    unknown = [name for name in only if name not in REGISTRY]
    if unknown:
        raise BenchError(
            f"unknown measurement {', '.join(unknown)}; choose from {', '.join(REGISTRY)}"
        )
    return [name for name in REGISTRY if name in only]


def run_bench(only: Sequence[str] | None = None, config: BenchConfig | None = None) -> BenchReport:
    """Run the chosen measurements one after another, each in its own process."""
    names, settings = select(only), config or BenchConfig()
    load_start = os.getloadavg()
    rows = []
    for name in names:
        log.info("measuring %s", name)
        rows.append(run_isolated(name, settings, REGISTRY[name].timeout_s(settings)))
    return BenchReport(settings, tuple(rows), load_start, os.getloadavg())


def write_report(report: BenchReport, out_dir: Path) -> tuple[Path, Path]:
    """bench.json and bench.png (bar charts of RTF, latency and peak memory) under out_dir."""
    json_path, png_path = out_dir / "bench.json", out_dir / "bench.png"
    text = json.dumps(report.to_dict(), indent=2) + "\n"
    paths.atomic_write(json_path, text.encode("utf-8"))
    done = [row for row in report.rows if row.status == "ok"]
    panels = {
        "real-time factor (lower is faster)": {
            r.name: r.metrics["rtf"] for r in done if "rtf" in r.metrics
        },
        "first-chunk latency, s": {
            r.name: r.metrics["latency_s"] for r in done if "latency_s" in r.metrics
        },
        "peak RSS, MiB": {r.name: r.peak_rss_mb for r in done if r.peak_rss_mb is not None},
    }
    load = report.load_start[0]
    evaluation.save_bar_charts(png_path, panels, title=f"bench (load average {load:.2f})")
    return json_path, png_path


def format_table(report: BenchReport) -> str:
    """One line per row: status, RTF, latency, peak RSS, and any note."""
    lines = [f"{'measurement':<18} {'status':<8} {'RTF':>6} {'latency s':>9} {'RSS MiB':>8}"]
    for row in report.rows:
        rtf, latency = row.metrics.get("rtf"), row.metrics.get("latency_s")
        lines.append(
            f"{row.name:<18} {row.status:<8} "
            f"{'' if rtf is None else f'{rtf:.3f}':>6} "
            f"{'' if latency is None else f'{latency:.3f}':>9} "
            f"{'' if row.peak_rss_mb is None else f'{row.peak_rss_mb:.0f}':>8}"
            + (f"  {row.note}" if row.note else "")
        )
    lines.append(f"load average {report.load_start[0]:.2f} → {report.load_end[0]:.2f}")
    return "\n".join(lines)
