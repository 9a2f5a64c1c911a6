"""Correlation: token -> the reports holding it, and the links a new report makes.

``step(state, sighting, rules, now)`` does no I/O: it takes the token's state (or None), updates
it in place and returns it with the Match records to emit; the caller stores what it returns
(a Faust table only logs a reassignment). The Faust table adapter and a dict both store the
state (see ``Store``); replay/batch mode is the same function over a dict.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from streams.core.records import LinkState, Match, ReportRef, Sighting, TokenState
from streams.core.tokens import stable_id

Record = dict[str, Any]


@dataclass(frozen=True)
class CorrelationRules:
    hot_reports: int = 10
    hot_fius: int = 5
    service_tokens: frozenset[str] = field(default_factory=frozenset)
    retention_ms: int = 0


class Store(Protocol):
    """Where token states live: a dict in tests and batch mode, a Faust table in the worker."""

    def get(self, token: str) -> TokenState | None: ...
    def __setitem__(self, token: str, state: TokenState) -> None: ...


def _ref(s: Sighting) -> ReportRef:
    return {
        "fiu": s["fiu"],
        "report_id": s["report_id"],
        "sharing": s["sharing"],
        "restrictions": list(s["restrictions"]),
        "fields": list(s.get("fields") or ()),
    }


def link_id(kind: str, a: ReportRef, b: ReportRef) -> str:
    """Deterministic: one match per pair of reports and match kind, whatever the token."""
    ends = sorted((f"{a['fiu']}/{a['report_id']}", f"{b['fiu']}/{b['report_id']}"))
    return stable_id("link", kind, *ends)


def step(
    state: TokenState | None, s: Sighting, rules: CorrelationRules, now: str
) -> tuple[TokenState | None, list[Match]]:
    token = s["token"]
    if token in rules.service_tokens:
        return state, []
    if state is not None and expired(state, s.get("source_ts", 0), rules):
        state = None  # retention: what is older than the period is forgotten
    if state is None:
        state = {"kind": s["kind"], "refs": [], "hot": False, "count": 0, "last_ms": 0}
    refs = state["refs"]
    for i, r in enumerate(refs):
        if r["fiu"] == s["fiu"] and r["report_id"] == s["report_id"]:
            # a replay (a restart re-reads what the state already holds): emit the same
            # matches again, with the same ids, so a crash between the state write and the
            # sends loses nothing; downstream dedupes by id.
            return state, _links(refs[i], refs[:i], s, now)
    if state["hot"]:
        state["count"] += 1
        state["last_ms"] = max(state["last_ms"], s.get("source_ts", 0))  # still seen: not expired
        if state.get("hot_by") == [s["fiu"], s["report_id"]]:
            return state, [_hot(state, s, now)]
        return state, []
    state["count"] += 1
    state["last_ms"] = max(state["last_ms"], s.get("source_ts", 0))
    new = _ref(s)
    fius = {r["fiu"] for r in refs} | {new["fiu"]}
    if len(refs) + 1 > rules.hot_reports or len(fius) > rules.hot_fius:
        state["hot"], state["hot_by"] = True, [new["fiu"], new["report_id"]]
        state["holders"] = _one_per_fiu([*refs, new])
        return state, [_hot(state, s, now)]
    refs.append(new)
    return state, _links(new, refs[:-1], s, now)


def _links(new: ReportRef, earlier: list[ReportRef], s: Sighting, now: str) -> list[Match]:
    return [
        _match(
            link_id(s["kind"], new, r),
            "cross_border" if r["fiu"] != new["fiu"] else "domestic",
            s,
            [new, r],
            now,
        )
        for r in earlier
    ]


def _hot(state: TokenState, s: Sighting, now: str) -> Match:
    return _match(stable_id("hot", s["token"]), "hot", s, state["holders"], now)


def _one_per_fiu(refs: Iterable[ReportRef]) -> list[ReportRef]:
    best: dict[str, ReportRef] = {}
    for r in refs:
        if r["fiu"] not in best or r["report_id"] < best[r["fiu"]]["report_id"]:
            best[r["fiu"]] = r
    return [best[f] for f in sorted(best)]


def _match(match_id: str, status: str, s: Sighting, reports: list[ReportRef], now: str) -> Match:
    return {
        "match_id": match_id,
        "status": status,
        "match_kind": s["kind"],
        "token": s["token"],
        "reports": reports,
        "created_at": now,
        "source_ts": s.get("source_ts", 0),
    }


def expired(state: TokenState | LinkState, now_ms: int, rules: CorrelationRules) -> bool:
    """True when the token was last seen longer ago than the retention period (0 = keep)."""
    return bool(rules.retention_ms) and now_ms - int(state.get("last_ms", 0)) > rules.retention_ms


def past_retention(state: TokenState | LinkState, now_ms: int, rules: CorrelationRules) -> bool:
    """Whether retention forgets this state: a token last sighted, or a match's sharing state
    (held hit, consent answers) last touched, longer ago than the retention period. A state
    without ``last_ms`` predates it and is kept (its age is unknown)."""
    return "last_ms" in state and expired(state, now_ms, rules)


def touch(state: LinkState, ts_ms: int) -> LinkState:
    """Record that a match's sharing state was touched by a record logged at ``ts_ms`` (the
    latest touch counts; 0, an unknown time, changes nothing)."""
    if ts_ms:
        state["last_ms"] = max(int(state.get("last_ms", 0)), ts_ms)
    return state


def correlate_all(
    sightings: Iterable[Sighting], rules: CorrelationRules, now: str, store: Store | None = None
) -> Iterator[Match]:
    """Batch/replay mode: the same step over a dict store."""
    st: Store = {} if store is None else store
    for s in sightings:
        new_state, out = step(st.get(s["token"]), s, rules, now)
        if new_state is not None:
            st[s["token"]] = new_state
        yield from out
