"""The three-node cluster, driven through the CLI as an operator would: start, status, topics
with three replicas and min.insync.replicas 2, one node stopped and started alone."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

import pytest

from streams.config import Settings
from streams.kafka.cluster import Cluster
from streams.testing import fiulink

pytestmark = pytest.mark.kafka


def test_three_nodes_replicate_every_topic(cluster_env: dict[str, str], tmp_path: Path) -> None:
    from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient

    from kafka import KafkaConsumer, KafkaProducer, TopicPartition

    bootstrap = cluster_env["FIULINK_BOOTSTRAP"]
    assert len(bootstrap.split(",")) == 3
    status = fiulink(cluster_env, "broker", "status")
    assert status.returncode == 0, status.stdout + status.stderr
    lines = status.stdout.splitlines()
    assert [ln.split(":")[0] for ln in lines[:3]] == ["node 1", "node 2", "node 3"]
    assert all("in the cluster" in ln and "NOT" not in ln for ln in lines[:3])
    assert lines[3].startswith("controller leader: node ")
    home = Path(cluster_env["FIULINK_HOME"])
    assert all((home / "broker" / f"node-{n}" / "data" / "meta.properties").exists() for n in (1, 2, 3))

    prefix = f"t{uuid.uuid4().hex[:8]}."
    env = {**cluster_env, "FIULINK_TOPIC_PREFIX": prefix, "FIULINK_APP_ID": f"{prefix}hub"}
    policy = tmp_path / "policy.toml"
    policy.write_text('fius = ["FR", "DE"]\ndefault = "deny"\n')
    created = fiulink(env, "topics", "create", "--policy", str(policy))
    assert created.returncode == 0, created.stderr[-3000:]
    feed = f"{prefix}reports.FR"
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        deadline = time.monotonic() + 30  # the node this client asks may learn of them a moment later
        ours = [t for t in admin.list_topics() if t.startswith(prefix)]
        while len(ours) < 9 and time.monotonic() < deadline:
            time.sleep(0.2)
            ours = [t for t in admin.list_topics() if t.startswith(prefix)]
        assert len(ours) >= 9  # sightings, matches, audit, dead letters, changelogs, per-FIU topics
        for t in admin.describe_topics(ours):
            assert {len(p["replica_nodes"]) for p in t["partitions"]} == {3}, t
        configs = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, t) for t in ours])
        isr = {name: c["min.insync.replicas"]["value"] for name, c in configs["topic"].items()}
        assert set(isr.values()) == {"2"}, isr
    finally:
        admin.close()

    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    producer.send(feed, key=b"k", value=b"one record").get(timeout=30)
    producer.close()
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, consumer_timeout_ms=5000)
    consumer.assign([TopicPartition(feed, p) for p in consumer.partitions_for_topic(feed)])
    consumer.seek_to_beginning()
    got = [r.value for r in consumer]
    consumer.close()
    assert got == [b"one record"]


def test_one_node_stops_and_starts_alone(cluster_env: dict[str, str]) -> None:
    cluster = Cluster(Settings.from_env(cluster_env))
    layout = cluster.layout()
    assert layout is not None
    stopped = fiulink(cluster_env, "broker", "stop", "--node", "2")
    assert stopped.returncode == 0 and "node 2 stopped" in stopped.stderr
    assert cluster.pid(2) is None and cluster.brokers_up(layout) == {1, 3}
    status = fiulink(cluster_env, "broker", "status")
    assert status.returncode == 1 and "node 2: not running" in status.stdout
    started = fiulink(cluster_env, "broker", "start", "--node", "2")
    assert started.returncode == 0, started.stderr[-3000:]
    assert cluster.brokers_up(layout) == {1, 2, 3}
    assert (
        json.loads((Path(cluster_env["FIULINK_HOME"]) / "broker" / "cluster.json").read_text())["nodes"][1][
            "id"
        ]
        == 2
    )


def test_the_watchlist_made_by_sanctions_load_is_replicated_like_every_topic(
    cluster_env: dict[str, str], tmp_path: Path
) -> None:
    from kafka.admin import KafkaAdminClient

    prefix = f"w{uuid.uuid4().hex[:8]}."
    env = {**cluster_env, "FIULINK_TOPIC_PREFIX": prefix, "FIULINK_APP_ID": f"{prefix}hub",
           "FIULINK_TOKEN_KEY": "cluster-test-token-key-0123456789"}  # fmt: skip
    listed = tmp_path / "l.csv"
    listed.write_text("asset,address,entry,program\ntrx,TDCEx9fU3UVuMPPXpGeX6BXjwsVo4vGuNh,E,P\n")
    done = fiulink(env, "sanctions", "load", str(listed))
    assert done.returncode == 0, done.stderr[-3000:]
    admin = KafkaAdminClient(bootstrap_servers=cluster_env["FIULINK_BOOTSTRAP"])
    try:
        (topic,) = admin.describe_topics([f"{prefix}watchlist"])
    finally:
        admin.close()
    assert {len(p["replica_nodes"]) for p in topic["partitions"]} == {3}, topic
