"""From a validated report to its matchable identifiers: (kind, canonical value) pairs.

An identifier that fails validation is left out and reported as (field path, reason); the
report's other identifiers still match. ``identifiers_with_fields`` also says where in the
report each identifier was found (``subjects[0].wallets[1].address``): a hit tells its recipient
which of its own fields matched, which reveals nothing of the counterpart.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from streams.core import identifiers as ids
from streams.errors import InvalidIdentifierError

Identifier = tuple[str, str]
Located = tuple[str, str, list[str]]  # kind, canonical value, the fields it was found in
Problems = list[tuple[str, str]]

MAX_IDENTIFIERS = 1_000  # identifier values normalised per report; beyond: left out, one problem
MAX_FIELDS = 5  # fields kept per identifier (the first ones, in report order)


def _wallet(chain: str, address: str) -> str:
    label, canonical = ids.normalize_wallet(chain, address)
    return f"{label}:{canonical}"


def _tx(chain: str, tx_hash: str) -> str:
    label, canonical = ids.normalize_tx_hash(chain, tx_hash)
    return f"{label}:{canonical}"


class _Collector:
    def __init__(self) -> None:
        self.found: dict[Identifier, list[str]] = {}
        self.problems: Problems = []
        self.tried = 0

    def add(self, kind: str, path: str, fn: Callable[..., str | None], *args: Any) -> None:
        self.tried += 1
        if self.tried > MAX_IDENTIFIERS:  # one member's report must not cost the hub unbounded work
            return
        try:
            canonical = fn(*args)
        except InvalidIdentifierError as exc:
            self.problems.append((path, exc.reason))
            return
        if canonical:
            fields = self.found.setdefault((kind, canonical), [])
            if len(fields) < MAX_FIELDS:
                fields.append(path)


def identifiers_of(report: dict[str, Any]) -> tuple[list[Identifier], Problems]:
    """Every distinct (kind, canonical) of the report, in a stable order, and the rejected ones.
    At most ``MAX_IDENTIFIERS`` values are looked at; the rest are one problem."""
    found, problems = identifiers_with_fields(report)
    return [(kind, value) for kind, value, _ in found], problems


def identifiers_with_fields(report: dict[str, Any]) -> tuple[list[Located], Problems]:
    """As ``identifiers_of``, each with the report fields it was found in (at most
    ``MAX_FIELDS``, in report order)."""
    c = _Collector()
    fiu = report["fiu"]
    for i, s in enumerate(report.get("subjects") or ()):
        p = f"subjects[{i}]"
        for j, w in enumerate(s.get("wallets") or ()):
            c.add("wallet", f"{p}.wallets[{j}].address", _wallet, w["chain"], w["address"])
        for j, d in enumerate(s.get("documents") or ()):
            c.add(
                "document",
                f"{p}.documents[{j}]",
                ids.normalize_document,
                d.get("country"),
                d["type"],
                d["number"],
            )
        for j, a in enumerate(s.get("accounts") or ()):
            c.add("account", f"{p}.accounts[{j}].number", ids.normalize_account, a["type"], a["number"])
        if s.get("lei"):
            c.add("lei", f"{p}.lei", ids.normalize_lei, s["lei"])
        for j, e in enumerate(s.get("emails") or ()):
            c.add("email", f"{p}.emails[{j}]", ids.normalize_email, e)
        region = (s.get("nationalities") or [fiu])[0]
        for j, ph in enumerate(s.get("phones") or ()):
            c.add("phone", f"{p}.phones[{j}]", ids.normalize_phone, ph, region)
        if s.get("kind", "person") == "person" and s.get("birth_date"):
            for j, name in enumerate(s.get("names") or ()):
                c.add("name_dob", f"{p}.names[{j}]", ids.normalize_name_dob, name, s["birth_date"])
    for i, t in enumerate(report.get("transactions") or ()):
        p = f"transactions[{i}]"
        if t.get("tx_hash"):
            c.add("transaction", f"{p}.tx_hash", _tx, t["chain"], t["tx_hash"])
        for side in ("from_address", "to_address"):
            if t.get(side):
                c.add("wallet", f"{p}.{side}", _wallet, t["chain"], t[side])
    if c.tried > MAX_IDENTIFIERS:
        c.problems.insert(
            0,
            (
                "",
                f"{c.tried} identifiers, more than the {MAX_IDENTIFIERS} matched per report: "
                f"the last {c.tried - MAX_IDENTIFIERS} were left out",
            ),
        )
    return [(kind, value, fields) for (kind, value), fields in c.found.items()], c.problems
