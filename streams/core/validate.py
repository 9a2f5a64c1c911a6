"""Validation of STR input (the JSON Lines shape of docs/feed.md) into the Avro ``StrReport`` shape.

``validate_report`` reports every problem of a record at once, each as (field path, reason), and
fills the defaults of absent optional fields so the result encodes as-is.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

Problems = list[tuple[str, str]]

FIU_RE = re.compile(r"[A-Z]{2}")
SURROGATE_RE = re.compile(r"[\ud800-\udfff]")  # valid in JSON escapes, not encodable as UTF-8
SHARING = ("auto", "consent", "none")
KINDS = ("person", "organization")
MAX_TEXT = 100_000
MAX_ITEMS = 1_000

_SUBJECT_LISTS = ("names", "nationalities", "emails", "phones")
_TX_FIELDS = ("tx_hash", "from_address", "to_address", "asset", "amount", "timestamp")


COUNTRY_RE = re.compile(r"[A-Za-z]{2}")


def _time_problem(value: str) -> str | None:
    """Why ``value`` is not a usable timestamp (None if it is): reports cross time zones, so a
    time without a UTC offset is ambiguous and refused rather than guessed."""
    try:
        t = datetime.fromisoformat(value)
    except ValueError:
        return f"not an ISO-8601 timestamp: {value[:40]!r}"
    if t.tzinfo is None:
        return (
            f"no UTC offset in {value[:40]!r}: write it as 2026-11-20T14:03:00Z or 2026-11-20T15:03:00+01:00"
        )
    return None


class _Checker:
    def __init__(self) -> None:
        self.problems: Problems = []

    def fail(self, path: str, reason: str) -> None:
        self.problems.append((path, reason))

    def text(self, obj: dict[str, Any], key: str, path: str, *, required: bool = False) -> str | None:
        value = obj.get(key)
        if value is None:
            if required:
                self.fail(path, "required")
            return None
        if not isinstance(value, str):
            self.fail(path, f"must be a string, not {type(value).__name__}")
            return None
        if required and not value.strip():
            self.fail(path, "must not be empty")
            return None
        if len(value) > MAX_TEXT:
            self.fail(path, f"longer than {MAX_TEXT} characters")
            return None
        if not value.isascii() and SURROGATE_RE.search(value):  # isascii: O(1), the common case
            self.fail(path, "not valid Unicode text (a lone surrogate such as \\ud800)")
            return None
        return value

    def strings(self, obj: dict[str, Any], key: str, path: str) -> list[str]:
        value = obj.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(path, f"must be a list of strings, not {type(value).__name__}")
            return []
        if len(value) > MAX_ITEMS:
            self.fail(path, f"more than {MAX_ITEMS} items")
            return []
        out = []
        for i, item in enumerate(value):
            if not isinstance(item, str):
                self.fail(f"{path}[{i}]", f"must be a string, not {type(item).__name__}")
            elif len(item) > MAX_TEXT:
                self.fail(f"{path}[{i}]", f"longer than {MAX_TEXT} characters")
            elif not item.isascii() and SURROGATE_RE.search(item):
                self.fail(f"{path}[{i}]", "not valid Unicode text (a lone surrogate such as \\ud800)")
            else:
                out.append(item)
        return out

    def objects(self, obj: dict[str, Any], key: str, path: str) -> list[tuple[str, dict[str, Any]]]:
        value = obj.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(path, f"must be a list, not {type(value).__name__}")
            return []
        if len(value) > MAX_ITEMS:
            self.fail(path, f"more than {MAX_ITEMS} items")
            return []
        out = []
        for i, item in enumerate(value):
            if isinstance(item, dict):
                out.append((f"{path}[{i}]", item))
            else:
                self.fail(f"{path}[{i}]", f"must be an object, not {type(item).__name__}")
        return out


def validate_report(obj: Any) -> tuple[dict[str, Any] | None, Problems]:
    """Return (record in StrReport shape, []) or (None, problems)."""
    if not isinstance(obj, dict):
        return None, [("", f"a report must be a JSON object, not {type(obj).__name__}")]
    c = _Checker()
    report_id = c.text(obj, "report_id", "report_id", required=True)
    fiu = c.text(obj, "fiu", "fiu", required=True)
    if fiu is not None and not FIU_RE.fullmatch(fiu):
        c.fail("fiu", f"must be an ISO 3166-1 alpha-2 code like 'FR', not {fiu!r}")
    submitted = c.text(obj, "submitted_at", "submitted_at", required=True)
    why = _time_problem(submitted) if submitted is not None else None
    if why:
        c.fail("submitted_at", why)
    entity = obj.get("reporting_entity")
    entity_rec = None
    if entity is not None:
        if isinstance(entity, dict):
            entity_rec = {k: c.text(entity, k, f"reporting_entity.{k}") for k in ("name", "kind", "id")}
        else:
            c.fail("reporting_entity", "must be an object")
    handling = obj.get("handling") or {}
    sharing, restrictions = "auto", []
    if not isinstance(handling, dict):
        c.fail("handling", "must be an object")
    else:
        sharing = c.text(handling, "sharing", "handling.sharing") or "auto"
        if sharing not in SHARING:
            c.fail("handling.sharing", f"must be one of {', '.join(SHARING)}, not {sharing!r}")
        restrictions = c.strings(handling, "restrictions", "handling.restrictions")
    subjects = [_subject(c, path, s) for path, s in c.objects(obj, "subjects", "subjects")]
    transactions = [_transaction(c, path, t) for path, t in c.objects(obj, "transactions", "transactions")]
    tokens = []
    for path, t in c.objects(obj, "tokens", "tokens"):
        kind, token = (
            c.text(t, "kind", f"{path}.kind", required=True),
            c.text(t, "token", f"{path}.token", required=True),
        )
        if kind and token:
            fields = c.strings(t, "fields", f"{path}.fields")[:5]
            tokens.append({"kind": kind, "token": token, "fields": fields})
    typologies = c.strings(obj, "typologies", "typologies")
    narrative = c.text(obj, "narrative", "narrative")
    if not subjects and not transactions and not tokens and "subjects" not in dict(c.problems):
        c.fail("subjects", "a report needs at least one subject or transaction")
    if c.problems:
        return None, c.problems
    return {
        "report_id": report_id,
        "fiu": fiu,
        "submitted_at": submitted,
        "reporting_entity": entity_rec,
        "typologies": typologies,
        "handling": {"sharing": sharing, "restrictions": restrictions},
        "subjects": subjects,
        "transactions": transactions,
        "narrative": narrative,
        "tokens": tokens,
    }, c.problems


def _subject(c: _Checker, path: str, s: dict[str, Any]) -> dict[str, Any]:
    kind = c.text(s, "kind", f"{path}.kind") or "person"
    if kind not in KINDS:
        c.fail(f"{path}.kind", f"must be person or organization, not {kind!r}")
    rec: dict[str, Any] = {
        "subject_id": c.text(s, "subject_id", f"{path}.subject_id"),
        "kind": kind,
        "birth_date": c.text(s, "birth_date", f"{path}.birth_date"),
        "lei": c.text(s, "lei", f"{path}.lei"),
    }
    for key in _SUBJECT_LISTS:
        rec[key] = c.strings(s, key, f"{path}.{key}")
    for i, code in enumerate(rec["nationalities"]):
        if not COUNTRY_RE.fullmatch(code):
            c.fail(
                f"{path}.nationalities[{i}]",
                f"must be an ISO 3166-1 alpha-2 code like 'RU', not {code[:20]!r}",
            )
    rec["documents"] = [
        {
            "type": c.text(d, "type", f"{p}.type", required=True) or "",
            "number": c.text(d, "number", f"{p}.number", required=True) or "",
            "country": c.text(d, "country", f"{p}.country"),
        }
        for p, d in c.objects(s, "documents", f"{path}.documents")
    ]
    for i, doc in enumerate(rec["documents"]):
        if doc["country"] is not None and not COUNTRY_RE.fullmatch(doc["country"]):
            why = f"must be the issuing country's ISO 3166-1 alpha-2 code like 'RU', not {doc['country'][:20]!r}"
            c.fail(f"{path}.documents[{i}].country", why)
    rec["accounts"] = [
        {
            "type": c.text(a, "type", f"{p}.type") or "account",
            "number": c.text(a, "number", f"{p}.number", required=True) or "",
        }
        for p, a in c.objects(s, "accounts", f"{path}.accounts")
    ]
    rec["wallets"] = [
        {
            "chain": c.text(w, "chain", f"{p}.chain", required=True) or "",
            "address": c.text(w, "address", f"{p}.address", required=True) or "",
        }
        for p, w in c.objects(s, "wallets", f"{path}.wallets")
    ]
    return rec


def _transaction(c: _Checker, path: str, t: dict[str, Any]) -> dict[str, Any]:
    rec: dict[str, Any] = {"chain": c.text(t, "chain", f"{path}.chain", required=True) or ""}
    for key in _TX_FIELDS:
        rec[key] = c.text(t, key, f"{path}.{key}")
    why = _time_problem(rec["timestamp"]) if rec["timestamp"] is not None else None
    if why:
        c.fail(f"{path}.timestamp", why)
    if (
        rec["amount"] is None
        and isinstance(t.get("amount"), int | float)
        and not isinstance(t.get("amount"), bool)
    ):
        c.problems = [p for p in c.problems if p[0] != f"{path}.amount"]
        rec["amount"] = str(t["amount"])
    return rec
