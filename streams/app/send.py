"""A worker batch's output, handed to Kafka one record batch per topic-partition.

aiokafka's ``send`` costs a coroutine, a metadata check, a partitioner call and a future per
message; with ~4 output records per report (sightings, changelog records, matches,
notifications, audit) that was a large share of the worker's time (README, Performance). ``BatchSender`` groups a batch's
output by topic-partition and appends each group to an aiokafka ``BatchBuilder`` (the record
batch Kafka stores, built in C), then queues it with ``send_batch``: one future per
partition per worker batch. Order is kept within a partition (aiokafka queues a partition's
batches in order), and keyed records without a partition go where ``send`` would put them (the
producer's own partitioner, murmur2 as in every Kafka client: ``fiulink consent`` relies on a
match's answer landing on its match's partition).

At-least-once is unchanged: ``send_batch`` returns once the batch is in the producer's queue,
and Faust flushes that queue before it commits the source offsets. A batch Kafka finally
refuses is the framework failing, not a record: the worker exits (crash-only) before a commit
could pass over it, and the restarted worker reads the batch again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from streams.app.crash import crash
from streams.app.framework import default_partition, wait_on_metadata
from streams.app.state import Send

log = logging.getLogger("fiulink.worker")

#: topic -> called with (partition, offset of the batch's last record) once Kafka has it
OnWritten = dict[str, Callable[[int, int], None]]


def refused_for_good(topic: str, partition: int, exc: BaseException) -> None:
    """Kafka refused a batch for good: exit before any commit can pass over it (crash-only)."""
    crash("Kafka refused a batch for %s/%s: %r; exiting so the batch is read again", topic, partition, exc)


class BatchSender:
    """``await sender.send(out)``: the records of ``out`` (topic, key, value, partition or None),
    one ``BatchBuilder`` per topic-partition. ``producer`` returns the running aiokafka
    producer (Faust starts it with the worker)."""

    def __init__(
        self,
        producer: Callable[[], Any],
        on_written: OnWritten | None = None,
        on_failure: Callable[[str, int, BaseException], None] = refused_for_good,
    ) -> None:
        self.producer = producer
        self.on_written = on_written or {}
        self.on_failure = on_failure
        self._known: set[str] = set()  # topics whose metadata the producer has

    async def send(self, out: list[Send]) -> None:
        if not out:
            return
        aio = self.producer()
        groups: dict[tuple[str, int], list[tuple[bytes, bytes | None]]] = {}
        for topic, key, value, partition in out:
            if topic not in self._known:
                await wait_on_metadata(aio, topic)
                self._known.add(topic)
            if partition is None:  # the producer's partitioner, as send() would
                partition = default_partition(aio, topic, key, value)
            groups.setdefault((topic, partition), []).append((key, value))
        for (topic, partition), records in groups.items():
            batch, n = aio.create_batch(), 0
            for key, value in records:
                if batch.append(timestamp=None, key=key, value=value) is None:  # full: send, start another
                    await self._queue(aio, batch, topic, partition, n)
                    batch, n = aio.create_batch(), 0
                    batch.append(timestamp=None, key=key, value=value)
                n += 1
            await self._queue(aio, batch, topic, partition, n)

    async def _queue(self, aio: Any, batch: Any, topic: str, partition: int, n: int) -> None:
        batch.close()  # complete: the sender may take it at once instead of lingering
        fut = await aio.send_batch(batch, topic, partition=partition)
        fut.add_done_callback(self._written(topic, partition, n - 1))

    def _written(self, topic: str, partition: int, last: int) -> Callable[[Any], None]:
        on_written = self.on_written.get(topic)

        def done(fut: Any) -> None:
            if fut.cancelled():  # the producer is stopping: nothing is committed after this
                return
            exc = fut.exception()
            if exc is not None:
                self.on_failure(topic, partition, exc)
            elif on_written is not None:
                on_written(partition, fut.result().offset + last)

        return done


async def finish(work: Awaitable[None]) -> None:
    """Run ``work`` to its end even if the caller is cancelled meanwhile, then pass the
    cancellation on. A worker that stops cancels its agents, and Faust acks a batch's events as
    the agent's loop unwinds, then commits: a batch whose output was half queued would be
    committed with the rest of its output never sent. So a batch is always finished (or the
    worker exits before any commit: ``streams.app.crash``)."""
    task = asyncio.ensure_future(work)
    cancelled = False
    while not task.done():
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            if task.cancelled():  # cancelled from inside (an executor shut down): unfinished
                break
            cancelled = True
    if task.cancelled():
        crash("a batch was cancelled before its output was queued; exiting without committing it")
    task.result()
    if cancelled:
        raise asyncio.CancelledError
