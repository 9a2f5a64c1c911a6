"""streams.app.fetches without a broker: whole fetches handed over in order, acked after the
handler, nothing of a fetch delivered once a rebalance began."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import faust
import pytest
from faust.types import TP, Message

from streams.app.fetches import FetchConsumer, fetch_batches
from streams.app.offsets import harden_offsets

FEED = TP("t.feed", 0)
OTHER = TP("t.feed", 1)
CHANGELOG = TP("t.tokens-changelog", 0)


def _message(tp: TP, offset: int) -> Message:
    return Message(
        tp.topic, tp.partition, offset, 1.5, 0, None, b"k%d" % offset, b"v%d" % offset, None, tp=tp
    )


def _consumer(batches: list[list[int]], delivered: list[int] | None = None) -> FetchConsumer:
    app = faust.App("fetches-unit", broker="kafka://127.0.0.1:1", autodiscover=False, web_enabled=False)
    app.topics.acks_enabled_for = lambda topic: topic == FEED.topic  # type: ignore[method-assign]

    async def route(events: list[Any]) -> None:
        assert all(e.key == e.message.key and e.value == e.message.value for e in events)
        batches.append([e.message.offset for e in events])

    fetch_batches(harden_offsets(app), {FEED.topic: route})
    consumer_class = app.transport.Consumer
    assert issubclass(consumer_class, FetchConsumer) and consumer_class.routes == {FEED.topic: route}

    async def deliver(message: Any) -> None:
        assert delivered is not None
        delivered.append(message.offset)

    async def nothing(*_: Any) -> None:
        pass

    c = consumer_class(app.transport, callback=deliver, on_partitions_revoked=nothing,
                       on_partitions_assigned=nothing)  # fmt: skip
    c._guarded_topics.update({FEED.topic: True, CHANGELOG.topic: False})
    return c


def _record_seeks(c: FetchConsumer) -> list[dict[TP, int]]:
    seeks: list[dict[TP, int]] = []

    async def seek_wait(partitions: dict[TP, int]) -> None:
        seeks.append(dict(partitions))

    c.seek_wait = seek_wait  # type: ignore[method-assign]
    return seeks


def test_a_fetch_goes_over_in_order_and_is_acked_once_handled() -> None:
    batches: list[list[int]] = []
    c = _consumer(batches)
    seeks = _record_seeks(c)
    c._next_offset[FEED] = c._base_offset[FEED] = 5  # as perform_seek leaves it

    async def scenario() -> None:
        await c._deliver(c.routes[FEED.topic], [_message(FEED, o) for o in (5, 7, 8)])  # aiokafka jumped 6
        assert seeks == [{FEED: 6}]
        assert c._new_offset(FEED) == 6  # 5 processed and acked; nothing past the hole
        await c._deliver(c.routes[FEED.topic], [_message(FEED, o) for o in (5, 6, 7, 8)])  # refetched

    asyncio.run(scenario())
    assert batches == [[5], [6, 7, 8]]  # 5 not twice, 7 and 8 only after 6
    assert c._new_offset(FEED) == 9
    assert not c.unacked


def test_a_batch_cut_short_by_a_stop_is_acked_then_the_stop_goes_on() -> None:
    c = _consumer([])
    c._next_offset[FEED] = c._base_offset[FEED] = 0

    async def stopped_meanwhile(events: list[Any]) -> None:
        raise asyncio.CancelledError  # what ``finish`` raises once the batch is done

    with pytest.raises(asyncio.CancelledError):
        asyncio.run(c._deliver(stopped_meanwhile, [_message(FEED, 0), _message(FEED, 1)]))
    assert c._new_offset(FEED) == 2


def _drain(c: FetchConsumer, fetches: list[list[Message]], between: Any = None) -> None:
    """Run the consumer's fetch loop over ``fetches`` (one getmany each), then stop it."""
    fetcher = SimpleNamespace(_stopped=asyncio.Event())

    async def getmany(timeout: float) -> AsyncIterator[tuple[TP, Message]]:
        batch = fetches.pop(0)
        if not fetches:
            fetcher._stopped.set()
        for m in batch:
            yield m.tp, m
        if between is not None:
            between()

    async def run() -> None:
        c.loop = asyncio.get_running_loop()  # the per-record path's wait_first runs on it
        await c._drain_messages(fetcher)

    c.getmany = getmany  # type: ignore[assignment,method-assign]
    asyncio.run(run())


def test_routed_topics_go_by_the_fetch_and_the_rest_one_by_one() -> None:
    batches: list[list[int]] = []
    delivered: list[int] = []
    c = _consumer(batches, delivered)
    c._next_offset[FEED] = c._base_offset[FEED] = 0
    _drain(c, [[_message(FEED, 0), _message(CHANGELOG, 40), _message(FEED, 1)], [_message(FEED, 2)]])
    assert batches == [[0, 1], [2]]
    assert delivered == [40]


def test_nothing_of_a_fetch_is_delivered_once_a_rebalance_began() -> None:
    batches: list[list[int]] = []
    c = _consumer(batches)
    c._next_offset[FEED] = c._base_offset[FEED] = 0

    def rebalance() -> None:
        c.app.consumer_generation_id += 1

    _drain(c, [[_message(FEED, 0), _message(FEED, 1)]], between=rebalance)
    assert batches == []
    assert c._next_offset[FEED] == 0  # not taken: the seek after the rebalance fetches it again
    assert c._new_offset(FEED) is None
