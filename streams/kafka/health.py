"""Is the cluster able to take writes? A watcher for long-running clients (the worker) that says
on the log when brokers are lost, when too few remain for ``min.insync.replicas`` (processing
then waits, nothing is lost) and when they are back."""

from __future__ import annotations

import time
from typing import Any

from streams.config import Settings
from streams.kafka.cluster import durability


def _answers(address: str, timeout: float = 1.0) -> bool:
    import socket

    host, _, port = address.strip().rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=timeout):
            return True
    except (OSError, ValueError):
        return False


def health(addresses: list[str]) -> tuple[list[str], list[str], int]:
    """(brokers that answer, brokers that do not, in-sync replicas a write needs) for a cluster of
    ``addresses`` made as ``fiulink broker start --nodes N`` makes it."""
    up = [a for a in addresses if _answers(a)]
    down = [a for a in addresses if a not in up]
    return up, down, durability(len(addresses))[1]


def watch(settings: Settings, interval: float = 3.0, repeat: float = 30.0) -> Any:
    """A daemon thread for long-running clients (the worker): says on the log when brokers are
    lost, when too few remain to take writes (so processing waits instead of failing silently:
    every produce needs ``min.insync.replicas`` copies) and when they are back."""
    import logging
    import threading

    log = logging.getLogger("fiulink.cluster")
    addresses = [a.strip() for a in settings.bootstrap.split(",") if a.strip()]

    def run() -> None:
        last: tuple[str, ...] | None = None
        said = 0.0
        while True:
            up, down, need = health(addresses)
            state = tuple(down)
            now = time.monotonic()
            if state != last or (len(up) < need and now - said > repeat):
                said = now
                if len(up) < need:
                    log.error("Kafka: only %d of %d brokers answer (%s down) and every write needs %d "
                              "in-sync replicas: processing is paused, nothing is lost; it resumes when "
                              "a broker returns", len(up), len(addresses), ", ".join(down), need)  # fmt: skip
                elif down:
                    log.warning("Kafka: broker(s) %s down; %d of %d answer, enough to go on",
                                ", ".join(down), len(up), len(addresses))  # fmt: skip
                elif last is not None:
                    log.warning("Kafka: all %d brokers answer again; processing goes on", len(addresses))
                last = state
            time.sleep(interval)

    if len(addresses) < 2:
        return None
    t = threading.Thread(target=run, name="fiulink-cluster-watch", daemon=True)
    t.start()
    return t
