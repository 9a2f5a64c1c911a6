"""The hub's Kafka cluster on hosts of its own (``docker-compose.tls.yml``): each node's
server.properties, PEM key store and start script, and the hub's client files, written by the
same code as the embedded ``--secure --tls`` cluster's (``Cluster.node_properties``), so that the
deployment runs exactly the settings the tests run, only with host names instead of loopback.

Everything lands in ``$FIULINK_HOME/broker/tls`` (the hub operator's CA and credentials live
there too), which the compose file mounts read-only at ``/etc/kafka/secrets`` (Kafka nodes) and
``/etc/fiulink/tls`` (fiulink services):

| file | for |
|---|---|
| ``<host>.properties``, ``<host>.pem`` | node ``<host>``: SASL_SSL listener and controller, key store |
| ``start-kafka.sh`` | formats a node's storage once with the hub's SCRAM credential, then runs it |
| ``client.properties`` | Kafka's own tools as the hub (the compose healthcheck) |
| ``ca.pem``, ``hub.crt``, ``hub.key``, ``hub.env`` | the fiulink services: CA, client certificate, SASL login |
"""

from __future__ import annotations

import json
from pathlib import Path

from streams.config import Settings
from streams.errors import ConfigError
from streams.kafka.cluster import Cluster, Layout, Node, secure_passwords
from streams.kafka.tls import tls_dir, write_private

MOUNT = Path("/etc/kafka/secrets")  # where the Kafka containers see the TLS directory
DATA = Path("/var/lib/kafka/data")
KAFKA_BIN = "/opt/kafka/bin"  # the apache/kafka image's
PORT, CONTROLLER_PORT = 9092, 9093

START = """#!/bin/sh
# Node "$1" (its host name): format its storage once, with the hub's SCRAM credential (the brokers
# log in to each other as the hub before anyone could add a user), then run Kafka.
set -e
{bin}/kafka-storage.sh format --ignore-formatted -t {cluster_id} -c {mount}/"$1".properties \\
  --add-scram 'SCRAM-SHA-512=[name=hub,password={hub}]'
exec {bin}/kafka-server-start.sh {mount}/"$1".properties
"""

CLIENT = """security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="hub" password="{hub}";
ssl.truststore.type=PEM
ssl.truststore.location={mount}/ca.pem
"""


def write_deployment(settings: Settings, hosts: list[str]) -> list[Path]:
    """Write (again) every file of a cluster on ``hosts``; the cluster id, the CA and the
    passwords are made once and kept. Returns the files written."""
    if len(hosts) < 1 or len(set(hosts)) != len(hosts) or not all(h and "," not in h for h in hosts):
        raise ConfigError(f"--hosts {','.join(hosts)}: one distinct host name per node")
    d = tls_dir(settings.home)
    d.mkdir(parents=True, exist_ok=True)
    state = d / "deploy.json"
    known = json.loads(state.read_text()) if state.exists() else {}
    from streams.kafka.broker import EmbeddedBroker

    cluster_id = known.get("cluster_id") or EmbeddedBroker(settings).cluster_id()
    state.write_text(json.dumps({"cluster_id": cluster_id, "hosts": hosts}) + "\n")
    layout = Layout(tuple(Node(i + 1, PORT, CONTROLLER_PORT) for i in range(len(hosts))), cluster_id,
                    secure=True, tls=True)  # fmt: skip
    names = {node.id: host for node, host in zip(layout.nodes, hosts, strict=True)}
    cluster = Cluster(settings)
    written = []
    for node in layout.nodes:
        text = cluster.node_properties(layout, node, hosts=names, data=DATA, mount=MOUNT)
        path = d / f"{names[node.id]}.properties"
        write_private(path, text.encode())
        written += [path, d / f"{names[node.id]}.pem"]
    hub, _ = secure_passwords(settings)
    for name, body in (
        ("start-kafka.sh", START.format(bin=KAFKA_BIN, cluster_id=cluster_id, mount=MOUNT, hub=hub)),
        ("client.properties", CLIENT.format(hub=hub, mount=MOUNT)),
        ("hub.env", f"FIULINK_SASL_USERNAME=hub\nFIULINK_SASL_PASSWORD={hub}\n"),
    ):
        write_private(d / name, body.encode())
        written.append(d / name)
    return [*written, d / "ca.pem", d / "hub.crt", d / "hub.key"]
