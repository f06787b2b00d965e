"""The ui_idle bench row: the app on a pseudo-terminal, listening to room noise, measured."""

import pytest

from assistant.lab import bench

pytestmark = pytest.mark.slow  # ~30 s: the row listens for 20 s


def test_the_idle_ui_row_measures_cpu_and_the_meter_rate() -> None:
    row = bench.run_isolated("ui_idle", bench.BenchConfig())
    assert row.status == "ok", row.note
    metrics = row.metrics
    assert abs(metrics["seconds"] - 20.0) < 1.0
    assert 0.0 < metrics["cpu_percent"] < 100.0  # the number itself is the bench's, not a test's
    assert 8.0 < metrics["mic_levels_per_s"] <= 1 / 0.08 + 0.5  # the throttled meter reports
    print(f"\nidle UI: {metrics['cpu_percent']:.1f} % of a core")
