"""The Faust app, top to bottom: app -> topics -> tables -> agents.

ingest     fiulink.reports.<FIU>...  -> fiulink.sightings (SightingBatch per partition) | bad -> fiulink.dead-letter
correlate  fiulink.sightings x table `tokens` (token -> reports per FIU)  -> fiulink.matches (key = match_id)
link       fiulink.subjects x table `postings` (blocking key -> encoded subjects)  -> fiulink.matches (fuzzy)
notify     fiulink.matches + fiulink.consents.<FIU> x table `links` (match_id)  -> fiulink.notifications.<FIU>, fiulink.audit

Delivery is at-least-once: Faust flushes the producer before it commits offsets, and every step
re-emits the same deterministic ids on a replay, so sinks dedupe by id. What each agent does with
a batch is ``streams.app.handlers``; retention is ``streams.app.retention``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import faust
from aiokafka.partitioner import DefaultPartitioner
from faust.types import TP

from streams.app import batches, framework, progress, retention
from streams.app.connection import broker_credentials, idempotent
from streams.app.crash import crash
from streams.app.fetches import fetch_batches
from streams.app.handlers import BatchHandlers
from streams.app.offsets import harden_offsets
from streams.app.send import BatchSender, finish
from streams.app.state import BatchTable, worker_table
from streams.app.steps import Send, Steps
from streams.codec import codec
from streams.config import Settings
from streams.core.correlate import CorrelationRules
from streams.core.entities import EntityEncoder
from streams.core.policy import SharingPolicy
from streams.core.sightings import route
from streams.core.tokens import Tokenizer

log = logging.getLogger("fiulink.worker")
BATCH = 500  # events an agent takes at once ...
WITHIN = 0.02  # ... or what came within this many seconds
PROGRESS_EVERY = 5.0  # seconds between progress lines (only while there is work)


def build_worker_app(settings: Settings, policy: SharingPolicy, rules: CorrelationRules) -> faust.App:
    framework.check()  # the private attributes we rely on exist in the installed versions
    batches.install()  # a decompression bomb is a dead letter, not the worker's memory
    progress.quiet_repeats()  # a broker away for a while: one line per message per 10 s, not 80 a second

    # -- app -------------------------------------------------------------------------------------
    app = faust.App(settings.app_id, **app_options(settings))
    idempotent(app)  # acks=all and idempotence: streams.app.connection
    harden_offsets(app)  # never skip a record around a rebalance: streams.app.offsets

    # -- topics ----------------------------------------------------------------------------------
    names = settings.topics

    def raw_topic(*topics: str) -> Any:
        return app.topic(*topics, key_type=bytes, value_type=bytes, key_serializer="raw",
                         value_serializer="raw", partitions=settings.partitions)  # fmt: skip

    feeds = raw_topic(*[names.feed(f) for f in policy.fius])
    sightings = raw_topic(names.sightings, names.watchlist)  # the watchlist: partitioned like sightings
    links_in = raw_topic(names.matches, *[names.consent(f) for f in policy.fius])
    subjects = raw_topic(names.subjects)  # encoded subjects by blocking key: partitioned like `postings`

    # -- tables ----------------------------------------------------------------------------------
    tokens = BatchTable(worker_table(app, "tokens", settings.partitions))
    links = BatchTable(worker_table(app, "links", settings.partitions))
    postings = BatchTable(worker_table(app, "postings", settings.partitions))
    tokens_lock = asyncio.Lock()  # the correlate agent and the retention sweep take turns on `tokens`
    links_lock = asyncio.Lock()  # ... and the notify agent and the sweep on `links`
    postings_lock = asyncio.Lock()

    # -- agents ----------------------------------------------------------------------------------
    steps = Steps(codec(), Tokenizer(settings.require_key(), settings.token_key_id), policy, rules, names,
                  settings.partitions, EntityEncoder(settings.require_key()) if settings.entity_links else None)  # fmt: skip
    handlers = BatchHandlers(steps, tokens, links, postings)
    sender = BatchSender(  # a changelog's persisted offset is recorded once Kafka has the records
        lambda: framework.running_producer(app),
        {t.table.changelog_topic.get_topic_name(): t.persisted for t in (tokens, links, postings)},
    )
    seen = progress.Progress(
        progress.stage_by_topic(
            [names.feed(f) for f in policy.fius], [names.sightings, names.watchlist, names.subjects]
        )
    )
    steps_of = {  # each agent's batch step, and the topics it reads
        "ingest": (batch_step(handlers.ingest, "ingest", sender.send, None, seen), feeds),
        "correlate": (batch_step(handlers.correlate, "correlate", sender.send, tokens_lock, seen), sightings),
        "link": (batch_step(handlers.link, "link", sender.send, postings_lock, seen), subjects),
        "notify": (batch_step(handlers.notify, "notify", sender.send, links_lock, seen), links_in),
    }
    for stage, (step, topic) in steps_of.items():
        app.agent(topic, name=stage)(batched(step, stage))
    if settings.fetch_batches:  # the same steps over whole fetches: streams.app.fetches
        fetch_batches(app, {name: step for step, topic in steps_of.values() for name in topic.topics})
    report_progress(app, seen)

    # -- timers and lifecycle --------------------------------------------------------------------
    if rules.retention_ms > 0:
        partitioner, all_partitions = DefaultPartitioner(), list(range(settings.partitions))

        def links_partition(match_id: str) -> int:  # the in-memory store's fallback: Kafka's own
            return int(partitioner(match_id.encode(), all_partitions, all_partitions))  # keyed partition

        swept = [
            retention.Swept("tokens", tokens, tokens_lock, lambda token: route(token, settings.partitions)),
            retention.Swept("sharing decisions", links, links_lock, links_partition),
            retention.Swept(
                "blocking keys", postings, postings_lock, lambda key: route(key, settings.partitions)
            ),
        ]
        retention.schedule(app, swept, rules, sender.send, settings.retention_days)

    @app.task  # once, when the worker has started (and set up its logging)
    async def framework_log_level() -> None:
        set_framework_log_level(settings.log_level_number)

    return app


def report_progress(app: faust.App, seen: progress.Progress) -> None:
    """A ``ready`` line once the worker holds its partitions with its tables recovered (after
    every rebalance), and a progress line every PROGRESS_EVERY seconds while there is work."""
    rebalances = 0

    @app.on_rebalance_complete.connect
    async def ready(sender: Any, **kwargs: Any) -> None:
        nonlocal rebalances
        rebalances += 1
        per_topic = Counter(tp.topic for tp in app.consumer.assignment())
        held = ", ".join(f"{topic} x{n}" for topic, n in sorted(per_topic.items())) or "none"
        word = "ready" if rebalances == 1 else "rebalanced"
        progress.say(f"{word}: partitions assigned and tables recovered; processing ({held})")

    def highwater(topic: str, partition: int) -> int | None:
        try:
            return int(app.consumer.highwater(TP(topic, partition)))
        except Exception:  # not assigned any more (a rebalance), or not fetched yet
            return None

    @app.timer(PROGRESS_EVERY)
    async def progress_line() -> None:
        line = seen.report(highwater)
        if line:
            progress.say(line)


def set_framework_log_level(level: int) -> None:
    """faust.topics logs every send at DEBUG (building the record costs a measurable share of the
    worker): the framework loggers get the worker's level (WARNING unless asked for more)."""
    for name in ("faust", "mode", "aiokafka"):
        logging.getLogger(name).setLevel(level)


def app_options(settings: Settings) -> dict[str, Any]:
    """faust.App settings: the hub's broker, store, partitions and the tuning the bench measured."""
    credentials = broker_credentials(settings)  # SASL and/or TLS, as the CLI's clients
    return {
        "broker_credentials": credentials,
        "broker": [f"kafka://{b}" for b in settings.bootstrap.split(",")],
        "store": settings.store,
        "datadir": str(settings.home / "worker" / settings.app_id),
        "autodiscover": False,
        "topic_partitions": settings.partitions,
        "topic_replication_factor": settings.replication_factor or 1,  # topics are made up front
        "topic_disable_leader": True,
        "table_standby_replicas": 0,
        "web_enabled": False,
        "consumer_auto_offset_reset": "earliest",
        "broker_session_timeout": 10.0,
        "broker_heartbeat_interval": 1.0,
        "broker_commit_interval": 1.0,
        "broker_max_poll_records": 1000,
        "stream_wait_empty": False,
        "stream_buffer_maxsize": 8192,
        "producer_linger": 0.02,
        "producer_max_batch_size": 512 * 1024,
        "processing_guarantee": "at_least_once",
    }


def batch_step(
    handle: Callable[[list[Any]], list[Send]],
    stage: str,
    send: Callable[[list[Send]], Any],
    lock: asyncio.Lock | None = None,
    seen: progress.Progress | None = None,
) -> Callable[[list[Any]], Awaitable[None]]:
    """One batch of events through an agent's handler: Faust's per-event agent and send machinery
    costs more than our whole step, so the handler takes many events at once and its output goes
    straight to the producer. Faust flushes the producer before it commits the batch's offsets
    (at-least-once), and the events are acked once the batch is done; a batch is finished even
    when the worker is stopping (``finish``)."""

    async def process(events: list[Any]) -> None:
        # the lock too is taken inside ``finish``: a stop while waiting for it (the retention
        # sweep holds it) must not let the batch's events go unprocessed
        async with lock or contextlib.nullcontext():
            try:
                await send(handle(events))  # records that fail are dead letters already
                if seen is not None:
                    seen.seen(stage, events)
            except Exception:  # our bug or the producer's, not a record's: crash-only, commit nothing
                crash(
                    "%s: batch failed; exiting so a supervisor restarts the worker",
                    stage,
                    with_traceback=True,
                )

    async def step(events: list[Any]) -> None:
        await finish(process(events))

    return step


def batched(step: Callable[[list[Any]], Awaitable[None]], stage: str) -> Callable[[Any], Any]:
    """An agent over micro-batches of up to BATCH events (or what came within WITHIN seconds)."""

    async def agent(stream: Any) -> None:
        async for events in stream.take_events(BATCH, within=WITHIN):
            await step(events)

    agent.__name__ = stage
    return agent
