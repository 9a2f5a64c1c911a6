"""The shapes of the hub's records and state, declared once. They stay plain dicts at runtime
(fastavro writes them and orjson stores them as they are); mypy checks the code that builds and
reads them. The record types mirror their Avro schemas (``schemas/*.avsc``); the state
types are what the worker's tables hold (JSON)."""

from __future__ import annotations

from typing import NotRequired, TypedDict


class TokenRef(TypedDict):
    """One token of a report, with the kind of identifier it was made from."""

    kind: str
    token: str
    fields: NotRequired[list[str]]  # where in the report it was found (at most five paths)


class SightedReport(TypedDict):
    """What the hub keeps of a validated report: its handling and its tokens, each once (an
    entry of a ``SightingBatch``)."""

    fiu: str
    report_id: str
    sharing: str
    restrictions: list[str]
    submitted_at: str
    source_ts: int
    tokens: list[TokenRef]


class Sighting(TypedDict):
    """One token of one report (a SightingBatch, flattened): the correlate step's input."""

    token: str
    kind: str
    fiu: str
    report_id: str
    sharing: str
    restrictions: list[str]
    submitted_at: str
    source_ts: int
    fields: NotRequired[list[str]]


class ReportRef(TypedDict):
    """A report as a match and the token state name it."""

    fiu: str
    report_id: str
    sharing: str
    restrictions: list[str]
    fields: NotRequired[list[str]]  # where in this report the matched identifier was found


class Match(TypedDict):
    match_id: str
    status: str  # cross_border | domestic | hot
    match_kind: str
    token: str
    reports: list[ReportRef]  # cross_border/domestic: [new, earlier]; hot: one per FIU
    created_at: str
    source_ts: int
    confidence: NotRequired[float | None]  # fuzzy links (person, organization): the score
    why: NotRequired[dict[str, str | float] | None]  # fuzzy links: the signals, never a value


class SubjectPosting(TypedDict):
    """An encoded subject of a report, as a blocking key's postings hold it."""

    fiu: str
    report_id: str
    sharing: str
    restrictions: list[str]
    subject: int  # its index in the report's subjects
    encoding: str  # base64 of the entity encoding (never a name or a birth date)
    source_ts: int


class PostingsState(TypedDict):
    """The ``postings`` table's value: the subjects filed under one blocking key."""

    postings: list[SubjectPosting]
    last_ms: int


class TokenState(TypedDict):
    """The ``tokens`` table's value: the reports holding a token (until it turns hot)."""

    kind: str
    refs: list[ReportRef]
    hot: bool
    count: int
    last_ms: int
    hot_by: NotRequired[list[str]]  # [fiu, report_id] of the report that turned it hot
    holders: NotRequired[list[ReportRef]]


class Notification(TypedDict):
    notification_id: str
    match_id: str
    type: str  # hit | consent_request | consent_refused | hot_identifier
    recipient_fiu: str
    recipient_report_id: str | None
    counterpart_fiu: str | None
    counterpart_report_id: str | None
    match_kind: str | None
    token: str | None
    confidence: float | None
    purpose: str | None
    restrictions: list[str]
    created_at: str
    source_ts: int
    recipient_fields: NotRequired[list[str]]  # the recipient's own fields that matched
    agreement: NotRequired[str | None]  # e.g. 'DE-FR auto'
    message: NotRequired[str | None]  # consent_refused: the refusing FIU's note, if any
    watchlist: NotRequired[str | None]  # sanctions_hit: the list
    listing_ref: NotRequired[str | None]  # sanctions_hit: the list's reference of the listed party
    programs: NotRequired[list[str]]  # sanctions_hit: the entry's programmes
    why: NotRequired[dict[str, str | float] | None]  # hit/possible_hit of a fuzzy link: the signals


class AuditDecision(TypedDict):
    decision_id: str
    match_id: str
    decision: str
    reason: str
    recipient_fiu: str | None
    counterpart_fiu: str | None
    notification_id: str | None
    policy_version: str
    created_at: str


class ConsentAnswer(TypedDict):
    match_id: str
    fiu: str
    granted: bool
    reason: str | None
    message: NotRequired[str | None]  # for the waiting FIU, sent with a refusal
    created_at: str


class LinkState(TypedDict):
    """The ``links`` table's value: a match's sharing state."""

    held: dict[str, Notification]  # revealed FIU -> the hit its consent would release
    answers: dict[str, bool]  # FIU -> granted
    decided: NotRequired[bool]
    token: NotRequired[str]  # the first token seen for the match: a replay re-emits it
    decided_at: NotRequired[str]
    source_ts: NotRequired[int]
    last_ms: NotRequired[int]  # the log time of the last record that touched it (retention)
    confidence: NotRequired[float]  # a fuzzy link: the first scoring (a replay re-emits it)
    why: NotRequired[dict[str, str | float] | None]
    refused_at: NotRequired[dict[str, str]]  # FIU -> when it first refused (a replay re-emits that)
