"""Sanctions screening in the stream: a report wallet on a loaded list gives the report's own FIU
a ``sanctions_hit`` (its report, the list, the entry and programmes, the match kind); no other
FIU is involved or told.

The watchlist lives in the worker's token store beside the token's correlation state, under
``watch_key(token)`` (same partition: the watchlist topic is partitioned like the sightings).
Two events meet there:

- a sighting of a wallet token (``screen_sighting``): one hit per listing of the token, for the
  sighting's report;
- a watchlist record (``apply_watch``): the token's listings are replaced, and every report the
  token state holds gets one hit per listing, so an entry added after the reports arrived
  reaches their FIUs too. A removed entry gives no new hits.

Ids are deterministic (FIU, report, list, entry, token), so a replay re-emits the same
notifications and audit records and sinks dedupe by id; that is also why ``apply_watch``
notifies for every listing of the new record, not only the added ones: a crash after the store
write but before the sends must not lose a hit. The watchlist entries carry no ``last_ms``, so
retention never forgets them (a list says how long its entries live).

Known limits: a token the correlation ignores (a known service wallet) or one that turned hot
keeps no (further) reports, so a later-added entry reaches only the reports the state holds;
every report is still screened on arrival.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from streams.core.correlate import Store
from streams.core.records import TokenState
from streams.core.sanctions.lists import Listing
from streams.core.tokens import SEPARATOR, stable_id

Record = dict[str, Any]
WATCH_PREFIX = f"watch{SEPARATOR}"
HIT = "sanctions_hit"


def watch_key(token: str) -> str:
    """The store key of a token's listings (beside the token's own correlation state)."""
    return WATCH_PREFIX + token


@dataclass
class Screened:
    notifications: list[Record] = field(default_factory=list)
    audit: list[Record] = field(default_factory=list)


def listings_of_state(state: Record | None) -> tuple[Listing, ...]:
    if not state:
        return ()
    return tuple(
        Listing(x["list"], x["entry"], tuple(x["programs"]), tuple(x["assets"]))
        for x in state.get("listings", [])
    )


def _state_of(listings: Iterable[Listing]) -> Record:
    return {
        "listings": [
            {"list": x.list_name, "entry": x.entry, "programs": list(x.programs), "assets": list(x.assets)}
            for x in sorted(listings)
        ]
    }


def _hit(out: Screened, fiu: str, report_id: str, kind: str, token: str, listing: Listing,
         now: str, source_ts: int, policy_version: str) -> None:  # fmt: skip
    match_id = stable_id(HIT, listing.list_name, listing.entry, token)
    nid = stable_id("notification", match_id, fiu, report_id, HIT)
    out.notifications.append(
        {
            "notification_id": nid,
            "match_id": match_id,
            "type": HIT,
            "recipient_fiu": fiu,
            "recipient_report_id": report_id,
            "counterpart_fiu": None,
            "counterpart_report_id": None,
            "match_kind": kind,
            "token": token,
            "confidence": 1.0,
            "purpose": None,
            "restrictions": [],
            "created_at": now,
            "source_ts": source_ts,
            "watchlist": listing.list_name,
            "listing_ref": listing.entry,
            "programs": list(listing.programs),
        }
    )
    programs = ", ".join(listing.programs) or "no programme given"
    out.audit.append(
        {
            "decision_id": stable_id("audit", match_id, HIT, fiu, report_id),
            "match_id": match_id,
            "decision": HIT,
            "reason": f"a {kind} of report {report_id} is on list {listing.list_name}, "
            f"entry {listing.entry} ({programs}); told to its own FIU only",
            "recipient_fiu": fiu,
            "counterpart_fiu": None,
            "notification_id": nid,
            "policy_version": policy_version,
            "created_at": now,
        }
    )


def screen_sighting(store: Store, s: Record, now: str, policy_version: str = "") -> Screened:
    """A sighting (one report, one token) against the token's listings."""
    out = Screened()
    if s.get("kind") != "wallet":
        return out
    # the token store holds a token's listings beside its state, under ``watch_key(token)``
    for listing in listings_of_state(cast(Record | None, store.get(watch_key(s["token"])))):
        _hit(
            out,
            s["fiu"],
            s["report_id"],
            s["kind"],
            s["token"],
            listing,
            now,
            s.get("source_ts", 0),
            policy_version,
        )
    return out


def reports_of(state: Record | None) -> list[tuple[str, str]]:
    """(FIU, report id) of every report a token state holds, holders of a hot token included."""
    if not state:
        return []
    seen: dict[tuple[str, str], None] = {}
    for r in [*state.get("refs", []), *state.get("holders", [])]:
        seen.setdefault((r["fiu"], r["report_id"]), None)
    return list(seen)


def apply_watch(
    store: Store,
    token: str,
    listings: tuple[Listing, ...],
    now: str,
    source_ts: int = 0,
    policy_version: str = "",
) -> Screened:
    """A watchlist record (``listings`` empty: the token is delisted): store it, and hit every
    report the token's state holds, once per listing."""
    store[watch_key(token)] = cast(TokenState, _state_of(listings))  # listings, beside the token's state
    out = Screened()
    state = cast(Record | None, store.get(token))
    kind = state.get("kind", "wallet") if state else "wallet"
    for fiu, report_id in reports_of(state):
        for listing in listings:
            _hit(out, fiu, report_id, kind, token, listing, now, source_ts, policy_version)
    return out
