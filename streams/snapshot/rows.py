"""Decoded records -> table rows, as plain functions (no DuckDB, no Kafka).

One ``Table`` per record type names its columns (in ``sql/schema.sql`` order), its key and which
row of a key it keeps: the last one (``upsert``: a replay carries the same content) or the first
one (``first``: a record of what happened, such as an audit decision or an FIU's consent answer,
is never overwritten by a later record with the same key). A row mapper keeps metadata and
tokens only. A report row never holds the narrative, raw
identifiers or the reporting entity: only counts of subjects and transactions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

import orjson

Record = dict[str, Any]
Row = tuple[Any, ...]


@dataclass(frozen=True)
class Where:
    """Where a record was read: topic, partition, offset."""

    topic: str
    partition: int
    offset: int


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    key: tuple[str, ...]
    to_row: Callable[[Record, Where], Row]
    #: "last": a later row with the same key replaces the stored one (upsert); "first": the first
    #: row stored for a key stays, later ones are ignored (insert-or-ignore).
    keep: str = "last"

    @cached_property
    def key_index(self) -> tuple[int, ...]:
        return tuple(self.columns.index(k) for k in self.key)

    def key_of(self, row: Row) -> tuple[Any, ...]:
        return tuple(row[i] for i in self.key_index)


def timestamp(value: str | None) -> str | None:
    """ISO-8601 text -> the same instant as normalised ISO text (DuckDB parses text faster than it
    converts datetime objects); anything unreadable or without a zone -> None, so a bad date
    never stops a load."""
    if not value:
        return None
    try:
        ts = datetime.fromisoformat(value)
    except ValueError:
        return None
    return ts.isoformat() if ts.tzinfo is not None else None


def _report(r: Record, w: Where) -> Row:
    handling = r.get("handling") or {}
    return (
        r["fiu"],
        r["report_id"],
        timestamp(r.get("submitted_at")),
        list(r.get("typologies") or []),
        handling.get("sharing", "auto"),
        list(handling.get("restrictions") or []),
        len(r.get("subjects") or []),
        len(r.get("transactions") or []),
        len(r.get("tokens") or []),
        w.topic,
        w.partition,
        w.offset,
    )


def _sighting(r: Record, _w: Where) -> Row:
    return (
        r["token"],
        r["fiu"],
        r["report_id"],
        r["kind"],
        r.get("sharing"),
        timestamp(r.get("submitted_at")),
        r.get("source_ts", 0),
    )


def _match(r: Record, _w: Where) -> Row:
    refs = [
        {
            "fiu": x["fiu"],
            "report_id": x["report_id"],
            "sharing": x.get("sharing", "auto"),
            "restrictions": list(x.get("restrictions") or []),
        }
        for x in r["reports"]
    ]
    fius = sorted({x["fiu"] for x in refs})
    return (
        r["match_id"],
        r["status"],
        r["match_kind"],
        r["token"],
        refs,
        fius,
        timestamp(r["created_at"]),
        r.get("source_ts", 0),
        1.0 if r.get("confidence") is None else r["confidence"],
        _json(r.get("why")),
    )


def _json(why: Any) -> str | None:
    return None if why is None else orjson.dumps(why, option=orjson.OPT_SORT_KEYS).decode()


def _notification(r: Record, _w: Where) -> Row:
    return (
        r["notification_id"],
        r["match_id"],
        r["type"],
        r["recipient_fiu"],
        r.get("recipient_report_id"),
        r.get("counterpart_fiu"),
        r.get("counterpart_report_id"),
        r.get("match_kind"),
        r.get("token"),
        r.get("confidence"),
        r.get("purpose"),
        list(r.get("restrictions") or []),
        timestamp(r["created_at"]),
        r.get("source_ts", 0),
        r.get("watchlist"),
        r.get("listing_ref"),
        list(r.get("programs") or []),
        list(r.get("recipient_fields") or []),
        r.get("agreement"),
        r.get("message"),
        _json(r.get("why")),
    )


def _audit(r: Record, _w: Where) -> Row:
    return (
        r["decision_id"],
        r["match_id"],
        r["decision"],
        r["reason"],
        r.get("recipient_fiu"),
        r.get("counterpart_fiu"),
        r.get("notification_id"),
        r["policy_version"],
        timestamp(r["created_at"]),
    )


def _consent(r: Record, w: Where) -> Row:
    return (
        r["match_id"],
        r["fiu"],
        r["granted"],
        r.get("reason"),
        timestamp(r["created_at"]),
        w.topic,
        w.partition,
        w.offset,
    )


def _dead_letter(r: Record, _w: Where) -> Row:
    return (
        r["source"],
        r.get("stage", "ingest"),
        r.get("field", ""),
        r["reason"],
        r["topic"],
        r["partition"],
        r["offset"],
        len(r.get("payload") or b""),
        timestamp(r["created_at"]),
    )


#: Avro schema name -> the table its records go to.
TABLES: dict[str, Table] = {
    "StrReport": Table(
        "reports",
        (
            "fiu",
            "report_id",
            "submitted_at",
            "typologies",
            "sharing",
            "restrictions",
            "n_subjects",
            "n_transactions",
            "n_source_tokens",
            "topic",
            "partition",
            "offset",
        ),
        ("fiu", "report_id"),
        _report,
    ),
    "Sighting": Table(
        "sightings",
        ("token", "fiu", "report_id", "kind", "sharing", "submitted_at", "source_ts"),
        ("token", "fiu", "report_id"),
        _sighting,
    ),
    "Match": Table(
        "matches",
        (
            "match_id",
            "status",
            "match_kind",
            "token",
            "reports",
            "fius",
            "created_at",
            "source_ts",
            "confidence",
            "why",
        ),  # fmt: skip
        ("match_id",),
        _match,
    ),
    "Notification": Table(
        "notifications",
        (
            "notification_id",
            "match_id",
            "type",
            "recipient_fiu",
            "recipient_report_id",
            "counterpart_fiu",
            "counterpart_report_id",
            "match_kind",
            "token",
            "confidence",
            "purpose",
            "restrictions",
            "created_at",
            "source_ts",
            "watchlist",
            "listing_ref",
            "programs",
            "recipient_fields",
            "agreement",
            "message",
            "why",
        ),
        ("notification_id",),
        _notification,
    ),
    "AuditDecision": Table(
        "audit",
        (
            "decision_id",
            "match_id",
            "decision",
            "reason",
            "recipient_fiu",
            "counterpart_fiu",
            "notification_id",
            "policy_version",
            "created_at",
        ),
        ("decision_id",),
        _audit,
        keep="first",  # a replayed decision (new created_at, maybe new wording) never rewrites the original
    ),
    # Append-only: one row per answer record on an FIU's consent topic, so a later refusal never
    # overwrites a grant (nor a grant a refusal); what the hub did with each answer is in `audit`.
    "ConsentAnswer": Table(
        "consents",
        ("match_id", "fiu", "granted", "reason", "created_at", "topic", "partition", "offset"),
        ("topic", "partition", "offset"),
        _consent,
        keep="first",
    ),
    "DeadLetter": Table(
        "dead_letters",
        ("source", "stage", "field", "reason", "topic", "partition", "offset", "payload_bytes", "created_at"),
        ("source", "stage", "field", "reason"),
        _dead_letter,
    ),
}

#: Every data table of a snapshot, in a stable order.
TABLE_NAMES: tuple[str, ...] = tuple(t.name for t in TABLES.values())
