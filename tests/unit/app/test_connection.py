"""The worker's producers wait for all in-sync replicas and are idempotent; its credentials carry
TLS when FIULINK_SSL_CAFILE is set."""

from __future__ import annotations

from pathlib import Path

import faust

from streams.app.connection import broker_credentials
from streams.app.topology import build_worker_app
from streams.config import Settings
from streams.core.correlate import CorrelationRules
from streams.core.policy import SharingPolicy
from streams.kafka.tls import ensure_ca


def test_the_worker_producer_is_idempotent_with_acks_all(tmp_path: Path) -> None:
    (tmp_path / "p.toml").write_text('fius = ["FR", "DE"]\ndefault = "deny"\n')
    s = Settings.from_env(
        {"FIULINK_HOME": str(tmp_path), "FIULINK_TOKEN_KEY": "unit-test-key-0123456789"}
    ).with_overrides(store="memory://")
    app = build_worker_app(s, SharingPolicy.load(tmp_path / "p.toml"), CorrelationRules())
    assert app.conf.producer_acks == -1
    assert app.producer._settings_extra() == {"acks": "all", "enable_idempotence": True}  # noqa: SLF001


def test_credentials_sasl_over_tls_tls_alone_or_none(tmp_path: Path) -> None:
    ca = str(ensure_ca(tmp_path))
    sasl = {"FIULINK_SASL_USERNAME": "hub", "FIULINK_SASL_PASSWORD": "pw"}
    both = broker_credentials(Settings.from_env({**sasl, "FIULINK_SSL_CAFILE": ca}))
    assert isinstance(both, faust.SASLCredentials) and both.protocol.value == "SASL_SSL"
    assert broker_credentials(Settings.from_env(sasl)).protocol.value == "SASL_PLAINTEXT"
    assert isinstance(broker_credentials(Settings.from_env({"FIULINK_SSL_CAFILE": ca})), faust.SSLCredentials)
    assert broker_credentials(Settings.from_env({})) is None
