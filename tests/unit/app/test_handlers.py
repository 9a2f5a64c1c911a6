"""The worker's batch handlers driven without a broker: events are plain stand-ins for Faust's,
the tables the in-memory store's mapping. Reports in, dead letters and sightings out; sightings
against the tokens table, matches out; matches against the links table, notifications out; a
record that fails is a dead letter and the batch goes on; a Faust failure exits (crash-only)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from faust.exceptions import FaustError
from test_steps import KEY, POLICY, TOPICS, encode_report, raw_report  # this directory's steps fixtures

from streams.app import handlers as handlers_module
from streams.app.handlers import BatchHandlers
from streams.app.state import BatchTable
from streams.app.steps import Steps
from streams.codec import Codec
from streams.codec.avro import SCHEMA_DIR
from streams.core.correlate import CorrelationRules
from streams.core.policy import SharingPolicy
from streams.core.tokens import Tokenizer


class MemoryTable:
    """What ``BatchTable`` uses of a Faust table with the in-memory store."""

    def __init__(self, name: str) -> None:
        self.data: dict[str, Any] = {}
        self.changelog_topic = SimpleNamespace(get_topic_name=lambda: f"{name}-changelog")


def event(topic: str, partition: int, offset: int, value: bytes, key: bytes | None = None) -> Any:
    message = SimpleNamespace(topic=topic, partition=partition, offset=offset, timestamp=1763647380.0)
    return SimpleNamespace(key=key, value=value, message=message)


@pytest.fixture(scope="module")
def codec() -> Codec:
    return Codec(SCHEMA_DIR)


@pytest.fixture
def handlers(codec: Codec) -> BatchHandlers:
    steps = Steps(codec, Tokenizer(KEY, "k1"), SharingPolicy.parse(POLICY), CorrelationRules(), TOPICS, 8)
    return BatchHandlers(steps, BatchTable(MemoryTable("tokens")), BatchTable(MemoryTable("links")))


def names(codec: Codec, sent: list[Any], topic: str) -> list[dict[str, Any]]:
    return [codec.decode(v)[1] for t, _, v, _ in sent if t == topic]


def test_reports_to_notifications_through_the_three_handlers(handlers: BatchHandlers, codec: Codec) -> None:
    fr = encode_report(codec, raw_report("FR-1", "FR"))
    de = encode_report(codec, raw_report("DE-1", "DE"))
    ingested = handlers.ingest(
        [
            event(TOPICS.feed("FR"), 0, 10, fr),
            event(TOPICS.feed("DE"), 1, 11, de),
            event(TOPICS.feed("DE"), 1, 12, b"junk"),
        ]
    )
    (dead,) = names(codec, ingested, TOPICS.dead_letter)
    assert (dead["source"], dead["stage"]) == (f"{TOPICS.feed('DE')}/1/12", "ingest")
    batches = [(k, v, p) for t, k, v, p in ingested if t == TOPICS.sightings]
    assert batches and all(p is not None for _, _, p in batches)

    correlated = handlers.correlate(
        [event(TOPICS.sightings, p, i, v, k) for i, (k, v, p) in enumerate(batches)]
    )
    matches = [(k, v) for t, k, v, _ in correlated if t == TOPICS.matches]
    changelog = [(p, k) for t, k, _, p in correlated if t == "tokens-changelog"]
    assert matches and changelog
    assert {p for p, _ in changelog} <= {p for _, _, p in batches}  # each key on its event's partition

    notified = handlers.notify([event(TOPICS.matches, 3, i, v, k) for i, (k, v) in enumerate(matches)])
    recipients = {n["recipient_fiu"] for n in names(codec, notified, TOPICS.notification("FR"))}
    recipients |= {n["recipient_fiu"] for n in names(codec, notified, TOPICS.notification("DE"))}
    assert recipients == {"FR", "DE"}
    assert names(codec, notified, TOPICS.audit)
    assert {p for t, _, _, p in notified if t == "links-changelog"} == {3}


def test_a_record_that_fails_is_a_dead_letter_and_the_batch_goes_on(
    handlers: BatchHandlers, codec: Codec
) -> None:
    good = encode_report(codec, raw_report("FR-1", "FR"))
    batches = [
        (k, v)
        for t, k, v, _ in handlers.ingest([event(TOPICS.feed("FR"), 0, 1, good)])
        if t == TOPICS.sightings
    ]
    sent = handlers.correlate(
        [
            event(TOPICS.sightings, 2, 7, b"\xc3\x01 not a batch"),
            *(event(TOPICS.sightings, 2, 8, v, k) for k, v in batches),
        ]
    )
    (dead,) = names(codec, sent, TOPICS.dead_letter)
    assert (dead["source"], dead["stage"]) == (f"{TOPICS.sightings}/2/7", "correlate")
    assert any(t == "tokens-changelog" for t, *_ in sent)  # the good batch was still correlated
    wrong_key = handlers.notify([event(TOPICS.consent("FR"), 0, 4, b"junk", b"m1")])
    (dead,) = names(codec, wrong_key, TOPICS.dead_letter)
    assert (dead["source"], dead["stage"]) == (f"{TOPICS.consent('FR')}/0/4", "notify")


def test_a_faust_failure_is_a_crash_not_a_dead_letter(
    handlers: BatchHandlers, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(*args: Any, **kwargs: Any) -> None:
        raise SystemExit(70)

    def fails(e: Any) -> Any:
        raise FaustError("table gone")

    monkeypatch.setattr(handlers_module, "crash", crash)
    with pytest.raises(SystemExit):
        handlers.guarded("notify", event(TOPICS.matches, 0, 0, b""), fails)
