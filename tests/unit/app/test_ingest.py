"""Ingest of a batch: bad records are dead letters naming topic/partition/offset, the rest go
out as SightingBatch messages, each on the partition its tokens route to."""

from __future__ import annotations

from typing import Any

import pytest
from test_steps import KEY, POLICY, TOPICS, encode_report, raw_report  # this directory's steps fixtures

from streams.app.ingest import Record, ingest_records
from streams.app.steps import Steps
from streams.codec import Codec
from streams.codec.avro import SCHEMA_DIR
from streams.core.correlate import CorrelationRules
from streams.core.policy import SharingPolicy
from streams.core.sightings import sightings_of
from streams.core.tokens import Tokenizer

FR = TOPICS.feed("FR")
JUNK = b"\x00not avro at all"


def records(codec: Codec, n: int) -> list[Record]:
    out: list[Record] = []
    for i in range(n):
        if i % 37 == 5:
            value = JUNK
        else:
            emails = [f"subject{i % 23}@example.org"]  # shared between reports: same partitions
            value = encode_report(
                codec, raw_report(f"FR-2026-{i:06d}", subjects=[{"subject_id": "s1", "emails": emails}])
            )
        out.append((FR, i % 3, 1000 + i, 1763647380000 + i, value))
    return out


@pytest.fixture(scope="module")
def codec() -> Codec:
    return Codec(SCHEMA_DIR)


@pytest.fixture
def steps(codec: Codec) -> Steps:
    return Steps(codec, Tokenizer(KEY, "k1"), SharingPolicy.parse(POLICY), CorrelationRules(), TOPICS, 8)


def per_partition(codec: Codec, sends: list[Any]) -> dict[int, list[Any]]:
    out: dict[int, list[Any]] = {}
    for topic, _, value, partition in sends:
        if topic == TOPICS.sightings:
            out.setdefault(partition, []).extend(sightings_of(codec.decode(value)[1]))
    return out


def test_a_batch_goes_out_as_dead_letters_and_sighting_batches(steps: Steps, codec: Codec) -> None:
    recs = records(codec, 400)
    sent = ingest_records(steps, recs)
    dead = [s for s in sent if s[0] == TOPICS.dead_letter]
    assert len(dead) == len([r for r in recs if r[4] == JUNK]) > 0
    first = codec.decode(dead[0][2])[1]
    assert (first["source"], first["stage"]) == (f"{FR}/{recs[5][1]}/{recs[5][2]}", "ingest")
    batches = [s for s in sent if s[0] == TOPICS.sightings]
    assert batches and all(p == steps.partition_of(k) for _, k, _, p in batches)
    assert len(per_partition(codec, sent)) >= 5  # the sample spreads over the partitions
    reports = {(s["fiu"], s["report_id"]) for part in per_partition(codec, sent).values() for s in part}
    assert len(reports) == len(recs) - len(dead)


def test_a_small_batch_and_an_empty_one(steps: Steps, codec: Codec) -> None:
    assert ingest_records(steps, []) == []
    sent = ingest_records(steps, records(codec, 3))
    assert [s[0] for s in sent].count(TOPICS.sightings) >= 1
