"""Sightings travel in batches: one message per sightings partition per worker batch.

A report's tokens are routed to partitions by ``route(token)`` (CRC-32 of the token, mod the
partition count, so every token always reaches the same correlate task and its table
partition), and the reports a batch touches are grouped per partition: a ``SightingBatch``
holds, for each report, its handling once and its tokens of that partition. Cutting ~3 Kafka
messages per report to a handful per batch is what lets the correlate hop keep up (Faust's
per-message cost was larger than the correlation itself).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator
from typing import Any, cast

from streams.core.records import SightedReport, Sighting, TokenRef

Sighted = SightedReport  # the name the worker's steps use
HEADER = ("fiu", "report_id", "sharing", "restrictions", "submitted_at", "source_ts")
MAX_TOKENS = 1000  # per message: keeps a batch message well under Kafka's 1 MB default


def wrong_feed(report: dict[str, Any], feed_fiu: str | None) -> str | None:
    """Why ``report`` may not be taken from ``feed_fiu``'s feed (None: it may): a report arrives
    on its own FIU's feed, so one FIU cannot report in another's name."""
    if feed_fiu is not None and report["fiu"] != feed_fiu:
        return f"report {report['report_id']} says fiu={report['fiu']} but came on the {feed_fiu} feed"
    return None


def sighted(
    report: dict[str, Any], tokens: Iterable[tuple[str, str, list[str]]], source_ts: int
) -> Sighted | None:
    """What the hub keeps of a validated report: its handling and its (kind, token, fields)
    triples, each token once (first kind and fields win), and the log time it arrived; None if it
    has no token at all."""
    seen: set[str] = set()
    unique: list[TokenRef] = []
    for kind, token, fields in tokens:
        if token not in seen:
            seen.add(token)
            unique.append({"kind": kind, "token": token, "fields": fields})
    if not unique:
        return None
    h = report["handling"]
    return {
        "fiu": report["fiu"],
        "report_id": report["report_id"],
        "sharing": h["sharing"],
        "restrictions": h["restrictions"],
        "submitted_at": report["submitted_at"],
        "source_ts": source_ts,
        "tokens": unique,
    }


def route(token: str, partitions: int) -> int:
    """The sightings partition of ``token``: stable across processes and restarts."""
    return zlib.crc32(token.encode()) % partitions


def split(reports: Iterable[Sighted], partitions: int, max_tokens: int = MAX_TOKENS) -> list[list[Sighted]]:
    """Reports (in order) -> batches, each of one partition, at most ``max_tokens`` tokens.
    Every batch's tokens all route to the same partition; order within a partition is kept."""
    open_: dict[int, list[Sighted]] = {}
    counts: dict[int, int] = {}
    done: list[list[Sighted]] = []
    for r in reports:
        row = cast(dict[str, Any], r)
        per: dict[int, list[TokenRef]] = {}
        for t in r["tokens"]:
            per.setdefault(route(t["token"], partitions), []).append(t)
        for p, tokens in per.items():
            if counts.get(p, 0) + len(tokens) > max_tokens and open_.get(p):
                done.append(open_.pop(p))
                counts[p] = 0
            open_.setdefault(p, []).append(cast(Sighted, {**{k: row[k] for k in HEADER}, "tokens": tokens}))
            counts[p] = counts.get(p, 0) + len(tokens)
    done.extend(open_.values())
    return done


def sightings_of(batch: dict[str, Any]) -> Iterator[Sighting]:
    """A SightingBatch -> one flat Sighting record per token, in order."""
    for r in batch["reports"]:
        head: dict[str, Any] = {k: r[k] for k in HEADER}
        for t in r["tokens"]:
            yield cast(
                Sighting, {**head, "kind": t["kind"], "token": t["token"], "fields": t.get("fields") or []}
            )
