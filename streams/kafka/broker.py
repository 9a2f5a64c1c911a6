"""The embedded Apache Kafka broker: single-node KRaft on loopback, from the jars that
``make setup`` fetched from Maven Central into ``.kafka/libs``.

State lives under ``$FIULINK_HOME/broker`` (data, logs, ``broker.json`` with pid and ports).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from streams.config import PROJECT_ROOT, Settings
from streams.errors import BrokerError

LOG4J = PROJECT_ROOT / "kafka" / "log4j.properties"
JAVA_OPTS = [
    "-Xms256m",
    "-Xmx1g",
    "-server",
    "-XX:+UseG1GC",
    "-XX:MaxGCPauseMillis=20",
    "-XX:InitiatingHeapOccupancyPercent=35",
    "-XX:+ExplicitGCInvokesConcurrent",
    "-Djava.awt.headless=true",
]

SERVER_PROPERTIES = """\
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:{cport}
listeners={listener}://127.0.0.1:{port},CONTROLLER://127.0.0.1:{cport}
advertised.listeners={listener}://127.0.0.1:{port}
inter.broker.listener.name={listener}
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,{listener}:{protocol}
log.dirs={data}
num.partitions={partitions}
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
group.initial.rebalance.delay.ms=0
num.recovery.threads.per.data.dir=1
log.cleaner.dedupe.buffer.size=16777216
message.max.bytes=2097152
"""


@dataclass(frozen=True)
class BrokerInfo:
    pid: int
    port: int
    controller_port: int
    secure: bool = False

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def java_binary() -> str:
    java = shutil.which("java")
    if not java:
        raise BrokerError(
            "Java is not installed", hint="install Java 17 (apt-get install openjdk-17-jre-headless)"
        )
    return java


def classpath(libs: Path) -> list[str]:
    if not (libs / "kafka_2.13-3.9.2.jar").exists() and not any(libs.glob("kafka_2.13-*.jar")):
        raise BrokerError(
            f"the Kafka jars are missing from {libs}",
            hint="run `make setup` to fetch them from Maven Central (or set FIULINK_KAFKA_LIBS)",
        )
    return ["-cp", f"{libs}/*", f"-Dlog4j.configuration=file:{LOG4J}"]


class EmbeddedBroker:
    """Start, stop and inspect the single-node broker whose state is under ``home``."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.dir = settings.home / "broker"
        self.info_file = self.dir / "broker.json"

    # -- inspection -----------------------------------------------------------------------
    def info(self) -> BrokerInfo | None:
        try:
            raw = json.loads(self.info_file.read_text())
        except (OSError, ValueError):
            return None
        info = BrokerInfo(**raw)
        return info if alive(info.pid) else None

    def answers(self, bootstrap: str, timeout: float = 3.0) -> bool:
        from kafka.admin import KafkaAdminClient

        try:
            admin = KafkaAdminClient(  # a probe: no 30 s bootstrap with a doubling backoff; callers poll
                bootstrap_servers=bootstrap,
                request_timeout_ms=int(timeout * 1000),
                bootstrap_timeout_ms=int(timeout * 1000),
                reconnect_backoff_max_ms=500,
                **self.settings.client_options(),
            )
        except Exception:
            return False
        try:
            admin.list_topics()
            return True
        except Exception:
            return False
        finally:
            admin.close()

    # -- lifecycle --------------------------------------------------------------------------
    def start(self, port: int | None = None, timeout: float = 90.0, secure_config: str = "") -> BrokerInfo:
        running = self.info()
        if running is not None:
            return running
        if not secure_config and (self.dir / "credentials.json").exists():  # see streams/kafka/secure.py
            raise BrokerError(
                f"the broker under {self.dir} was set up with --secure; without it, it would run with "
                "no authentication and no ACLs",
                hint="start it with `fiulink broker start --secure`",
            )
        java, cp = java_binary(), classpath(self.settings.kafka_libs)
        port = port or self.settings.port
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                raise BrokerError(
                    f"port {port} is already in use by another process",
                    hint="pass --port N or set FIULINK_BOOTSTRAP=127.0.0.1:N",
                )
        cport = free_port()
        while cport == port:  # the client port may be unbound yet: never give both listeners one
            cport = free_port()
        data = self.dir / "data"
        self.dir.mkdir(parents=True, exist_ok=True)
        props = self.dir / "server.properties"
        listener, protocol = (
            ("SASL_PLAINTEXT", "SASL_PLAINTEXT") if secure_config else ("PLAINTEXT", "PLAINTEXT")
        )
        props.write_text(
            SERVER_PROPERTIES.format(
                port=port,
                cport=cport,
                data=data.resolve(),
                partitions=self.settings.partitions,
                listener=listener,
                protocol=protocol,
            )
            + secure_config
        )
        logs = self.dir / "logs"
        logs.mkdir(exist_ok=True)
        common = [*cp, f"-Dkafka.logs.dir={logs.resolve()}"]
        if not (data / "meta.properties").exists():
            cluster_id = self.cluster_id()
            fmt = [
                java,
                *common,
                "kafka.tools.StorageTool",
                "format",
                "-t",
                cluster_id,
                "-c",
                str(props),
                "--ignore-formatted",
                *self.settings.broker_format_args,
            ]
            done = subprocess.run(fmt, capture_output=True, text=True)
            if done.returncode != 0:
                raise BrokerError(f"formatting the broker storage failed: {done.stderr.strip()[-800:]}")
        out = open(self.dir / "broker.out", "ab")  # noqa: SIM115 - handed to the child process
        proc = subprocess.Popen(
            [java, *JAVA_OPTS, *common, "kafka.Kafka", str(props)],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        info = BrokerInfo(pid=proc.pid, port=port, controller_port=cport, secure=bool(secure_config))
        self.info_file.write_text(json.dumps(info.__dict__))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                tail = self._log_tail()
                raise BrokerError(f"the broker exited during start (code {proc.returncode}):\n{tail}")
            if self.answers(info.bootstrap, timeout=2.0):
                return info
            time.sleep(0.5)
        self.stop()
        raise BrokerError(
            f"the broker did not answer within {timeout:.0f}s; see {self.dir / 'logs' / 'broker.log'}"
        )

    def _log_tail(self) -> str:
        """The end of what the broker wrote: its log4j log (size-bounded, rotated), and what the
        JVM itself printed."""
        tails = []
        for path in (self.dir / "logs" / "broker.log", self.dir / "broker.out"):
            if path.exists():
                tails.append(path.read_text(errors="replace")[-2000:])
        return "\n".join(tails)

    def cluster_id(self) -> str:
        """A random cluster id like Kafka's ``Uuid.randomUuid()``: url-safe base64 that never starts
        with '-' (one in 64 would, and the storage tool would then read ``-t -…`` as an option)."""
        import base64

        while True:
            cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
            if not cluster_id.startswith("-"):
                return cluster_id

    def stop(self, timeout: float = 60.0) -> bool:
        """Graceful stop (SIGTERM, controlled shutdown); SIGKILL only after ``timeout``."""
        info = self.info()
        if info is None:
            self.info_file.unlink(missing_ok=True)
            return False
        os.kill(info.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and alive(info.pid):
            time.sleep(0.2)
        if alive(info.pid):
            os.kill(info.pid, signal.SIGKILL)
        self.info_file.unlink(missing_ok=True)
        return True


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie child of ours is not alive
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][0] != "Z"
    except OSError:
        return True
