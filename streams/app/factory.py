"""The Faust app: model (Avro bytes) -> app -> topics -> tables -> agents, top to bottom.

ingest     fiulink.reports.<FIU>...  -> fiulink.sightings (SightingBatch per partition) | bad -> fiulink.dead-letter
correlate  fiulink.sightings x table `tokens` (token -> reports per FIU)  -> fiulink.matches (key = match_id)
notify     fiulink.matches + fiulink.consents x table `links` (match_id)  -> fiulink.notifications.<FIU>, fiulink.audit

Delivery is at-least-once: Faust flushes the producer before it commits offsets, and every step
re-emits the same deterministic ids on a replay, so sinks dedupe by id.
"""

from __future__ import annotations

import logging
import os
import traceback
import weakref
from typing import Any

import faust
from faust.exceptions import FaustError
from faust.streams import _current_event

from streams.app.state import BatchTable, Send
from streams.app.steps import Out, Steps
from streams.codec import codec
from streams.config import Settings
from streams.core.correlate import CorrelationRules
from streams.core.policy import SharingPolicy
from streams.core.tokens import Tokenizer

log = logging.getLogger("fiulink.worker")
BATCH = 500
WITHIN = 0.02


def set_current_event(event: Any) -> None:
    """Faust tables and stores read the partition of ``current_event()``; inside a batch from
    ``take_events`` that is not the event being handled, so set it per event."""
    _current_event.set(weakref.ref(event))


def _persist(state: BatchTable) -> Any:
    def done(fut: Any) -> None:
        if not fut.cancelled() and fut.exception() is None:
            meta = fut.result()
            state.persisted(meta.partition, meta.offset)

    return done


def build_worker_app(settings: Settings, policy: SharingPolicy, rules: CorrelationRules) -> faust.App:
    tokenizer = Tokenizer(settings.require_key(), settings.token_key_id)
    names = settings.topics
    steps = Steps(codec(), tokenizer, policy, rules, names, settings.partitions)
    client = settings.extra.get("client", {})
    credentials = None
    if client.get("sasl_mechanism"):  # FIULINK_SASL_USERNAME/PASSWORD: the hub principal on a --secure broker
        credentials = faust.SASLCredentials(
            username=client["sasl_plain_username"],
            password=client["sasl_plain_password"],
            mechanism=client["sasl_mechanism"],
        )
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
    links_in = raw_topic(names.matches, names.consents)
    state = faust.Schema(key_serializer="json", value_serializer="json")
    tokens = app.Table("tokens", default=None, schema=state, partitions=settings.partitions)
    links = app.Table("links", default=None, schema=state, partitions=settings.partitions)

    def where(event: Any) -> tuple[str, int, int]:
        m = event.message
        return m.topic, m.partition, m.offset

    def ingest_batch(events: list[Any]) -> list[Send]:
        """Reports -> dead letters, and the batch's sightings as one message per partition."""
        out: Out = []
        sighted = []
        for event in events:
            ts_ms = int((event.message.timestamp or 0) * 1000)
            res, dead = guarded("ingest", event, lambda e, ts=ts_ms: steps.read(*where(e), ts, e.value))
            out += dead
            if res is not None:
                report, dead = res
                out += dead
                if report is not None:
                    sighted.append(report)
        batches = [(t, k, v, steps.partition_of(k)) for t, k, v in steps.sighting_batches(sighted)]
        return [(t, k, v, None) for t, k, v in out] + batches

    token_state, link_state = BatchTable(tokens), BatchTable(links)

    def correlate_batch(events: list[Any]) -> list[Send]:
        out: Out = []
        for event in events:
            set_current_event(event)  # the RocksDB store picks the partition's database from it
            token_state.partition = event.message.partition
            res, dead = guarded(
                "correlate", event, lambda e: steps.correlate(token_state, e.value, *where(e))
            )
            out += res or dead
        return token_state.changelog() + [(t, k, v, None) for t, k, v in out]

    def notify_one(event: Any) -> Out:
        key = (event.key or b"").decode("utf-8", "replace")
        state, emitted = steps.notify(link_state.get(key), event.value)
        if state is not None:
            link_state[key] = state
        return emitted

    def notify_batch(events: list[Any]) -> list[Send]:
        out: Out = []
        for event in events:
            set_current_event(event)
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
            log.exception("%s failed on %s/%s/%s", stage, topic, partition, offset)
            reason = f"{type(exc).__name__}: {exc}"
            return None, [steps.dead_letter(topic, partition, offset, event.value, reason, stage=stage)]

    def batched(handle: Any, stage: str) -> Any:
        """Micro-batches: Faust's per-event agent and send machinery costs more than our whole
        step, so take up to BATCH events, run the pure steps, and hand the outputs straight to
        the producer. Faust flushes the producer before it commits the batch's offsets
        (at-least-once), and acks the events only after the batch is done."""

        async def agent(stream: Any) -> None:
            producer = app.producer
            persisted = {
                t.table.changelog_topic.get_topic_name(): _persist(t) for t in (token_state, link_state)
            }
            async for events in stream.take_events(BATCH, within=WITHIN):
                try:
                    out = handle(events)  # records that fail are dead letters already
                except Exception:  # our bug, not a record's: crash-only, commit nothing
                    traceback.print_exc()
                    log.critical("%s: batch failed; exiting so a supervisor restarts the worker", stage)
                    os._exit(70)
                last: dict[tuple[str, int | None], Any] = {}
                for topic, key, value, partition in out:
                    sent = await producer.send(topic, key, value, partition, None, None)
                    if topic in persisted:
                        last[topic, partition] = sent
                for (topic, _), sent in last.items():  # a partition's sends are ordered: the last is the max
                    sent.add_done_callback(persisted[topic])

        agent.__name__ = stage
        return agent

    @app.task
    async def quiet_hot_path_logs() -> None:
        """faust.topics logs every send at DEBUG (building the record costs ~4% of the worker);
        keep the framework loggers at WARNING unless asked for more."""
        for name in ("faust", "mode", "aiokafka"):
            lg = logging.getLogger(name)
            if lg.getEffectiveLevel() < logging.WARNING and settings.extra.get("loglevel") is None:
                lg.setLevel(logging.WARNING)

    app.agent(feeds, name="ingest")(batched(ingest_batch, "ingest"))
    app.agent(sightings, name="correlate")(batched(correlate_batch, "correlate"))
    app.agent(links_in, name="notify")(batched(notify_batch, "notify"))
    return app
