"""Workbench page timings on a snapshot of 1,000,000 notifications.

    .venv/bin/python bench/bench_workbench.py [--notifications N] [--requests K]

A live database is filled with SQL (five FIUs; each match notifies both sides; a tenth are consent
requests, a seventh possible hits; the pairs come in groups of eight
whose reports form one cluster of about five; one audit row per notification; a sighting per report
and token), then
published as a snapshot. The workbench is served by uvicorn on loopback and each page (and its
JSON) is fetched K times after one warm-up, with an FIU's or the operator's login (HTTP Basic,
verified once, timed apart, and cached like a session). The overview's figures are computed when
the server opens a new snapshot and kept for it. Progress goes to stderr; the last line on stdout is one
JSON object: per page the first request, the median and p95 in milliseconds.
"""

from __future__ import annotations

import argparse
import base64
import json
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from streams.config import Settings
from streams.snapshot.publisher import publish
from streams.snapshot.writer import SnapshotWriter
from streams.ui.testing import serving
from streams.ui.users import UserStore, users_path

FIUS = "['FR','DE','NL','IT','SG']"
GROUP = 8  # pairs per group: a group's reports form one cluster (about five reports)
REPORTS = 500_000 // GROUP
KINDS = "['wallet','transaction','document','account','email','phone','name_dob']"
PAIRS = f"""
SELECT i, p,
       {FIUS}[1 + p % 5] AS a,
       {FIUS}[1 + (p % 5 + 1 + (p // 5) % 4) % 5] AS b,
       CASE WHEN p % 10 = 0 THEN 'consent_request' WHEN p % 7 = 0 THEN 'possible_hit' ELSE 'hit' END AS type,
       {KINDS}[1 + p % 7] AS kind,
       TIMESTAMPTZ '2026-09-01 00:00:00+00' + to_seconds(i * 5) AS ts
FROM (SELECT i, i // 2 AS p FROM range($n) t(i))
"""
NOTES = f"""
INSERT INTO notifications
SELECT 'n' || i, 'm' || p, type,
       CASE WHEN i % 2 = 0 THEN a ELSE b END,
       CASE WHEN i % 2 = 0 THEN a || '-' || (p // {GROUP}) ELSE b || '-' || (p // {GROUP}) END,
       CASE WHEN i % 2 = 0 THEN b ELSE a END,
       CASE WHEN type = 'consent_request' THEN NULL
            WHEN i % 2 = 0 THEN b || '-' || (p // {GROUP}) ELSE a || '-' || (p // {GROUP}) END,
       kind, 'k1:' || p, CASE WHEN type = 'possible_hit' THEN 0.8 WHEN type = 'hit' THEN 1.0 END,
       NULL, [], ts, i
FROM ({PAIRS})
"""
AUDIT = f"""
INSERT INTO audit
SELECT 'a' || i, 'm' || p, CASE WHEN type = 'consent_request' THEN 'held_for_consent' ELSE 'sent' END,
       'bench', CASE WHEN i % 2 = 0 THEN a ELSE b END, CASE WHEN i % 2 = 0 THEN b ELSE a END, 'n' || i, 'v1', ts
FROM ({PAIRS})
"""
MATCHES = f"""
INSERT INTO matches
SELECT 'm' || p, 'cross_border', kind, 'k1:' || p,
       [{{'fiu': a, 'report_id': a || '-' || (p // {GROUP}), 'sharing': 'auto', 'restrictions': []}},
        {{'fiu': b, 'report_id': b || '-' || (p // {GROUP}), 'sharing': 'auto', 'restrictions': []}}],
       list_sort([a, b]), ts, p
FROM ({PAIRS}) WHERE i % 2 = 0
"""
SIGHTINGS = f"""
INSERT INTO sightings
SELECT DISTINCT 'k1:' || p, CASE WHEN i % 2 = 0 THEN a ELSE b END, CASE WHEN i % 2 = 0 THEN a ELSE b END || '-' || (p // {GROUP}),
       kind, 'auto', ts, i
FROM ({PAIRS})
"""
REPORTS_SQL = f"""
INSERT INTO reports
SELECT f, f || '-' || k, TIMESTAMPTZ '2026-09-01 00:00:00+00', ['mixer'], 'auto', [], 1, 0, 0,
       'fiulink.reports.' || f, 0, k
FROM unnest({FIUS}) u(f), range({REPORTS}) t(k)
"""


def say(text: str) -> None:
    print(f"bench: {text}", file=sys.stderr, flush=True)


def build(home: Path, n: int) -> Path:
    with SnapshotWriter(home / "snapshot" / "live.duckdb") as w:
        for name, stmt in (
            ("notifications", NOTES),
            ("audit", AUDIT),
            ("matches", MATCHES),
            ("sightings", SIGHTINGS),
            ("reports", REPORTS_SQL),
        ):
            started = time.perf_counter()
            w.con.execute(stmt, {"n": n} if "$n" in stmt else None)
            say(f"{name} filled in {time.perf_counter() - started:.1f}s")
        p = publish(w.con, home / "snapshots")
    say(
        f"published {p.path.name}: {p.rows:,} rows in {p.seconds:.1f}s ({p.path.stat().st_size / 1e6:.0f} MB)"
    )
    return p.path


def timed(url: str, user: str, password: str, k: int) -> dict[str, float]:
    auth = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()

    def get() -> float:
        started = time.perf_counter()
        with urllib.request.urlopen(
            urllib.request.Request(url, headers={"Authorization": auth}), timeout=60
        ) as r:
            r.read()
            assert r.status == 200, (url, r.status)
        return (time.perf_counter() - started) * 1000

    first = get()  # the first request of this page (the login was checked before)
    ms = sorted(get() for _ in range(k))
    return {"first_ms": round(first, 1), "median_ms": round(statistics.median(ms), 1),
            "p95_ms": round(ms[max(0, int(0.95 * k) - 1)], 1)}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--notifications", type=int, default=1_000_000)
    ap.add_argument("--requests", type=int, default=20)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="fiulink-bench-ui-") as d:
        settings = Settings.from_env({"FIULINK_HOME": d})
        build(Path(d), args.notifications)
        store = UserStore(users_path(settings))
        fr, ops = store.add("fr", fiu="FR"), store.add("ops", fiu=None)
        pages = {
            "inbox": ("/inbox", "fr", fr),
            "inbox_filtered": ("/inbox?type=hit&kind=wallet&min_confidence=0.9&since=2026-10-01", "fr", fr),
            "inbox_page_10": ("/inbox?page=10", "fr", fr),
            "api_notifications": ("/api/notifications", "fr", fr),
            "match": ("/match/m0", "fr", fr),
            "api_match": ("/api/matches/m0", "fr", fr),
            "network_page": ("/network?report=FR:FR-5", "fr", fr),
            "api_network": ("/api/network?report=FR:FR-5", "fr", fr),
            "overview": ("/overview", "ops", ops),
            "api_overview": ("/api/overview", "ops", ops),
        }
        res: dict[str, object] = {"notifications": args.notifications, "requests_per_page": args.requests}
        with serving(settings) as url:
            for user, password in (("fr", fr), ("ops", ops)):  # log in: one argon2 check each
                res[f"login_{user}_ms"] = timed(url + "/api/snapshot", user, password, 1)["first_ms"]
            for name, (path, user, password) in pages.items():
                res[name] = t = timed(url + path, user, password, args.requests)
                say(
                    f"{name:<18} first {t['first_ms']:7.1f} ms  median {t['median_ms']:7.1f} ms  p95 {t['p95_ms']:7.1f} ms  ({path})"
                )
            with urllib.request.urlopen(urllib.request.Request(
                    url + "/api/network?report=FR:FR-5",
                    headers={"Authorization": "Basic " + base64.b64encode(f"fr:{fr}".encode()).decode()})) as r:  # fmt: skip
                net = json.loads(r.read())
            res["network_nodes"] = len(net["nodes"])
            res["network_cut"] = net["cut"]
    print(json.dumps(res))


if __name__ == "__main__":
    main()
