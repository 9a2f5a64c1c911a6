"""From a validated report to its matchable identifiers: (kind, canonical value) pairs.

An identifier that fails validation is left out and reported as (field path, reason); the
report's other identifiers still match.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from streams.core import identifiers as ids
from streams.errors import InvalidIdentifierError

Identifier = tuple[str, str]
Problems = list[tuple[str, str]]


def identifiers_of(report: dict[str, Any]) -> tuple[list[Identifier], Problems]:
    """Every distinct (kind, canonical) of the report, in a stable order, and the rejected ones."""
    found: dict[Identifier, None] = {}
    problems: Problems = []

    def add(kind: str, path: str, fn: Callable[[], str | None]) -> None:
        try:
            canonical = fn()
        except InvalidIdentifierError as exc:
            problems.append((path, exc.reason))
            return
        if canonical:
            found.setdefault((kind, canonical), None)

    fiu = report["fiu"]
    for i, s in enumerate(report.get("subjects") or ()):
        p = f"subjects[{i}]"
        for j, w in enumerate(s.get("wallets") or ()):
            add(
                "wallet",
                f"{p}.wallets[{j}].address",
                lambda w=w: _join(ids.normalize_wallet(w["chain"], w["address"])),
            )
        for j, d in enumerate(s.get("documents") or ()):
            add(
                "document",
                f"{p}.documents[{j}]",
                lambda d=d: ids.normalize_document(d.get("country"), d["type"], d["number"]),
            )
        for j, a in enumerate(s.get("accounts") or ()):
            add(
                "account",
                f"{p}.accounts[{j}].number",
                lambda a=a: ids.normalize_account(a["type"], a["number"]),
            )
        if s.get("lei"):
            add("lei", f"{p}.lei", lambda s=s: ids.normalize_lei(s["lei"]))
        for j, e in enumerate(s.get("emails") or ()):
            add("email", f"{p}.emails[{j}]", lambda e=e: ids.normalize_email(e))
        region = (s.get("nationalities") or [fiu])[0]
        for j, ph in enumerate(s.get("phones") or ()):
            add("phone", f"{p}.phones[{j}]", lambda ph=ph, region=region: ids.normalize_phone(ph, region))
        if s.get("kind", "person") == "person" and s.get("birth_date"):
            for j, name in enumerate(s.get("names") or ()):
                add(
                    "name_dob",
                    f"{p}.names[{j}]",
                    lambda name=name, s=s: ids.normalize_name_dob(name, s["birth_date"]),
                )
    for i, t in enumerate(report.get("transactions") or ()):
        p = f"transactions[{i}]"
        if t.get("tx_hash"):
            add(
                "transaction",
                f"{p}.tx_hash",
                lambda t=t: _join(ids.normalize_tx_hash(t["chain"], t["tx_hash"])),
            )
        for side in ("from_address", "to_address"):
            if t.get(side):
                add(
                    "wallet",
                    f"{p}.{side}",
                    lambda t=t, side=side: _join(ids.normalize_wallet(t["chain"], t[side])),
                )
    return list(found), problems


def _join(pair: tuple[str, str]) -> str:
    return f"{pair[0]}:{pair[1]}"
