"""Producer and consumer helpers on kafka-python (the CLI side; the worker uses Faust/aiokafka)."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from typing import Any

from streams.config import Settings
from streams.errors import BrokerError

#: kafka-python's bootstrap retries for 30 s by default. A client without TLS at a TLS listener,
#: or with another CA, never gets through, nor one whose every bootstrap address refuses the
#: connection, so the first try is this short: if it fails, the TLS diagnosis runs (one probe
#: connection) and says what is wrong at once, as does a refused connection at every address;
#: otherwise the client gets the rest of its patience (a slow or distant broker still has the
#: full bootstrap time).
FIRST_BOOTSTRAP_MS = 2000


def nobody_listens(bootstrap: str, timeout: float = 2.0) -> bool:
    """True if every address of ``bootstrap`` refuses a TCP connection (nothing listens there);
    False if one accepts, or does not answer at all (a firewall, a slow network: wait for it)."""
    for address in bootstrap.split(","):
        host, _, port = address.strip().rpartition(":")
        try:
            socket.create_connection((host, int(port)), timeout=timeout).close()
            return False
        except ConnectionRefusedError:
            continue
        except (OSError, ValueError):
            return False
    return True


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


def connect(settings: Settings, factory: Callable[..., Any], conf: dict[str, Any]) -> Any:
    """``factory(**conf)`` (a kafka-python client, which bootstraps in its constructor), refusing a
    TLS mismatch within ``FIRST_BOOTSTRAP_MS`` instead of the whole bootstrap timeout."""
    from kafka.errors import KafkaTimeoutError

    from streams.kafka.tls import refused

    patience = int(conf.get("bootstrap_timeout_ms", 30000))
    first = min(FIRST_BOOTSTRAP_MS, patience)
    started = time.monotonic()
    try:
        return factory(**{**conf, "bootstrap_timeout_ms": first})
    except KafkaTimeoutError as exc:
        tls = refused(settings.bootstrap, settings.client_options(), exc)
        if tls is not None:
            raise tls from exc
        if first >= patience or nobody_listens(settings.bootstrap):
            raise
    rest = patience - int((time.monotonic() - started) * 1000)
    return factory(**{**conf, "bootstrap_timeout_ms": max(rest, first)})


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
        return connect(settings, KafkaProducer, conf)
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
        return connect(settings, KafkaConsumer, conf)
    except KafkaError as exc:
        raise unreachable(settings, exc) from exc
