"""The latency panel: the last turn's stages and their p50/p95 over recent turns."""

from __future__ import annotations

import numpy as np
from textual.widgets import Static

from assistant.events import TurnLatency

RECENT_TURNS = 100  # percentiles over the last this many turns
STAGES: tuple[tuple[str, str], ...] = (  # TurnLatency field, what it measures
    ("speech_end_to_final", "end of speech → transcript"),
    ("final_to_first_piece", "transcript → first reply text"),
    ("first_piece_to_audio", "first text → first audio"),
    ("total", "total: request → first audio"),
)
_LABEL_WIDTH = max(len(label) for _, label in STAGES)


def _seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def latency_table(turns: list[TurnLatency]) -> str:
    """A plain-text table (seconds): one row per stage, columns last, p50, p95 and n."""
    head = f"{'stage':<{_LABEL_WIDTH}}  {'last':>6} {'p50':>6} {'p95':>6} {'n':>4}"
    if not turns:
        return f"{head}\n(no turn timed yet: say or type something)"
    rows = [head]
    for field, label in STAGES:
        values = [v for t in turns[-RECENT_TURNS:] if (v := getattr(t, field)) is not None]
        p50, p95 = np.percentile(values, [50, 95]) if values else (None, None)
        last = getattr(turns[-1], field)
        rows.append(
            f"{label:<{_LABEL_WIDTH}}  {_seconds(last):>6} {_seconds(p50):>6} "
            f"{_seconds(p95):>6} {len(values):>4}"
        )
    return "\n".join(rows)


def first_audio_summary(turns: list[TurnLatency]) -> str:
    """'first audio p50 1.2 s / p95 2.0 s' (for the status bar), "" before a spoken turn."""
    totals = [t.total for t in turns[-RECENT_TURNS:] if t.total is not None]
    if not totals:
        return ""
    p50, p95 = np.percentile(totals, [50, 95])
    return f"first audio p50 {p50:.1f} s / p95 {p95:.1f} s"


class LatencyPanel(Static):
    """Hidden until toggled (F4); keeps the turns' latencies while hidden."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(latency_table([]), markup=False, id=id)
        self.turns: list[TurnLatency] = []
        self.border_title = "Latency, seconds (F4 hides)"
        self.display = False

    def add(self, latency: TurnLatency) -> None:
        self.turns = [*self.turns[-RECENT_TURNS + 1 :], latency]
        if self.display:
            self.update(latency_table(self.turns))

    def toggle(self) -> bool:
        """Show or hide the panel; True when it is shown now."""
        self.display = not self.display
        if self.display:
            self.update(latency_table(self.turns))
        return bool(self.display)

    @property
    def text(self) -> str:
        return latency_table(self.turns)
