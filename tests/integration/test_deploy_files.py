"""The files `fiulink broker deploy-files` writes for docker-compose.tls.yml boot a real three-node
SASL_SSL cluster: each node started by start-kafka.sh from its own server.properties, as the
containers do. The hosts are loopback addresses (127.0.0.2-4) standing for kafka-1..3; the only
changes to the files are the container paths (secrets, data, Kafka's bin/) mapped to local ones."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from streams.config import Settings
from streams.kafka.broker import classpath, java_binary
from streams.kafka.cluster import JAVA_OPTS
from streams.kafka.deploy import DATA, KAFKA_BIN, MOUNT, write_deployment
from streams.kafka.tls import tls_dir

pytestmark = pytest.mark.kafka
HOSTS = ["127.0.0.2", "127.0.0.3", "127.0.0.4"]


def local_copy(settings: Settings, tmp: Path) -> Path:
    """The deployment's files with the container paths mapped to directories under ``tmp``."""
    secrets, bin_dir = tmp / "secrets", tmp / "bin"
    secrets.mkdir()
    bin_dir.mkdir()
    for f in tls_dir(settings.home).iterdir():
        text = f.read_bytes().replace(str(MOUNT).encode(), str(secrets).encode())
        text = text.replace(KAFKA_BIN.encode(), str(bin_dir).encode())
        if f.suffix == ".properties" and f.stem in HOSTS:
            text = text.replace(str(DATA).encode(), str(tmp / f"data-{f.stem}").encode())
        (secrets / f.name).write_bytes(text)
    java, cp = java_binary(), " ".join(f"'{a}'" for a in classpath(settings.kafka_libs))
    (bin_dir / "kafka-storage.sh").write_text(f'#!/bin/sh\nexec {java} {cp} kafka.tools.StorageTool "$@"\n')
    (bin_dir / "kafka-server-start.sh").write_text(
        f'#!/bin/sh\nexec {java} {" ".join(JAVA_OPTS)} {cp} -Dkafka.logs.dir="$LOGS" kafka.Kafka "$@"\n'
    )
    for script in bin_dir.iterdir():
        script.chmod(0o755)
    return secrets


def test_deploy_files_boot_a_three_node_sasl_ssl_cluster(tmp_path: Path) -> None:
    from kafka.admin import KafkaAdminClient, NewTopic

    from kafka import KafkaConsumer, KafkaProducer, TopicPartition

    settings = Settings.from_env({"FIULINK_HOME": str(tmp_path / "hub")})
    write_deployment(settings, HOSTS)
    secrets = local_copy(settings, tmp_path)
    env = dict(line.split("=", 1) for line in (secrets / "hub.env").read_text().splitlines())
    hub = {"bootstrap_servers": ",".join(f"{h}:9092" for h in HOSTS), "security_protocol": "SASL_SSL",
           "sasl_mechanism": "SCRAM-SHA-512", "sasl_plain_username": env["FIULINK_SASL_USERNAME"],
           "sasl_plain_password": env["FIULINK_SASL_PASSWORD"], "ssl_cafile": str(secrets / "ca.pem")}  # fmt: skip
    nodes = []
    try:
        for host in HOSTS:
            logs = tmp_path / f"logs-{host}"
            logs.mkdir()
            out = open(tmp_path / f"{host}.out", "wb")  # noqa: SIM115 - the child's
            nodes.append(subprocess.Popen(["sh", str(secrets / "start-kafka.sh"), host], stdout=out,
                                          stderr=subprocess.STDOUT, env={**os.environ, "LOGS": str(logs)},
                                          start_new_session=True))  # fmt: skip
        deadline, brokers = time.monotonic() + 120, set()
        while len(brokers) < 3 and time.monotonic() < deadline:
            assert all(n.poll() is None for n in nodes), [
                p.read_text()[-2000:] for p in tmp_path.glob("*.out")
            ]
            try:
                admin = KafkaAdminClient(**hub, bootstrap_timeout_ms=3000, reconnect_backoff_max_ms=500)
            except Exception:
                time.sleep(1)
                continue
            try:
                brokers = {b["broker_id"] for b in admin.describe_cluster()["brokers"]}
            finally:
                admin.close()
        assert brokers == {1, 2, 3}, [p.read_text()[-2000:] for p in tmp_path.glob("*.out")]
        admin = KafkaAdminClient(**hub)
        try:
            admin.create_topics([NewTopic("deployed", 3, 3)])
        finally:
            admin.close()
        producer = KafkaProducer(**hub, acks="all")
        producer.send("deployed", key=b"k", value=b"over TLS").get(timeout=60)
        producer.close()
        consumer = KafkaConsumer(**hub, enable_auto_commit=False, consumer_timeout_ms=5000)
        tps = [TopicPartition("deployed", p) for p in range(3)]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        assert [r.value for r in consumer] == [b"over TLS"]
        consumer.close()
    finally:
        for n in nodes:
            n.send_signal(signal.SIGTERM)
        for n in nodes:
            try:
                n.wait(60)
            except subprocess.TimeoutExpired:
                n.kill()
