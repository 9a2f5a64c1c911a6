"""`fiulink status`'s arithmetic and its text, without a broker."""

from __future__ import annotations

from streams.config import Settings
from streams.status import Status, hop_of, lag_per_hop, render


def test_lag_per_hop_counts_uncommitted_records_and_ignores_other_topics() -> None:
    s = Settings.from_env({"FIULINK_TOPIC_PREFIX": "t."})
    hop = hop_of(s, ["FR", "DE"])
    ends = {("t.reports.FR", 0): 10, ("t.reports.DE", 0): 5, ("t.sightings", 0): 7, ("t.sightings", 1): 0,
            ("t.matches", 0): 3, ("t.consents.FR", 0): 1, ("t.audit", 0): 99, ("t.subjects", 0): 6}  # fmt: skip
    committed = {("t.reports.FR", 0): 10, ("t.reports.DE", 0): 2, ("t.sightings", 0): 7, ("t.subjects", 0): 4}
    lag, parts = lag_per_hop(ends, committed, hop)
    assert lag == {"ingest": 3, "correlate": 0, "link": 2, "notify": 4}  # never committed: from the start
    assert parts == {"ingest": 2, "correlate": 2, "link": 1, "notify": 2}


def test_render_says_what_is_missing() -> None:
    down = render(Status("127.0.0.1:1", False, "fiulink-hub", problem="no broker answers on 127.0.0.1:1"))
    assert down[0] == "broker      127.0.0.1:1: not answering"
    assert any("fiulink snapshot --once" in line for line in down)
    up = Status("b:9092", True, "g", fius=["FR"], lag={"ingest": 1200, "correlate": 0, "notify": 0},
                partitions={"ingest": 8, "correlate": 8, "notify": 16}, members=2, group_state="Stable",
                snapshot="/x/snap.duckdb", snapshot_age_s=4000)  # fmt: skip
    text = "\n".join(render(up))
    assert "group g: 2 member(s), Stable" in text and "ingest         1,200 records behind over 8" in text
    assert "snapshot    /x/snap.duckdb, 67 min old" in text
