"""Speed and memory benchmarks (`scripts/bench`): each named measurement runs in a fresh process.

runner.py holds the registry and the reports; speech.py, conversation.py, reading.py and ui.py
register the rows.
"""

from assistant.lab.bench import conversation, reading, speech, ui  # noqa: F401  (importing them registers the rows)
from assistant.lab.bench.runner import (
    PARAGRAPH,
    REGISTRY,
    BenchConfig,
    BenchError,
    BenchReport,
    BenchRow,
    Metrics,
    Unavailable,
    child_main,
    format_table,
    measurement,
    peak_rss_mb,
    run_bench,
    run_isolated,
    select,
    write_report,
)

__all__ = [
    "PARAGRAPH",
    "REGISTRY",
    "BenchConfig",
    "BenchError",
    "BenchReport",
    "BenchRow",
    "Metrics",
    "Unavailable",
    "child_main",
    "format_table",
    "measurement",
    "peak_rss_mb",
    "run_bench",
    "run_isolated",
    "select",
    "write_report",
]
