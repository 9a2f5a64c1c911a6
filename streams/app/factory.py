"""The Faust app: model (Avro bytes) -> app -> topics -> tables -> agents, top to bottom.

ingest     fiulink.reports.<FIU>...  -> fiulink.sightings (key = token)   | bad -> fiulink.dead-letter
correlate  fiulink.sightings x table `tokens` (token -> reports per FIU)  -> fiulink.matches (key = match_id)
notify     fiulink.matches + fiulink.consents x table `links` (match_id)  -> fiulink.notifications.<FIU>, fiulink.audit

Delivery is at-least-once: Faust flushes the producer before it commits offsets, and every step
re-emits the same deterministic ids on a replay, so sinks dedupe by id.
"""

from __future__ import annotations

import logging
from typing import Any

import faust
from faust.exceptions import FaustError

from streams.app.steps import Steps
from streams.codec import codec
from streams.config import Settings
from streams.core.correlate import CorrelationRules
from streams.core.policy import SharingPolicy
from streams.core.tokens import Tokenizer

log = logging.getLogger("fiulink.worker")


def build_worker_app(settings: Settings, policy: SharingPolicy, rules: CorrelationRules) -> faust.App:
    tokenizer = Tokenizer(settings.require_key(), settings.token_key_id)
    names = settings.topics
    steps = Steps(codec(), tokenizer, policy, rules, names)
    app = faust.App(
        settings.app_id,
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
        producer_linger=0.005,
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
    outputs: dict[str, Any] = {}

    def out_topic(name: str) -> Any:
        if name not in outputs:
            outputs[name] = app.topic(name, key_serializer="raw", value_serializer="raw")
        return outputs[name]

    state = faust.Schema(key_serializer="json", value_serializer="json")
    tokens = app.Table("tokens", default=None, schema=state, partitions=settings.partitions)
    links = app.Table("links", default=None, schema=state, partitions=settings.partitions)

    async def emit(records: list[tuple[str, bytes, bytes]]) -> None:
        for topic, key, value in records:
            await out_topic(topic).send(key=key, value=value)

    def where(event: Any) -> tuple[str, int, int]:
        m = event.message
        return m.topic, m.partition, m.offset

    @app.agent(feeds, name="ingest")
    async def ingest(stream: Any) -> None:
        async for event in stream.events():
            topic, part, off = where(event)
            try:
                out = steps.ingest(topic, part, off, int((event.message.timestamp or 0) * 1000), event.value)
            except Exception as exc:  # never stop the worker: the record goes to the dead-letter topic
                log.exception("ingest failed on %s/%s/%s", topic, part, off)
                out = [steps.dead_letter(topic, part, off, event.value, f"internal error: {exc!r}")]
            await emit(out)

    def stateful(table: Any, fn: Any, stage: str) -> Any:
        async def agent(stream: Any) -> None:
            async for event in stream.events():
                topic, part, off = where(event)
                key = (event.key or b"").decode("utf-8", "replace")
                try:
                    new_state, out = fn(table.get(key), event.value)
                    if new_state is not None:
                        table[key] = new_state
                except FaustError:
                    raise
                except Exception as exc:  # a record we cannot process: dead letter, carry on
                    log.exception("%s failed on %s/%s/%s", stage, topic, part, off)
                    out = [
                        steps.dead_letter(
                            topic, part, off, event.value, f"{type(exc).__name__}: {exc}", stage=stage
                        )
                    ]
                await emit(out)

        agent.__name__ = stage
        return agent

    app.agent(sightings, name="correlate")(stateful(tokens, steps.correlate, "correlate"))
    app.agent(links_in, name="notify")(stateful(links, steps.notify, "notify"))
    return app
