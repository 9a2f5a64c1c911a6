"""``fiulink sanctions load``: read a list, diff it against the watchlist topic, publish the
changes. The decisions (parsing, tokens, diff) are in ``streams.core.sanctions``; this module
only reads the file and the compacted topic and writes records and tombstones."""

from __future__ import annotations

import time
from pathlib import Path

from streams.codec.avro import codec
from streams.config import Settings
from streams.core.sanctions.lists import (
    Listing,
    LoadPlan,
    listings_from_record,
    listings_of,
    plan_load,
    read_table,
    record_of,
)
from streams.core.sanctions.ofac import ListedAddress, SanctionsFileError, read_sdn_advanced
from streams.core.sightings import route
from streams.core.tokens import Tokenizer
from streams.errors import DecodeError, FiulinkError

RECORD = "WatchlistEntry"


def read_list(path: Path) -> tuple[list[ListedAddress], str]:
    """(rows, default list name): OFAC SDN advanced XML by its content, else CSV/TSV."""
    try:
        with path.open("rb") as f:
            head = f.read(512).lstrip(b"\xef\xbb\xbf \t\r\n")
            f.seek(0)
            if head.startswith(b"<"):
                return read_sdn_advanced(f, str(path)), "ofac-sdn"
        return read_table(path.read_text(encoding="utf-8-sig"), str(path)), path.stem
    except OSError as exc:
        raise SanctionsFileError(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise SanctionsFileError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def ensure_topic(settings: Settings) -> None:
    """The compacted watchlist topic, with the worker's partition count (keyed by token) and the
    cluster's durability, like every other topic of the hub."""
    from streams.kafka.topics import ensure_topics

    ensure_topics(settings, {settings.topics.watchlist: settings.partitions})


def read_watchlist(settings: Settings, timeout: float = 30.0) -> dict[str, tuple[Listing, ...]]:
    """The watchlist as it stands: the last value of every token (tombstones drop it)."""
    from kafka import TopicPartition
    from streams.kafka.clients import consumer

    topic = settings.topics.watchlist
    dec = codec()
    state: dict[str, tuple[Listing, ...]] = {}
    c = consumer(settings, auto_offset_reset="earliest")
    try:
        deadline = time.monotonic() + timeout
        parts = c.partitions_for_topic(topic)
        while parts is None and time.monotonic() < deadline:
            time.sleep(0.2)
            parts = c.partitions_for_topic(topic)
        tps = [TopicPartition(topic, p) for p in sorted(parts or ())]
        if not tps:
            return state
        if len(tps) != settings.partitions:
            raise FiulinkError(
                f"{topic} has {len(tps)} partitions, the worker's tables {settings.partitions}",
                hint="delete and recreate it (`fiulink topics create`), then load every list again",
            )
        c.assign(tps)
        ends = c.end_offsets(tps)
        c.seek_to_beginning(*tps)
        while any(c.position(tp) < ends[tp] for tp in tps):
            if time.monotonic() > deadline:
                raise FiulinkError(f"could not read {topic} to its end within {timeout:.0f}s")
            for msgs in c.poll(timeout_ms=300).values():
                for m in msgs:
                    token = m.key.decode() if m.key else ""
                    if m.value is None:
                        state.pop(token, None)
                        continue
                    try:
                        state[token] = listings_from_record(dec.decode(m.value, RECORD)[1])
                    except DecodeError:
                        continue
    finally:
        c.close()
    return state


def publish_plan(settings: Settings, plan: LoadPlan) -> None:
    from streams.kafka.clients import producer

    enc = codec()
    parts = settings.partitions
    p = producer(settings)
    try:
        for token, listings in plan.writes.items():
            value = None if listings is None else enc.encode(RECORD, record_of(token, listings))
            # partitioned like the sightings, so the worker meets it beside the token's state
            p.send(settings.topics.watchlist, key=token.encode(), value=value, partition=route(token, parts))
        p.flush(timeout=30)
    finally:
        p.close()


def load(settings: Settings, path: Path, list_name: str | None = None) -> tuple[str, LoadPlan]:
    rows, default_name = read_list(path)
    name = (list_name or default_name).strip()
    if not name:
        raise FiulinkError("empty list name", hint="give one with --list NAME")
    tokenize = Tokenizer(settings.require_key(), settings.token_key_id)
    new, rejected = listings_of(rows, name, tokenize)
    ensure_topic(settings)
    plan = plan_load(read_watchlist(settings), name, new, rejected)
    publish_plan(settings, plan)
    return name, plan


def write_demo_list(feeds: list[Path], path: Path) -> Path | None:
    """A one-entry CSV list naming the first subject wallet of the first report that has one
    (``make demo`` loads it to show a sanctions hit); None when no report has a wallet."""
    import json

    for feed in feeds:
        for line in feed.read_text(encoding="utf-8").splitlines():
            report = json.loads(line) if line.strip() else {}
            for subject in report.get("subjects") or ():
                for w in subject.get("wallets") or ():
                    path.write_text(
                        f"asset,address,entry,program\n{w['chain']},{w['address']},DEMO-1,DEMO-PROGRAMME\n"
                    )
                    return path
    return None
