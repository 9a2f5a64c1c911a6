"""Mutual TLS (`fiulink broker start --secure --tls --mtls`): every client must show a certificate
signed by the hub's CA. `fiulink broker client-cert --fiu XX` makes an FIU's; with it the FIUs
publish and read their notifications end to end, and without one (or with one from another CA) a
client is refused at once with one clear line. The KRaft controller listener speaks TLS too."""

from __future__ import annotations

import json
import os
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from streams.config import Settings
from streams.kafka import secure
from streams.kafka.broker import free_port
from streams.kafka.cluster import Cluster
from streams.kafka.tls import client_cert, ensure_ca, tls_dir
from streams.testing import FIULINK, fiulink, report, write_jsonl

pytestmark = pytest.mark.kafka

POLICY = 'fius = ["FR", "DE"]\ndefault = "deny"\n\n[[agreement]]\nfius = ["FR", "DE"]\nmode = "auto"\n'
WALLET = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"


class MtlsHub:
    def __init__(self, env: dict[str, str], tmp: Path) -> None:
        self.env, self.tmp = env, tmp
        self.settings = Settings.from_env(env)
        self.tls = tls_dir(self.settings.home)
        self.certs: dict[str, dict[str, str]] = {"hub": self.cert_env("hub")}

    def cert_env(self, name: str) -> dict[str, str]:
        d = self.tls
        return {"FIULINK_SSL_CAFILE": str(d / "ca.pem"), "FIULINK_SSL_CERTFILE": str(d / f"{name}.crt"),
                "FIULINK_SSL_KEYFILE": str(d / f"{name}.key")}  # fmt: skip

    def env_of(self, principal: str, cert: bool = True, **extra: str) -> dict[str, str]:
        password = secure.load_credentials(self.settings)[principal]
        env = {**self.env, "FIULINK_SASL_USERNAME": principal, "FIULINK_SASL_PASSWORD": password}
        env.update(self.certs[principal] if cert else {"FIULINK_SSL_CAFILE": str(self.tls / "ca.pem")})
        return {k: v for k, v in {**env, **extra}.items() if v}

    def cli(
        self, principal: str, *args: str, cert: bool = True, **extra: str
    ) -> subprocess.CompletedProcess[str]:
        return fiulink(self.env_of(principal, cert, **extra), *args)


@pytest.fixture(scope="module")
def mtls_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MtlsHub]:
    tmp = tmp_path_factory.mktemp("mtls")
    env = {**os.environ, "FIULINK_HOME": str(tmp / "home"), "FIULINK_BOOTSTRAP": f"127.0.0.1:{free_port()}",
           "FIULINK_TOPIC_PREFIX": "fiulink.", "FIULINK_TOKEN_KEY": "mtls-test-key-0123456789"}  # fmt: skip
    for k in list(env):
        if k.startswith(("FIULINK_SASL_", "FIULINK_SSL_")):
            env.pop(k)
    (tmp / "policy.toml").write_text(POLICY)
    try:
        started = fiulink(env, "broker", "start", "--secure", "--tls", "--mtls")
        assert started.returncode == 0, started.stderr[-3000:]
        hub = MtlsHub(env, tmp)
        granted = hub.cli("hub", "topics", "create", "--secure", "--policy", str(tmp / "policy.toml"))
        assert granted.returncode == 0, granted.stderr[-3000:]
        for fiu in ("FR", "DE"):
            made = fiulink(env, "broker", "client-cert", "--fiu", fiu.lower())
            assert made.returncode == 0, made.stderr[-2000:]
            exports = dict(line.removeprefix("export ").split("=", 1) for line in made.stdout.splitlines())
            assert exports == hub.cert_env(f"fiu-{fiu}"), exports
            hub.certs[fiu] = exports
        yield hub
    finally:
        fiulink(env, "broker", "stop")


def test_fius_with_their_certificates_work_end_to_end(mtls_hub: MtlsHub, tmp_path: Path) -> None:
    hub = mtls_hub
    log = open(tmp_path / "worker.log", "wb")  # noqa: SIM115 - owned by the child
    worker = subprocess.Popen([*FIULINK, "worker", "--policy", str(hub.tmp / "policy.toml")],
                              env=hub.env_of("hub"), stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        for fiu in ("FR", "DE"):
            feed = write_jsonl(tmp_path / f"{fiu}.jsonl",
                               [report(f"{fiu}-1", fiu, wallets=[{"chain": "btc", "address": WALLET}])])  # fmt: skip
            done = hub.cli(fiu, "publish", str(feed))
            assert done.returncode == 0, done.stderr[-3000:]
        notes: list[dict[str, Any]] = []
        deadline = time.monotonic() + 90
        while not notes and time.monotonic() < deadline:
            tail = hub.cli(
                "FR", "tail", "notifications", "--fiu", "FR", "--from-beginning", "--idle-timeout", "2"
            )
            assert tail.returncode == 0, tail.stderr[-3000:]
            notes = [json.loads(line) for line in tail.stdout.splitlines()]
        assert [(n["type"], n["counterpart_report_id"]) for n in notes] == [("hit", "DE-1")], (
            notes, (tmp_path / "worker.log").read_text()[-3000:])  # fmt: skip
    finally:
        worker.terminate()
        worker.wait(30)
        log.close()


def test_a_client_without_a_certificate_or_with_another_cas_is_refused_at_once(
    mtls_hub: MtlsHub, tmp_path: Path
) -> None:
    hub = mtls_hub
    started = time.monotonic()
    bare = hub.cli("FR", "topics", "list", cert=False)
    took = time.monotonic() - started
    assert bare.returncode == 1 and bare.stderr.count("error:") == 1, bare.stderr
    assert "requires a client certificate (mutual TLS), and this client shows none" in bare.stderr, (
        bare.stderr
    )
    assert "fiulink broker client-cert --fiu XX" in bare.stderr and "Traceback" not in bare.stderr
    assert took < 25, took  # not kafka-python's 30 s bootstrap timeout
    stranger = tmp_path / "stranger"  # a certificate from a CA the hub does not know
    ensure_ca(stranger)
    crt, key = client_cert(stranger, "FR")
    forged = hub.cli("FR", "topics", "list", FIULINK_SSL_CERTFILE=str(crt), FIULINK_SSL_KEYFILE=str(key))
    assert forged.returncode == 1, forged.stderr
    assert "refused this client's certificate" in forged.stderr and "Traceback" not in forged.stderr, (
        forged.stderr
    )
    refused = fiulink(hub.env, "broker", "client-cert", "--fiu", "hub")
    assert refused.returncode != 0 and "cannot be an FIU principal" in refused.stderr, refused.stderr


def test_the_controller_listener_speaks_tls_and_wants_a_certificate_too(mtls_hub: MtlsHub) -> None:
    layout = Cluster(hub_settings := mtls_hub.settings).layout()
    assert layout is not None and layout.mtls
    port = layout.nodes[0].controller_port
    ctx = ssl.create_default_context(cafile=str(tls_dir(hub_settings.home) / "ca.pem"))
    with (
        socket.create_connection(("127.0.0.1", port), timeout=10) as raw,
        ctx.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
    ):  # the controller's certificate verifies against the hub's CA
        assert tls.version() in ("TLSv1.3", "TLSv1.2")
        tls.settimeout(5)
        with pytest.raises(ssl.SSLError, match="BAD_CERTIFICATE|CERTIFICATE_REQUIRED"):
            tls.recv(1)  # and refuses a client without a certificate (Java says "bad certificate")
