"""Broker loss on the three-node cluster while a feed is published and processed.

One node (the one leading most feed, sightings and changelog partitions) is SIGKILLed mid-feed
and restarted later: the notifications equal replay mode's, each id with one content, and the
publisher lost nothing. Then two of three nodes are lost: publishing fails loudly, the worker
says processing is paused, and both go on once a node returns."""

from __future__ import annotations

import json
import signal
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from streams.kafka.cluster import Cluster
from streams.publish import Publisher
from streams.testing import Hub, expected_notification_ids, notification_ids, report, write_jsonl

pytestmark = pytest.mark.kafka


class Arrivals:
    """Every notification on ``topics`` as it arrives: (Kafka timestamp in s, decoded record)."""

    def __init__(self, hub: Hub, topics: list[str]) -> None:
        from streams.codec import codec
        from streams.kafka.clients import consumer

        self.got: list[tuple[float, dict[str, Any]]] = []
        self.stop = threading.Event()
        c = consumer(hub.settings, auto_offset_reset="earliest")
        c.subscribe(topics)
        dec = codec()

        def run() -> None:
            while not self.stop.is_set():
                for records in c.poll(timeout_ms=200).values():
                    for r in records:
                        self.got.append((r.timestamp / 1000, dec.decode(r.value)[1]))
            c.close()

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(10)


def leader_of_most(hub: Hub, topics: list[str]) -> tuple[int, Counter[int]]:
    from kafka.admin import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=hub.bootstrap)
    try:
        leaders = Counter(p["leader_id"] for t in admin.describe_topics(topics) for p in t["partitions"])
    finally:
        admin.close()
    return leaders.most_common(1)[0][0], leaders


@pytest.fixture
def cluster_hub(cluster_env: dict[str, str], tmp_path: Path) -> Any:
    h = Hub(bootstrap=cluster_env["FIULINK_BOOTSTRAP"], home=tmp_path / "home")
    h.home.mkdir()
    cluster = Cluster(Hub(bootstrap=h.bootstrap, home=Path(cluster_env["FIULINK_HOME"])).settings)
    yield h, cluster
    h.stop_workers()
    layout = cluster.layout()
    assert layout is not None
    for node in layout.nodes:  # leave the cluster whole for the next test
        cluster.start_node(node.id)


def test_leader_killed_mid_feed_loses_nothing(cluster_hub: Any, tmp_path: Path) -> None:
    hub, cluster = cluster_hub
    feed = tmp_path / "feed"
    hub.cli("generate", "--fius", "4", "--reports", "600", "--seed", "41", "--out", str(feed), check=True)
    policy = feed / "policy.toml"
    hub.cli("topics", "create", "--policy", str(policy), check=True)
    files = sorted(feed.glob("feed-??.jsonl"))
    want, hot = expected_notification_ids(files, hub.key, policy)
    assert len(want) > 80
    fius = json.loads((feed / "truth.json").read_text())["fius"]
    names = hub.settings.topics
    topics = [names.notification(f) for f in fius]
    arrivals = Arrivals(hub, topics)
    hub.start_worker(policy)
    watched = (
        [names.feed(f) for f in fius]
        + [names.sightings]
        + [f"{hub.settings.app_id}-{t}-changelog" for t in ("tokens", "links")]
    )
    victim, leaders = leader_of_most(hub, watched)

    publisher = Publisher(hub.settings, rate=25.0, progress_every=1e9)
    out: dict[str, Any] = {}
    thread = threading.Thread(target=lambda: out.setdefault("stats", publisher.publish(files)))
    thread.start()
    deadline = time.monotonic() + 60
    while not (arrivals.got and publisher.stats.published >= 150) and time.monotonic() < deadline:
        time.sleep(0.2)  # the worker is processing, a quarter of the feed is out
    assert arrivals.got, hub.worker_logs()[-3000:]
    published_at_kill = publisher.stats.published
    killed_at = time.time()
    assert cluster.stop_node(victim, signal.SIGKILL)
    time.sleep(12)  # publishing and processing go on without it
    published_at_restart = publisher.stats.published
    restarted_at = time.time()
    cluster.start_node(victim)
    thread.join(120)
    stats = out["stats"]

    notes = hub.read(topics, until=lambda r: want <= notification_ids(r, hot), timeout=120, idle=3)
    arrivals.close()
    got = notification_ids(notes, hot)
    assert got == want, f"missing {len(want - got)}, extra {len(got - want)}\n{hub.worker_logs()[-3000:]}"
    by_id: dict[str, dict[str, Any]] = {}
    for n in notes:
        core = {k: v for k, v in n.items() if k != "created_at"}
        assert by_id.setdefault(n["notification_id"], core) == core
    assert stats.failed_sends == 0 and stats.rejected == 0 and stats.published == stats.read
    assert all(w.poll() is None for w in hub.workers), "the worker died with the broker"
    after = sorted(ts for ts, _ in arrivals.got if ts > killed_at)
    during = [ts for ts in after if ts < restarted_at]
    figures = {
        "victim": victim,
        "partition_leaders_before": dict(leaders),
        "first_notification_after_kill_s": round(after[0] - killed_at, 2) if after else None,
        "reports_published_during_outage": published_at_restart - published_at_kill,
        "notifications_during_outage": len(during),
        "notifications_total": len(by_id),
    }
    print("broker-loss figures:", json.dumps(figures))
    assert during, "nothing was notified while the node was down"
    assert figures["reports_published_during_outage"] > 30  # the feed went on during the outage


def test_two_of_three_lost_stops_loudly_and_resumes(cluster_hub: Any, tmp_path: Path) -> None:
    hub, cluster = cluster_hub
    policy = tmp_path / "policy.toml"
    policy.write_text(
        'fius = ["FR", "DE"]\ndefault = "deny"\n[[agreement]]\nfius = ["FR", "DE"]\nmode = "auto"\n'
    )
    hub.cli("topics", "create", "--policy", str(policy), check=True)
    hub.start_worker(policy)
    wallet = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"
    first = write_jsonl(tmp_path / "first.jsonl", [report(r, r[:2], wallets=[{"chain": "btc", "address": wallet}])
                                                   for r in ("FR-1", "DE-0")])  # fmt: skip
    hub.cli("publish", str(first), check=True)
    topics = [hub.settings.topics.notification(f) for f in ("FR", "DE")]
    assert len(hub.read(topics, until=lambda r: len(r) >= 2, timeout=90)) == 2  # the worker is processing

    for n in (2, 3):
        assert cluster.stop_node(n, signal.SIGKILL)
    second = write_jsonl(
        tmp_path / "second.jsonl", [report("DE-1", "DE", wallets=[{"chain": "btc", "address": wallet}])]
    )
    hub.extra_env["FIULINK_SEND_TIMEOUT"] = "8"
    refused = hub.cli("publish", str(second), timeout=120)
    assert refused.returncode == 1, refused.stderr
    assert "1 failed" in refused.stderr, refused.stderr[-4000:]
    assert "not acknowledged by Kafka" in refused.stderr, refused.stderr
    deadline = time.monotonic() + 30
    while "processing is paused" not in hub.worker_logs() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert "only 1 of 3 brokers answer" in hub.worker_logs(), hub.worker_logs()[-3000:]

    cluster.start_node(2)  # two of three: a quorum and two in-sync replicas again
    hub.extra_env.pop("FIULINK_SEND_TIMEOUT")
    again = hub.cli("publish", str(second), timeout=120)
    assert again.returncode == 0, again.stderr[-3000:]
    notes = hub.read(topics, until=lambda r: len({n["notification_id"] for n in r}) >= 4, timeout=90)
    pairs = {(n["recipient_report_id"], n["counterpart_report_id"]) for n in notes}
    assert pairs == {("FR-1", "DE-0"), ("DE-0", "FR-1"), ("FR-1", "DE-1"), ("DE-1", "FR-1")}, notes
    deadline = time.monotonic() + 15
    while "processing goes on" not in hub.worker_logs() and time.monotonic() < deadline:
        cluster.start_node(3)
        time.sleep(0.5)
    assert all(w.poll() is None for w in hub.workers), hub.worker_logs()[-3000:]
