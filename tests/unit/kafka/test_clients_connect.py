"""How a kafka-python client is built: a short first bootstrap, a TLS diagnosis if it fails, then
the rest of the bootstrap time unless nothing listens (no broker needed: the client factory is a
stand-in that records what it was given, the sockets are loopback ones this test opens; the real
refusals are in tests/integration/test_tls.py and test_mtls.py)."""

from __future__ import annotations

import socket
import time
from typing import Any

import pytest
from kafka.errors import KafkaTimeoutError

from streams.config import Settings
from streams.errors import BrokerError
from streams.kafka import clients, tls
from streams.kafka.broker import free_port


class Factory:
    """Fails its first ``fail`` constructions the way kafka-python does when bootstrap times out
    (after ``wait`` seconds)."""

    def __init__(self, fail: int, wait: float = 0.0) -> None:
        self.fail, self.wait = fail, wait
        self.timeouts: list[int] = []

    def __call__(self, **conf: Any) -> dict[str, Any]:
        self.timeouts.append(conf["bootstrap_timeout_ms"])
        if len(self.timeouts) <= self.fail:
            time.sleep(self.wait)
            raise KafkaTimeoutError("bootstrap")
        return conf


SETTINGS = Settings.from_env({"FIULINK_BOOTSTRAP": "127.0.0.1:9"})


def test_a_tls_mismatch_is_said_after_the_first_short_bootstrap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tls, "diagnose", lambda *_a, **_k: "the broker at 127.0.0.1:9 requires TLS")
    factory = Factory(fail=10)
    with pytest.raises(BrokerError, match="requires TLS"):
        clients.connect(SETTINGS, factory, {"bootstrap_servers": "127.0.0.1:9"})
    assert factory.timeouts == [clients.FIRST_BOOTSTRAP_MS]


def test_without_a_tls_problem_the_client_gets_the_rest_of_its_bootstrap_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(tls, "diagnose", lambda *_a, **_k: None)
    with socket.create_server(("127.0.0.1", 0)) as slow:  # something listens, but no bootstrap yet
        settings = Settings.from_env({"FIULINK_BOOTSTRAP": f"127.0.0.1:{slow.getsockname()[1]}"})
        factory = Factory(fail=1, wait=0.3)
        built = clients.connect(settings, factory, {"bootstrap_timeout_ms": 30000})
        first, rest = factory.timeouts
        assert first == clients.FIRST_BOOTSTRAP_MS
        assert 30000 - 1300 <= rest <= 30000 - 300  # the second try gets what the first left
        assert built["bootstrap_timeout_ms"] == rest
        with pytest.raises(KafkaTimeoutError):  # and a second timeout is the caller's to report
            clients.connect(settings, Factory(fail=2), {"bootstrap_timeout_ms": 30000})


def test_nothing_listening_at_any_address_is_said_after_the_first_short_bootstrap(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(tls, "diagnose", lambda *_a, **_k: None)
    closed = [free_port() for _ in range(3)]  # bound and released: nothing listens there
    settings = Settings.from_env({"FIULINK_BOOTSTRAP": ",".join(f"127.0.0.1:{p}" for p in closed)})
    assert clients.nobody_listens(settings.bootstrap)
    factory = Factory(fail=10)
    with pytest.raises(KafkaTimeoutError):
        clients.connect(settings, factory, {"bootstrap_timeout_ms": 30000})
    assert factory.timeouts == [clients.FIRST_BOOTSTRAP_MS]
    with socket.create_server(("127.0.0.1", 0)) as one:  # one address that accepts: wait for it
        port = one.getsockname()[1]
        assert not clients.nobody_listens(f"127.0.0.1:{closed[0]},127.0.0.1:{port}")


def test_a_short_bootstrap_time_is_kept_and_tried_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tls, "diagnose", lambda *_a, **_k: None)
    factory = Factory(fail=1)
    with pytest.raises(KafkaTimeoutError):
        clients.connect(SETTINGS, factory, {"bootstrap_timeout_ms": 500})
    assert factory.timeouts == [500]
