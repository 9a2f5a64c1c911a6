"""Ingest in child processes sends exactly what ingest in the worker sends, in the same order;
bad records are dead letters there too; a child that dies is an error, never a silent gap."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import pytest
from test_steps import KEY, POLICY, TOPICS, encode_report, raw_report  # this directory's steps fixtures

from streams.app.ingest import IngestPool, Record, ingest_records
from streams.app.steps import Steps
from streams.codec import Codec
from streams.codec.avro import SCHEMA_DIR
from streams.core.correlate import CorrelationRules
from streams.core.policy import SharingPolicy
from streams.core.sightings import sightings_of
from streams.core.tokens import Tokenizer

FR = TOPICS.feed("FR")


def records(codec: Codec, n: int) -> list[Record]:
    out: list[Record] = []
    for i in range(n):
        if i % 37 == 5:
            value = b"\x00not avro at all"
        else:
            emails = [f"subject{i % 23}@example.org"]  # shared between reports: same partitions
            value = encode_report(
                codec, raw_report(f"FR-2026-{i:06d}", subjects=[{"subject_id": "s1", "emails": emails}])
            )
        out.append((FR, i % 3, 1000 + i, 1763647380000 + i, value))
    return out


def comparable(codec: Codec, sends: list[Any]) -> list[Any]:
    """Sends with the dead letters' creation time blanked (it is the wall clock)."""
    out = []
    for topic, key, value, partition in sends:
        name, rec = codec.decode(value)
        if name == "DeadLetter":
            rec = {**rec, "created_at": None}
        out.append((topic, key, partition, name, rec))
    return out


@pytest.fixture(scope="module")
def codec() -> Codec:
    return Codec(SCHEMA_DIR)


@pytest.fixture
def steps(codec: Codec) -> Steps:
    return Steps(codec, Tokenizer(KEY, "k1"), SharingPolicy.parse(POLICY), CorrelationRules(), TOPICS, 8)


def per_partition(codec: Codec, sends: list[Any]) -> dict[int, list[Any]]:
    """Each sightings partition's sightings in the order they are sent."""
    out: dict[int, list[Any]] = {}
    for topic, _, value, partition in sends:
        if topic == TOPICS.sightings:
            out.setdefault(partition, []).extend(sightings_of(codec.decode(value)[1]))
    return out


def make_pool(processes: int) -> Any:
    p = IngestPool(processes, KEY, "k1", SharingPolicy.parse(POLICY), CorrelationRules(), TOPICS, 8)
    yield p
    p.close()


pool = pytest.fixture(lambda: (yield from make_pool(2)))
one_child = pytest.fixture(lambda: (yield from make_pool(1)))


def test_one_child_sends_what_the_worker_itself_would(
    one_child: IngestPool, steps: Steps, codec: Codec
) -> None:
    recs = records(codec, 400)
    assert comparable(codec, asyncio.run(one_child.run(recs))) == comparable(
        codec, ingest_records(steps, recs)
    )


def test_two_children_same_sightings_per_partition_same_order(
    pool: IngestPool, steps: Steps, codec: Codec
) -> None:
    recs = records(codec, 400)  # two chunks, one per child
    here = ingest_records(steps, recs)
    there = asyncio.run(pool.run(recs))
    assert per_partition(codec, there) == per_partition(codec, here)
    assert len(per_partition(codec, here)) >= 5  # the sample spreads over the partitions
    dead_here = [r for r in comparable(codec, here) if r[0] == TOPICS.dead_letter]
    assert [r for r in comparable(codec, there) if r[0] == TOPICS.dead_letter] == dead_here
    dead = [s for s in there if s[0] == TOPICS.dead_letter]
    assert len(dead) == len([r for r in recs if r[4] == b"\x00not avro at all"]) > 0
    first = codec.decode(dead[0][2])[1]
    assert (first["source"], first["stage"]) == (f"{FR}/{recs[5][1]}/{recs[5][2]}", "ingest")
    batches = [s for s in there if s[0] == TOPICS.sightings]
    assert batches and all(p == steps.partition_of(k) for _, k, _, p in batches)


def test_a_small_batch_and_an_empty_one(pool: IngestPool, steps: Steps, codec: Codec) -> None:
    recs = records(codec, 3)
    assert comparable(codec, asyncio.run(pool.run(recs))) == comparable(codec, ingest_records(steps, recs))
    assert asyncio.run(pool.run([])) == []


def test_a_child_that_dies_is_an_error_not_a_gap(pool: IngestPool, codec: Codec) -> None:
    asyncio.run(pool.run(records(codec, 2)))  # the children are up
    executor = pool._executor()
    for pid in list(executor._processes):  # type: ignore[attr-defined]
        os.kill(pid, signal.SIGKILL)
    with pytest.raises(BrokenProcessPool):
        asyncio.run(pool.run(records(codec, 2)))


ORPHAN = """
import asyncio, os, signal, sys
from streams.app.ingest import IngestPool
from streams.core.correlate import CorrelationRules
from streams.core.policy import SharingPolicy
from streams.kafka.topics import Topics
pool = IngestPool(1, b"k", "k1", SharingPolicy.parse('fius = ["FR", "DE"]'), CorrelationRules(), Topics("t."), 8)
asyncio.run(pool.run([("t.reports.FR", 0, 0, 0, b"junk")]))
print(*pool._executor()._processes, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_killed_worker_leaves_no_ingest_child_behind() -> None:
    done = subprocess.run([sys.executable, "-c", ORPHAN], capture_output=True, text=True, timeout=60)
    assert done.returncode == -signal.SIGKILL, done.stderr
    children = [int(p) for p in done.stdout.split()]
    assert children
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(alive(p) for p in children):
        time.sleep(0.1)
    assert not any(alive(p) for p in children)


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as f:
            return "zombie" not in f.read()
    except FileNotFoundError:
        return False
