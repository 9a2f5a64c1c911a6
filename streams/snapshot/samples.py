"""Synthetic records of every type the snapshotter reads (tests and benchmarks).

Each factory returns a record dict in its Avro schema's shape, with deterministic ids from the
arguments, so a test can produce the same record twice (an at-least-once replay) on purpose.
"""

from __future__ import annotations

import hashlib
from typing import Any

Record = dict[str, Any]
NOW = "2026-11-20T10:00:00.000Z"


def token(value: str, key_id: str = "k1") -> str:
    return f"{key_id}:{hashlib.sha256(value.encode()).hexdigest()}"


def report(fiu: str, n: int, *, sharing: str = "auto") -> Record:
    return {
        "report_id": f"{fiu}-{n:06d}",
        "fiu": fiu,
        "submitted_at": "2026-11-20T10:00:00Z",
        "reporting_entity": {"name": "Example VASP SAS", "kind": "vasp", "id": "969500T3MBS4SQAMHJ45"},
        "typologies": ["mixer"],
        "handling": {"sharing": sharing, "restrictions": ["no-onward-dissemination"]},
        "subjects": [
            {"subject_id": "s1", "names": [f"Secret Person {n}"], "emails": [f"secret{n}@example.org"]}
        ],
        "transactions": [{"chain": "btc", "amount": "1.25"}],
        "narrative": "narrative that must stay with the reporting FIU",
        "tokens": [],
    }


def sighting(fiu: str, report_id: str, tok: str, kind: str = "wallet") -> Record:
    return {"token": tok, "kind": kind, "fiu": fiu, "report_id": report_id, "sharing": "auto",
            "restrictions": [], "submitted_at": "2026-11-20T10:00:00Z", "source_ts": 1}  # fmt: skip


def _ref(fiu: str, report_id: str) -> Record:
    return {"fiu": fiu, "report_id": report_id, "sharing": "auto", "restrictions": []}


def match(
    match_id: str, refs: list[tuple[str, str]], *, status: str = "cross_border", tok: str | None = None
) -> Record:
    return {"match_id": match_id, "status": status, "match_kind": "wallet", "token": tok or token(match_id),
            "reports": [_ref(f, r) for f, r in refs], "created_at": NOW, "source_ts": 1}  # fmt: skip


def notification(
    nid: str,
    match_id: str,
    recipient: str,
    counterpart: str | None,
    *,
    type_: str = "hit",
    created_at: str = NOW,
) -> Record:
    return {
        "notification_id": nid,
        "match_id": match_id,
        "type": type_,
        "recipient_fiu": recipient,
        "recipient_report_id": f"{recipient}-000001",
        "counterpart_fiu": counterpart,
        "counterpart_report_id": f"{counterpart}-000001" if counterpart and type_ == "hit" else None,
        "match_kind": "wallet",
        "token": token(match_id),
        "confidence": 1.0 if type_ == "hit" else None,
        "purpose": None,
        "restrictions": [],
        "created_at": created_at,
        "source_ts": 1,
        "recipient_fields": ["subjects[0].wallets[0].address"],
        "agreement": None,
        "message": None,
        "watchlist": None,
        "listing_ref": None,
        "programs": [],
        "why": None,
    }


def audit(
    decision_id: str,
    match_id: str,
    decision: str,
    recipient: str | None = None,
    counterpart: str | None = None,
    *,
    created_at: str = NOW,
) -> Record:
    return {"decision_id": decision_id, "match_id": match_id, "decision": decision, "reason": f"{decision}",
            "recipient_fiu": recipient, "counterpart_fiu": counterpart, "notification_id": None,
            "policy_version": "abc123", "created_at": created_at}  # fmt: skip


def dead_letter(topic: str, offset: int, reason: str, field: str = "", stage: str = "ingest") -> Record:
    return {"source": f"{topic}/0/{offset}", "topic": topic, "partition": 0, "offset": offset, "field": field,
            "reason": reason, "stage": stage, "payload": b"raw secret bytes", "created_at": NOW}  # fmt: skip


def consent(match_id: str, fiu: str, granted: bool = True) -> Record:
    return {"match_id": match_id, "fiu": fiu, "granted": granted, "reason": None, "created_at": NOW}
