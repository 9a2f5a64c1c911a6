"""Whole fetches for the hot hops: the records of one fetch go to their agent's batch handler in
one call, instead of one at a time through Faust's per-record path.

Faust (faust-streaming 0.15.3, ``faust/transport/consumer.py``) delivers every fetched record on
its own: ``_drain_messages`` runs the delivery callback under ``Service.wait_first`` (two tasks per
record), the conductor takes the flow-control lock, checks the producer's buffer, decodes the
record into an Event and puts it on the stream's queue, and the agent's ``take_events`` takes it
back off and acks it. The profile of a backfill puts that path at about a third of the worker's
time, more than ingest, correlate and notify together.

:class:`FetchConsumer` (the hardened consumer, ``streams.app.offsets``, with its own
``_drain_messages``) keeps Faust's fetch (``Consumer.getmany``: the active, unpaused partitions
only, stopping at a generation change) and sends each record of a topic with no route through
the hardened per-record path as before (changelogs during recovery, the fuzzy ``link`` agent's
subjects). The records of a routed topic are collected over the fetch and then, per route:

* admitted in order by the same rule as the per-record path (``HardenedConsumer._take``: only
  the next offset of its partition; a jump seeks back and the skipped records are fetched again),
  and none at all if a rebalance began after the fetch (the flow stopped or the generation
  changed): nothing of it was admitted, the seek after the rebalance fetches it again;
* tracked as Faust tracks a delivered record (``track_message``: a revoke waits for them,
  ``wait_empty``), handed to the route (the agent's handler, its lock and its send, the same
  ``process`` the agent runs) to the end even if the worker is stopping (``finish``), then
  acked; a failure of the handler or of Faust exits the worker before any commit
  (``streams.app.crash``), so an offset is committed only below records fully processed.

The agents stay: they declare the topology (subscriptions, the tables' partitions) and are the
path when ``Settings.fetch_batches`` is off (``FIULINK_FETCH_BATCHES=0``), so both paths can be
measured on the same build. Installed with :func:`fetch_batches` before the worker starts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import faust
from faust.types import Message

from streams.app import framework
from streams.app.offsets import HardenedConsumer

#: the records of one fetch for one route, as events (``.key``, ``.value``, ``.message``)
Route = Callable[[list[Any]], Awaitable[None]]


class FetchedEvent:
    """What a handler reads of a record: ``key``, ``value`` (raw bytes) and ``message``."""

    __slots__ = ("key", "message", "value")

    def __init__(self, message: Message) -> None:
        self.message = message
        self.key = message.key
        self.value = message.value


class FetchConsumer(HardenedConsumer):
    """The hardened consumer, handing routed topics' records over in whole fetches (module doc)."""

    routes: dict[str, Route] = {}  # topic -> route; set per app by :func:`fetch_batches`

    async def _drain_messages(self, fetcher: Any) -> None:
        consumer_stopped, fetcher_stopped = framework.stopped(self), framework.stopped(fetcher)
        routes, callback = self.routes, self.callback
        try:
            while not (consumer_stopped() or fetcher_stopped()):
                await asyncio.sleep(0)  # getmany may return at once, time and again
                if self.should_stop:
                    break
                generation = self.app.consumer_generation_id
                fetched: dict[Route, list[Message]] = {}
                async for tp, message in self.getmany(timeout=1.0):
                    route = routes.get(tp.topic)
                    if route is None:  # Faust's per-record path (through the hardened order check)
                        await self.wait_first(callback(message), self.suspend_flow.wait())
                    else:
                        fetched.setdefault(route, []).append(message)
                for route, messages in fetched.items():
                    if not self.flow_active or self.app.consumer_generation_id != generation:
                        break  # a rebalance began: none of it admitted, fetched again after the seek
                    await self._deliver(route, messages)
                if self._commit_every is not None and self._n_acked >= self._commit_every:
                    self._n_acked = 0  # as Faust's loop: commit every broker_commit_every acks too
                    await self.commit()
        except self.consumer_stopped_errors:
            if self.transport.app.should_stop:
                return
            raise
        except asyncio.CancelledError:
            if self.transport.app.should_stop:
                return
            raise

    async def _deliver(self, route: Route, messages: list[Message]) -> None:
        admitted = [m for m in messages if await self._take(m)]
        if not admitted:
            return
        for m in admitted:
            self.track_message(m)
        cancelled = False
        try:
            await route([FetchedEvent(m) for m in admitted])  # finished even when stopping
        except asyncio.CancelledError:
            cancelled = True  # the worker is stopping: the batch is done, so ack it first
        for m in admitted:
            self.ack(m)
        if cancelled:
            raise asyncio.CancelledError


def fetch_batches(app: faust.App, routes: dict[str, Route]) -> faust.App:
    """Make ``app`` consume with a :class:`FetchConsumer` routing these topics. Call after
    ``harden_offsets`` and before the consumer exists (before the worker starts)."""
    if framework.has_consumer(app):
        raise RuntimeError("fetch_batches must run before the app's consumer is created")
    app.transport.Consumer = type("AppFetchConsumer", (FetchConsumer,), {"routes": dict(routes)})
    return app
