"""streams.app.offsets without a broker: the consumer's commit and delivery rules."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import faust
import pytest
from faust.transport.consumer import Consumer as FaustConsumer
from faust.types import TP

from streams.app import offsets
from streams.app.offsets import HardenedConsumer, harden_offsets

FEED = TP("t.feed", 0)
OTHER = TP("t.feed", 1)
CHANGELOG = TP("t.tokens-changelog", 0)


def _consumer(delivered: list[int] | None = None) -> HardenedConsumer:
    app = faust.App("offsets-unit", broker="kafka://127.0.0.1:1", autodiscover=False, web_enabled=False)
    harden_offsets(app)
    assert isinstance(app.consumer, HardenedConsumer)  # installed as the app's consumer class

    async def deliver(message: Any) -> None:
        assert delivered is not None
        delivered.append(message.offset)

    async def nothing(*_: Any) -> None:
        pass

    c = HardenedConsumer(app.transport, callback=deliver, on_partitions_revoked=nothing,
                         on_partitions_assigned=nothing)  # fmt: skip
    c._guarded_topics.update({FEED.topic: True, CHANGELOG.topic: False})
    return c


def _record_seeks(c: HardenedConsumer) -> list[dict[TP, int]]:
    """Replace the consumer's seeks (no broker here) with a list of what was asked."""
    seeks: list[dict[TP, int]] = []

    async def seek_wait(partitions: dict[TP, int]) -> None:
        seeks.append(dict(partitions))

    c.seek_wait = seek_wait  # type: ignore[method-assign]
    return seeks


def _ack(c: HardenedConsumer, tp: TP, *offsets: int) -> None:
    c._acked[tp].extend(offsets)
    c._acked_index[tp].update(offsets)


def test_a_hole_at_the_committed_offset_is_never_committed_across() -> None:
    c = _consumer()
    c._committed_offset[FEED] = 5
    _ack(c, FEED, 6, 7)
    # stock Faust lets a one-record hole at the head through (min(acked) - committed > 1)
    assert FaustConsumer._new_offset(c, FEED) == 8
    _ack(c, FEED, 6, 7)
    c._base_offset[FEED] = 5
    assert c._new_offset(FEED) is None  # record 5 not processed: hold
    _ack(c, FEED, 5, 9)
    assert c._new_offset(FEED) == 8  # 5 6 7, not across the hole at 8
    assert c._acked[FEED] == [9] and c._acked_index[FEED] == {9}
    _ack(c, FEED, 3, 8)  # 3: processed again after a seek back, committed already
    assert c._new_offset(FEED) == 10
    assert not c._acked[FEED] and not c._acked_index[FEED]


def test_nothing_is_committed_while_the_committed_offset_is_unknown() -> None:
    c = _consumer()
    _ack(c, FEED, 153, 154)  # the batch in flight across a revoke, acked before the next seek
    assert FaustConsumer._new_offset(c, FEED) == 155  # stock Faust commits it, unchecked
    _ack(c, FEED, 153, 154)
    assert c._new_offset(FEED) is None
    c._base_offset[FEED] = 150
    _ack(c, FEED, 150, 151, 152)
    assert c._new_offset(FEED) == 155


def test_records_are_delivered_in_order_and_a_jump_is_fetched_again() -> None:
    delivered: list[int] = []
    c = _consumer(delivered)
    seeks = _record_seeks(c)

    async def feed(tp: TP, *offsets: int) -> None:
        for offset in offsets:
            await c.callback(SimpleNamespace(tp=tp, offset=offset))

    async def scenario() -> None:
        await feed(FEED, 4)  # nothing known yet (before the first seek): delivered
        c._next_offset[FEED] = 5  # as perform_seek leaves it
        await feed(FEED, 5, 7, 8)  # aiokafka jumped over 6
        assert seeks == [{FEED: 6}]  # one seek back for the batch, not one per record
        await feed(FEED, 5, 6, 7, 8)  # refetched from 6; 5 was delivered already
        await feed(CHANGELOG, 10, 3)  # not ours: untouched

    asyncio.run(scenario())
    assert delivered == [4, 5, 6, 7, 8, 10, 3]


def test_perform_seek_makes_the_committed_offset_or_log_start_the_base() -> None:
    c = _consumer()
    seeks = _record_seeks(c)
    truncated = TP("t.feed", 2)

    async def seek_to_committed() -> dict[TP, int | None]:
        return {FEED: 10, OTHER: None, truncated: 2, CHANGELOG: None}

    async def earliest_offsets(*tps: TP) -> dict[TP, int]:
        assert CHANGELOG not in tps
        return {FEED: 0, OTHER: 3, truncated: 4}

    c.seek_to_committed = seek_to_committed  # type: ignore[method-assign]
    c.earliest_offsets = earliest_offsets  # type: ignore[method-assign]
    c._next_offset[FEED] = 99
    asyncio.run(c.perform_seek())
    assert seeks == [{OTHER: 3, truncated: 4}]  # aiokafka itself seeks FEED to 10
    assert c._base_offset == c._next_offset == {FEED: 10, OTHER: 3, truncated: 4}
    assert c._committed_offset[FEED] == 10


def test_a_real_gap_is_skipped_after_a_few_seeks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(offsets, "RESEEK_AFTER", 0.0)  # each record after the gap seeks again
    delivered: list[int] = []
    c = _consumer(delivered)
    seeks = _record_seeks(c)
    c._next_offset[FEED] = c._base_offset[FEED] = 5

    async def scenario() -> None:
        for _ in range(offsets.MAX_SEEKS + 1):  # the broker has nothing at 5-7 (compacted away)
            await c.callback(SimpleNamespace(tp=FEED, offset=8))

    asyncio.run(scenario())
    assert seeks == [{FEED: 5}] * offsets.MAX_SEEKS
    assert delivered == [8]
    _ack(c, FEED, 8)
    assert c._new_offset(FEED) == 9
