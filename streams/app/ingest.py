"""Ingest, in the worker or in a child process beside it.

The worker is one Python process on one core, and the ingest step (decode, validate, normalise,
tokenise: about a fifth of its time) is pure: report bytes in, dead letters and SightingBatch
messages out, no state. ``IngestPool`` runs it in ``FIULINK_INGEST_PROCESSES`` child processes
(default 0: in the worker), so the worker's own thread is left with the Kafka plumbing and the
stateful correlate and notify steps. That only pays where the worker has a core to spare: on
the 2-core bench machine, which also runs the broker, one child made the worker slower
(2,769 against 3,514 reports/s; README, Performance). With one child, what is sent is
exactly what the in-process path sends; with more, a batch goes to them in contiguous chunks that
come back in order, so every sightings partition gets the same sightings in the same order (in
one message per chunk instead of one per batch). A child that dies takes the worker down (crash-only: nothing of the
batch is committed, a supervisor restarts the worker and the batch is read again).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from streams.app.state import Send
from streams.app.steps import Steps
from streams.codec import codec
from streams.core.correlate import CorrelationRules
from streams.core.policy import SharingPolicy
from streams.core.tokens import Tokenizer
from streams.kafka.topics import Topics

log = logging.getLogger("fiulink.worker")

Record = tuple[str, int, int, int, bytes | None]  # topic, partition, offset, timestamp ms, value


def ingest_records(steps: Steps, records: list[Record]) -> list[Send]:
    """Reports -> their dead letters, then the batch's sightings as one message per partition.
    A record that cannot be read is a dead letter naming topic/partition/offset and the reason;
    the rest of the batch carries on."""
    out: list[Send] = []
    sighted = []
    for topic, partition, offset, ts_ms, value in records:
        try:
            report, dead = steps.read(topic, partition, offset, ts_ms, value)
        except Exception as exc:  # a bug the record triggers: the record, not the batch, is lost to DLQ
            log.exception("ingest failed on %s/%s/%s", topic, partition, offset)
            reason = f"{type(exc).__name__}: {exc}"
            dead = [steps.dead_letter(topic, partition, offset, value, reason, stage="ingest")]
            report = None
        out.extend((t, k, v, None) for t, k, v in dead)
        if report is not None:
            sighted.append(report)
    out.extend((t, k, v, steps.partition_of(k)) for t, k, v in steps.sighting_batches(sighted))
    return out


_steps: Steps | None = None  # a child's own, built once by _start


def _start(key: bytes, key_id: str, policy: SharingPolicy, rules: CorrelationRules, prefix: str,
           partitions: int) -> None:  # fmt: skip
    global _steps
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the worker, which stops us
    _steps = Steps(codec(), Tokenizer(key, key_id), policy, rules, Topics(prefix), partitions)
    threading.Thread(target=_exit_with, args=(os.getppid(),), daemon=True, name="orphan-check").start()


def _exit_with(parent: int) -> None:
    """A killed worker never closes our task queue (a spawned child holds both of its ends), so
    watch for being orphaned and go with it."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


def _ingest_in_child(records: list[Record]) -> list[Send]:
    assert _steps is not None, "IngestPool child started without its steps"
    return ingest_records(_steps, records)


class IngestPool:
    """``processes`` spawned children, each with the worker's own steps (same key, policy,
    rules, topics); ``await pool.run(records)`` is ``ingest_records`` done there."""

    def __init__(self, processes: int, key: bytes, key_id: str, policy: SharingPolicy,
                 rules: CorrelationRules, topics: Topics, partitions: int) -> None:  # fmt: skip
        self.processes = processes
        self._args = (key, key_id, policy, rules, topics.prefix, partitions)
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:  # spawn, not fork: the worker has Kafka and RocksDB threads
            self._pool = ProcessPoolExecutor(
                self.processes,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start,
                initargs=self._args,
            )
        return self._pool

    async def run(self, records: list[Record]) -> list[Send]:
        if not records:
            return []
        loop = asyncio.get_running_loop()
        pool = self._executor()
        n = max(1, min(self.processes, len(records) // 50))  # small batches: not worth the split
        size = -(-len(records) // n)
        chunks = [records[i : i + size] for i in range(0, len(records), size)]
        parts: list[Any] = await asyncio.gather(
            *(loop.run_in_executor(pool, _ingest_in_child, c) for c in chunks)
        )
        return [send for part in parts for send in part]

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
