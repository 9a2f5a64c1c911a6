"""The single writer: rows per table, upserts by id, offsets in the same transaction as the rows."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from streams.errors import FiulinkError
from streams.snapshot import samples as S
from streams.snapshot.writer import Message, SnapshotWriter


def _mixed(feed) -> list[Message]:  # type: ignore[no-untyped-def]
    return [
        feed.msg("reports.FR", "StrReport", S.report("FR", 1)),
        feed.msg("reports.DE", "StrReport", S.report("DE", 1)),
        feed.msg("sightings", "Sighting", S.sighting("FR", "FR-000001", "k1:aa")),
        feed.msg("sightings", "Sighting", S.sighting("DE", "DE-000001", "k1:aa"), partition=3),
        feed.msg("matches", "Match", S.match("m1", [("DE", "DE-000001"), ("FR", "FR-000001")])),
        feed.msg("notifications.DE", "Notification", S.notification("n1", "m1", "DE", "FR")),
        feed.msg("notifications.FR", "Notification", S.notification("n2", "m1", "FR", "DE")),
        feed.msg("audit", "AuditDecision", S.audit("a1", "m1", "sent", "DE", "FR")),
        feed.msg("consents", "ConsentAnswer", S.consent("m1", "FR")),
        feed.msg("dead-letter", "DeadLetter", S.dead_letter("t.reports.FR", 7, "not valid JSON")),
    ]


def test_each_record_type_lands_in_its_table_and_offsets_are_stored(writer: SnapshotWriter, feed) -> None:
    applied = writer.apply(_mixed(feed))
    assert applied.skipped == []
    assert writer.counts() == {"reports": 2, "sightings": 2, "matches": 1, "notifications": 2, "audit": 1,
                               "consents": 1, "dead_letters": 1}  # fmt: skip
    assert writer.offsets() == {("t." + t, p): n for (t, p), n in feed.next.items()}
    assert writer.offsets()[("t.sightings", 3)] == 1
    fius = writer.con.execute("SELECT fius, reports[2].report_id FROM matches").fetchall()
    assert fius == [(["DE", "FR"], "FR-000001")]


def test_report_rows_keep_metadata_only_and_dead_letters_drop_the_payload(
    writer: SnapshotWriter, feed
) -> None:
    writer.apply(_mixed(feed))
    cols = [r[0] for r in writer.con.execute("DESCRIBE reports").fetchall()]
    assert not {"narrative", "reporting_entity", "subjects", "transactions"} & set(cols)
    row = writer.con.execute(
        'SELECT fiu, report_id, typologies, sharing, n_subjects, n_transactions, topic, "offset" '
        "FROM reports WHERE fiu = 'DE'"
    ).fetchall()
    assert row == [("DE", "DE-000001", ["mixer"], "auto", 1, 1, "t.reports.DE", 0)]
    dump = (
        writer.con.execute(
            "SELECT string_agg(CAST(r AS VARCHAR), '|') FROM (SELECT * FROM reports) r"
        ).fetchall()[0][0]
        + writer.con.execute(
            "SELECT string_agg(CAST(d AS VARCHAR), '|') FROM (SELECT * FROM dead_letters) d"
        ).fetchall()[0][0]
    )
    for secret in ("Secret Person", "secret1@example.org", "narrative", "Example VASP", "raw secret bytes"):
        assert secret not in dump
    assert writer.con.execute("SELECT payload_bytes FROM dead_letters").fetchall() == [(16,)]


def test_replayed_ids_are_upserted_last_one_wins(writer: SnapshotWriter, feed) -> None:
    first = feed.msg("notifications.DE", "Notification", S.notification("n1", "m1", "DE", "FR"))
    again = feed.msg("notifications.DE", "Notification",
                     {**S.notification("n1", "m1", "DE", "FR"), "purpose": "second"})  # fmt: skip
    writer.apply([first])
    writer.apply([again, again])
    writer.apply([feed.msg("notifications.DE", "Notification", S.notification("n2", "m1", "DE", "FR"))])
    rows = writer.con.execute("SELECT notification_id, purpose FROM notifications ORDER BY 1").fetchall()
    assert rows == [("n1", "second"), ("n2", None)]
    assert writer.offsets() == {("t.notifications.DE", 0): 3}


def test_unreadable_messages_are_skipped_named_and_their_offsets_still_advance(
    writer: SnapshotWriter, feed
) -> None:
    batch = [feed.raw("audit", b"not avro"), feed.raw("audit", None),
             feed.msg("audit", "AuditDecision", {**S.audit("a1", "m1", "sent"), "created_at": "yesterday"})]  # fmt: skip
    applied = writer.apply(batch)
    assert applied.skipped == ["t.audit/0/0: not Avro single-object encoding (missing C3 01 marker)"]
    assert writer.offsets() == {("t.audit", 0): 3}
    assert writer.con.execute("SELECT decision_id, created_at FROM audit").fetchall() == [("a1", None)]


def test_a_failed_batch_stores_neither_its_rows_nor_its_offsets(
    writer: SnapshotWriter, feed, monkeypatch
) -> None:
    writer.apply(_mixed(feed)[:2])
    before = (writer.counts(), writer.offsets())
    real = writer.upsert

    def failing(table: str, columns, rows) -> None:  # type: ignore[no-untyped-def]
        if table == "_offsets":
            raise duckdb.IOException("disk full")
        real(table, columns, rows)

    monkeypatch.setattr(writer, "upsert", failing)
    with pytest.raises(FiulinkError, match="nothing of this batch was stored"):
        writer.apply(_mixed(feed)[2:])
    assert (writer.counts(), writer.offsets()) == before


CRASH = """
import os, signal, sys
from streams.snapshot.writer import SnapshotWriter, Message
from streams.codec import codec
from streams.snapshot import samples as S
c = codec()
w = SnapshotWriter(sys.argv[1])
msgs = [Message("t.notifications.DE", 0, i, c.encode("Notification", S.notification(f"n{i}", "m", "DE", "FR")))
        for i in range(10)]
w.apply(msgs[:4])
real = w.upsert
def crash(table, columns, rows):
    real(table, columns, rows)
    if table == "_offsets":
        os.kill(os.getpid(), signal.SIGKILL)   # rows and offsets flushed, transaction not committed
w.upsert = crash
w.apply(msgs[4:])
"""


def test_sigkill_before_commit_loses_the_batch_and_its_offsets_together(tmp_path: Path) -> None:
    db = tmp_path / "live.duckdb"
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(CRASH), str(db)], capture_output=True)
    assert done.returncode == -9, done.stderr.decode()
    with SnapshotWriter(db) as w:
        assert w.offsets() == {("t.notifications.DE", 0): 4}
        assert w.counts()["notifications"] == 4
        # resuming from the stored offset loads the rest exactly once
        from streams.codec import codec

        c = codec()
        rest = [Message("t.notifications.DE", 0, i, c.encode("Notification", S.notification(f"n{i}", "m", "DE", "FR")))
                for i in range(w.offsets()[("t.notifications.DE", 0)], 10)]  # fmt: skip
        w.apply(rest)
        ids = [r[0] for r in w.con.execute("SELECT notification_id FROM notifications").fetchall()]
    assert sorted(ids) == sorted(f"n{i}" for i in range(10))


def test_a_second_writer_on_the_same_file_is_refused_clearly(tmp_path: Path) -> None:
    db = tmp_path / "live.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys,time; from streams.snapshot.writer import SnapshotWriter as W; w=W(sys.argv[1]); "
         "print('ready', flush=True); time.sleep(30)", str(db)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        with pytest.raises(FiulinkError, match="in use by another process") as info:
            SnapshotWriter(db)
        assert "only one `fiulink snapshot`" in str(info.value)
    finally:
        holder.kill()
        holder.wait()


def test_a_sighting_batch_lands_as_one_row_per_token(writer: SnapshotWriter, feed) -> None:
    """The worker's wire form (SightingBatch) and the flat Sighting give the same rows."""
    head = {k: v for k, v in S.sighting("FR", "FR-000001", "k1:aa").items() if k not in ("token", "kind")}
    batch = {"reports": [
        {**head, "tokens": [{"kind": "email", "token": "k1:aa"}, {"kind": "wallet", "token": "k1:bb"}]},
        {**head, "report_id": "FR-000002", "tokens": [{"kind": "email", "token": "k1:aa"}]},
    ]}  # fmt: skip
    applied = writer.apply([feed.msg("sightings", "SightingBatch", batch, partition=2)])
    assert applied.skipped == []
    rows = writer.con.execute("SELECT token, report_id, kind FROM sightings ORDER BY 2, 1").fetchall()
    assert rows == [
        ("k1:aa", "FR-000001", "email"),
        ("k1:bb", "FR-000001", "wallet"),
        ("k1:aa", "FR-000002", "email"),
    ]
    assert writer.offsets() == {("t.sightings", 2): 1}


def test_a_replayed_audit_decision_keeps_the_first_record(writer: SnapshotWriter, feed) -> None:
    """An FIU's original refusal reason and time survive a replay of the same decision id."""
    first = {**S.audit("a1", "m1", "refused", "DE", "FR"), "reason": "FR refused consent: ongoing case",
             "created_at": "2026-11-20T10:00:00Z"}  # fmt: skip
    replay = {**first, "reason": "FR refused consent: no reason given", "created_at": "2026-11-21T09:00:00Z"}
    writer.apply([feed.msg("audit", "AuditDecision", first)])
    writer.apply([feed.msg("audit", "AuditDecision", replay)])
    # within one batch too: the first of the batch wins, and a new id is still inserted
    writer.apply([feed.msg("audit", "AuditDecision", {**S.audit("a2", "m1", "sent"), "reason": "one"}),
                  feed.msg("audit", "AuditDecision", {**S.audit("a2", "m1", "sent"), "reason": "two"}),
                  feed.msg("audit", "AuditDecision", replay)])  # fmt: skip
    rows = writer.con.execute(
        "SELECT decision_id, reason, strftime(created_at, '%Y-%m-%d %H:%M') FROM audit ORDER BY 1"
    ).fetchall()
    assert rows[0] == ("a1", "FR refused consent: ongoing case", "2026-11-20 10:00")
    assert rows[1][:2] == ("a2", "one") and len(rows) == 2
    assert writer.offsets() == {("t.audit", 0): 5}


def test_consent_answers_are_append_only_a_refusal_never_overwrites_a_grant(
    writer: SnapshotWriter, feed
) -> None:
    grant = feed.msg("consents.FR", "ConsentAnswer", S.consent("m1", "FR", granted=True))
    refusal = feed.msg("consents.FR", "ConsentAnswer",
                       {**S.consent("m1", "FR", granted=False), "reason": "changed my mind"})  # fmt: skip
    writer.apply([grant])
    writer.apply([refusal, grant])  # the grant's record read again (same position): no second row
    rows = writer.con.execute(
        'SELECT match_id, fiu, granted, reason, "offset" FROM consents ORDER BY "offset"'
    ).fetchall()
    assert rows == [("m1", "FR", True, None, 0), ("m1", "FR", False, "changed my mind", 1)]


def test_a_live_database_with_the_old_consents_table_is_migrated_keeping_its_rows(
    tmp_path: Path, feed
) -> None:
    db = tmp_path / "live.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE consents (match_id VARCHAR NOT NULL, fiu VARCHAR NOT NULL, granted BOOLEAN, "
                "reason VARCHAR, created_at TIMESTAMPTZ, PRIMARY KEY (match_id, fiu))")  # fmt: skip
    con.execute("INSERT INTO consents VALUES ('m0', 'DE', true, NULL, '2026-11-01 00:00:00+00')")
    con.close()
    with SnapshotWriter(db) as w:
        w.apply([feed.msg("consents.DE", "ConsentAnswer", S.consent("m0", "DE", granted=False))])
        rows = w.con.execute("SELECT match_id, granted, topic FROM consents ORDER BY created_at").fetchall()
    assert rows == [("m0", True, ""), ("m0", False, "t.consents.DE")]
