"""How a kafka-python client is built: a short first bootstrap, a TLS diagnosis if it fails, then
the rest of the bootstrap time (no broker needed: the client factory is a stand-in that records
what it was given; the real refusals are in tests/integration/test_tls.py)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from kafka.errors import KafkaTimeoutError

from streams.config import Settings
from streams.errors import BrokerError
from streams.kafka import clients, tls


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
    factory = Factory(fail=1, wait=0.3)
    built = clients.connect(SETTINGS, factory, {"bootstrap_timeout_ms": 30000})
    first, rest = factory.timeouts
    assert first == clients.FIRST_BOOTSTRAP_MS
    assert 30000 - 1300 <= rest <= 30000 - 300  # the second try gets what the first left
    assert built["bootstrap_timeout_ms"] == rest
    with pytest.raises(KafkaTimeoutError):  # and a second timeout is the caller's to report
        clients.connect(SETTINGS, Factory(fail=2), {"bootstrap_timeout_ms": 30000})


def test_a_short_bootstrap_time_is_kept_and_tried_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tls, "diagnose", lambda *_a, **_k: None)
    factory = Factory(fail=1)
    with pytest.raises(KafkaTimeoutError):
        clients.connect(SETTINGS, factory, {"bootstrap_timeout_ms": 500})
    assert factory.timeouts == [500]
