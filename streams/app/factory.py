"""The Faust app: model (Avro bytes) -> app -> topics -> tables -> agents, top to bottom.

ingest     fiulink.reports.<FIU>...  -> fiulink.sightings (SightingBatch per partition) | bad -> fiulink.dead-letter
correlate  fiulink.sightings x table `tokens` (token -> reports per FIU)  -> fiulink.matches (key = match_id)
notify     fiulink.matches + fiulink.consents.<FIU> x table `links` (match_id)  -> fiulink.notifications.<FIU>, fiulink.audit

Delivery is at-least-once: Faust flushes the producer before it commits offsets, and every step
re-emits the same deterministic ids on a replay, so sinks dedupe by id.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import os
import sys
import time
import traceback
from typing import Any

import faust
from aiokafka.partitioner import DefaultPartitioner
from faust.exceptions import FaustError

from streams.app.batches import install as refuse_oversized_batches
from streams.app.batches import pending, rejected
from streams.app.connection import broker_credentials, idempotent
from streams.app.ingest import IngestPool, ingest_records
from streams.app.offsets import harden_offsets
from streams.app.send import BatchSender, finish
from streams.app.state import BatchTable, Send, worker_table
from streams.app.steps import Out, Steps
from streams.codec import codec
from streams.config import Settings
from streams.core.correlate import CorrelationRules, expired
from streams.core.policy import SharingPolicy
from streams.core.sightings import route
from streams.core.tokens import Tokenizer
from streams.errors import FiulinkError

log = logging.getLogger("fiulink.worker")
BATCH = 500
WITHIN = 0.02


async def _then(sends: Any, more: list[Send]) -> list[Send]:
    return more + await sends


def build_worker_app(settings: Settings, policy: SharingPolicy, rules: CorrelationRules) -> faust.App:
    tokenizer = Tokenizer(settings.require_key(), settings.token_key_id)
    names = settings.topics
    steps = Steps(codec(), tokenizer, policy, rules, names, settings.partitions)
    credentials = broker_credentials(settings)  # SASL and/or TLS, as the CLI's clients
    app = faust.App(
        settings.app_id,
        broker_credentials=credentials,
        broker=[f"kafka://{b}" for b in settings.bootstrap.split(",")],
        store=settings.store,
        datadir=str(settings.home / "worker" / settings.app_id),
        autodiscover=False,
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication_factor,
        topic_disable_leader=True,
        table_standby_replicas=0,
        web_enabled=False,
        consumer_auto_offset_reset="earliest",
        broker_session_timeout=10.0,
        broker_heartbeat_interval=1.0,
        broker_commit_interval=1.0,
        broker_max_poll_records=1000,
        stream_wait_empty=False,
        stream_buffer_maxsize=8192,
        producer_linger=0.02,
        producer_max_batch_size=512 * 1024,
        processing_guarantee="at_least_once",
        **settings.extra.get("faust", {}),
    )
    idempotent(app)  # acks=all and idempotence: streams.app.connection
    refuse_oversized_batches()  # a decompression bomb is a dead letter, not the worker's memory
    harden_offsets(app)  # never skip a record around a rebalance (issue #7): streams.app.offsets

    def raw_topic(*names: str) -> Any:
        return app.topic(
            *names,
            key_type=bytes,
            value_type=bytes,
            key_serializer="raw",
            value_serializer="raw",
            partitions=settings.partitions,
        )

    feeds = raw_topic(*[names.feed(f) for f in policy.fius])
    sightings = raw_topic(names.sightings)
    links_in = raw_topic(names.matches, *[names.consent(f) for f in policy.fius])
    tokens = worker_table(app, "tokens", settings.partitions)
    links = worker_table(app, "links", settings.partitions)

    def where(event: Any) -> tuple[str, int, int]:
        m = event.message
        return m.topic, m.partition, m.offset

    pool = None
    if settings.ingest_processes:
        pool = IngestPool(settings.ingest_processes, settings.require_key(), settings.token_key_id, policy,
                          rules, names, settings.partitions)  # fmt: skip

    def refused(events: list[Any], stage: str) -> tuple[list[Any], Out]:
        """The events to process, and the dead letters of refused batches' stand-ins."""
        if not pending():
            return events, []
        kept, dead = [], []
        for e in events:
            reason = rejected(*where(e))
            if reason is None:
                kept.append(e)
            else:
                dead.append(steps.dead_letter(*where(e), None, reason, stage=stage))
        return kept, dead

    def ingest_batch(events: list[Any]) -> Any:
        """Reports -> dead letters, and the batch's sightings as one message per partition: in
        the ingest child processes if there are any (``streams.app.ingest``), else here."""
        events, dead = refused(events, "ingest")
        records = [(*where(e), int((e.message.timestamp or 0) * 1000), e.value) for e in events]
        sends: list[Send] = [(t, k, v, None) for t, k, v in dead]
        if pool is not None:
            return _then(pool.run(records), sends)
        return sends + ingest_records(steps, records)

    token_state, link_state = BatchTable(tokens), BatchTable(links)

    def correlate_batch(events: list[Any]) -> list[Send]:
        out: Out = []
        for event in events:
            token_state.partition = event.message.partition  # the key's store and changelog partition
            res, dead = guarded(
                "correlate", event, lambda e: steps.correlate(token_state, e.value, *where(e))
            )
            out += res or dead
        return token_state.changelog() + [(t, k, v, None) for t, k, v in out]

    def notify_one(event: Any) -> Out:
        key = (event.key or b"").decode("utf-8", "replace")
        ts_ms = int((event.message.timestamp or 0) * 1000)
        state, emitted = steps.notify(link_state.get(key), event.value, event.message.topic, key, ts_ms)
        if state is not None:
            link_state[key] = state
        return emitted

    def notify_batch(events: list[Any]) -> list[Send]:
        events, out = refused(events, "notify")
        for event in events:
            link_state.partition = event.message.partition
            res, dead = guarded("notify", event, notify_one)
            out += res or dead
        return link_state.changelog() + [(t, k, v, None) for t, k, v in out]

    def guarded(stage: str, event: Any, fn: Any) -> tuple[Any, Out]:
        """(``fn(event)``, []) or, for a record we cannot process, (None, [its dead letter]): the
        worker carries on. A Faust failure is the framework, not the record: crash-only, commit
        nothing (re-raising out of take_events would ack the rest of the batch unprocessed)."""
        try:
            return fn(event), []
        except FaustError:
            traceback.print_exc()
            log.critical("%s: Faust failed; exiting so a supervisor restarts the worker", stage)
            os._exit(70)
        except Exception as exc:
            topic, partition, offset = where(event)
            if isinstance(exc, FiulinkError):  # the record's fault, named in its dead letter
                log.warning("%s: %s/%s/%s dead-lettered: %s", stage, topic, partition, offset, exc)
            else:
                log.exception("%s failed on %s/%s/%s", stage, topic, partition, offset)
            reason = f"{type(exc).__name__}: {exc}"
            return None, [steps.dead_letter(topic, partition, offset, event.value, reason, stage=stage)]

    sender = BatchSender(  # a changelog's persisted offset is recorded once Kafka has the records
        lambda: app.producer._ensure_producer(),
        {t.table.changelog_topic.get_topic_name(): t.persisted for t in (token_state, link_state)},
    )
    token_lock = asyncio.Lock()  # the correlate agent and the retention sweep take turns on `tokens`
    link_lock = asyncio.Lock()  # ... and the notify agent and the sweep on `links`

    send_all = sender.send

    def batched(handle: Any, stage: str, lock: asyncio.Lock | None = None) -> Any:
        """Micro-batches: Faust's per-event agent and send machinery costs more than our whole
        step, so take up to BATCH events, run the pure steps, and hand the outputs straight to
        the producer. Faust flushes the producer before it commits the batch's offsets
        (at-least-once), and acks the events once the batch is done; a batch is finished even
        when the worker is stopping (``finish``)."""

        async def process(events: list[Any]) -> None:
            # the lock too is taken inside ``finish``: a stop while waiting for it (the retention
            # sweep holds it) must not let the batch's events go unprocessed
            async with lock or contextlib.nullcontext():
                try:
                    out = handle(events)  # records that fail are dead letters already
                    if inspect.isawaitable(out):  # ingest in a child process
                        out = await out
                    await send_all(out)
                except Exception:  # our bug or the producer's, not a record's: crash-only, commit nothing
                    traceback.print_exc()
                    log.critical("%s: batch failed; exiting so a supervisor restarts the worker", stage)
                    os._exit(70)

        async def agent(stream: Any) -> None:
            async for events in stream.take_events(BATCH, within=WITHIN):
                await finish(process(events))

        agent.__name__ = stage
        return agent

    if rules.retention_ms > 0:
        sweep_every = max(1.0, min(3600.0, rules.retention_ms / 10_000))

        def links_partition(match_id: str) -> int:  # the in-memory store's fallback: Kafka's own
            return partitioner(match_id.encode(), all_partitions, all_partitions)  # keyed partition

        partitioner, all_partitions = DefaultPartitioner(), list(range(settings.partitions))
        swept = (
            ("tokens", token_state, token_lock, lambda token: route(token, settings.partitions)),
            ("sharing decisions", link_state, link_lock, links_partition),
        )

        @app.timer(interval=sweep_every)
        async def forget_expired_state() -> None:
            """Retention for state nobody touches again: tokens last sighted, and matches' sharing
            state (held hits, consent answers) last touched, longer ago than the retention
            period (the correlate step also drops a token when it comes back)."""
            if app.rebalancing:
                return
            now_ms = int(time.time() * 1000)
            for what, state, lock, fallback in swept:
                # a link without last_ms predates it: kept (its age is unknown)
                sweep = state.sweep(lambda st: "last_ms" in st and expired(st, now_ms, rules), fallback)
                forgotten = 0
                while True:
                    async with lock:  # a chunk and its tombstones, never between a batch and its sends
                        progress = next(sweep, None)
                        await send_all(state.changelog())
                    if progress is None:
                        break
                    forgotten = progress
                    await asyncio.sleep(0)  # heartbeats and agents between chunks
                if forgotten:  # at any log level: the operator's record that FIU data was deleted
                    print(f"retention: forgot {forgotten} {what} not touched for {settings.retention_days:g} days",
                          file=sys.stderr, flush=True)  # fmt: skip

    @app.task
    async def quiet_hot_path_logs() -> None:
        """faust.topics logs every send at DEBUG (building the record costs ~4% of the worker);
        keep the framework loggers at WARNING unless asked for more."""
        for name in ("faust", "mode", "aiokafka"):
            lg = logging.getLogger(name)
            if lg.getEffectiveLevel() < logging.WARNING and settings.extra.get("loglevel") is None:
                lg.setLevel(logging.WARNING)

    if pool is not None:

        @app.task
        async def close_ingest_pool() -> None:
            """The children go with the worker (they also exit on their own if it is killed)."""
            try:
                await asyncio.Event().wait()
            finally:
                pool.close()

    app.agent(feeds, name="ingest")(batched(ingest_batch, "ingest"))
    app.agent(sightings, name="correlate")(batched(correlate_batch, "correlate", token_lock))
    app.agent(links_in, name="notify")(batched(notify_batch, "notify", link_lock))
    return app
