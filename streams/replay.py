"""Batch/replay mode: the worker's steps over plain dicts, no Kafka. Gives the matches and
notifications a feed must produce, for tests (a streaming run must agree) and for backfills."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from streams.app.steps import Steps
from streams.codec import codec
from streams.core.correlate import CorrelationRules
from streams.core.entities import EntityEncoder
from streams.core.policy import SharingPolicy
from streams.core.sanctions.lists import Listing, record_of
from streams.core.sightings import sightings_of
from streams.core.tokens import Tokenizer
from streams.core.validate import validate_report
from streams.topics import Topics


def replay(reports: Iterable[dict[str, Any]], key: bytes, policy: SharingPolicy, rules: CorrelationRules,
           key_id: str = "k1", watchlist: Mapping[str, tuple[Listing, ...]] | None = None,
           entity_links: bool = False) -> dict[str, list[dict[str, Any]]]:  # fmt: skip
    """Run ingest -> correlate (and link: fuzzy matches of encoded subjects) -> notify in order
    over ``reports``, with the sanctions listings of ``watchlist`` (token -> listings) loaded
    first; return records by kind."""
    topics = Topics()
    c = codec()
    encoder = EntityEncoder(key) if entity_links else None  # as the worker's --entity-links
    steps = Steps(c, Tokenizer(key, key_id), policy, rules, topics, encoder=encoder)
    tokens: dict[str, Any] = {}
    links: dict[str, Any] = {}
    postings: dict[str, Any] = {}
    out: dict[str, list[dict[str, Any]]] = {"sightings": [], "matches": [], "notifications": [], "audit": []}
    for token, listings in (watchlist or {}).items():  # before any report: no hits yet
        steps.watch(tokens, token.encode(), c.encode("WatchlistEntry", record_of(token, listings)), 0)
    for i, report in enumerate(reports):
        rec, problems = validate_report(report)
        if rec is None:
            continue
        value = c.encode("StrReport", rec)
        for topic, _, v, _ in steps.ingest(topics.feed(rec["fiu"]), 0, i, 0, value):
            if topic == topics.subjects:  # fuzzy links: a dict holds every key's postings
                found = steps.link(postings, v)
            elif topic == topics.sightings:
                out["sightings"].extend(sightings_of(c.decode(v)[1]))
                found = steps.correlate(tokens, v)
            else:
                continue
            for mt, mk, mv, _ in found:
                if mt != topics.matches:  # a sanctions hit and its audit record
                    name, r = c.decode(mv)
                    out["notifications" if name == "Notification" else "audit"].append(r)
                    continue
                out["matches"].append(c.decode(mv)[1])
                mid = mk.decode()
                lstate, results = steps.notify(links.get(mid), mv, topics.matches, mid)
                if lstate is not None:
                    links[mid] = lstate
                for _topic, _, rv, _ in results:
                    name, r = c.decode(rv)
                    out["notifications" if name == "Notification" else "audit"].append(r)
    return out


def read_feed(paths: Iterable[Path]) -> list[dict[str, Any]]:
    return [
        json.loads(line)
        for p in paths
        for line in Path(p).read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
