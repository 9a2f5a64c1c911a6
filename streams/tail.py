"""``fiulink tail``: decoded records as JSON Lines on stdout, one per line and nothing else."""

from __future__ import annotations

import base64
import json
import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

from streams.codec import codec
from streams.config import Settings
from streams.errors import DecodeError, KafkaAccessError
from streams.kafka.clients import consumer
from streams.kafka.topics import existing_topics


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def partitions_of(c: Any, topic: str, timeout: float = 15.0) -> set[int]:
    """A fresh consumer's metadata may not hold the topic yet: ask until it does. A broker of the
    cluster that is down is asked around (kafka-python raises instead of asking another)."""
    from kafka.errors import KafkaConnectionError

    deadline = time.monotonic() + timeout
    while True:
        try:
            parts = c.partitions_for_topic(topic)
            if parts:
                return set(parts)
            c.topics()  # forces a metadata refresh
        except KafkaConnectionError as exc:
            if time.monotonic() > deadline:
                raise KafkaAccessError(f"no broker gave partition metadata for {topic}: {exc}") from exc
        if time.monotonic() > deadline:
            raise KafkaAccessError(f"no partition metadata for {topic} after {timeout:.0f}s")
        time.sleep(0.1)


def resolve_topics(settings: Settings, topics: list[str], fiu: str | None) -> list[str]:
    """'notifications' means every fiulink.notifications.* topic (or one FIU's with --fiu);
    'dead-letters' the hub's dead-letter topic, or with --fiu that FIU's own copy of the dead
    letters of what it sent (readable under its ACLs)."""
    known = existing_topics(settings)
    out: list[str] = []
    for t in topics:
        if t == "dead-letters":
            out.append(settings.topics.dead_letters_of(fiu.upper()) if fiu else settings.topics.dead_letter)
        elif t == "notifications":
            names = (
                [settings.topics.notification(fiu)]
                if fiu
                else sorted(k for k in known if k.startswith(settings.topics.notifications))
            )
            out.extend(names)
        else:
            out.append(t)
    missing = [t for t in out if t not in known]
    if missing:
        raise KafkaAccessError(
            f"no such topic: {', '.join(missing)}", hint="list them with `fiulink topics list`"
        )
    if not out:
        raise KafkaAccessError(
            "no topics to tail", hint="create them with `fiulink topics create --policy FILE`"
        )
    return out


class NotReadableError(KafkaAccessError):
    """The principal may not read the topic (its ACLs do not allow READ)."""


def read_to_end(settings: Settings, topic: str, *, timeout: float = 15.0) -> list[dict[str, Any]]:
    """Every decodable record of ``topic`` from its beginning to the end it had when the read
    started (no consumer group, nothing committed). Raises ``NotReadableError`` when the ACLs
    forbid reading it, and a ``FiulinkError`` when the end is not reached within ``timeout``."""
    from kafka.errors import KafkaError, TopicAuthorizationFailedError

    from kafka import TopicPartition

    dec = codec()
    c = consumer(settings, auto_offset_reset="earliest")
    out: list[dict[str, Any]] = []
    try:
        tps = [TopicPartition(topic, p) for p in sorted(partitions_of(c, topic, timeout))]
        c.assign(tps)
        ends = c.end_offsets(tps)
        c.seek_to_beginning(*tps)
        deadline = time.monotonic() + timeout
        while any(c.position(tp) < ends[tp] for tp in tps):
            if time.monotonic() > deadline:
                raise KafkaAccessError(f"could not read {topic} to its end within {timeout:.0f}s")
            for msgs in c.poll(timeout_ms=300, max_records=5000).values():
                for m in msgs:
                    if m.value is None or m.offset >= ends[TopicPartition(m.topic, m.partition)]:
                        continue
                    try:
                        out.append(dec.decode(m.value)[1])
                    except DecodeError:
                        continue
    except TopicAuthorizationFailedError as exc:
        raise NotReadableError(f"not allowed to read {topic}") from exc
    except KafkaError as exc:
        raise KafkaAccessError(f"could not read {topic}: {type(exc).__name__}: {exc}") from exc
    finally:
        c.close()
    return out


def tail(
    settings: Settings,
    topics: list[str],
    *,
    from_beginning: bool = False,
    idle_timeout: float | None = None,
    group: str | None = None,
    dedupe: bool = True,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
    on_record: Callable[[str, dict[str, Any]], None] | None = None,
) -> int:
    """Print records until ``idle_timeout`` seconds pass with none new (forever if None).
    Notifications are de-duplicated by notification_id (the topic is at-least-once)."""
    from kafka import TopicPartition

    dec = codec()
    reset = "earliest" if from_beginning else "latest"
    c = consumer(settings, group_id=group, auto_offset_reset=reset)
    if group:
        c.subscribe(topics)
    else:
        tps = [TopicPartition(t, p) for t in topics for p in sorted(partitions_of(c, t))]
        c.assign(tps)
        (c.seek_to_beginning if from_beginning else c.seek_to_end)(*tps)
    seen: set[str] = set()
    count = 0
    last = time.monotonic()
    try:
        while True:
            batch = c.poll(timeout_ms=500, max_records=2000)
            if batch:
                last = time.monotonic()
            for tp, msgs in batch.items():
                for m in msgs:
                    try:
                        _, rec = dec.decode(m.value)
                    except DecodeError as exc:
                        print(f"{m.topic}/{m.partition}/{m.offset}: cannot decode: {exc}", file=err)
                        continue
                    nid = rec.get("notification_id") if dedupe else None
                    if nid is not None:
                        if nid in seen:
                            continue
                        seen.add(nid)
                    if on_record is not None:
                        on_record(tp.topic, rec)
                    else:
                        out.write(json.dumps(_jsonable(rec), ensure_ascii=False) + "\n")
                    count += 1
            out.flush()
            if group and batch:
                c.commit()
            if idle_timeout is not None and time.monotonic() - last >= idle_timeout:
                break
    except KeyboardInterrupt:
        pass
    finally:
        c.close()
    return count


def read_all(
    settings: Settings, topics: list[str], idle: float = 2.0
) -> list[tuple[str, int, dict[str, Any]]]:
    """(topic, kafka timestamp ms, record) for everything on ``topics``."""
    from kafka import TopicPartition

    c = consumer(settings, auto_offset_reset="earliest")
    tps = [TopicPartition(t, p) for t in topics for p in sorted(partitions_of(c, t))]
    c.assign(tps)
    c.seek_to_beginning(*tps)
    dec, out, last = codec(), [], time.monotonic()
    while time.monotonic() - last < idle:
        for tp, msgs in c.poll(timeout_ms=300, max_records=5000).items():
            last = time.monotonic()
            out.extend((tp.topic, m.timestamp, dec.decode(m.value)[1]) for m in msgs)
    c.close()
    return out
