"""Producer and consumer helpers on kafka-python (the CLI side; the worker uses Faust/aiokafka)."""

from __future__ import annotations

from typing import Any

from streams.config import Settings
from streams.errors import BrokerError


def producer(settings: Settings, **overrides: Any):  # type: ignore[no-untyped-def]
    from kafka.errors import KafkaError

    from kafka import KafkaProducer

    conf: dict[str, Any] = {
        "bootstrap_servers": settings.bootstrap,
        "acks": "all",
        "linger_ms": 20,
        "batch_size": 512 * 1024,
        "max_request_size": 2 * 1024 * 1024,
        "client_id": "fiulink-cli",
        **settings.extra.get("client", {}),
        **overrides,
    }
    try:
        return KafkaProducer(**conf)
    except KafkaError as exc:
        raise BrokerError(
            f"cannot reach Kafka at {settings.bootstrap}: {exc}",
            hint="start it with `fiulink broker start` or set FIULINK_BOOTSTRAP",
        ) from exc


def consumer(settings: Settings, **overrides: Any):  # type: ignore[no-untyped-def]
    from kafka.errors import KafkaError

    from kafka import KafkaConsumer

    conf: dict[str, Any] = {
        "bootstrap_servers": settings.bootstrap,
        "enable_auto_commit": False,
        "client_id": "fiulink-cli",
        "max_partition_fetch_bytes": 4 * 1024 * 1024,
        **settings.extra.get("client", {}),
        **overrides,
    }
    try:
        return KafkaConsumer(**conf)
    except KafkaError as exc:
        raise BrokerError(
            f"cannot reach Kafka at {settings.bootstrap}: {exc}",
            hint="start it with `fiulink broker start` or set FIULINK_BOOTSTRAP",
        ) from exc
