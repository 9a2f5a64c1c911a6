"""Snapshotter benchmark: writer throughput and the time to publish a 1,000,000-row snapshot.

    .venv/bin/python bench/bench_snapshot.py [--rows N] [--publish-rows N]

1. ``writer``: N Avro-encoded messages (a mix of notifications, sightings, audit, matches and
   reports, as they sit on the topics) go through ``SnapshotWriter.apply`` in 20k batches: decode,
   row mapping, appender upserts and the offsets, one transaction per batch. Also timed alone:
   the appender upsert of rows already mapped (the bulk-load part).
2. ``publish``: a live database holding 1,000,000 rows (filled with SQL, the writer's speed is
   measured above) is published: copy, clusters over the sightings, views, checkpoint, rename.

Progress goes to stderr; the last line on stdout is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from streams.codec import codec
from streams.snapshot import samples as S
from streams.snapshot.publisher import publish
from streams.snapshot.rows import TABLES, Where
from streams.snapshot.writer import Message, SnapshotWriter

BATCH = 20_000
FILL = {  # table -> (share of the 1M rows, SELECT producing its rows from range i)
    "sightings": (0.40, "SELECT 'k1:' || (i // 3)::VARCHAR, ['FR','DE','NL','IT','SG'][1 + i % 5], 'R' || (i // 2)::VARCHAR, "
                        "'wallet', 'auto', TIMESTAMPTZ '2026-11-20 10:00:00+00', i"),
    "notifications": (0.30, "SELECT 'n' || i::VARCHAR, 'm' || (i // 2)::VARCHAR, 'hit', 'DE', 'R1', 'FR', 'R2', 'wallet', "
                            "'k1:' || i::VARCHAR, 1.0, NULL, [], TIMESTAMPTZ '2026-11-20 10:00:00+00', i"),
    "audit": (0.15, "SELECT 'a' || i::VARCHAR, 'm' || (i // 2)::VARCHAR, 'sent', 'auto', 'DE', 'FR', 'n' || i::VARCHAR, "
                    "'abc', TIMESTAMPTZ '2026-11-20 10:00:00+00'"),
    "matches": (0.10, "SELECT 'm' || i::VARCHAR, 'cross_border', 'wallet', 'k1:' || i::VARCHAR, "
                      "[{'fiu': 'DE', 'report_id': 'R1', 'sharing': 'auto', 'restrictions': []}], ['DE'], "
                      "TIMESTAMPTZ '2026-11-20 10:00:00+00', i"),
    "reports": (0.05, "SELECT 'FR', 'R' || i::VARCHAR, TIMESTAMPTZ '2026-11-20 10:00:00+00', ['mixer'], 'auto', [], "
                      "1, 1, 0, 'fiulink.reports.FR', 0, i"),
}  # fmt: skip


def say(text: str) -> None:
    print(f"bench: {text}", file=sys.stderr, flush=True)


def messages(n: int) -> list[Message]:
    c = codec()
    kinds = [
        (
            "fiulink.notifications.DE",
            "Notification",
            lambda i: S.notification(f"n{i}", f"m{i // 2}", "DE", "FR"),
        ),
        ("fiulink.sightings", "Sighting", lambda i: S.sighting("FR", f"FR-{i // 2}", S.token(str(i // 3)))),
        ("fiulink.audit", "AuditDecision", lambda i: S.audit(f"a{i}", f"m{i // 2}", "sent", "DE", "FR")),
        ("fiulink.matches", "Match", lambda i: S.match(f"m{i}", [("DE", f"DE-{i}"), ("FR", f"FR-{i}")])),
        ("fiulink.reports.FR", "StrReport", lambda i: S.report("FR", i)),
    ]
    out = []
    for i in range(n):
        topic, schema, make = kinds[i % len(kinds)]
        out.append(Message(topic, i % 8, i // 8, c.encode(schema, make(i))))
    return out


def bench_writer(n: int, tmp: Path) -> tuple[float, float]:
    say(f"encoding {n:,} messages")
    msgs = messages(n)
    say("loading them through SnapshotWriter.apply")
    with SnapshotWriter(tmp / "writer.duckdb") as w:
        started = time.perf_counter()
        for k in range(0, n, BATCH):
            w.apply(msgs[k : k + BATCH])
        writer_s = time.perf_counter() - started
        assert sum(w.counts().values()) == n
    say(f"writer: {n / writer_s:,.0f} rows/s (decode + map + upsert + offsets)")
    c = codec()
    rows: dict[str, list[tuple[object, ...]]] = {}
    for m in msgs:
        name, rec = c.decode(m.value)  # type: ignore[arg-type]
        t = TABLES[name]
        rows.setdefault(t.name, []).append(t.to_row(rec, Where(m.topic, m.partition, m.offset)))
    with SnapshotWriter(tmp / "load.duckdb") as w:
        started = time.perf_counter()
        for name, rs in rows.items():
            cols = list(next(t for t in TABLES.values() if t.name == name).columns)
            for k in range(0, len(rs), BATCH):
                w.con.begin()
                w.upsert(name, cols, rs[k : k + BATCH])
                w.con.commit()
        load_s = time.perf_counter() - started
    say(f"bulk load alone: {n / load_s:,.0f} rows/s (appender upserts of mapped rows)")
    return n / writer_s, n / load_s


def bench_publish(total: int, tmp: Path) -> tuple[float, int]:
    with SnapshotWriter(tmp / "live.duckdb") as w:
        for table, (share, select) in FILL.items():
            n = int(total * share)
            w.con.execute(f"INSERT INTO {table} {select} FROM range({n}) t(i)")
        rows = sum(w.counts().values())
        say(f"live database filled with {rows:,} rows; publishing")
        p = publish(w.con, tmp / "snapshots")
    say(f"published {p.path.name}: {p.rows:,} rows, {p.clusters:,} clusters in {p.seconds:.2f}s "
        f"({p.path.stat().st_size / 1e6:.0f} MB)")  # fmt: skip
    return p.seconds, p.rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=100_000, help="messages through the writer")
    ap.add_argument("--publish-rows", type=int, default=1_000_000, help="rows in the published snapshot")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="fiulink-bench-") as d:
        writer_rate, load_rate = bench_writer(args.rows, Path(d))
        publish_s, rows = bench_publish(args.publish_rows, Path(d))
    print(json.dumps({"snapshot_rows_per_s": round(writer_rate), "bulk_load_rows_per_s": round(load_rate),
                      "writer_rows": args.rows, "publish_rows": rows, "publish_1m_rows_s": round(publish_s, 2)}))  # fmt: skip


if __name__ == "__main__":
    main()
