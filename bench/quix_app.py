"""The peer: fiulink's own pure core on Quix Streams 3.28 (confluent-kafka/librdkafka, per-record
dataframe API, RocksDB state with changelogs), the engine a Python team would most likely pick
instead of Faust. Measurement only (``bench.peer`` runs it); needs the ``bench`` extra.

    python -m bench.quix_app pipeline FEEDS(comma) SIGHTINGS MATCHES OUT POLICY
    python -m bench.quix_app passthrough FEEDS(comma) OUT

``pipeline``: the worker's three hops through Kafka with the same core: ingest (``Steps.read``:
decode, validate, normalise, tokenise; one record per token) -> SIGHTINGS keyed by token ->
correlate (``core.correlate.step``, per-token state) -> MATCHES keyed by match_id -> notify
(``core.policy.decide``, per-match state) -> OUT. ``passthrough``: no-logic consume -> produce.
The environment is the worker's (``FIULINK_*``); the consumer group is ``FIULINK_APP_ID``, so the
bench starts the clock as it does for the worker. Runs until SIGTERM.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from quixstreams import Application, message_context

from streams.app.steps import Steps
from streams.codec import codec
from streams.config import Settings
from streams.core.clock import utcnow
from streams.core.correlate import CorrelationRules, step
from streams.core.policy import SharingPolicy, decide
from streams.core.sightings import sightings_of
from streams.core.tokens import Tokenizer


def application(settings: Settings) -> Application:
    return Application(
        broker_address=settings.bootstrap,
        consumer_group=settings.app_id,
        auto_offset_reset="earliest",
        state_dir=tempfile.mkdtemp(prefix="quix-peer-", dir=settings.home),
        commit_interval=1.0,  # as the worker's broker_commit_interval
        loglevel=os.environ.get("QUIX_LOGLEVEL", "WARNING"),
        processing_guarantee="at-least-once",
    )


def pipeline(
    app: Application, settings: Settings, feeds: list[str], names: list[str], policy_path: str
) -> None:
    sightings_name, matches_name, out_name = names
    policy = SharingPolicy.load(Path(policy_path))
    rules = CorrelationRules()
    tokenizer = Tokenizer(settings.require_key(), settings.token_key_id)
    steps = Steps(codec(), tokenizer, policy, rules, settings.topics, settings.partitions)

    def ingest(value: bytes) -> list[dict[str, Any]]:
        ctx = message_context()
        sighted, _dead = steps.read(ctx.topic, ctx.partition, ctx.offset, 0, value)
        if not sighted:
            return []
        return [dict(s) for s in sightings_of({"reports": [sighted]})]  # as the worker's correlate

    def correlate(s: dict[str, Any], state: Any) -> list[dict[str, Any]]:
        new_state, matches = step(state.get("s"), s, rules, utcnow())  # type: ignore[arg-type]
        if new_state is not None:
            state.set("s", new_state)
        return list(matches)

    def notify(match: dict[str, Any], state: Any) -> list[dict[str, Any]]:
        new_state, outcome = decide(state.get("l"), match, policy, utcnow())  # type: ignore[arg-type]
        if new_state is not None:
            state.set("l", new_state)
        return [*outcome.notifications, *outcome.audit]

    def json_topic(name: str) -> Any:
        return app.topic(name, key_serializer="str", value_serializer="json", key_deserializer="str",
                         value_deserializer="json")  # fmt: skip

    sightings, matches, out = json_topic(sightings_name), json_topic(matches_name), json_topic(out_name)
    for name in feeds:
        sdf = app.dataframe(app.topic(name, key_deserializer="bytes", value_deserializer="bytes"))
        sdf.apply(ingest, expand=True).to_topic(sightings, key=lambda s: s["token"])
    sdf = app.dataframe(sightings).apply(correlate, stateful=True, expand=True)
    sdf.to_topic(matches, key=lambda m: m["match_id"])
    app.dataframe(matches).apply(notify, stateful=True, expand=True).to_topic(out)


def passthrough(app: Application, feeds: list[str], out_name: str) -> None:
    out = app.topic(out_name, key_serializer="bytes", value_serializer="bytes")
    for name in feeds:
        app.dataframe(app.topic(name, key_deserializer="bytes", value_deserializer="bytes")).to_topic(out)


def main(argv: list[str]) -> None:
    settings = Settings.from_env(dict(os.environ))
    mode, feeds = argv[0], argv[1].split(",")
    app = application(settings)
    if mode == "pipeline":
        pipeline(app, settings, feeds, argv[2:5], argv[5])
    else:
        passthrough(app, feeds, argv[2])
    app.run()


if __name__ == "__main__":
    main(sys.argv[1:])
