"""The workbench's views over a small published snapshot: what each FIU sees, filters, the match
view's limits, and the network walk (the one-query cluster path agrees with the hop-by-hop one)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from streams.snapshot.publisher import publish
from streams.snapshot.writer import SnapshotWriter
from streams.ui import views
from streams.ui.snapshots import NoSnapshotError, SnapshotSource

T0 = "TIMESTAMPTZ '2026-11-20 10:00:00+00'"
# (notification id, match, type, recipient, its report, counterpart FIU, counterpart report, kind, confidence, day)
NOTES = [
    ("n1", "m1", "hit", "FR", "FR-1", "DE", "DE-1", "wallet", 1.0, 0),
    ("n2", "m1", "hit", "DE", "DE-1", "FR", "FR-1", "wallet", 1.0, 0),
    ("n3", "m2", "hit", "FR", "FR-3", "DE", "DE-1", "email", 1.0, 1),
    ("n4", "m2", "hit", "DE", "DE-1", "FR", "FR-3", "email", 1.0, 1),
    ("n5", "m3", "hit", "DE", "DE-1", "IT", "IT-1", "wallet", 1.0, 2),
    ("n6", "m3", "hit", "IT", "IT-1", "DE", "DE-1", "wallet", 1.0, 2),
    ("n7", "m4", "consent_request", "FR", "FR-2", "NL", None, "wallet", None, 3),
    ("n8", "m4", "consent_request", "NL", "NL-1", "FR", None, "wallet", None, 3),
    ("n9", "m5", "possible_hit", "FR", "FR-4", "DE", "DE-9", "person", 0.8, 4),
    # another FIU's report with the id of one of FR's: never joins FR's network
    ("n10", "m6", "hit", "FR", "FR-9", "NL", "FR-1", "phone", 1.0, 5),
]
SIGHTINGS = [("t1", "FR", "FR-1"), ("t1", "DE", "DE-1"), ("t2", "FR", "FR-3"), ("t2", "DE", "DE-1"),
             ("t3", "DE", "DE-1"), ("t3", "IT", "IT-1"), ("t4", "FR", "FR-2"), ("t4", "NL", "NL-1")]  # fmt: skip


def _snapshot(home: Path) -> SnapshotSource:
    with SnapshotWriter(home / "live.duckdb") as w:
        for n in NOTES:
            w.con.execute(
                f"INSERT INTO notifications "
                f"(notification_id, match_id, type, recipient_fiu, recipient_report_id, counterpart_fiu, counterpart_report_id, match_kind, token, confidence, purpose, restrictions, created_at, source_ts, recipient_fields) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'k1:x', ?, NULL, [], {T0} + to_days(?), 1, ['subjects[0].wallets[0].address'])",
                list(n),
            )
        for tok, fiu, rid in SIGHTINGS:
            w.con.execute(
                f"INSERT INTO sightings VALUES (?, ?, ?, 'wallet', 'auto', {T0}, 1)", [tok, fiu, rid]
            )
        for fiu, rid in {(f, r) for _, f, r in SIGHTINGS} | {("FR", "FR-4"), ("FR", "FR-9")}:
            w.con.execute(f"INSERT INTO reports VALUES (?, ?, {T0}, [], 'auto', ['no-onward'], 1, 0, 0, 't', 0, 0)",
                          [fiu, rid])  # fmt: skip
        w.con.execute(f"INSERT INTO audit VALUES ('a1', 'm1', 'sent', 'auto', 'FR', 'DE', 'n1', 'v1', {T0})")
        w.con.execute(f"INSERT INTO audit VALUES ('a2', 'm3', 'sent', 'auto', 'DE', 'IT', 'n5', 'v1', {T0})")
        w.con.execute(f"INSERT INTO consents VALUES ('m4', 'NL', false, NULL, {T0}, 't', 0, 0)")
        publish(w.con, home / "snapshots")
    return SnapshotSource(home / "snapshots")


@pytest.fixture(scope="module")
def src(tmp_path_factory: pytest.TempPathFactory) -> SnapshotSource:
    return _snapshot(tmp_path_factory.mktemp("snap"))


def test_inbox_is_the_fius_own_newest_first_with_filters(src: SnapshotSource) -> None:
    rows, more = views.inbox(src, "FR", views.InboxFilter())
    assert [r["notification_id"] for r in rows] == ["n10", "n9", "n7", "n3", "n1"] and not more
    assert {r["recipient_report_id"] for r in rows} == {"FR-1", "FR-2", "FR-3", "FR-4", "FR-9"}
    assert next(r for r in rows if r["type"] == "consent_request")["answer"] == "open"
    nl, _ = views.inbox(src, "NL", views.InboxFilter())
    assert nl[0]["answer"] == "refused"

    def ids(**q: str) -> list[str]:
        return [r["notification_id"] for r in views.inbox(src, "FR", views.InboxFilter.parse(q))[0]]

    assert ids(type="hit") == ["n10", "n3", "n1"]
    assert ids(kind="email") == ["n3"]
    assert ids(min_confidence="0.9") == ["n10", "n3", "n1"]  # a consent request has no confidence
    assert ids(since="2026-11-21", until="2026-11-24") == ["n7", "n3"]


@pytest.mark.parametrize(
    "q",
    [
        {"type": "nope"},
        {"kind": "x"},
        {"min_confidence": "2"},
        {"min_confidence": "abc"},
        {"since": "yesterday"},
        {"page": "-1"},
    ],  # fmt: skip
)
def test_bad_filters_are_said(q: dict[str, str]) -> None:
    with pytest.raises(views.BadFilterError):
        views.InboxFilter.parse(q)


def test_filter_dates_without_a_zone_are_utc() -> None:
    assert views.InboxFilter.parse({"since": "2026-11-21"}).since == datetime(2026, 11, 21, tzinfo=UTC)


def test_match_shows_only_what_the_fiu_was_told(src: SnapshotSource) -> None:
    m = views.match(src, "FR", "m1")
    assert m["match_kind"] == "wallet" and m["confidence"] == 1.0
    assert [r["report_id"] for r in m["own_reports"]] == ["FR-1"]
    assert m["own_reports"][0]["restrictions"] == ["no-onward"]
    assert m["counterpart_reports"] == [{"fiu": "DE", "report_id": "DE-1"}]
    assert [a["decision"] for a in m["audit"]] == ["sent"]
    assert m["your_fields"] == ["subjects[0].wallets[0].address"]  # paths of its own report, no values
    asked = views.match(src, "FR", "m4")  # a consent request names no counterpart report
    assert asked["counterpart_reports"] == [] and asked["counterpart_fius"] == ["NL"]
    for fiu, mid in (("FR", "m3"), ("IT", "m1"), ("FR", "nope")):
        with pytest.raises(views.NotVisibleError):
            views.match(src, fiu, mid)


def _net(src: SnapshotSource, fiu: str, start: str) -> tuple[list[str], list[tuple[str, str]]]:
    g = views.network(src, fiu, start)
    return [n["id"] for n in g["nodes"]], sorted((e["source"], e["target"]) for e in g["links"])


def test_network_is_the_cluster_as_the_fiu_knows_it(
    src: SnapshotSource, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = (["FR:FR-1", "FR:FR-3", "DE:DE-1"], [("FR:FR-1", "DE:DE-1"), ("FR:FR-3", "DE:DE-1")])
    assert _net(src, "FR", "FR:FR-1") == expected  # IT-1 is in DE-1's cluster, but FR was never told
    assert _net(src, "FR", "DE:DE-1") == expected
    assert _net(src, "DE", "DE:DE-1")[0] == ["DE:DE-1", "FR:FR-1", "FR:FR-3", "IT:IT-1"]
    assert _net(src, "FR", "FR:FR-9") == (["FR:FR-9", "NL:FR-1"], [("FR:FR-9", "NL:FR-1")])
    monkeypatch.setattr(views, "CLUSTER_QUERY_MAX", 0)  # the hop-by-hop walk gives the same
    assert _net(src, "FR", "FR:FR-1") == expected
    assert _net(src, "FR", "DE:DE-1") == expected
    assert _net(src, "FR", "FR:FR-9") == (["FR:FR-9", "NL:FR-1"], [("FR:FR-9", "NL:FR-1")])


def test_network_limits(src: SnapshotSource, monkeypatch: pytest.MonkeyPatch) -> None:
    for fiu, start in (("FR", "IT:IT-1"), ("FR", "DE:DE-9x"), ("NL", "FR:FR-1")):
        with pytest.raises(views.NotVisibleError):
            views.network(src, fiu, start)
    assert _net(src, "FR", "FR:FR-2") == (["FR:FR-2"], [])  # its own report, no hit yet
    monkeypatch.setattr(views, "MAX_NODES", 2)
    g = views.network(src, "FR", "FR:FR-1")
    assert g["cut"] and len(g["nodes"]) == 2


def test_overview_counts(src: SnapshotSource) -> None:
    o = views.overview(src)
    assert sum(r["n"] for r in o["hits_over_time"]) == len(NOTES)
    assert {(r["from_fiu"], r["to_fiu"]): r["hits"] for r in o["exchange_matrix"]}[("DE", "FR")] == 2
    assert [(b["fiu"], b["requesting_fiu"], b["open"]) for b in o["consent_backlog"]] == [
        ("FR", "NL", 1),
        ("NL", "FR", 1),
    ]
    assert o["consent_backlog"][0]["oldest_hours"] > 0


def test_newer_snapshot_is_picked_up_and_none_is_said(tmp_path: Path) -> None:
    empty = SnapshotSource(tmp_path / "none")
    with pytest.raises(NoSnapshotError):
        empty.current()
    home = tmp_path / "h"
    s = _snapshot(home)
    first = s.current().path
    with SnapshotWriter(home / "live.duckdb") as w:
        w.con.execute(
            f"INSERT INTO notifications "
            f"(notification_id, match_id, type, recipient_fiu, recipient_report_id, counterpart_fiu, counterpart_report_id, match_kind, token, confidence, purpose, restrictions, created_at, source_ts) VALUES ('n99', 'm9', 'hit', 'FR', 'FR-7', 'DE', 'DE-7', 'lei', 'k1:y', 1.0, NULL, [], {T0} + to_days(9), 1)"
        )
        publish(w.con, home / "snapshots")
    assert views.inbox(s, "FR", views.InboxFilter())[0][0]["notification_id"] == "n99"
    assert s.current().path != first


def test_the_watcher_opens_each_new_snapshot_once(tmp_path: Path) -> None:
    import threading
    import time

    home = tmp_path / "w"
    s = _snapshot(home)
    seen: list[Path] = []
    stop = threading.Event()
    thread = s.watch(0.05, lambda: seen.append(s.current().path), stop)
    try:
        deadline = time.monotonic() + 10
        while len(seen) < 1 and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.2)
        assert len(seen) == 1  # nothing new: not run again
        with SnapshotWriter(home / "live.duckdb") as w:
            publish(w.con, home / "snapshots")
        while len(seen) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(seen) == 2 and seen[0] != seen[1] and seen[1] == s.current().path
    finally:
        stop.set()
        thread.join(5)
    assert not thread.is_alive()
