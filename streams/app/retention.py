"""Retention for state nobody touches again: tokens last sighted, and matches' sharing state
(held hits, consent answers) last touched, longer ago than the retention period are deleted
from the worker's tables with a changelog tombstone each (the correlate step also drops a token
when it comes back). The decision is the core's (``streams.core.correlate.expired``); this module
runs it over the tables on a timer, a chunk at a time between the agents' batches.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from streams.app.state import BatchTable, Send
from streams.core.correlate import CorrelationRules, past_retention


@dataclass(frozen=True)
class Swept:
    """One table under retention: what it holds (for the operator's line), the table, the lock
    its agent holds while it works on a batch, and where a key goes when the store keeps no
    partition (the in-memory store: the key's own routing)."""

    what: str
    table: BatchTable
    lock: asyncio.Lock
    fallback_partition: Callable[[str], int]


def sweep_interval(retention_ms: int) -> float:
    """Every tenth of the period, at least every hour and at most every second."""
    return max(1.0, min(3600.0, retention_ms / 10_000))


async def forget_expired(
    swept: list[Swept], rules: CorrelationRules, send: Callable[[list[Send]], Awaitable[None]], days: float
) -> None:
    """One sweep over every table: each chunk and its tombstones under the table's lock (never
    between a batch and its sends), the event loop handed back to heartbeats and agents between
    chunks. Says on stderr how many entries it forgot (the operator's record that FIU data was
    deleted), at any log level."""
    now_ms = int(time.time() * 1000)
    for s in swept:
        sweep = s.table.sweep(lambda st: past_retention(st, now_ms, rules), s.fallback_partition)
        forgotten = 0
        while True:
            async with s.lock:
                progress = next(sweep, None)
                await send(s.table.changelog())
            if progress is None:
                break
            forgotten = progress
            await asyncio.sleep(0)
        if forgotten:
            print(
                f"retention: forgot {forgotten} {s.what} not touched for {days:g} days",
                file=sys.stderr,
                flush=True,
            )


def schedule(
    app: Any,
    swept: list[Swept],
    rules: CorrelationRules,
    send: Callable[[list[Send]], Awaitable[None]],
    days: float,
) -> None:
    """A Faust timer that sweeps every ``sweep_interval``, skipped while the group rebalances."""

    async def forget_expired_state() -> None:
        if not app.rebalancing:
            await forget_expired(swept, rules, send, days)

    app.timer(interval=sweep_interval(rules.retention_ms))(forget_expired_state)
