"""Published snapshots: immutable, atomic, rotated; the views answer the analysts' questions."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from streams.snapshot import samples as S
from streams.snapshot.publisher import LATEST, latest, publish, snapshots
from streams.snapshot.writer import SnapshotWriter


def _count(path: Path, table: str) -> int:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    finally:
        con.close()


def _notes(feed, ids: range):  # type: ignore[no-untyped-def]
    return [
        feed.msg("notifications.DE", "Notification", S.notification(f"n{i}", "m", "DE", "FR")) for i in ids
    ]


def test_a_snapshot_is_immutable_while_the_writer_goes_on(
    writer: SnapshotWriter, feed, tmp_path: Path
) -> None:
    out = tmp_path / "snaps"
    writer.apply(_notes(feed, range(10)))
    first = publish(writer.con, out)
    assert first.rows == 10 and latest(out) == first.path
    reader = duckdb.connect(str(first.path), read_only=True)  # an analyst keeps it open
    writer.apply(_notes(feed, range(10, 25)))
    assert reader.execute("SELECT count(*) FROM notifications").fetchall() == [(10,)]
    second = publish(writer.con, out)
    assert latest(out) == second.path != first.path
    assert (out / LATEST).is_symlink() and os.readlink(out / LATEST) == second.path.name
    assert _count(second.path, "notifications") == 25
    assert reader.execute("SELECT count(*) FROM notifications").fetchall() == [(10,)]
    reader.close()
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []  # no temp files left


def test_only_the_newest_k_snapshots_are_kept(writer: SnapshotWriter, feed, tmp_path: Path) -> None:
    out = tmp_path / "snaps"
    made = []
    for i in range(5):
        writer.apply(_notes(feed, range(i, i + 1)))
        made.append(publish(writer.con, out, keep=2).path)
    assert snapshots(out) == made[-2:]
    assert latest(out) == made[-1]
    assert _count(made[-1], "notifications") == 5


def test_snapshot_carries_offsets_and_a_stamp(writer: SnapshotWriter, feed, tmp_path: Path) -> None:
    writer.apply(_notes(feed, range(3)))
    snap = publish(writer.con, tmp_path / "snaps").path
    con = duckdb.connect(str(snap), read_only=True)
    assert con.execute('SELECT topic, "partition", next_offset FROM _offsets').fetchall() == [
        ("t.notifications.DE", 0, 3)
    ]
    assert con.execute('SELECT "rows", clusters FROM _snapshot').fetchall() == [(3, 0)]


@pytest.fixture
def views(writer: SnapshotWriter, feed, tmp_path: Path) -> duckdb.DuckDBPyConnection:
    old, new = "2020-01-01T10:00:00Z", "2020-01-02T10:00:00Z"
    msgs = [
        feed.msg("matches", "Match", S.match("m1", [("DE", "DE-1"), ("FR", "FR-1")])),
        feed.msg("matches", "Match", S.match("m2", [("FR", "FR-2"), ("FR", "FR-3")], status="domestic")),
        feed.msg("matches", "Match", S.match("h", [("FR", "FR-1"), ("DE", "DE-1"), ("NL", "NL-1")], status="hot")),
        feed.msg("notifications.DE", "Notification", S.notification("n1", "m1", "DE", "FR")),
        feed.msg("notifications.DE", "Notification", S.notification("n2", "m9", "DE", "FR")),
        feed.msg("notifications.FR", "Notification", S.notification("n3", "m1", "FR", "DE")),
        feed.msg("notifications.NL", "Notification", S.notification("n4", "h", "NL", None, type_="hot_identifier")),
        # consent: c1 answered later by the asked FIU (done); c2 answered by someone else (pending);
        # c3 refused before it was asked (a stale answer: still pending); c4 never answered
        feed.msg("notifications.NL", "Notification", S.notification("c1", "mc1", "NL", "FR", type_="consent_request", created_at=old)),
        feed.msg("notifications.NL", "Notification", S.notification("c2", "mc2", "NL", "FR", type_="consent_request", created_at=old)),
        feed.msg("notifications.NL", "Notification", S.notification("c3", "mc3", "NL", "FR", type_="consent_request", created_at=new)),
        feed.msg("notifications.FR", "Notification", S.notification("c4", "mc4", "FR", "NL", type_="consent_request", created_at=old)),
        feed.msg("notifications.DE", "Notification", {**S.notification("s1", "ms", "DE", None, type_="sanctions_hit"),
                  "watchlist": "ofac-sdn", "listing_ref": "36025", "programs": ["CYBER4", "RUSSIA-EO14024"]}),
        feed.msg("audit", "AuditDecision", S.audit("a1", "mc1", "released", "FR", "NL", created_at=new)),
        feed.msg("audit", "AuditDecision", S.audit("a2", "mc2", "released", "NL", "FR", created_at=new)),
        feed.msg("audit", "AuditDecision", S.audit("a3", "mc3", "refused", "FR", "NL", created_at=old)),
        feed.msg("dead-letter", "DeadLetter", S.dead_letter("t.reports.FR", 1, "not valid JSON")),
        feed.msg("dead-letter", "DeadLetter", S.dead_letter("t.reports.DE", 2, "not valid JSON")),
        feed.msg("dead-letter", "DeadLetter", S.dead_letter("t.reports.DE", 3, "bad checksum", field="subjects[0]")),
    ]  # fmt: skip
    writer.apply(msgs)
    return duckdb.connect(str(publish(writer.con, tmp_path / "snaps").path), read_only=True)


def test_cross_border_links_and_hot_identifiers(views: duckdb.DuckDBPyConnection) -> None:
    links = views.execute(
        "SELECT match_id, fiu_a, report_a, fiu_b, report_b FROM cross_border_links"
    ).fetchall()
    assert links == [("m1", "DE", "DE-1", "FR", "FR-1")]
    hot = views.execute("SELECT match_id, n_reports, n_fius, fius FROM hot_identifiers").fetchall()
    assert hot == [("h", 3, 3, ["DE", "FR", "NL"])]


def test_exchange_matrix_counts_notifications_per_pair(views: duckdb.DuckDBPyConnection) -> None:
    got = views.execute(
        "SELECT from_fiu, to_fiu, hits, consent_requests, notifications FROM exchange_matrix ORDER BY 1, 2"
    ).fetchall()
    assert got == [("DE", "FR", 1, 0, 1), ("FR", "DE", 2, 0, 2), ("FR", "NL", 0, 3, 3), ("NL", "FR", 0, 1, 1)]


def test_consent_backlog_lists_unanswered_requests_with_their_age(views: duckdb.DuckDBPyConnection) -> None:
    got = views.execute(
        "SELECT notification_id, fiu, requesting_fiu, age_hours > 24, age_seconds > 3600 "
        "FROM consent_backlog ORDER BY 1"
    ).fetchall()
    assert got == [
        ("c2", "NL", "FR", True, True),
        ("c3", "NL", "FR", True, True),
        ("c4", "FR", "NL", True, True),
    ]


def test_sanctions_hits(views: duckdb.DuckDBPyConnection) -> None:
    got = views.execute(
        "SELECT fiu, report_id, watchlist, entry, programs, notification_id FROM sanctions_hits"
    )
    assert got.fetchall() == [("DE", "DE-000001", "ofac-sdn", "36025", ["CYBER4", "RUSSIA-EO14024"], "s1")]
    rest = views.execute("SELECT count(*) FROM notifications WHERE watchlist IS NOT NULL").fetchall()
    assert rest == [(1,)]


def test_a_live_database_from_before_the_newer_columns_gets_them(tmp_path: Path) -> None:
    from streams.snapshot.db import connect, sql

    path = tmp_path / "live.duckdb"
    con = connect(path)
    old = sql("schema").split("-- A live database made before the sanctions columns")[0]
    start = old.index("CREATE TABLE IF NOT EXISTS notifications")
    end = old.index(");", start)
    cut = old.index("source_ts             BIGINT", start) + len("source_ts             BIGINT")
    old = old[:cut] + "\n" + old[end:]  # the notifications table as the first wave made it
    first, rest = old.split("    source_ts       BIGINT,\n    confidence", 1)  # ... and matches
    old = (
        first
        + "    source_ts       BIGINT\n);"
        + rest.split("ALTER TABLE matches ADD COLUMN IF NOT EXISTS why JSON;")[1]
    )
    con.execute(old)
    assert "watchlist" not in [r[0] for r in con.execute("DESCRIBE notifications").fetchall()]
    assert "confidence" not in [r[0] for r in con.execute("DESCRIBE matches").fetchall()]
    con.close()
    writer = SnapshotWriter(path)
    cols = [r[0] for r in writer.con.execute("DESCRIBE notifications").fetchall()]
    newer = ["watchlist", "listing_ref", "programs", "recipient_fields", "agreement", "message", "why"]
    assert cols[-7:] == newer
    assert [r[0] for r in writer.con.execute("DESCRIBE matches").fetchall()][-2:] == ["confidence", "why"]


def test_dead_letters_by_reason(views: duckdb.DuckDBPyConnection) -> None:
    got = views.execute(
        "SELECT stage, field, reason, n, topics FROM dead_letters_by_reason ORDER BY n DESC"
    ).fetchall()
    assert got == [
        ("ingest", "", "not valid JSON", 2, ["t.reports.DE", "t.reports.FR"]),
        ("ingest", "subjects[0]", "bad checksum", 1, ["t.reports.DE"]),
    ]
