"""A KRaft cluster of N embedded nodes on loopback (each a broker and a quorum controller), from
the same Kafka jars as the single-node broker (``streams/kafka/broker.py``).

Each node has its own ports, ``server.properties``, data and logs under
``$FIULINK_HOME/broker/node-N``; ``$FIULINK_HOME/broker/cluster.json`` holds the layout (ports,
cluster id, --secure, --tls) so that one node can be stopped and started again alone. With three
nodes every topic gets three replicas and ``min.insync.replicas`` 2: a write is acknowledged
once two nodes have it, so any one node may die without losing an acknowledged record, and with
two nodes down writes stop (the producers say so) instead of silently landing on one copy.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from streams.config import Settings
from streams.errors import BrokerError
from streams.kafka.broker import alive, classpath, free_port, java_binary

JAVA_OPTS = ["-Xms128m", "-Xmx512m", "-server", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20",
             "-XX:+ExplicitGCInvokesConcurrent", "-Djava.awt.headless=true"]  # fmt: skip

NODE_PROPERTIES = """\
process.roles=broker,controller
node.id={node}
controller.quorum.voters={voters}
listeners={listener}://{host}:{port},CONTROLLER://{host}:{cport}
advertised.listeners={listener}://{host}:{port}
inter.broker.listener.name={listener}
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,{listener}:{listener}
log.dirs={data}
num.partitions={partitions}
auto.create.topics.enable=false
default.replication.factor={rf}
min.insync.replicas={isr}
offsets.topic.replication.factor={rf}
offsets.topic.num.partitions=4
transaction.state.log.replication.factor={rf}
transaction.state.log.min.isr={isr}
transaction.state.log.num.partitions=4
# Never elect a replica that missed acknowledged writes.
unclean.leader.election.enable=false
group.initial.rebalance.delay.ms=0
# Loopback: notice a dead node within seconds, not the defaults' nine.
broker.heartbeat.interval.ms=500
broker.session.timeout.ms=4000
replica.lag.time.max.ms=10000
num.recovery.threads.per.data.dir=1
log.cleaner.dedupe.buffer.size=16777216
message.max.bytes=2097152
"""


def durability(brokers: int) -> tuple[int, int]:
    """(replication factor, min.insync.replicas) for a cluster of ``brokers``: three copies and two
    to acknowledge from three nodes on, one of each on a single node."""
    rf = min(3, max(1, brokers))
    return rf, 2 if rf >= 3 else 1


@dataclass(frozen=True)
class Node:
    id: int
    port: int
    controller_port: int

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"


@dataclass(frozen=True)
class Layout:
    nodes: tuple[Node, ...]
    cluster_id: str
    secure: bool = False
    tls: bool = False
    mtls: bool = False  # with tls: every client must show a certificate from the hub's CA

    @property
    def bootstrap(self) -> str:
        return ",".join(n.address for n in self.nodes)

    def node(self, n: int) -> Node:
        for node in self.nodes:
            if node.id == n:
                return node
        raise BrokerError(f"there is no node {n}", hint=f"nodes are 1..{len(self.nodes)}")


class Cluster:
    """Start, stop and inspect the embedded cluster whose state is under ``settings.home``."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.dir = settings.home / "broker"
        self.layout_file = self.dir / "cluster.json"

    # -- layout ---------------------------------------------------------------------------
    def layout(self) -> Layout | None:
        try:
            raw = json.loads(self.layout_file.read_text())
        except (OSError, ValueError):
            return None
        return Layout(tuple(Node(**n) for n in raw["nodes"]), raw["cluster_id"], raw["secure"], raw["tls"],
                      raw.get("mtls", False))  # fmt: skip

    def _plan(self, nodes: int, port: int, secure: bool, tls: bool, mtls: bool) -> Layout:
        from streams.kafka.broker import EmbeddedBroker

        if nodes < 1:
            raise BrokerError(f"--nodes {nodes}: a cluster needs at least one node")
        ports = [port]
        taken = {port}

        def another() -> int:  # a free port no listener of this cluster has been given yet
            p = free_port()
            while p in taken:
                p = free_port()
            taken.add(p)
            return p

        for i in range(1, nodes):  # port, port+1, ...: a free port instead where one is taken
            p = port + i if _free(port + i) and port + i not in taken else another()
            taken.add(p)
            ports.append(p)
        if not _free(port):
            raise BrokerError(
                f"port {port} is already in use by another process",
                hint="pass --port N or set FIULINK_BOOTSTRAP=127.0.0.1:N",
            )
        return Layout(
            tuple(Node(i + 1, p, another()) for i, p in enumerate(ports)),
            EmbeddedBroker(self.settings).cluster_id(),
            secure,
            tls,
            mtls,
        )

    def _save(self, layout: Layout) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        body = {"nodes": [asdict(n) for n in layout.nodes], "cluster_id": layout.cluster_id,
                "secure": layout.secure, "tls": layout.tls, "mtls": layout.mtls}  # fmt: skip
        self.layout_file.write_text(json.dumps(body, indent=2) + "\n")

    def node_dir(self, n: int) -> Path:
        return self.dir / f"node-{n}"

    def pid(self, n: int) -> int | None:
        try:
            pid = int((self.node_dir(n) / "pid").read_text())
        except (OSError, ValueError):
            return None
        return pid if alive(pid) else None

    # -- client side ------------------------------------------------------------------------
    def client_config(self, layout: Layout) -> dict[str, Any]:
        """kafka-python options for the hub on this cluster (SASL as the hub, the CA with TLS)."""
        conf: dict[str, Any] = {}
        if layout.secure:
            from streams.kafka import secure

            hub = self.settings.as_principal(secure.HUB, secure.principal_password(self.settings, secure.HUB))
            conf = hub.client_options()
        if layout.tls:
            from streams.kafka.tls import tls_dir

            d = tls_dir(self.settings.home)
            conf.update(
                security_protocol="SASL_SSL" if layout.secure else "SSL", ssl_cafile=str(d / "ca.pem")
            )
            if layout.mtls:  # the hub's own client certificate
                conf.update(ssl_certfile=str(d / "hub.crt"), ssl_keyfile=str(d / "hub.key"))
        return conf

    def admin(self, layout: Layout, timeout: float = 5.0) -> Any:
        from kafka.admin import KafkaAdminClient

        # A probe: give up after ``timeout`` (kafka-python's bootstrap would retry a node that is not
        # listening yet for 30 s, its backoff doubling to 30 s); the callers poll again.
        ms = int(timeout * 1000)
        return KafkaAdminClient(bootstrap_servers=layout.bootstrap, request_timeout_ms=ms, bootstrap_timeout_ms=ms,
                                reconnect_backoff_max_ms=500, client_id="fiulink-cluster",
                                **self.client_config(layout))  # fmt: skip

    def brokers_up(self, layout: Layout) -> set[int]:
        """Ids of the brokers the cluster metadata lists as alive (empty if none answers)."""
        try:
            admin = self.admin(layout, timeout=3.0)
        except Exception:
            return set()
        try:
            return {b["broker_id"] for b in admin.describe_cluster()["brokers"]}
        except Exception:
            return set()
        finally:
            admin.close()

    def controller_leader(self, layout: Layout) -> int | None:
        """The node leading the KRaft controller quorum, or None without a quorum."""
        try:
            admin = self.admin(layout, timeout=3.0)
        except Exception:
            return None
        try:
            quorum = admin.describe_metadata_quorum()
            leader = quorum["topics"][0]["partitions"][0]["leader_id"]
            return int(leader) if leader is not None and leader >= 0 else None
        except Exception:
            return None
        finally:
            admin.close()

    # -- lifecycle ------------------------------------------------------------------------------
    def start(self, nodes: int = 3, port: int | None = None, secure: bool = False, tls: bool = False,
              timeout: float = 120.0, mtls: bool = False) -> Layout:  # fmt: skip
        """Start every node (formatting fresh storage the first time) and wait until all answer."""
        layout = self.layout()
        if layout is None:
            if (self.dir / "broker.json").exists() or (self.dir / "data").exists():
                raise BrokerError(
                    f"{self.dir} holds a single-node broker; a cluster needs its own FIULINK_HOME",
                    hint="use another FIULINK_HOME, or `fiulink broker stop` and delete that directory",
                )
            layout = self._plan(nodes, port or self.settings.port, secure, tls, mtls)
            self._save(layout)
        elif (layout.secure, layout.tls, layout.mtls) != (secure, tls, mtls) or len(layout.nodes) != nodes:
            raise BrokerError(
                f"the cluster under {self.dir} was set up with {describe(layout)}; it cannot start "
                f"as {flags(nodes, secure, tls, mtls)}",
                hint=f"start it as it was set up, or use a fresh FIULINK_HOME ({describe(layout)})",
            )
        for node in layout.nodes:
            self.start_node(node.id, wait=False)
        self.wait(layout, {n.id for n in layout.nodes}, timeout)
        return layout

    def start_node(self, n: int, wait: bool = True, timeout: float = 90.0) -> Node:
        layout = self._require()
        node = layout.node(n)
        if self.pid(n) is not None:
            return node
        java, cp = java_binary(), classpath(self.settings.kafka_libs)
        d = self.node_dir(n)
        d.mkdir(parents=True, exist_ok=True)
        props = d / "server.properties"
        self._write_properties(layout, node, props)
        logs = d / "logs"
        logs.mkdir(exist_ok=True)
        common = [*cp, f"-Dkafka.logs.dir={logs}"]
        if not (d / "data" / "meta.properties").exists():
            fmt = [java, *common, "kafka.tools.StorageTool", "format", "-t", layout.cluster_id, "-c",
                   str(props), "--ignore-formatted", *self._format_args(layout)]  # fmt: skip
            done = subprocess.run(fmt, capture_output=True, text=True)
            if done.returncode != 0:
                raise BrokerError(f"formatting node {n}'s storage failed: {done.stderr.strip()[-800:]}")
        with open(d / "broker.out", "ab") as out:
            proc = subprocess.Popen([java, *JAVA_OPTS, *common, "kafka.Kafka", str(props)], stdout=out,
                                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    start_new_session=True)  # fmt: skip
        (d / "pid").write_text(str(proc.pid))
        if wait:
            self.wait(layout, {n}, timeout)
        return node

    def _require(self) -> Layout:
        layout = self.layout()
        if layout is None:
            raise BrokerError(
                f"no cluster under {self.dir}", hint="start one with `fiulink broker start --nodes 3`"
            )
        return layout

    def _write_properties(self, layout: Layout, node: Node, props: Path) -> None:
        text = self.node_properties(layout, node)
        if layout.secure:  # holds passwords
            props.unlink(missing_ok=True)
            fd = os.open(props, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            os.close(fd)
        props.write_text(text)

    def node_properties(self, layout: Layout, node: Node, hosts: dict[int, str] | None = None,
                        data: Path | None = None, mount: Path | None = None) -> str:  # fmt: skip
        """Node ``node``'s server.properties: on loopback here, or (``streams/kafka/deploy.py``) on
        its own host ``hosts[id]`` (the name it listens on and its certificate names), with its
        data in ``data`` and its TLS files under ``mount`` as the broker sees them."""
        rf, isr = durability(len(layout.nodes))
        listener = {(False, False): "PLAINTEXT", (True, False): "SASL_PLAINTEXT",
                    (False, True): "SSL", (True, True): "SASL_SSL"}[(layout.secure, layout.tls)]  # fmt: skip
        host = (hosts or {}).get
        voters = ",".join(f"{m.id}@{host(m.id, '127.0.0.1')}:{m.controller_port}" for m in layout.nodes)
        text = NODE_PROPERTIES.format(node=node.id, voters=voters, listener=listener, port=node.port,
                                      cport=node.controller_port, data=data or self.node_dir(node.id) / "data",
                                      partitions=self.settings.partitions, rf=rf, isr=isr,
                                      host=host(node.id, "127.0.0.1"))  # fmt: skip
        if layout.secure:
            from streams.kafka import secure

            hub, controller = secure_passwords(self.settings)
            sec = secure.server_properties(hub, controller)
            if layout.tls:  # the same settings for the listener named SASL_SSL; the controller's too
                sec = sec.replace("listener.name.sasl_plaintext.", "listener.name.sasl_ssl.").replace(
                    "=CONTROLLER:SASL_PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT",
                    "=CONTROLLER:SASL_SSL,SASL_SSL:SASL_SSL",
                )
            text += sec
        if layout.tls:
            from streams.kafka.tls import server_properties

            name = host(node.id, f"node-{node.id}")
            hosts_of = (name,) if hosts else ("127.0.0.1", "localhost")
            text += server_properties(self.settings.home, node.id, listener, mtls=layout.mtls, name=name,
                                      hosts=hosts_of, mount=mount)  # fmt: skip
        return text

    def _format_args(self, layout: Layout) -> list[str]:
        if not layout.secure:
            return []
        from streams.kafka import secure

        hub, _ = secure_passwords(self.settings)
        return ["--add-scram", f"{secure.MECHANISM}=[name={secure.HUB},password={hub}]"]

    def wait(self, layout: Layout, nodes: set[int], timeout: float) -> None:
        """Until every node in ``nodes`` is registered and alive in the cluster metadata."""
        deadline = time.monotonic() + timeout
        while True:
            dead = [n for n in sorted(nodes) if self.pid(n) is None]
            if dead:
                tail = self._log_tail(dead[0])
                raise BrokerError(f"node {dead[0]} exited during start:\n{tail}")
            if nodes <= self.brokers_up(layout):
                return
            if time.monotonic() > deadline:
                raise BrokerError(
                    f"node(s) {sorted(nodes)} did not join within {timeout:.0f}s; "
                    f"see {self.dir}/node-N/logs/broker.log"
                )
            time.sleep(0.5)

    def _log_tail(self, n: int) -> str:
        d = self.node_dir(n)
        parts = [p.read_text(errors="replace")[-2000:] for p in (d / "logs" / "broker.log", d / "broker.out")
                 if p.exists()]  # fmt: skip
        return "\n".join(parts)

    def stop_node(self, n: int, sig: int = signal.SIGTERM, timeout: float = 60.0) -> bool:
        """Stop one node: SIGTERM (controlled shutdown), SIGKILL after ``timeout``; ``sig`` SIGKILL
        for a crash. False if it was not running."""
        self._require().node(n)
        pid = self.pid(n)
        if pid is None:
            return False
        os.kill(pid, sig)
        deadline = time.monotonic() + timeout
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if alive(pid):
            os.kill(pid, signal.SIGKILL)
        (self.node_dir(n) / "pid").unlink(missing_ok=True)
        return True

    def stop(self, timeout: float = 60.0) -> list[int]:
        """Stop every node (all signalled at once, so the last ones need not wait for a quorum)."""
        layout = self.layout()
        if layout is None:
            return []
        running = {n.id: pid for n in layout.nodes if (pid := self.pid(n.id)) is not None}
        for pid in running.values():
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while any(alive(p) for p in running.values()) and time.monotonic() < deadline:
            time.sleep(0.2)
        for n, pid in running.items():
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
            (self.node_dir(n) / "pid").unlink(missing_ok=True)
        return sorted(running)

    def status(self) -> list[str]:
        """One line per node, then the controller leader."""
        layout = self._require()
        up = self.brokers_up(layout)
        lines = []
        for node in layout.nodes:
            pid = self.pid(node.id)
            state = "not running" if pid is None else f"running (pid {pid})"
            joined = "in the cluster" if node.id in up else "NOT in the cluster"
            lines.append(f"node {node.id}: {state} on {node.address}, {joined}; {self.node_dir(node.id)}")
        leader = self.controller_leader(layout)
        lines.append(f"controller leader: node {leader}" if leader else "controller leader: none (no quorum)")
        return lines


def secure_passwords(settings: Settings) -> tuple[str, str]:
    """The hub's SCRAM password and the controller listener's, made on first use (secure.py)."""
    import secrets

    from streams.kafka import secure

    users = secure.load_credentials(settings)
    controller = secure.controller_password(settings)
    if secure.HUB not in users or not controller:
        users[secure.HUB] = users.get(secure.HUB) or secrets.token_urlsafe(32)
        controller = controller or secrets.token_urlsafe(32)
        secure.save_credentials(settings, users, controller)
        settings.home.joinpath("broker").chmod(0o700)
    return users[secure.HUB], controller


def describe(layout: Layout) -> str:
    return flags(len(layout.nodes), layout.secure, layout.tls, layout.mtls)


def flags(nodes: int, secure: bool, tls: bool, mtls: bool) -> str:
    """The `broker start` flags of such a cluster."""
    return f"--nodes {nodes}" + "".join(
        f" --{name}" for name, on in (("secure", secure), ("tls", tls), ("mtls", mtls)) if on
    )


def _free(port: int) -> bool:
    import socket

    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0
