"""Producer and consumer helpers on kafka-python (the CLI side; the worker uses Faust/aiokafka)."""

from __future__ import annotations

from typing import Any

from streams.config import Settings
from streams.errors import BrokerError


def unreachable(settings: Settings, exc: Exception) -> BrokerError:
    """The error for a client that could not get through. kafka-python retries a refused SASL
    login until it times out, so with credentials set a timeout may well be a wrong password;
    a TLS mismatch (no TLS at a TLS listener, a wrong CA) is said as such."""
    from streams.kafka.tls import refused

    tls = refused(settings.bootstrap, settings.client_options(), exc)
    if tls is not None:
        return tls
    user = settings.sasl_username
    if user is None:
        return BrokerError(
            f"cannot reach Kafka at {settings.bootstrap}: {exc}",
            hint="start it with `fiulink broker start` or set FIULINK_BOOTSTRAP",
        )
    return BrokerError(
        f"cannot connect to Kafka at {settings.bootstrap} as {user!r}: the broker is down or "
        f"refused these SASL credentials ({type(exc).__name__})",
        hint="check FIULINK_SASL_USERNAME / FIULINK_SASL_PASSWORD (the hub operator's credentials.json) "
        "and FIULINK_BOOTSTRAP",
    )


def producer(settings: Settings, **overrides: Any):  # type: ignore[no-untyped-def]
    from kafka.errors import KafkaError

    from kafka import KafkaProducer

    conf: dict[str, Any] = {
        "bootstrap_servers": settings.bootstrap,
        "acks": "all",
        "enable_idempotence": True,  # already the default of the pinned kafka-python 3.0.12; said, not assumed
        "delivery_timeout_ms": int(settings.send_timeout * 1000),  # then the send is a failure, said
        "request_timeout_ms": int(min(30.0, settings.send_timeout / 2) * 1000),
        "linger_ms": 20,
        "batch_size": 512 * 1024,
        "max_request_size": 2 * 1024 * 1024,
        "client_id": "fiulink-cli",
        **settings.client_options(),
        **overrides,
    }
    try:
        return KafkaProducer(**conf)
    except KafkaError as exc:
        raise unreachable(settings, exc) from exc


def consumer(settings: Settings, **overrides: Any):  # type: ignore[no-untyped-def]
    from kafka.errors import KafkaError

    from kafka import KafkaConsumer

    conf: dict[str, Any] = {
        "bootstrap_servers": settings.bootstrap,
        "enable_auto_commit": False,
        "client_id": "fiulink-cli",
        "max_partition_fetch_bytes": 4 * 1024 * 1024,
        **settings.client_options(),
        **overrides,
    }
    try:
        return KafkaConsumer(**conf)
    except KafkaError as exc:
        raise unreachable(settings, exc) from exc
