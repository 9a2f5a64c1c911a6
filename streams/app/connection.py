"""How the worker's Faust app reaches Kafka: SASL and TLS credentials from the same client
options as the CLI's kafka-python clients, and producers that are idempotent.

Faust sends with ``acks=-1`` (``producer_acks``' default: all in-sync replicas) but turns
aiokafka's ``enable_idempotence`` on only inside transactions. At least once with retries could
then write a record twice, or out of order after a leader change; with idempotence the broker
drops a retried batch it already has. ``idempotent`` swaps in the producer class of
``streams.app.framework.idempotent_producer``, on this app's transport only.
"""

from __future__ import annotations

from typing import Any

import faust

from streams.app import framework
from streams.config import Settings
from streams.kafka.tls import ssl_context


def idempotent(app: faust.App) -> None:
    """Make every producer this app creates idempotent (before its first producer is made)."""
    app.transport.Producer = framework.idempotent_producer()


def broker_credentials(settings: Settings) -> Any:
    """Faust credentials: SASL (FIULINK_SASL_USERNAME/PASSWORD) over TLS if FIULINK_SSL_CAFILE is
    set, TLS alone, or None (plaintext)."""
    client = settings.client_options()
    ctx = ssl_context(client)
    if client.get("sasl_mechanism"):
        return faust.SASLCredentials(
            username=client["sasl_plain_username"],
            password=client["sasl_plain_password"],
            mechanism=client["sasl_mechanism"],
            ssl_context=ctx,
        )
    return faust.SSLCredentials(ctx) if ctx is not None else None
