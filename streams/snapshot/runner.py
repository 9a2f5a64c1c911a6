"""``fiulink snapshot``: topics -> the live DuckDB -> published snapshots, in one process.

Partitions are assigned by hand (no consumer group): where to resume is what ``_offsets`` in the
live database says, committed in the same transaction as the rows, never Kafka's committed
offsets. Records are loaded in batches (``batch_rows`` or one second, whichever comes first);
a snapshot is published every ``interval`` seconds when something changed, and at the end of
``--once``, which reads every topic to the end offsets it saw at start.
"""

from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any, TextIO

from streams.config import Settings
from streams.errors import KafkaAccessError
from streams.kafka.clients import consumer
from streams.snapshot.publisher import Published, live_path, publish, snapshots_dir
from streams.snapshot.writer import SnapshotWriter

FLUSH_SECONDS = 1.0
PROGRESS_SECONDS = 5.0


def snapshot_topics(settings: Settings, known: set[str]) -> list[str]:
    """Every topic the snapshotter reads: FIU feeds and notification topics, and the internal ones."""
    t = settings.topics
    fixed = {t.sightings, t.matches, t.audit, t.dead_letter}
    per_fiu = (t.reports, t.notifications, t.consents)
    return sorted(n for n in known if n in fixed or n.startswith(per_fiu))


@dataclass
class RunStats:
    messages: int = 0
    rows: int = 0
    skipped: int = 0
    resumed_partitions: int = 0
    published: list[Published] = field(default_factory=list)


class Snapshotter:
    def __init__(
        self,
        settings: Settings,
        *,
        keep: int = 5,
        batch_rows: int = 20_000,
        err: TextIO = sys.stderr,
        stop: threading.Event | None = None,
    ) -> None:
        self.settings = settings
        self.keep = keep
        self.batch_rows = batch_rows
        self.err = err
        self.stop = stop or threading.Event()
        self.stats = RunStats()
        self._topics: list[str] = []

    def say(self, text: str) -> None:
        print(f"snapshot: {text}", file=self.err, flush=True)

    def run(self, *, once: bool = False, interval: float = 60.0) -> RunStats:
        writer = SnapshotWriter(live_path(self.settings))
        c = consumer(self.settings, group_id=None, auto_offset_reset="earliest", client_id="fiulink-snapshot")
        try:
            tps = self._assign(c, writer, first=True)
            end = c.end_offsets(tps) if once else {}
            buffer: list[Any] = []
            started = last_flush = last_note = time.monotonic()
            last_publish = -float("inf")
            dirty = not (snapshots_dir(self.settings) / "latest.duckdb").exists()
            while not self.stop.is_set():
                for msgs in c.poll(timeout_ms=200, max_records=self.batch_rows).values():
                    buffer.extend(msgs)
                now = time.monotonic()
                if len(buffer) >= self.batch_rows or (buffer and now - last_flush >= FLUSH_SECONDS):
                    dirty |= self._flush(writer, buffer)
                    last_flush = now
                if now - last_note >= PROGRESS_SECONDS:
                    self._progress(started)
                    last_note = now
                if once:
                    if all(c.position(tp) >= end[tp] for tp in tps):
                        break
                elif now - last_publish >= interval:
                    dirty |= self._flush(writer, buffer)
                    if dirty:
                        self._publish(writer)
                        dirty = False
                    last_publish = now
                    tps = self._assign(c, writer) or tps
            self._flush(writer, buffer)
            if once:
                self._publish(writer)
            self._progress(started)
        finally:
            c.close()
            writer.close()
        return self.stats

    def _assign(self, c: Any, writer: SnapshotWriter, first: bool = False) -> list[Any]:
        """(Re)assign every snapshot topic's partitions, seeking to the stored offsets. Returns []
        when nothing changed since the last call (new FIU topics appear here)."""
        from kafka.structs import TopicPartition

        topics = snapshot_topics(self.settings, set(c.topics()))
        if not topics:
            raise KafkaAccessError(
                f"no fiulink topics under prefix {self.settings.topic_prefix!r} on {self.settings.bootstrap}",
                hint="create them with `fiulink topics create --policy FILE`",
            )
        if topics == self._topics and not first:
            return []
        self._topics = topics
        tps = [TopicPartition(t, p) for t in topics for p in sorted(c.partitions_for_topic(t) or ())]
        c.assign(tps)
        stored = writer.offsets()
        resumed = 0
        for tp in tps:
            if (tp.topic, tp.partition) in stored:
                c.seek(tp, stored[(tp.topic, tp.partition)])
                resumed += 1
            else:
                c.seek_to_beginning(tp)
        if first:
            self.stats.resumed_partitions = resumed
            rows = sum(writer.counts().values())
            self.say(
                f"{len(topics)} topics, {len(tps)} partitions; resuming {resumed} partition(s) from "
                f"stored offsets with {rows:,} rows already loaded"
            )
        else:
            self.say(f"now reading {len(topics)} topics, {len(tps)} partitions")
        return tps

    def _flush(self, writer: SnapshotWriter, buffer: list[Any]) -> bool:
        if not buffer:
            return False
        applied = writer.apply(buffer)
        buffer.clear()
        self.stats.messages += applied.messages
        self.stats.rows += applied.total_rows
        self.stats.skipped += len(applied.skipped)
        for why in applied.skipped[:20]:
            self.say(f"skipped {why}")
        if len(applied.skipped) > 20:
            self.say(f"... and {len(applied.skipped) - 20} more skipped in this batch")
        return True

    def _publish(self, writer: SnapshotWriter) -> None:
        p = publish(writer.con, snapshots_dir(self.settings), keep=self.keep)
        self.stats.published.append(p)
        self.say(f"published {p.path} ({p.rows:,} rows, {p.clusters:,} clusters, {p.seconds:.2f}s)")

    def _progress(self, started: float) -> None:
        secs = max(time.monotonic() - started, 1e-9)
        s = self.stats
        self.say(
            f"{s.messages:,} messages read, {s.rows:,} rows loaded ({s.messages / secs:,.0f} messages/s), "
            f"{s.skipped} skipped"
        )
