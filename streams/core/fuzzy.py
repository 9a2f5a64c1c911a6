"""Fuzzy links: a new encoded subject meets the subjects stored under its blocking keys.

``file_and_link(store, key, new, floor, now)`` is the step the worker runs where a blocking key's
postings live: it files the new subject under the key (bounded, ``blocking.file_under``) and
scores it against the subjects the key held before, one ``Match`` per other report (the best
scoring subject pair of the two reports), for scores at or above ``floor``. The policy grades
them (hit, possible_hit, audit only). A subject found through several keys gives the same
``match_id`` (``link_id``: the pair of reports and the kind) and the same score each time, so
sinks and the links table take it once, whatever the route.

What a posting keeps of a report: FIU, report id, handling, the subject's index and its
encoding (base64), never a name or a birth date.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from streams.core.correlate import link_id
from streams.core.entities.batch import Batch
from streams.core.entities.blocking import MAX_POSTINGS, file_under
from streams.core.entities.score import compare
from streams.core.records import Match, PostingsState, ReportRef, SubjectPosting

KIND_NAMES = {1: "person", 2: "organization"}
DEFAULT_FLOOR = 0.5  # scores below it make no Match (and no audit record): too far to mention


class PostingsStore(Protocol):
    """Where blocking keys' postings live: a dict in tests and replay, a Faust table in the worker."""

    def get(self, key: str) -> PostingsState | None: ...
    def __setitem__(self, key: str, state: PostingsState) -> None: ...


def subject_id(p: SubjectPosting) -> str:
    return f"{p['fiu']}/{p['report_id']}/{p['subject']}"


def encoding_of(p: SubjectPosting) -> bytes:
    return base64.b64decode(p["encoding"], validate=True)


def _ref(p: SubjectPosting) -> ReportRef:
    return {
        "fiu": p["fiu"],
        "report_id": p["report_id"],
        "sharing": p["sharing"],
        "restrictions": list(p["restrictions"]),
        "fields": [f"subjects[{p['subject']}]"],
    }


def link(new: SubjectPosting, candidates: Sequence[SubjectPosting], floor: float, now: str) -> list[Match]:
    """Score ``new`` against ``candidates`` (their own report left out); one Match per other
    report, for its best subject pair (ties: the lowest subject index), if the score is at or
    above ``floor``. Raises ``EntityEncodingError`` if an encoding is not one (the caller checks
    encodings where they enter, so a stored one always decodes)."""
    others = [c for c in candidates if (c["fiu"], c["report_id"]) != (new["fiu"], new["report_id"])]
    if not others:
        return []
    batch = Batch.of([encoding_of(new), *(encoding_of(c) for c in others)])
    idx_b = np.arange(1, len(others) + 1, dtype=np.int64)
    scores = compare(batch, np.zeros(len(others), dtype=np.int64), batch, idx_b)
    best: dict[tuple[str, str], int] = {}
    for i, c in enumerate(others):
        end = (c["fiu"], c["report_id"])
        j = best.get(end)
        if (
            j is None
            or scores.score[i] > scores.score[j]
            or (scores.score[i] == scores.score[j] and c["subject"] < others[j]["subject"])
        ):
            best[end] = i
    out: list[Match] = []
    for end in sorted(best):
        i = best[end]
        score = float(scores.score[i])
        if score < floor or scores.kind_differs[i]:
            continue
        kind = KIND_NAMES[int(scores.kind[i])]
        a, b = _ref(new), _ref(others[i])
        mid = link_id(kind, a, b)
        out.append(
            {
                "match_id": mid,
                "status": "cross_border" if a["fiu"] != b["fiu"] else "domestic",
                "match_kind": kind,
                "token": mid,  # no shared token: the link's own id stands for it
                "reports": [a, b],
                "created_at": now,
                "source_ts": new["source_ts"],
                "confidence": score,
                "why": scores.why(i),
            }
        )
    return out


@dataclass
class Linked:
    matches: list[Match] = field(default_factory=list)
    saturated: bool = False  # the key held MAX_POSTINGS: the subject was not filed (audit it)


def file_and_link(
    store: PostingsStore,
    key: str,
    new: SubjectPosting,
    floor: float = DEFAULT_FLOOR,
    now: str = "",
    cap: int = MAX_POSTINGS,
) -> Linked:
    """File ``new`` under blocking ``key`` in ``store`` and link it with what the key held before.
    A replay of a subject already filed finds the same candidates (those filed before it), so
    it emits the same matches again."""
    state = store.get(key) or {"postings": [], "last_ms": 0}
    ids = [subject_id(p) for p in state["postings"]]
    filed = file_under(ids, subject_id(new), cap)
    candidates = state["postings"][: len(filed.candidates)]
    if filed.added:
        state["postings"].append(new)
        state["last_ms"] = max(state["last_ms"], new["source_ts"])
        store[key] = state
    return Linked(link(new, candidates, floor, now), filed.saturated)


def forget_before(state: PostingsState, cutoff_ms: int) -> PostingsState | None:
    """Retention: the postings of subjects reported at or after ``cutoff_ms``; None when none is left."""
    kept = [p for p in state["postings"] if p["source_ts"] >= cutoff_ms]
    return {"postings": kept, "last_ms": state["last_ms"]} if kept else None
