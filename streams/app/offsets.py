"""Offset bookkeeping that cannot skip a record across a rebalance.

Faust (faust-streaming 0.15.3, ``faust/transport/consumer.py``) tracks one ``_read_offset`` per
partition and uses it for two things that race around a rebalance:

* ``_drain_messages`` drops every fetched record below ``_read_offset`` ("DROPPED MESSAGE") and,
  when a record lands more than one past it, records the jump as a compaction *gap* (``_add_gap``);
  ``_new_offset`` later counts every gap offset as acked and commits across it.
* ``perform_seek`` (called when recovery resumes the streams) awaits the committed offset of every
  partition and only then overwrites ``_read_offset`` with it, while the fetcher keeps delivering
  records: stream partitions are resumed *before* the seek (``tables/recovery.py``), and a batch
  already taken from aiokafka keeps draining after it. So ``_read_offset`` ends up pointing
  behind what was delivered (the next record is a false gap) or ahead of what aiokafka will
  fetch next (the refetched records are dropped), and a record that no agent ever saw is
  committed. ``_new_offset`` also lets a hole of one record through (``min(acked) - committed > 1``)
  and does no check at all while the committed offset is unknown or 0 (right after a revoke the
  in-flight batch is acked with no committed offset, and is committed before the seek).

Our source topics are never compacted and we use no transactions, so their offsets have no holes.
:class:`HardenedConsumer` therefore replaces that bookkeeping for acking (non-changelog) topics:

* Delivery: a record is handed to the streams only if it is exactly the next offset of its
  partition. Below it: already delivered since the last seek, dropped. Above it: aiokafka's position
  jumped, so the record is dropped and the partition seeked back to the expected offset; the skipped
  records are fetched again. ``_read_offset`` is disabled (no Faust drops, no gaps).
* Commit: ``_new_offset`` commits only a run of acked offsets that starts exactly at the partition's
  base (its committed offset as read from Kafka by ``perform_seek``, or the log start if there is
  none, then each offset we commit). While the base is unknown (between a revoke and the next seek)
  nothing is committed. An offset is committed only if every record below it (from the base) was
  acked, i.e. processed: at-least-once whatever the fetcher did.
* Liveness: every seek (``perform_seek`` after each rebalance, and the seek-back above) resets the
  expected offset to where aiokafka fetches from, so a hole in the acks is always refetched. Should
  a topic ever hold a real gap (compaction, transaction markers: not ours), the seek back keeps
  landing past it; after ``MAX_SEEKS`` seeks the gap is skipped and counted as acked, as Faust does.

Installed with :func:`harden_offsets` before the worker starts.
"""

from __future__ import annotations

import bisect
import logging
import time
from collections.abc import Iterator, Mapping, MutableMapping
from typing import Any

import faust
from faust.transport.consumer import ensure_TP
from faust.transport.drivers.aiokafka import Consumer as AIOKafkaConsumer
from faust.types import TP, Message

from streams.app.batches import pending, rejected_end
from streams.app.framework import has_consumer

log = logging.getLogger("fiulink.offsets")

RESEEK_AFTER = 1.0  # s: seek back again if the records of a seek-back have not come by then
MAX_SEEKS = 3  # then the offsets really are missing (not expected here): skip them, as Faust would


class _NoReadOffsets(MutableMapping[TP, int | None]):
    """Stands in for Faust's ``Consumer._read_offset``: always unknown, so ``_drain_messages``
    neither drops records nor adds gaps; :class:`HardenedConsumer` checks the order itself."""

    def __getitem__(self, tp: TP) -> int | None:
        return None

    def __setitem__(self, tp: TP, offset: int | None) -> None:
        pass

    def __delitem__(self, tp: TP) -> None:
        pass

    def __iter__(self) -> Iterator[TP]:
        return iter(())

    def __len__(self) -> int:
        return 0


class HardenedConsumer(AIOKafkaConsumer):
    """The aiokafka Faust consumer with in-order delivery and hole-proof commits (module doc)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._read_offset = _NoReadOffsets()
        self._next_offset: dict[TP, int] = {}  # next offset to deliver, per guarded partition
        self._base_offset: dict[TP, int] = {}  # committed offset: commits start exactly here
        self._seeking: dict[TP, tuple[int, float, int]] = {}  # seek back: (offset, when, how many)
        self._guarded_topics: dict[str, bool] = {}
        deliver = self.callback
        next_offset = self._next_offset

        async def in_order(message: Message) -> None:
            tp, offset = message.tp, message.offset
            expected = next_offset.get(tp)
            if expected is None or offset == expected or await self._admit(tp, offset, expected):
                end = rejected_end(tp.topic, tp.partition, offset) if pending() else None  # a stand-in
                if end is not None and end > offset + 1 and self._guarded(tp):
                    spanned = range(offset + 1, end)  # processed with the stand-in's dead letter
                    self._acked[tp].extend(spanned)
                    self._acked_index[tp].update(spanned)
                await deliver(message)
                if self._guarded(tp):
                    next_offset[tp] = max(offset + 1, end or 0)

        self.callback = in_order

    async def _take(self, message: Message) -> bool:
        """The order check of the per-record path for a record handed over with its fetch
        (``streams.app.fetches``): whether to process it; if so, it counts as delivered."""
        tp, offset = message.tp, message.offset
        expected = self._next_offset.get(tp)
        if not (expected is None or offset == expected or await self._admit(tp, offset, expected)):
            return False
        end = rejected_end(tp.topic, tp.partition, offset) if pending() else None  # a stand-in
        if self._guarded(tp):
            if end is not None and end > offset + 1:
                spanned = range(offset + 1, end)  # processed with the stand-in's dead letter
                self._acked[tp].extend(spanned)
                self._acked_index[tp].update(spanned)
            self._next_offset[tp] = max(offset + 1, end or 0)
        return True

    def _guarded(self, tp: TP) -> bool:
        """Acked (not a table's changelog): the topics whose offsets this class keeps."""
        guarded = self._guarded_topics.get(tp.topic)
        if guarded is None:
            guarded = self.app.topics.acks_enabled_for(tp.topic) and not self._is_changelog_tp(tp)
            self._guarded_topics[tp.topic] = guarded
        return guarded

    async def _admit(self, tp: TP, offset: int, expected: int) -> bool:
        """Whether to deliver a record that is not the next offset of its partition."""
        if not self._guarded(tp):
            return True
        if offset < expected:  # delivered already since the last seek
            return False
        # aiokafka's position is past records nobody has seen: fetch them again
        now = time.monotonic()
        seek_to, last, seeks = self._seeking.get(tp, (None, 0.0, 0))
        if seek_to == expected and now - last <= RESEEK_AFTER:
            return False  # the seek back is under way: drop the rest of the stale batch
        if seek_to == expected and seeks >= MAX_SEEKS:  # the log really has no such offsets
            log.error("%s/%s: offsets %s-%s are not in the log (compacted? transaction markers?); "
                      "skipping them", tp.topic, tp.partition, expected, offset - 1)  # fmt: skip
            skipped = range(expected, offset)
            self._acked[tp].extend(skipped)
            self._acked_index[tp].update(skipped)
            return True
        # routine right after a rebalance (a batch fetched before the seek): INFO, not WARNING
        log.info("%s/%s: got offset %s, expected %s; seeking back", tp.topic, tp.partition, offset, expected)
        self._seeking[tp] = (expected, now, seeks + 1 if seek_to == expected else 1)
        try:
            await self.seek_wait({tp: expected})
        except Exception as exc:  # not assigned any more: the next rebalance seeks anyway
            log.warning("%s/%s: seek to %s failed: %r", tp.topic, tp.partition, expected, exc)
        return False

    async def perform_seek(self) -> None:
        """Seek every partition to its committed offset (the log start if it has none or the log
        was truncated past it) and make that both the next offset to deliver and the commit base."""
        committed: Mapping[Any, int | None] = await self.seek_to_committed()
        self._committed_offset.update(
            {ensure_TP(tp): offset or None for tp, offset in committed.items() if offset is not None}
        )
        guarded = {ensure_TP(tp): offset for tp, offset in committed.items() if self._guarded(ensure_TP(tp))}
        starts = await self.earliest_offsets(*guarded) if guarded else {}
        reseek: dict[TP, int] = {}
        for tp, offset in guarded.items():
            start = starts.get(tp)
            base = max(offset or 0, start or 0)
            if offset is None or base != offset:  # aiokafka only seeks to a committed offset > 0
                reseek[tp] = base
        if reseek:
            await self.seek_wait(reseek)
        for tp, offset in guarded.items():
            base = reseek.get(tp, offset)
            assert base is not None
            self._next_offset[tp] = self._base_offset[tp] = base
            self._seeking.pop(tp, None)

    async def on_partitions_revoked(self, revoked: set[TP]) -> None:
        for tp in revoked:
            self._next_offset.pop(tp, None)
            self._base_offset.pop(tp, None)
            self._seeking.pop(tp, None)
        await super().on_partitions_revoked(revoked)

    async def _add_gap(self, tp: TP, offset_from: int, offset_to: int) -> None:
        """Never called (no read offsets); a jump in a non-compacted topic is not a gap anyway."""

    def _new_offset(self, tp: TP) -> int | None:
        """The offset to commit: the end of the run of acked offsets that starts at the base."""
        if not self._guarded(tp):
            return super()._new_offset(tp)
        acked = self._acked[tp]
        base = self._base_offset.get(tp)
        if not acked or base is None:  # nothing new, or between a revoke and the next seek
            return None
        acked.sort()
        index = self._acked_index[tp]
        stale = bisect.bisect_left(acked, base)
        if stale:  # processed again after a seek back: committed already
            index.difference_update(acked[:stale])
            del acked[:stale]
        end = base
        while end - base < len(acked) and acked[end - base] == end:
            end += 1
        if end == base:  # the record at the base is not processed yet: hold
            return None
        index.difference_update(acked[: end - base])
        del acked[: end - base]
        self._base_offset[tp] = end
        return end


def harden_offsets(app: faust.App) -> faust.App:
    """Make ``app`` consume with :class:`HardenedConsumer`. Call before the consumer exists
    (before the worker starts); returns ``app``."""
    if has_consumer(app):
        raise RuntimeError("harden_offsets must run before the app's consumer is created")
    app.transport.Consumer = HardenedConsumer
    return app
