"""``fiulink status``: is the broker up, how far behind is the worker group on each hop, and
how old is the latest snapshot.

The lag of a hop is, over its topics' partitions, the end offset minus the group's committed
offset (a partition the group never committed counts from its start): the records the workers
have not yet taken past. ``lag_per_hop`` and ``render`` are plain functions; ``gather`` asks
Kafka and the snapshot directory.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from streams.config import Settings
from streams.errors import BrokerError

HOPS = ("ingest", "correlate", "link", "notify")


@dataclass
class Status:
    bootstrap: str
    broker_up: bool
    group: str
    fius: list[str] = field(default_factory=list)
    lag: dict[str, int] = field(default_factory=dict)
    partitions: dict[str, int] = field(default_factory=dict)
    members: int | None = None
    group_state: str | None = None
    snapshot: str | None = None
    snapshot_age_s: float | None = None
    problem: str | None = None


def lag_per_hop(
    ends: Mapping[tuple[str, int], int],
    committed: Mapping[tuple[str, int], int],
    hop_of: Callable[[str], str | None],
) -> tuple[dict[str, int], dict[str, int]]:
    """(records behind, partitions) per hop, over the partitions whose end offsets are given."""
    lag = dict.fromkeys(HOPS, 0)
    parts = dict.fromkeys(HOPS, 0)
    for (topic, partition), end in ends.items():
        hop = hop_of(topic)
        if hop is None:
            continue
        parts[hop] += 1
        lag[hop] += max(0, end - committed.get((topic, partition), 0))
    return lag, parts


def hop_of(settings: Settings, fius: list[str]) -> Callable[[str], str | None]:
    t = settings.topics
    feeds = {t.feed(f) for f in fius}
    links = {t.matches, *(t.consent(f) for f in fius)}

    def hop(topic: str) -> str | None:
        if topic in feeds:
            return "ingest"
        if topic == t.sightings:
            return "correlate"
        if topic == t.subjects:  # encoded subjects, with fuzzy entity links on
            return "link"
        return "notify" if topic in links else None

    return hop


def gather(settings: Settings, timeout: float = 10.0) -> Status:
    """Ask the broker and the snapshot directory; a broker that does not answer is a status, not
    an error."""
    from streams.kafka.broker import EmbeddedBroker

    st = Status(
        settings.bootstrap, EmbeddedBroker(settings).answers(settings.bootstrap, timeout), settings.app_id
    )
    _snapshot(settings, st)
    if not st.broker_up:
        st.problem = f"no broker answers on {settings.bootstrap}"
        return st
    try:
        _group(settings, st, timeout)
    except BrokerError as exc:
        st.problem = str(exc)
    return st


def _snapshot(settings: Settings, st: Status) -> None:
    from streams.snapshot.publisher import latest, snapshots_dir

    path = latest(snapshots_dir(settings))
    if path is not None:
        st.snapshot = str(path)
        st.snapshot_age_s = max(0.0, time.time() - path.stat().st_mtime)


def _group(settings: Settings, st: Status, timeout: float) -> None:
    from kafka.errors import KafkaError

    from kafka import TopicPartition
    from streams.kafka.clients import consumer
    from streams.kafka.topics import admin_client, existing_topics

    t = settings.topics
    known = existing_topics(settings)
    st.fius = sorted(t.fiu_of_feed(name) or "" for name in known if t.fiu_of_feed(name))
    hop = hop_of(settings, st.fius)
    admin = admin_client(settings)
    c = consumer(settings)
    try:
        try:
            group: Any = admin.describe_groups([settings.app_id]).get(settings.app_id) or {}
        except KafkaError:  # no coordinator for a group nobody ever joined
            group = {}
        if group:
            st.group_state = group.get("group_state", group.get("state"))
            st.members = len(group.get("members") or ())
        offsets = admin.list_group_offsets(settings.app_id).get(settings.app_id) or {}
        committed = {(tp.topic, tp.partition): om.offset for tp, om in offsets.items() if om.offset >= 0}
        tps = [
            TopicPartition(name, p)
            for name in sorted(known)
            if hop(name) is not None
            for p in sorted(c.partitions_for_topic(name) or ())
        ]
        ends = {(tp.topic, tp.partition): off for tp, off in c.end_offsets(tps).items()} if tps else {}
    except KafkaError as exc:
        raise BrokerError(f"could not read the group {settings.app_id}: {type(exc).__name__}: {exc}") from exc
    finally:
        c.close()
        admin.close()
    st.lag, st.partitions = lag_per_hop(ends, committed, hop)


def _age(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def render(st: Status) -> list[str]:
    lines = [f"broker      {st.bootstrap}: {'up' if st.broker_up else 'not answering'}"]
    if st.broker_up:
        who = f"{st.members} member(s), {st.group_state}" if st.members is not None else "no such group yet"
        lines.append(f"workers     group {st.group}: {who}")
        if st.fius:
            lines.append(f"feeds       {', '.join(st.fius)}")
        for h in HOPS:
            if st.partitions.get(h):
                lines.append(f"  {h:<9} {st.lag[h]:>10,} records behind over {st.partitions[h]} partitions")
    if st.snapshot is None:
        lines.append("snapshot    none yet (`fiulink snapshot --once` makes one)")
    else:
        lines.append(f"snapshot    {st.snapshot}, {_age(st.snapshot_age_s or 0.0)} old")
    if st.problem:
        lines.append(f"problem     {st.problem}")
    return lines
