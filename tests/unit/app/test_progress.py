"""The worker's account of itself: progress lines from counts and high-water marks, and repeated
framework log lines cut to one per window."""

from __future__ import annotations

import logging
from types import SimpleNamespace

from streams.app.progress import Progress, RepeatFilter, stage_by_topic


def event(topic: str, partition: int, offset: int) -> SimpleNamespace:
    return SimpleNamespace(message=SimpleNamespace(topic=topic, partition=partition, offset=offset))


def test_progress_reports_rates_and_what_is_waiting_then_stays_quiet() -> None:
    p = Progress(stage_by_topic(["r.FR", "r.DE"], ["sightings", "watchlist"]), since=0.0)
    p.seen("ingest", [event("r.FR", 0, i) for i in range(10)])
    p.seen("correlate", [event("sightings", 1, 4)])
    marks = {("r.FR", 0): 25, ("sightings", 1): 5}
    line = p.report(lambda t, n: marks.get((t, n)), now=2.0)
    assert line == (
        "progress: records ingest 10 (5/s), correlate 1 (0/s), notify 0 (0/s); "
        "behind ingest 15, correlate 0, notify 0"
    )
    marks[("r.FR", 0)] = 10  # caught up, nothing new: no line
    assert p.report(lambda t, n: marks.get((t, n)), now=4.0) is None
    assert p.total["ingest"] == 10


def test_a_repeated_message_passes_once_per_window_and_counts_the_rest() -> None:
    now = [0.0]
    f = RepeatFilter(window=10, clock=lambda: now[0])

    def rec(msg: str) -> logging.LogRecord:
        return logging.LogRecord("aiokafka.conn", logging.ERROR, "x", 1, msg, None, None)

    assert f.filter(rec("Unable connect to node %s"))
    assert not any(f.filter(rec("Unable connect to node %s")) for _ in range(79))
    assert f.filter(rec("another message"))  # other messages are not held
    now[0] = 10.5
    r = rec("Unable connect to node %s")
    assert f.filter(r) and "(79 more like this in the last 10s)" in str(r.msg)
