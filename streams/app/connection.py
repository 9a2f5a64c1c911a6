"""How the worker's Faust app reaches Kafka: SASL and TLS credentials from the same client
options as the CLI's kafka-python clients, and producers that are idempotent.

Faust (faust-streaming 0.15.3) sends with ``acks=-1`` (``producer_acks``' default, i.e. all
in-sync replicas) but turns aiokafka's ``enable_idempotence`` on only inside transactions
(``faust/transport/drivers/aiokafka.py``, ``Producer._settings_extra``). At least once with
retries can then write a record twice, or out of order after a leader change; with idempotence
the broker drops a retried batch it already has. ``idempotent`` swaps in a ``Producer`` subclass
whose only change is that extra setting, on this app's transport only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import faust
from faust.transport.drivers.aiokafka import Producer

from streams.config import Settings
from streams.kafka.tls import ssl_context


class IdempotentProducer(Producer):  # type: ignore[misc]
    def _settings_extra(self) -> Mapping[str, Any]:
        return {**super()._settings_extra(), "acks": "all", "enable_idempotence": True}


def idempotent(app: faust.App) -> None:
    """Make every producer this app creates idempotent (before its first producer is made)."""
    app.transport.Producer = IdempotentProducer


def broker_credentials(settings: Settings) -> Any:
    """Faust credentials: SASL (FIULINK_SASL_USERNAME/PASSWORD) over TLS if FIULINK_SSL_CAFILE is
    set, TLS alone, or None (plaintext)."""
    client = settings.extra.get("client", {})
    ctx = ssl_context(client)
    if client.get("sasl_mechanism"):
        return faust.SASLCredentials(
            username=client["sasl_plain_username"],
            password=client["sasl_plain_password"],
            mechanism=client["sasl_mechanism"],
            ssl_context=ctx,
        )
    return faust.SSLCredentials(ctx) if ctx is not None else None
