"""The Faust app: model (Avro bytes) -> app -> topics -> tables -> agents, top to bottom.

ingest     fiulink.reports.<FIU>...  -> fiulink.sightings (key = token)   | bad -> fiulink.dead-letter
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

from streams.app.steps import Steps
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


def build_worker_app(settings: Settings, policy: SharingPolicy, rules: CorrelationRules) -> faust.App:
    tokenizer = Tokenizer(settings.require_key(), settings.token_key_id)
    names = settings.topics
    steps = Steps(codec(), tokenizer, policy, rules, names)
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
    # Faust checks source vs changelog partitions on the first write from its consumer's
    # metadata, which can lag a just-created topic (it then reads 0 partitions and crashes the
    # agent with PartitionsMismatch). `fiulink worker` checks the counts itself before starting
    # (streams.kafka.topics.check_partitions), so mark the sources verified.
    tokens._verified_source_topics_for_partitions.add(names.sightings)
    links._verified_source_topics_for_partitions.update((names.matches, names.consents))

    def ingest_one(event: Any) -> list[tuple[str, bytes, bytes]]:
        m = event.message
        return steps.ingest(m.topic, m.partition, m.offset, int((m.timestamp or 0) * 1000), event.value)

    def stateful(table: Any, fn: Any) -> Any:
        def one(event: Any) -> list[tuple[str, bytes, bytes]]:
            key = (event.key or b"").decode("utf-8", "replace")
            new_state, out = fn(table.get(key), event.value)
            if new_state is not None:
                table[key] = new_state  # reassign: only a set reaches the changelog
            return out

        return one

    def batched(handle: Any, stage: str) -> Any:
        """Micro-batches: Faust's per-event agent and send machinery costs more than our whole
        step, so take up to BATCH events, run the pure steps, and hand the outputs straight to
        the producer. Faust flushes the producer before it commits the batch's offsets
        (at-least-once), and acks the events only after the batch is done."""

        async def agent(stream: Any) -> None:
            producer = app.producer
            async for events in stream.take_events(BATCH, within=WITHIN):
                for event in events:
                    set_current_event(event)  # tables pick the changelog/store partition from it
                    try:
                        out = handle(event)
                    except FaustError:  # the framework failed, not the record: crash-only, commit nothing
                        # (re-raising out of take_events would ack the rest of the batch unprocessed)
                        traceback.print_exc()
                        log.critical("%s: Faust failed; exiting so a supervisor restarts the worker", stage)
                        os._exit(70)
                    except Exception as exc:  # a record we cannot process: dead letter, carry on
                        m = event.message
                        log.exception("%s failed on %s/%s/%s", stage, m.topic, m.partition, m.offset)
                        reason = f"{type(exc).__name__}: {exc}"
                        out = [
                            steps.dead_letter(
                                m.topic, m.partition, m.offset, event.value, reason, stage=stage
                            )
                        ]
                    for topic, key, value in out:
                        await producer.send(topic, key, value, None, None, None)

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

    app.agent(feeds, name="ingest")(batched(ingest_one, "ingest"))
    app.agent(sightings, name="correlate")(batched(stateful(tokens, steps.correlate), "correlate"))
    app.agent(links_in, name="notify")(batched(stateful(links, steps.notify), "notify"))
    return app
