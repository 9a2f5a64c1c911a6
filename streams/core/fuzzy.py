"""Fuzzy links: a new encoded subject meets the subjects stored under its blocking keys.

Ingest: ``postings_of(report, encoder, ts)`` gives a report's encoded subjects, each under
each of its blocking keys. Where a key's postings live (a worker partition, or a dict in replay):
``checked_posting`` refuses an entry that is not safe to file, ``file_subject`` files it under
the key (bounded as ``blocking.file_under`` says) and returns what the key held before it, and
``link_all`` scores every pair a batch met, each once, into one ``Match`` per pair of reports
and kind (the best scoring subject pair), for scores at or above the floor. The policy grades
them (hit, possible_hit, audit only). A pair found through several keys or partitions gives the
same ``match_id`` (``link_id``: the pair of reports and the kind), so sinks and the links table
take it once, whatever the route.

What a posting keeps of a report: FIU, report id, handling, the subject's index and its
encoding (base64), never a name or a birth date.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain, repeat
from operator import itemgetter
from typing import Any, Protocol

import numpy as np

from streams.core.correlate import link_id
from streams.core.entities.batch import Batch
from streams.core.entities.blocking import MAX_POSTINGS, blocking_keys
from streams.core.entities.encode import (
    EncodedSubject,
    EntityEncoder,
    EntityEncodingError,
    decode,
)
from streams.core.entities.normalize import NORMALISER_VERSION
from streams.core.entities.score import compare
from streams.core.entities.subjects import subject_from_json
from streams.core.records import AuditDecision, Match, PostingsState, ReportRef, SubjectPosting
from streams.core.sightings import route
from streams.core.tokens import stable_id
from streams.errors import ValidationError

KIND_NAMES = {1: "person", 2: "organization"}
_ENCODING = itemgetter("encoding")
_SUBJECT = itemgetter("fiu", "report_id", "subject")
_REPORT_ID = itemgetter("report_id")
DEFAULT_FLOOR = 0.5  # scores below it make no Match (and no audit record): too far to mention


class PostingsStore(Protocol):
    """Where blocking keys' postings live: a dict in tests and replay, a Faust table in the worker."""

    def get(self, key: str) -> PostingsState | None: ...
    def __setitem__(self, key: str, state: PostingsState) -> None: ...


def subject_id(p: SubjectPosting) -> str:
    return f"{p['fiu']}/{p['report_id']}/{p['subject']}"


@lru_cache(maxsize=16384)
def decoded(encoding: str) -> EncodedSubject:
    """A stored encoding (base64), decoded once while it stays in use: a subject is met again and
    again, under each of its keys and by every later similar subject."""
    return decode(base64.b64decode(encoding, validate=True))


@lru_cache(maxsize=4096)
def keys_in_order(encoding: bytes) -> tuple[str, ...]:
    """``blocking_keys`` of an encoding, computed once: at ingest, and again when the subject's
    entries arrive under each of its keys (``keys_of``) in the same worker."""
    return tuple(blocking_keys(decode(encoding)))


@lru_cache(maxsize=4096)
def keys_of(encoding: bytes) -> frozenset[str]:
    """The blocking keys of an encoding (a subject's entries arrive under each of its keys)."""
    return frozenset(keys_in_order(encoding))


@lru_cache(maxsize=4096)
def _stored(raw: bytes) -> tuple[str, EncodedSubject, frozenset[str]]:
    """An entry's encoding as a posting stores it (base64), decoded, and its blocking keys: once
    per subject, not once per key its entries arrive under."""
    text = base64.b64encode(raw).decode()
    return text, decoded(text), keys_of(raw)


def _ref(p: SubjectPosting) -> ReportRef:
    return {
        "fiu": p["fiu"],
        "report_id": p["report_id"],
        "sharing": p["sharing"],
        "restrictions": list(p["restrictions"]),
        "fields": [f"subjects[{p['subject']}]"],
    }


def link(new: SubjectPosting, candidates: Sequence[SubjectPosting], floor: float, now: str) -> list[Match]:
    """Score ``new`` against ``candidates`` (see ``link_all``)."""
    return link_all([(new, candidates)], floor, now)


def link_all(
    met: Sequence[tuple[SubjectPosting, Sequence[SubjectPosting]]], floor: float, now: str
) -> list[Match]:
    """Score each new subject against its candidates, all pairs in one comparison (a worker
    batch: every key of the batch's partition at once). A pair met through several keys gives
    one Match; a candidate of the new subject's own report is left out. One Match per pair of
    reports and kind, for its best subject pair (ties: the lowest subject indexes), if its score
    is at or above ``floor``. Raises ``EntityEncodingError`` if an encoding is not one (the
    caller checks encodings where they enter, so a stored one always decodes)."""
    news: list[SubjectPosting] = []
    cands: list[SubjectPosting] = []
    for new, candidates in met:  # every pair met, in order (C-level list building from here)
        cands.extend(candidates)
        news.extend(repeat(new, len(candidates)))
    if not cands:
        return []
    # every pair is scored, one met through several keys too (a few rows more for numpy, no
    # Python work per pair): ``best`` below keeps one per pair of reports, the first met
    enc_a = list(map(_ENCODING, news))
    enc_b = list(map(_ENCODING, cands))
    index = {e: n for n, e in enumerate(dict.fromkeys(chain(enc_a, enc_b)))}  # each decoded once
    encodings = [decoded(e) for e in index]
    ia = np.fromiter(map(index.__getitem__, enc_a), np.int64, len(enc_a))
    ib = np.fromiter(map(index.__getitem__, enc_b), np.int64, len(enc_b))
    batch = Batch.of(encodings)
    scores = compare(batch, ia, batch, ib)
    best: dict[tuple[str, str, str, str, int], int] = {}
    for i in np.flatnonzero((scores.score >= floor) & ~scores.kind_differs).tolist():
        n, c = news[i], cands[i]
        if n["report_id"] == c["report_id"] and n["fiu"] == c["fiu"]:
            continue  # a subject of the new one's own report
        end = (n["fiu"], n["report_id"], c["fiu"], c["report_id"], int(scores.kind[i]))
        j = best.get(end)
        rank = (-scores.score[i], n["subject"], c["subject"])
        if j is None or rank < (-scores.score[j], news[j]["subject"], cands[j]["subject"]):
            best[end] = i
    out: list[Match] = []
    for end in sorted(best):
        i = best[end]
        score = float(scores.score[i])
        kind = KIND_NAMES[end[4]]
        a, b = _ref(news[i]), _ref(cands[i])
        mid = link_id(kind, a, b)
        out.append(
            {
                "match_id": mid,
                "status": "cross_border" if a["fiu"] != b["fiu"] else "domestic",
                "match_kind": kind,
                "token": mid,  # no shared token: the link's own id stands for it
                "reports": [a, b],
                "created_at": now,
                "source_ts": news[i]["source_ts"],
                "confidence": score,
                "why": scores.why(i),
            }
        )
    return out


@dataclass(frozen=True, slots=True)
class Met:
    """What filing a subject under a key found: the ``candidates`` the key held before it, and
    whether the key was full (``saturated``: the subject was compared, not filed; audit it)."""

    candidates: list[SubjectPosting]
    saturated: bool


def file_subject(
    store: PostingsStore, key: str, new: SubjectPosting, cap: int = MAX_POSTINGS, retention_ms: int = 0
) -> Met:
    """File ``new`` under blocking ``key`` in ``store``; the subjects the key held before it. A
    replay of a subject already filed finds the same candidates (those filed before it), so it
    emits the same matches again. With ``retention_ms``, subjects reported longer before ``new``
    are forgotten first (as tokens are; the worker's sweep forgets untouched keys)."""
    state = store.get(key) or {"postings": [], "last_ms": 0}
    trimmed = False
    if retention_ms and state["postings"]:
        kept = forget_before(state, new["source_ts"] - retention_ms)
        trimmed = kept is None or len(kept["postings"]) < len(state["postings"])
        state = kept or {"postings": [], "last_ms": 0}
    postings = state["postings"]
    me = _SUBJECT(new)  # as blocking.file_under: a subject filed already meets the ones filed
    at = None  # before it (a replay finds the same pairs); the scan compares report ids at C level
    if new["report_id"] in map(_REPORT_ID, postings):
        at = next((i for i, p in enumerate(postings) if _SUBJECT(p) == me), None)
    added = at is None and len(postings) < cap
    candidates = postings[: len(postings) if at is None else at]
    if added:
        postings.append(new)
        state["last_ms"] = max(state["last_ms"], new["source_ts"])
    if added or trimmed:
        store[key] = state
    return Met(candidates, at is None and not added)


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
    retention_ms: int = 0,
) -> Linked:
    """``file_subject`` and ``link`` for one subject under one key."""
    met = file_subject(store, key, new, cap, retention_ms)
    return Linked(link(new, met.candidates, floor, now), met.saturated)


def forget_before(state: PostingsState, cutoff_ms: int) -> PostingsState | None:
    """Retention: the postings of subjects reported at or after ``cutoff_ms``; None when none is left."""
    kept = [p for p in state["postings"] if p["source_ts"] >= cutoff_ms]
    return {"postings": kept, "last_ms": state["last_ms"]} if kept else None


def postings_of(
    report: dict[str, Any], encoder: EntityEncoder, source_ts: int
) -> tuple[list[tuple[str, SubjectPosting]], list[tuple[str, str]]]:
    """The encoded subjects of a validated report, each under each of its blocking keys, and
    the problems (field path, reason) of subjects or names left out of fuzzy matching. What
    leaves here is encodings: the names and birth dates stay in ``report``."""
    keyed: list[tuple[str, SubjectPosting]] = []
    problems: list[tuple[str, str]] = []
    h = report["handling"]
    for i, raw in enumerate(report.get("subjects") or ()):
        if not raw.get("names"):
            continue
        path = f"subjects[{i}]"
        side = {k: raw.get(k) for k in ("kind", "names", "birth_date", "nationalities")}
        try:
            encoding, left_out = encoder.encode_audited(subject_from_json(side, path))
        except ValidationError as exc:
            problems.extend((f"{path}.{p}" if not p.startswith(path) else p, why) for p, why in exc.problems)
            continue
        problems.extend((f"{path}.{p}", why) for p, why in left_out)
        posting: SubjectPosting = {
            "fiu": report["fiu"],
            "report_id": report["report_id"],
            "sharing": h["sharing"],
            "restrictions": list(h["restrictions"]),
            "subject": i,
            "encoding": base64.b64encode(encoding).decode(),
            "source_ts": source_ts,
        }
        keyed.extend((key, posting) for key in keys_in_order(encoding))
    return keyed, problems


def checked_posting(
    entry: dict[str, Any], encoder: EntityEncoder | None, partition: int, partitions: int
) -> SubjectPosting:
    """A SubjectBatch entry as a posting, once it is safe to file: on its blocking key's
    partition, an encoding of this format, normaliser and consortium key (``encoder``'s), and
    the key one of that encoding's own blocking keys (a record cannot address other postings).
    Raises ``ValidationError`` / ``EntityEncodingError`` naming what is wrong; nothing is filed."""
    key = str(entry["key"])
    home = route(key, partitions)
    if home != partition:
        raise ValidationError(
            [("key", f"on partition {partition}, its blocking key's postings are on {home}")]
        )
    raw = bytes(entry["encoding"])
    text, enc, keys = _stored(raw)  # a subject's entries under its other keys decode it no more
    if enc.normaliser != NORMALISER_VERSION:
        raise EntityEncodingError(
            f"normaliser version {enc.normaliser}, this worker compares {NORMALISER_VERSION}"
        )
    if encoder is not None and enc.key_fingerprint != encoder.fingerprint:
        raise EntityEncodingError("encoded with another consortium key than the worker's")
    if key not in keys:
        raise ValidationError([("key", "not a blocking key of the entry's encoding")])
    return {
        "fiu": str(entry["fiu"]),
        "report_id": str(entry["report_id"]),
        "sharing": str(entry["sharing"]),
        "restrictions": [str(r) for r in entry["restrictions"]],
        "subject": int(entry["subject"]),
        "encoding": text,
        "source_ts": int(entry["source_ts"]),
    }


def postings_full(entry: dict[str, Any], policy_version: str, now: str) -> AuditDecision:
    """The audit record of a subject not filed under a full blocking key (``MAX_POSTINGS``)."""
    who = f"{entry['fiu']}/{entry['report_id']}/{entry['subject']}"
    return {
        "decision_id": stable_id("postings_full", str(entry["key"]), who),
        "match_id": "",
        "decision": "postings_full",
        "reason": (
            f"blocking key {entry['key']} holds {MAX_POSTINGS} subjects: {who} was compared with them "
            "but not filed under it (its other keys still file it)"
        ),
        "recipient_fiu": str(entry["fiu"]),
        "counterpart_fiu": None,
        "notification_id": None,
        "policy_version": policy_version,
        "created_at": now,
    }
