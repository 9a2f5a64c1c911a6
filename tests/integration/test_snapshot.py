"""Snapshots and delivery against the real broker: records produced straight onto a hub's topics."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import duckdb

from streams.codec import codec
from streams.kafka.clients import producer
from streams.snapshot import samples as S
from streams.testing import FIULINK, CaseSystem, Hub

Sent = list[tuple[str, str, dict[str, Any], str]]  # topic, schema, record, key


def _records(hub: Hub, start: int, n: int) -> Sent:
    """n of each kind (ids from ``start``), plus 10% replayed notifications (same id again)."""
    t = hub.settings.topics
    out: Sent = []
    for i in range(start, start + n):
        fiu, other = ("FR", "DE") if i % 2 else ("DE", "FR")
        rid, mid = f"{fiu}-{i:06d}", f"m{i}"
        out += [
            (t.feed(fiu), "StrReport", {**S.report(fiu, i)}, rid),
            (t.sightings, "Sighting", S.sighting(fiu, f"{fiu}-{i:06d}", f"k1:{i // 3}"), f"k1:{i // 3}"),
            (t.matches, "Match", S.match(mid, [(fiu, rid), (other, f"{other}-{i - 1:06d}")]), mid),
            (t.notification(other), "Notification", S.notification(f"n{i}", mid, other, fiu), f"n{i}"),
            (t.audit, "AuditDecision", S.audit(f"a{i}", mid, "sent", other, fiu), f"a{i}"),
        ]
        if i % 10 == 0:
            out.append(
                (t.notification(other), "Notification", S.notification(f"n{i}", mid, other, fiu), f"n{i}")
            )
            out.append(
                (t.dead_letter, "DeadLetter", S.dead_letter(t.feed(fiu), i, "not valid JSON"), f"d{i}")
            )
    return out


def _produce(hub: Hub, sent: Sent) -> None:
    c, p = codec(), producer(hub.settings)
    for topic, schema, rec, key in sent:
        p.send(topic, key=key.encode(), value=c.encode(schema, rec))
    p.flush()
    p.close()


def _expected(sent: Sent) -> dict[str, int]:
    keys = {"StrReport": ("reports", "report_id"), "Sighting": ("sightings", "token"), "Match": ("matches", "match_id"),
            "Notification": ("notifications", "notification_id"), "AuditDecision": ("audit", "decision_id"),
            "DeadLetter": ("dead_letters", "source")}  # fmt: skip
    ids: dict[str, set[Any]] = {table: set() for table, _ in keys.values()}
    for _, schema, rec, _ in sent:
        table, key = keys[schema]
        ids[table].add((rec[key], rec.get("report_id")))
    return {table: len(v) for table, v in ids.items()}


def _counts(hub: Hub, *args: str) -> dict[str, int]:
    sql = " UNION ALL ".join(f"SELECT '{t}' AS t, count(*) AS n FROM {t}" for t in
                             ("reports", "sightings", "matches", "notifications", "audit", "dead_letters"))  # fmt: skip
    done = hub.cli("query", sql, "--format", "json", *args, check=True)
    return {row["t"]: row["n"] for row in map(json.loads, done.stdout.splitlines())}


def _start_snapshotter(hub: Hub, *args: str) -> tuple[subprocess.Popen[bytes], Path]:
    log = hub.home / f"snapshot-{time.monotonic_ns()}.log"
    with open(log, "wb") as f:
        p = subprocess.Popen([*FIULINK, "snapshot", *args], env=hub.env, stdout=f, stderr=subprocess.STDOUT)
    return p, log


def _wait_for(predicate: Any, timeout: float = 30.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_sigkill_mid_run_then_restart_loses_and_duplicates_nothing(hub: Hub, policy_file: Path) -> None:
    early = hub.cli("snapshot", "--once")
    assert early.returncode == 1 and "no fiulink topics under prefix" in early.stderr
    assert "fiulink topics create --policy FILE" in early.stderr
    hub.cli("topics", "create", "--policy", str(policy_file), check=True)
    first, second = _records(hub, 0, 1500), _records(hub, 1500, 1500)
    _produce(hub, first)
    proc, log = _start_snapshotter(hub, "--interval", "0.2", "--batch-rows", "200")
    try:
        _wait_for(
            lambda: re.search(r"published .* \(\d*[1-9][\d,]* rows", log.read_text()), what="a snapshot"
        )
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    con = duckdb.connect(str(hub.home / "snapshot" / "live.duckdb"), read_only=True)
    loaded = con.execute("SELECT sum(next_offset) FROM _offsets").fetchall()[0][0]
    con.close()
    assert 0 < loaded < len(first), "the kill should land mid-run"

    _produce(hub, second)
    done = hub.cli("snapshot", "--once", check=True, timeout=60)
    assert re.search(
        r"resuming \d+ partition\(s\) from stored offsets with [1-9][\d,]* rows already loaded", done.stderr
    )
    assert _counts(hub) == _expected(first + second)
    # every partition was read to its end: the stored offsets add up to what the topics hold
    offsets = hub.cli("query", "SELECT sum(next_offset) AS n FROM _offsets", "--format", "csv", check=True)
    assert offsets.stdout == f"n\n{len(first) + len(second)}\n"


def test_query_answers_from_published_snapshots_while_the_snapshotter_writes(
    hub: Hub, policy_file: Path
) -> None:
    hub.cli("topics", "create", "--policy", str(policy_file), check=True)
    _produce(hub, _records(hub, 0, 500))
    proc, log = _start_snapshotter(hub, "--interval", "0.5", "--batch-rows", "200", "--keep", "3")
    stamps: set[str] = set()
    seen = [0]
    try:
        _wait_for(lambda: "published" in log.read_text(), what="a first snapshot")
        more = threading.Thread(
            target=lambda: [_produce(hub, _records(hub, k, 300)) for k in range(500, 2300, 300)]
        )
        more.start()
        deadline = time.monotonic() + 45
        while more.is_alive() or seen[-1] < 2300:  # notifications n0..n2299
            assert time.monotonic() < deadline, f"snapshots stuck at {seen[-1]} notifications"
            done = hub.cli("query", "SELECT (SELECT count(*) FROM notifications) AS n, "
                           "(SELECT max(published_at) FROM _snapshot) AS at", "--format", "json", check=True)  # fmt: skip
            row = json.loads(done.stdout)
            seen.append(row["n"])
            stamps.add(row["at"])
        more.join()
        assert proc.poll() is None, log.read_text()
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0, log.read_text()
    assert len(stamps) >= 3, "queries should have seen several successive snapshots"
    assert seen == sorted(seen) and seen[-1] == 2300
    assert len(list((hub.home / "snapshots").glob("snap-*.duckdb"))) <= 3


def test_deliver_retries_past_failures_and_loses_no_notification(hub: Hub, policy_file: Path) -> None:
    hub.cli("topics", "create", "--policy", str(policy_file), check=True)
    t = hub.settings.topics
    sent = [r for r in _records(hub, 0, 120) if r[0] == t.notification("FR")]
    _produce(hub, sent)
    ids = {rec["notification_id"] for _, _, rec, _ in sent}
    group = f"{hub.prefix}deliver"
    args = ["deliver", "--fiu", "FR", "--group", group, "--idle-timeout", "3", "--backoff", "0.05"]

    # a case system that is down: nothing is committed, the run gives up and says so
    with CaseSystem(fail_first=10**6).running() as down:
        done = hub.cli(*args, "--url", down.url, "--max-attempts", "2", timeout=60)
    assert done.returncode == 1 and "not delivered after 2 attempts: HTTP 500" in done.stderr
    assert down.received == []

    with CaseSystem(fail_first=3).running() as case:
        done = hub.cli(*args, "--url", case.url, check=True, timeout=60)
    assert case.failed == 3 and "retrying" in done.stderr
    assert {key for key, _ in case.received} == ids  # every notification, first one included
    assert all(key == body["notification_id"] for key, body in case.received)
    assert len(case.received) == len(ids)  # an id repeated on the topic is not POSTed again
    assert f"{len(sent) - len(ids)} already delivered before" in done.stderr
    assert set(case.received[0][1]) >= {"notification_id", "match_id", "type", "recipient_fiu", "created_at"}

    # offsets were committed after each 2xx: the same group resumes after them, with only the new one
    _produce(hub, [(t.notification("FR"), "Notification", S.notification("n-new", "m", "FR", "DE"), "n-new")])
    with CaseSystem(fail_first=0).running() as again:
        hub.cli(*args, "--url", again.url, check=True, timeout=60)
    assert [key for key, _ in again.received] == ["n-new"]


def test_fuzzy_links_reach_the_snapshot_with_confidence_why_and_clusters_by_confidence(
    hub: Hub, tmp_path: Path
) -> None:
    """A generated feed through a worker with entity links, then `fiulink snapshot --once`: the
    fuzzy matches and their notifications carry confidence and why, and clusters_at(c) joins
    the planted variants' reports only down to the confidence asked for."""
    feed = tmp_path / "feed"
    hub.cli("generate", "--fius", "3", "--reports", "200", "--seed", "17", "--out", str(feed), check=True)
    truth = json.loads((feed / "truth.json").read_text())
    hub.cli("topics", "create", "--policy", str(feed / "policy.toml"), check=True)
    hub.start_worker(feed / "policy.toml", "--entity-links")
    hub.cli("publish", *sorted(str(f) for f in feed.glob("feed-*.jsonl")), check=True)
    fius, planted = truth["fius"], len(truth["fuzzy_links"])
    hub.read([hub.settings.topics.notification(f) for f in fius], timeout=150, idle=4,
             until=lambda r: sum(n["match_kind"] in ("person", "organization") for n in r) >= planted * 0.9)  # fmt: skip
    hub.stop_workers()
    hub.cli("snapshot", "--once", check=True, timeout=300)

    def q(sql: str) -> list[dict[str, Any]]:
        return [
            json.loads(x) for x in hub.cli("query", sql, "--format", "json", check=True).stdout.splitlines()
        ]

    fuzzy = q("SELECT match_id, confidence, why FROM matches WHERE match_kind IN ('person', 'organization')")
    assert fuzzy and all(0.5 <= m["confidence"] <= 1.0 and "name" in json.loads(m["why"]) for m in fuzzy)
    assert q("SELECT DISTINCT confidence FROM matches WHERE match_kind = 'wallet'") == [{"confidence": 1.0}]
    notes = q("SELECT type, confidence, why FROM notifications WHERE match_kind IN ('person', 'organization') "
              "AND type IN ('hit', 'possible_hit')")  # fmt: skip
    assert notes and all(n["why"] and 0.75 <= n["confidence"] <= 1.0 for n in notes)
    for n in notes:
        assert not re.search(
            r"[A-Za-z]{3,} [A-Za-z]{3,}|\d{4}-\d\d", n["why"]
        )  # signals, never a name or date
    # clusters: the fewer the links trusted, the more (smaller) clusters; 1.01 is exact links only
    sizes = {c: q(f"SELECT count(*) AS n, coalesce(sum(n_reports), 0) AS r FROM clusters_at({c})")[0]
             for c in (1.01, 0.9, 0.5)}  # fmt: skip
    assert sizes[1.01] == q("SELECT count(*) AS n, coalesce(sum(n_reports), 0) AS r FROM clusters")[0]
    assert sizes[1.01]["r"] < sizes[0.9]["r"] <= sizes[0.5]["r"]
    together = {frozenset(c["reports"]) for c in q("SELECT reports FROM clusters_at(0.5)")}
    joined = [h for h in truth["fuzzy_links"] if any(
        f"{h['recipient_fiu']}:{h['recipient_report_id']}" in c and any(x.endswith(":" + h["counterpart_report_id"])
                                                                       for x in c) for c in together)]  # fmt: skip
    assert len(joined) >= 0.9 * planted, (len(joined), planted)
