"""BatchSender: a batch's output as one aiokafka record batch per topic-partition, in order,
keyed records where ``send`` would put them, changelog offsets reported, failures not ignored."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest
from aiokafka.partitioner import DefaultPartitioner
from aiokafka.producer.message_accumulator import BatchBuilder
from aiokafka.record.memory_records import MemoryRecords

from streams.app.send import BatchSender, finish


class FakeProducer:
    """The aiokafka producer calls BatchSender makes, with aiokafka's own BatchBuilder (so a
    batch that is full really says so) and its own partitioner."""

    def __init__(self, batch_size: int = 512 * 1024) -> None:
        self.batch_size = batch_size
        self.sent: list[tuple[str, int, list[tuple[bytes, bytes | None]]]] = []
        self.futures: list[asyncio.Future[Any]] = []
        self.metadata_waits: list[str] = []
        self.client = SimpleNamespace(_wait_on_metadata=self._wait_on_metadata)

    async def _wait_on_metadata(self, topic: str) -> None:
        self.metadata_waits.append(topic)

    def _partition(self, topic: str, partition: Any, key: Any, value: Any, skey: bytes, svalue: Any) -> int:
        return int(DefaultPartitioner()(skey, list(range(8)), list(range(8))))

    def create_batch(self) -> BatchBuilder:
        return BatchBuilder(self.batch_size, 0)

    async def send_batch(self, batch: BatchBuilder, topic: str, *, partition: int) -> asyncio.Future[Any]:
        assert batch.closed()
        records = MemoryRecords(bytes(batch._build())).next_batch()
        self.sent.append((topic, partition, [(r.key, r.value) for r in records]))
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.futures.append(fut)
        return fut


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_groups_by_topic_partition_in_order() -> None:
    aio = FakeProducer()
    out = [("t", b"a", b"1", 0), ("t", b"b", b"2", 1), ("u", b"c", None, 0), ("t", b"d", b"3", 0)]

    async def go() -> None:
        await BatchSender(lambda: aio).send(out)

    run(go())
    assert aio.sent == [
        ("t", 0, [(b"a", b"1"), (b"d", b"3")]),
        ("t", 1, [(b"b", b"2")]),
        ("u", 0, [(b"c", None)]),
    ]
    assert sorted(aio.metadata_waits) == ["t", "u"]  # once per topic


def test_keyed_records_go_where_the_partitioner_says() -> None:
    aio = FakeProducer()
    keys = [f"match-{i}".encode() for i in range(50)]

    async def go() -> None:
        await BatchSender(lambda: aio).send([("m", k, b"v", None) for k in keys])

    run(go())
    where = {k: p for _, p, recs in aio.sent for k, _ in recs}
    murmur = DefaultPartitioner()
    assert where == {k: murmur(k, list(range(8)), list(range(8))) for k in keys}
    assert len(set(where.values())) > 1


def test_a_full_batch_is_sent_and_another_started() -> None:
    aio = FakeProducer(batch_size=1024)
    values = [bytes([i]) * 300 for i in range(10)]

    async def go() -> None:
        await BatchSender(lambda: aio).send([("t", b"k", v, 3) for v in values])

    run(go())
    assert len(aio.sent) > 1
    assert [v for _, p, recs in aio.sent for _, v in recs] == values  # nothing lost, order kept
    assert {p for _, p, _ in aio.sent} == {3}


def test_changelog_offset_is_the_batch_last_record() -> None:
    aio = FakeProducer()
    written: list[tuple[int, int]] = []

    async def go() -> None:
        sender = BatchSender(lambda: aio, {"cl": lambda p, o: written.append((p, o))})
        await sender.send(
            [("cl", b"a", b"1", 2), ("cl", b"b", b"2", 2), ("cl", b"c", b"3", 2), ("x", b"d", b"4", 2)]
        )
        aio.futures[0].set_result(SimpleNamespace(offset=100))  # base offset of the cl batch
        aio.futures[1].set_result(SimpleNamespace(offset=7))  # not a changelog: not reported
        await asyncio.sleep(0)

    run(go())
    assert written == [(2, 102)]


def test_a_refused_batch_is_not_ignored() -> None:
    aio = FakeProducer()
    failed: list[tuple[str, int, str]] = []

    async def go() -> None:
        sender = BatchSender(lambda: aio, on_failure=lambda t, p, e: failed.append((t, p, str(e))))
        await sender.send([("t", b"a", b"1", 4)])
        aio.futures[0].set_exception(RuntimeError("NotLeaderForPartition"))
        await asyncio.sleep(0)

    run(go())
    assert failed == [("t", 4, "NotLeaderForPartition")]


def test_a_cancelled_batch_at_shutdown_is_not_a_failure() -> None:
    aio = FakeProducer()
    failed: list[Any] = []

    async def go() -> None:
        sender = BatchSender(lambda: aio, on_failure=lambda *a: failed.append(a))
        await sender.send([("t", b"a", b"1", 4)])
        aio.futures[0].cancel()
        await asyncio.sleep(0)

    run(go())
    assert failed == []


def test_finish_completes_the_batch_before_a_stop_cancels() -> None:
    steps: list[str] = []

    async def batch() -> None:
        steps.append("half queued")
        await asyncio.sleep(0.05)
        steps.append("all queued")

    async def go() -> None:
        agent = asyncio.ensure_future(finish(batch()))
        await asyncio.sleep(0.01)
        agent.cancel()  # the worker stops mid-batch
        await asyncio.sleep(0.01)
        agent.cancel()  # and again
        try:
            await agent
        except asyncio.CancelledError:
            steps.append("cancelled after")

    run(go())
    assert steps == ["half queued", "all queued", "cancelled after"]


def test_finish_without_a_stop_runs_the_batch_and_passes_its_error_on() -> None:
    ran: list[str] = []

    async def batch() -> None:
        await asyncio.sleep(0)
        ran.append("done")

    async def failing() -> None:
        raise ValueError("the batch's own error")

    run(finish(batch()))  # returns, no CancelledError
    assert ran == ["done"]
    with pytest.raises(ValueError, match="own error"):
        run(finish(failing()))


def test_finish_exits_when_the_batch_itself_is_cancelled(monkeypatch: Any) -> None:
    exits: list[int] = []
    monkeypatch.setattr("streams.app.crash.os._exit", lambda code: exits.append(code))

    async def go() -> None:
        async def batch() -> None:
            await asyncio.sleep(1)

        inner = asyncio.ensure_future(batch())
        outer = asyncio.ensure_future(finish(inner))
        await asyncio.sleep(0.01)
        inner.cancel()  # e.g. the ingest process pool shut down under it
        await asyncio.wait([outer])

    run(go())
    assert exits == [70]
