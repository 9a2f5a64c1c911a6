"""From a list's rows to the watchlist: addresses normalised and tokenised like report wallets,
one ``WatchRecord`` per token (every list and entry naming that wallet), and the diff of a new
load of one list against the current watchlist.

A watchlist record is keyed by token, so it lives on the same partition as the token's state in
the worker. It carries every list's listings of that token; loading list ``A`` replaces ``A``'s
listings only, keeps the other lists', and a token no list names any more is a tombstone.
Records are plain data with a stable order, so an unchanged load publishes nothing (idempotent).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from streams.core.identifiers import normalize_wallet
from streams.core.sanctions.ofac import ListedAddress, SanctionsFileError
from streams.errors import InvalidIdentifierError

Tokenize = Callable[[str, str], str]
TABLE_COLUMNS = ("asset", "address", "entry", "program")


@dataclass(frozen=True, order=True)
class Listing:
    """One list's entry naming a wallet."""

    list_name: str
    entry: str
    programs: tuple[str, ...]
    assets: tuple[str, ...]


@dataclass
class LoadPlan:
    """What publishing one load of one list changes: records to write (None: a tombstone)."""

    writes: dict[str, tuple[Listing, ...] | None] = field(default_factory=dict)
    added: int = 0
    removed: int = 0
    changed: int = 0
    unchanged: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (where, reason)

    def summary(self, list_name: str) -> str:
        return (
            f"list {list_name}: {self.added} added, {self.removed} removed, {self.changed} changed, "
            f"{self.unchanged} unchanged, {len(self.rejected)} rejected"
        )


def read_table(text: str, source: str) -> list[ListedAddress]:
    """A CSV or TSV list (tab if the header has one) with columns asset, address, entry,
    program (several programmes separated by ';'). Blank lines and '#' lines are skipped."""
    lines = [
        (n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip() and not line.startswith("#")
    ]
    if not lines:
        raise SanctionsFileError(f"{source}: empty list")
    header_no, header = lines[0]
    delimiter = "\t" if "\t" in header else ","
    columns = [c.strip().lower() for c in next(csv.reader([header], delimiter=delimiter))]
    missing = [c for c in TABLE_COLUMNS if c not in columns]
    if missing:
        raise SanctionsFileError(
            f"{source}:{header_no}: header lacks {', '.join(missing)} (columns: asset, address, entry, program)"
        )
    index = {c: columns.index(c) for c in TABLE_COLUMNS}
    rows = []
    for n, line in lines[1:]:
        cells = next(csv.reader([line], delimiter=delimiter))
        cells += [""] * (len(columns) - len(cells))
        progs = tuple(p.strip() for p in cells[index["program"]].split(";") if p.strip())
        rows.append(
            ListedAddress(
                cells[index["asset"]].strip(),
                cells[index["address"]],
                cells[index["entry"]].strip(),
                progs,
                where=f"{source}:{n}",
            )
        )
    return rows


def listings_of(
    rows: Iterable[ListedAddress], list_name: str, tokenize: Tokenize
) -> tuple[dict[str, tuple[Listing, ...]], list[tuple[str, str]]]:
    """Token -> this list's listings of it, and the rows refused as (where, reason)."""
    found: dict[str, dict[str, tuple[set[str], set[str]]]] = {}
    rejected: list[tuple[str, str]] = []
    for row in rows:
        if not row.entry:
            rejected.append((row.where, f"{row.asset} {row.address.strip()!r}: no entry reference"))
            continue
        try:
            label, canonical = normalize_wallet(row.asset, row.address)
        except InvalidIdentifierError as exc:
            rejected.append((row.where, f"{row.asset} {row.address.strip()!r}: {exc.reason}"))
            continue
        token = tokenize("wallet", f"{label}:{canonical}")
        programs, assets = found.setdefault(token, {}).setdefault(row.entry, (set(), set()))
        programs.update(row.programs)
        assets.add(row.asset.strip().upper())
    listings = {
        token: tuple(
            sorted(
                Listing(list_name, entry, tuple(sorted(p)), tuple(sorted(a)))
                for entry, (p, a) in entries.items()
            )
        )
        for token, entries in found.items()
    }
    return listings, rejected


def plan_load(
    current: Mapping[str, tuple[Listing, ...]],
    list_name: str,
    new: Mapping[str, tuple[Listing, ...]],
    rejected: list[tuple[str, str]] | None = None,
) -> LoadPlan:
    """The writes that make the watchlist hold ``new`` as ``list_name``'s listings. Counts are
    of (token, entry) listings of this list."""
    plan = LoadPlan(rejected=list(rejected or ()))
    for token in sorted(set(current) | set(new)):
        before = current.get(token, ())
        others = tuple(x for x in before if x.list_name != list_name)
        old_mine = {x.entry: x for x in before if x.list_name == list_name}
        new_mine = {x.entry: x for x in new.get(token, ())}
        for entry, listing in new_mine.items():
            if entry not in old_mine:
                plan.added += 1
            elif old_mine[entry] == listing:
                plan.unchanged += 1
            else:
                plan.changed += 1
        plan.removed += sum(entry not in new_mine for entry in old_mine)
        after = tuple(sorted(others + tuple(new_mine.values())))
        if after != tuple(sorted(before)):
            plan.writes[token] = after or None
    return plan


def record_of(token: str, listings: tuple[Listing, ...]) -> dict[str, object]:
    """The ``WatchlistEntry`` record of a token."""
    return {
        "token": token,
        "listings": [
            {"list": x.list_name, "entry": x.entry, "programs": list(x.programs), "assets": list(x.assets)}
            for x in listings
        ],
    }


def listings_from_record(record: Mapping[str, object]) -> tuple[Listing, ...]:
    items = record.get("listings") or []
    assert isinstance(items, list)
    return tuple(
        sorted(Listing(x["list"], x["entry"], tuple(x["programs"]), tuple(x["assets"])) for x in items)
    )
