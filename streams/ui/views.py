"""The data behind each page and its JSON twin, read from the snapshot. An FIU's views start from
its own notifications: it sees the matches they name, the counterpart reports they name and its
own reports, never a report another FIU did not reveal to it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Any

from streams.errors import FiulinkError
from streams.ui.snapshots import Row, SnapshotSource

TYPES = ("hit", "possible_hit", "consent_request", "consent_refused", "hot_identifier", "sanctions_hit")
KINDS = ("wallet", "transaction", "document", "account", "lei", "email", "phone", "name_dob", "person",
         "organization")  # fmt: skip
PAGE = 50
#: Most reports drawn in one network (the nearest first); the page says when it was cut.
MAX_NODES = 300
#: Clusters up to this many reports are read in one query; bigger ones are walked hop by hop.
CLUSTER_QUERY_MAX = 5000


class BadFilterError(FiulinkError):
    """A filter value that cannot be read (said on the page, answered 400 by the API)."""


class NotVisibleError(FiulinkError):
    """Nothing of this id is visible to this FIU (answered 404: the same as not existing)."""


@cache
def sql(name: str) -> str:
    return resources.files("streams.ui").joinpath("sql", f"{name}.sql").read_text()


@dataclass(frozen=True)
class InboxFilter:
    type: str | None = None
    kind: str | None = None
    min_confidence: float | None = None
    since: datetime | None = None
    until: datetime | None = None
    page: int = 0

    @classmethod
    def parse(cls, q: dict[str, str]) -> InboxFilter:
        """From query parameters (empty means no filter); a bad value is a ``BadFilterError``."""

        def pick(name: str, allowed: tuple[str, ...]) -> str | None:
            v = (q.get(name) or "").strip()
            if v and v not in allowed:
                raise BadFilterError(f"{name} {v!r} is not one of {', '.join(allowed)}")
            return v or None

        conf_text = (q.get("min_confidence") or "").strip()
        try:
            conf = float(conf_text) if conf_text else None
        except ValueError:
            conf = -1.0
        if conf is not None and not 0.0 <= conf <= 1.0:
            raise BadFilterError(f"min_confidence {conf_text!r} is not a number from 0 to 1")
        page_text = (q.get("page") or "0").strip()
        if not page_text.isdigit():
            raise BadFilterError(f"page {page_text!r} is not a whole number >= 0")
        return cls(pick("type", TYPES), pick("kind", KINDS), conf, _day(q, "since"), _day(q, "until"),
                   int(page_text))  # fmt: skip

    def params(self, fiu: str) -> dict[str, Any]:
        return {"fiu": fiu, "type": self.type, "kind": self.kind, "min_confidence": self.min_confidence,
                "since": self.since, "until": self.until, "limit": PAGE + 1, "offset": self.page * PAGE}  # fmt: skip


def _day(q: dict[str, str], name: str) -> datetime | None:
    v = (q.get(name) or "").strip()
    if not v:
        return None
    try:
        d = datetime.fromisoformat(v)
    except ValueError:
        raise BadFilterError(f"{name} {v!r} is not a date (YYYY-MM-DD) or an ISO-8601 time") from None
    return d if d.tzinfo else d.replace(tzinfo=UTC)


def inbox(src: SnapshotSource, fiu: str, f: InboxFilter) -> tuple[list[Row], bool]:
    """One page of the FIU's notifications (newest first) and whether there is a next page. A
    consent request carries its answer as the snapshot has it (``answer``: open, granted, refused)."""
    rows = src.rows(sql("inbox"), f.params(fiu))
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    asked = sorted({r["match_id"] for r in rows if r["type"] == "consent_request"})
    answers = (
        {a["match_id"]: a for a in src.rows(sql("answers"), {"fiu": fiu, "match_ids": asked})}
        if asked
        else {}
    )
    for r in rows:
        if r["type"] == "consent_request":
            a = answers.get(r["match_id"])
            r["answer"] = "open" if a is None else ("granted" if a["granted"] else "refused")
            r["released"] = bool(a and a["released"])
    return rows, more


def match(src: SnapshotSource, fiu: str, match_id: str) -> dict[str, Any]:
    """What ``fiu`` may know of a match: its notifications naming it, the handling of its own
    report(s), the counterpart report ids it was told, and the audit trail concerning it."""
    notes = src.rows(sql("match_notes"), {"fiu": fiu, "match_id": match_id})
    if not notes:
        raise NotVisibleError(f"no match {match_id} among {fiu}'s notifications")
    own_ids = sorted({n["recipient_report_id"] for n in notes if n["recipient_report_id"]})
    own = src.rows(sql("own_reports"), {"fiu": fiu, "report_ids": own_ids})
    counterpart = sorted({(n["counterpart_fiu"], n["counterpart_report_id"]) for n in notes
                          if n["counterpart_report_id"]})  # fmt: skip
    first = notes[0]
    confidence = max((n["confidence"] for n in notes if n["confidence"] is not None), default=None)
    return {
        "match_id": match_id,
        "match_kind": first["match_kind"],
        "confidence": confidence,
        "signals": signals(first["match_kind"], confidence),
        "your_fields": sorted({f for n in notes for f in n.get("recipient_fields") or ()}),
        "agreement": next((n["agreement"] for n in notes if n.get("agreement")), None),
        "token": first["token"],
        "own_reports": own,
        "counterpart_reports": [{"fiu": f, "report_id": r} for f, r in counterpart],
        "counterpart_fius": sorted({n["counterpart_fiu"] for n in notes if n["counterpart_fiu"]}),
        "notifications": notes,
        "audit": src.rows(sql("match_audit"), {"fiu": fiu, "match_id": match_id}),
    }


def signals(kind: str | None, confidence: float | None) -> dict[str, Any]:
    """Why the two reports matched, as far as the notification says (never a value)."""
    if confidence is None or confidence >= 1.0:
        return {kind or "identifier": "equal keyed token (exact match of the normalised identifier)"}
    return {kind or "identifier": f"similar (confidence {confidence:.2f})"}


def network(src: SnapshotSource, fiu: str, start: str) -> dict[str, Any]:
    """The cross-border cluster around a report as ``fiu`` knows it: its reports and the
    counterpart reports its hits name, joined by those hits, grown breadth-first from ``start``
    (``FIU:REPORT_ID``) until nothing new or ``MAX_NODES`` reports. The hits come from the
    report's cluster in one query; a report in no cluster (or whose hits reach past it, e.g.
    through a token that turned hot later) is grown hop by hop with one query per side and hop."""
    start_fiu, _, start_id = start.partition(":")
    params = {"fiu": fiu, "start_fiu": start_fiu, "start_id": start_id, "max_reports": CLUSTER_QUERY_MAX}
    edges = _walk(src, fiu, start, src.rows(sql("network_cluster"), params))
    if edges is None:
        edges = _walk(src, fiu, start, None)
    own, theirs, found, cut = edges
    if not found and not (start_fiu == fiu and _is_own(src, fiu, start_id)):
        raise NotVisibleError(f"no report {start} among {fiu}'s reports and hits")
    nodes = [{"id": f"{fiu}:{r}", "fiu": fiu, "report_id": r, "own": True, "start": f"{fiu}:{r}" == start}
             for r in sorted(own)]  # fmt: skip
    for t in sorted(theirs):
        f, _, r = t.partition(":")
        nodes.append({"id": t, "fiu": f, "report_id": r, "own": False, "start": t == start})
    links = [
        {"source": f"{fiu}:{a}", "target": b, "match_kind": k, "confidence": e["confidence"],
         "type": e["type"], "match_id": e["match_id"]}
        for (a, b, k), e in sorted(found.items()) if a in own and b in theirs
    ]  # fmt: skip
    return {"start": start, "fiu": fiu, "nodes": nodes, "links": links, "cut": cut}


Walk = tuple[set[str], set[str], dict[tuple[str, str, str], Row], bool]


def _walk(src: SnapshotSource, fiu: str, start: str, known: list[Row] | None) -> Walk | None:
    """Breadth-first from ``start`` over the FIU's hits: over ``known`` (None: queried hop by
    hop). With ``known``, None when the walk reaches a report whose hits ``known`` may lack."""
    start_fiu, _, start_id = start.partition(":")
    own: set[str] = {start_id} if start_fiu == fiu else set()
    theirs: set[str] = set() if start_fiu == fiu else {start}
    by_own: dict[str, list[Row]] = {}
    by_theirs: dict[str, list[Row]] = {}
    for e in known or ():
        by_own.setdefault(e["recipient_report_id"], []).append(e)
        by_theirs.setdefault(f"{e['counterpart_fiu']}:{e['counterpart_report_id']}", []).append(e)
    if known is not None and not known:
        return None
    frontier_own, frontier_theirs = set(own), set(theirs)
    edges: dict[tuple[str, str, str], Row] = {}
    cut = False
    while frontier_own or frontier_theirs:
        if known is not None:
            if any(r not in by_own for r in frontier_own):
                return None
            found = [e for r in frontier_own for e in by_own[r]] + [
                e for t in frontier_theirs for e in by_theirs.get(t, ())
            ]
        else:
            found = []
            for side, ids in (
                ("own", frontier_own),
                ("theirs", {t.partition(":")[2] for t in frontier_theirs}),
            ):
                if ids:
                    found += src.rows(sql("network_edges"), {"fiu": fiu, "side": side, "ids": sorted(ids)})
        touched_own, touched_theirs = frontier_own, frontier_theirs
        frontier_own, frontier_theirs = set(), set()
        for e in found:
            a, b = e["recipient_report_id"], f"{e['counterpart_fiu']}:{e['counterpart_report_id']}"
            if a not in touched_own and b not in touched_theirs:
                continue  # another FIU's report with the same id
            edges.setdefault((a, b, e["match_kind"]), e)
            for s, frontier, rid in ((own, frontier_own, a), (theirs, frontier_theirs, b)):
                if rid not in s:
                    if len(own) + len(theirs) >= MAX_NODES:
                        cut = True
                        continue
                    s.add(rid)
                    frontier.add(rid)
    return own, theirs, edges, cut


def _is_own(src: SnapshotSource, fiu: str, report_id: str) -> bool:
    return bool(src.rows(sql("own_reports"), {"fiu": fiu, "report_ids": [report_id]}))


def overview(src: SnapshotSource) -> dict[str, Any]:
    """The hub operator's figures: counts only, no report ids. Computed once per snapshot (the
    ages of the oldest consent requests are taken at each call)."""
    names = ("hits_over_time", "exchange_matrix", "consent_backlog", "hot_identifiers", "dead_letters")
    figures = src.memo("overview", lambda: {name: src.rows(sql(name)) for name in names})
    out = {k: [dict(r) for r in v] for k, v in figures.items()}
    now = datetime.now(UTC)
    for b in out["consent_backlog"]:
        b["oldest_hours"] = (now - b["oldest"]).total_seconds() / 3600 if b["oldest"] else None
    return out
