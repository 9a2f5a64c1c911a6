"""TLS (SASL_SSL) on `fiulink broker start --secure --tls`: every client of the project works over
it with FIULINK_SSL_CAFILE (and a client certificate for mutual TLS), ACLs hold, and what goes on
the wire is TLS: a client without TLS or with another CA is refused with one clear line."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from streams.config import Settings
from streams.kafka import secure
from streams.kafka.broker import free_port
from streams.kafka.tls import ensure_ca, tls_dir
from streams.testing import CaseSystem, fiulink, report, write_jsonl

pytestmark = pytest.mark.kafka

POLICY = """fius = ["FR", "DE", "NL"]
default = "deny"

[[agreement]]
fius = ["FR", "DE"]
mode = "auto"

[[agreement]]
fius = ["FR", "NL"]
mode = "consent"
"""
WALLET = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"


class TlsHub:
    def __init__(self, env: dict[str, str], tmp: Path) -> None:
        self.env, self.tmp = env, tmp
        self.settings = Settings.from_env(env)
        self.ca = tls_dir(self.settings.home) / "ca.pem"

    def env_of(self, principal: str | None, **extra: str) -> dict[str, str]:
        env = {**self.env, "FIULINK_SSL_CAFILE": str(self.ca), **extra}
        if principal:
            password = secure.load_credentials(self.settings)[principal]
            env.update(FIULINK_SASL_USERNAME=principal, FIULINK_SASL_PASSWORD=password)
        return {k: v for k, v in env.items() if v}

    def cli(
        self, *args: str, principal: str | None = "hub", **extra: str
    ) -> subprocess.CompletedProcess[str]:
        return fiulink(self.env_of(principal, **extra), *args)

    def notifications(
        self, fiu: str, until: Callable[[list[dict[str, Any]]], bool], principal: str | None = "hub",
        timeout: float = 90, **extra: str,
    ) -> list[dict[str, Any]]:  # fmt: skip
        """FIU's notifications through `fiulink tail`, read again until ``until`` holds (or the
        deadline: then what there is, for the caller's assertion to show)."""
        deadline = time.monotonic() + timeout
        while True:
            tail = self.cli("tail", "notifications", "--fiu", fiu, "--from-beginning", "--idle-timeout", "2",
                            principal=principal, **extra)  # fmt: skip
            assert tail.returncode == 0, tail.stderr[-3000:]
            got = [json.loads(line) for line in tail.stdout.splitlines()]
            if until(got) or time.monotonic() > deadline:
                return got
            time.sleep(0.5)


@pytest.fixture(scope="module")
def tls_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsHub]:
    tmp = tmp_path_factory.mktemp("tls")
    env = {**os.environ, "FIULINK_HOME": str(tmp / "home"), "FIULINK_BOOTSTRAP": f"127.0.0.1:{free_port()}",
           "FIULINK_TOPIC_PREFIX": "fiulink.", "FIULINK_TOKEN_KEY": "tls-test-key-0123456789"}  # fmt: skip
    for k in ("FIULINK_SASL_USERNAME", "FIULINK_SASL_PASSWORD", "FIULINK_SSL_CAFILE"):
        env.pop(k, None)
    (tmp / "policy.toml").write_text(POLICY)
    hub = TlsHub(env, tmp)
    try:
        started = fiulink(env, "broker", "start", "--secure", "--tls")
        assert started.returncode == 0, started.stderr[-3000:]
        assert started.stdout.strip() == env["FIULINK_BOOTSTRAP"]
        assert f"FIULINK_SSL_CAFILE={hub.ca}" in started.stderr
        granted = hub.cli("topics", "create", "--secure", "--policy", str(tmp / "policy.toml"))
        assert granted.returncode == 0, granted.stderr[-3000:]
        yield hub
    finally:
        fiulink(env, "broker", "stop")


def test_every_client_works_over_tls(tls_hub: TlsHub, tmp_path: Path) -> None:
    from streams.testing import FIULINK

    hub = tls_hub
    log = open(tmp_path / "worker.log", "wb")  # noqa: SIM115 - owned by the child
    worker = subprocess.Popen([*FIULINK, "worker", "--policy", str(hub.tmp / "policy.toml")],
                              env=hub.env_of("hub"), stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        for fiu in ("FR", "DE", "NL"):
            feed = write_jsonl(
                tmp_path / f"{fiu}.jsonl",
                [report(f"{fiu}-1", fiu, wallets=[{"chain": "btc", "address": WALLET}])],
            )
            done = hub.cli("publish", str(feed), principal=fiu)
            assert done.returncode == 0, done.stderr[-3000:]
        # FR and DE are told of each other (auto); NL is asked for consent to reveal its report to FR
        requests = hub.notifications("NL", lambda got: len(got) >= 1, principal="NL")
        assert [n["type"] for n in requests] == ["consent_request"], (
            requests, (tmp_path / "worker.log").read_text()[-3000:])  # fmt: skip
        granted = hub.cli("consent", requests[0]["match_id"], "--fiu", "NL", "--grant", principal="NL")
        assert granted.returncode == 0, granted.stderr[-3000:]
        with CaseSystem().running() as case:
            deadline = time.monotonic() + 60
            while not case.received and time.monotonic() < deadline:  # the group's offsets carry on
                delivered = hub.cli(
                    "deliver", "--fiu", "DE", "--url", case.url, "--idle-timeout", "2", principal="DE"
                )
                assert delivered.returncode == 0, delivered.stderr[-3000:]
        assert [body["counterpart_fiu"] for _, body in case.received] == ["FR"]
        # mutual TLS: the hub's client certificate, as the hub
        d = tls_dir(hub.settings.home)
        fr = hub.notifications("FR", lambda got: len(got) >= 3, FIULINK_SSL_CERTFILE=str(d / "hub.crt"),
                               FIULINK_SSL_KEYFILE=str(d / "hub.key"))  # fmt: skip
        assert sorted((n["type"], n.get("counterpart_fiu")) for n in fr) == [
            ("consent_request", "NL"),  # FR's side of the FR-NL consent agreement
            ("hit", "DE"),
            ("hit", "NL"),  # released by NL's grant
        ], fr
        snap = hub.cli("snapshot", "--once")
        assert snap.returncode == 0, snap.stderr[-3000:]
        rows = hub.cli("query", "SELECT count(*) AS n FROM notifications", "--format", "csv", principal=None)
        assert rows.stdout.splitlines()[1] == str(len(requests) + len(fr) + len(case.received))
        # ACLs hold over TLS: FR may not read DE's notifications
        denied = hub.cli("tail", "notifications", "--fiu", "DE", "--from-beginning", "--idle-timeout", "3",
                         principal="FR")  # fmt: skip
        assert denied.returncode == 1 and denied.stderr.count("error:") == 1, denied.stderr[-2000:]
    finally:
        worker.terminate()
        worker.wait(30)
        log.close()


def test_a_client_without_tls_or_with_another_ca_is_refused_clearly(tls_hub: TlsHub, tmp_path: Path) -> None:
    hub = tls_hub
    plain = hub.cli("topics", "list", principal="FR", FIULINK_SSL_CAFILE="")
    assert plain.returncode == 1
    assert plain.stderr.startswith("error: cannot connect to Kafka: the broker at 127.0.0.1:") and (
        "requires TLS" in plain.stderr
    ), plain.stderr
    assert "Traceback" not in plain.stderr
    other_ca = ensure_ca(tmp_path)
    wrong = hub.cli("topics", "list", principal="FR", FIULINK_SSL_CAFILE=str(other_ca))
    assert wrong.returncode == 1
    assert "failed verification against FIULINK_SSL_CAFILE" in wrong.stderr, wrong.stderr
    assert "Traceback" not in wrong.stderr


def test_credentials_cross_the_wire_inside_tls(tls_hub: TlsHub) -> None:
    """Every byte a client sends to the broker goes through a recording proxy: the first is a
    TLS handshake record, and neither the SASL mechanism nor the SCRAM client-first message (which
    names the user) appears in clear."""
    hub = tls_hub
    target = hub.settings.bootstrap
    host, port = target.rsplit(":", 1)
    listener = socket.create_server(("127.0.0.1", 0))
    seen = bytearray()

    def pipe(src: socket.socket, dst: socket.socket, record: bool) -> None:
        try:
            while data := src.recv(65536):
                if record:
                    seen.extend(data)
                dst.sendall(data)
        except OSError:
            pass
        finally:
            dst.close()

    def serve() -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection((host, int(port)))
            threading.Thread(target=pipe, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=pipe, args=(upstream, client, False), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    proxied = f"127.0.0.1:{listener.getsockname()[1]}"
    try:
        done = hub.cli("topics", "list", principal="FR", FIULINK_BOOTSTRAP=proxied)
    finally:
        listener.close()
    assert done.returncode == 0, done.stderr[-2000:]
    assert seen[:1] == b"\x16" and seen[1:2] == b"\x03", bytes(seen[:8])  # a TLS handshake record
    password = secure.load_credentials(hub.settings)["FR"].encode()
    for clear in (b"SCRAM-SHA-512", b"n,,n=FR", password):
        assert clear not in seen
