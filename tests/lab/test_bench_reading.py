"""The reading bench row: its generated book, and a short real run in its own process."""

import pytest

from assistant.lab import bench
from assistant.lab.bench.reading import PROSE, book


def test_the_book_has_the_asked_length_in_six_minute_chapters() -> None:
    for minutes, chapters in [(15, 3), (60, 10)]:
        doc = book(minutes)
        assert len(doc.chapters) == chapters
        assert minutes * 60 * 14 <= len(doc.text) <= minutes * 60 * 14 * 1.05
    assert {doc.sentence_text(i) for i in range(len(doc.sentences))} >= set(PROSE)


@pytest.mark.slow
def test_a_short_run_reports_speed_and_memory() -> None:
    row = bench.run_isolated("reading", bench.BenchConfig(minutes=0.4))
    assert row.status == "ok", row.note
    metrics = row.metrics
    assert 15 < metrics["audio_s"] < 45 and 0 < metrics["rtf"] < 5
    assert metrics["first_mark_s"] == 12.0 and "peak_rss_0.2min_mb" in metrics
    assert 100 < metrics["peak_rss_end_mb"] <= (row.peak_rss_mb or 0) + 1
    assert metrics["peak_growth_mb"] >= 0
