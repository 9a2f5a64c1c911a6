"""Crashes: SIGKILL the worker at random moments while a feed flows, restart it, and the final
notifications equal what the same feed gives in replay mode: none missing, none extra, never a
second, different id for the same link; each id once in the snapshot and in what `fiulink
deliver` hands a case system."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

from streams.testing import CaseSystem, Hub, expected_notification_ids, notification_ids


def test_worker_killed_repeatedly_loses_and_invents_nothing(hub: Hub, tmp_path: Path) -> None:
    feed = tmp_path / "feed"
    hub.cli("generate", "--fius", "4", "--reports", "800", "--seed", "23", "--out", str(feed), check=True)
    policy = feed / "policy.toml"
    hub.cli("topics", "create", "--policy", str(policy), check=True)
    files = sorted(feed.glob("feed-??.jsonl"))
    want, hot = expected_notification_ids(files, hub.key, policy)
    assert len(want) > 100

    kills = hub.publish_while_killing(policy, files, seed=7)

    topics = [
        hub.settings.topics.notification(f) for f in json.loads((feed / "truth.json").read_text())["fius"]
    ]
    notes = hub.read(topics, until=lambda r: want <= notification_ids(r, hot), timeout=180, idle=3)
    got = notification_ids(notes, hot)
    assert kills >= 3
    assert got == want, f"missing {len(want - got)}, extra {len(got - want)}\n{hub.worker_logs()[-3000:]}"
    # one content per id: a repeat of an id (at-least-once) is the same notification
    by_id: dict[str, dict] = {}
    for n in notes:
        core = {k: v for k, v in n.items() if k != "created_at"}
        assert by_id.setdefault(n["notification_id"], core) == core
    # ...and every id exactly once in the analysts' snapshot and in what a case system is handed
    hub.cli("snapshot", "--once", check=True, timeout=120)
    rows = hub.cli("query", "SELECT notification_id, count(*) AS n FROM notifications GROUP BY 1",
                   "--format", "json", check=True).stdout.splitlines()  # fmt: skip
    counts = {r["notification_id"]: r["n"] for r in map(json.loads, rows)}
    assert set(counts) == set(by_id) and set(counts.values()) == {1}
    fiu = "DE"
    with CaseSystem(fail_first=2).running() as case:
        hub.cli("deliver", "--fiu", fiu, "--group", f"{hub.prefix}cs", "--url", case.url,
                "--idle-timeout", "3", "--backoff", "0.05", check=True, timeout=120)  # fmt: skip
    handed = {key for key, _ in case.received}
    assert handed == {i for i, n in by_id.items() if n["recipient_fiu"] == fiu} and handed
    assert all(by_id[key]["recipient_fiu"] == fiu for key, _ in case.received)


OUTAGE = 12  # seconds the broker is away


def test_broker_stopped_and_restarted_with_data_kept(tmp_path: Path) -> None:
    """Its own broker: stop it mid-feed (graceful), start it again on the same data; the worker
    reconnects (or, if it gave up, is restarted as a supervisor would) and nothing is lost."""
    from streams.config import Settings
    from streams.kafka.broker import EmbeddedBroker, free_port

    port = free_port()
    bs = Settings.from_env({"FIULINK_HOME": str(tmp_path / "b"), "FIULINK_BOOTSTRAP": f"127.0.0.1:{port}"})
    broker = EmbeddedBroker(bs)
    broker.start(port=port)
    hub = Hub(bootstrap=f"127.0.0.1:{port}", home=tmp_path / "home")
    hub.home.mkdir()
    try:
        feed = tmp_path / "feed"
        hub.cli("generate", "--fius", "3", "--reports", "300", "--seed", "31", "--out", str(feed), check=True)
        policy = feed / "policy.toml"
        hub.cli("topics", "create", "--policy", str(policy), check=True)
        files = sorted(feed.glob("feed-??.jsonl"))
        want, hot = expected_notification_ids(files, hub.key, policy)
        first, second = files[:1], files[1:]
        worker = hub.start_worker(policy)
        hub.cli("publish", *map(str, first), check=True)
        time.sleep(6)
        before = len(hub.worker_logs().splitlines())
        assert broker.stop(), "the broker was not running"
        time.sleep(OUTAGE)
        during = hub.worker_logs().splitlines()[before:]
        broker.start(port=port)
        hub.cli("publish", *map(str, second), check=True)
        time.sleep(5)
        if worker.poll() is not None:  # it gave up while the broker was away: a supervisor restarts it
            hub.workers.remove(worker)
            hub.start_worker(policy)
        topics = [
            hub.settings.topics.notification(f) for f in json.loads((feed / "truth.json").read_text())["fius"]
        ]
        notes = hub.read(topics, until=lambda r: want <= notification_ids(r, hot), timeout=150, idle=3)
        assert notification_ids(notes, hot) == want, hub.worker_logs()[-3000:]
        # the worker said what it was doing, in plain text, and kept quiet while the broker was away
        logs = hub.worker_logs()
        assert "ready: partitions assigned and tables recovered" in logs, logs[-3000:]
        assert "progress: records ingest" in logs, logs[-3000:]
        assert "\x1b" not in logs
        assert len(during) <= 4 * OUTAGE, "\n".join(during[-40:])  # was ~80 ERROR lines a second
    finally:
        hub.stop_workers()
        broker.stop()


def test_processing_again_within_30s_after_a_crash(hub: Hub, policy_file: Path, tmp_path: Path) -> None:
    from streams.testing import report, write_jsonl

    hub.cli("topics", "create", "--policy", str(policy_file), check=True)
    hub.start_worker(policy_file)

    def pair(n: int) -> list[Path]:
        e = f"crash{n}@example.org"
        return [write_jsonl(tmp_path / f"fr{n}.jsonl", [report(f"FR-K{n}", "FR", emails=[e])]),
                write_jsonl(tmp_path / f"de{n}.jsonl", [report(f"DE-K{n}", "DE", emails=[e])])]  # fmt: skip

    topic = [hub.settings.topics.notification("DE")]
    hub.cli("publish", *map(str, pair(1)), check=True)
    hub.read(topic, until=lambda r: any(n["recipient_report_id"] == "DE-K1" for n in r), timeout=60)
    hub.stop_workers(signal.SIGKILL)
    t0 = time.monotonic()
    hub.start_worker(policy_file)
    hub.cli("publish", *map(str, pair(2)), check=True)
    notes = hub.read(
        topic, until=lambda r: any(n["recipient_report_id"] == "DE-K2" for n in r), timeout=60, idle=0.5
    )
    took = time.monotonic() - t0
    assert any(n["recipient_report_id"] == "DE-K2" for n in notes), hub.worker_logs()[-2000:]
    assert took < 30, f"processing resumed only after {took:.1f}s"
