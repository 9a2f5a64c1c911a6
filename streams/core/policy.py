"""The sharing policy (TOML, README "Configuration") and the decisions it makes on a match.

``decide(link_state, match, policy, now)`` and ``answer_consent(link_state, answer, policy, now)``
are pure: they return the new per-match state and an ``Outcome`` (notifications to send,
audit decisions to write). Every decision is audited with its reason and the policy version.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from streams.core.grades import MIN_CONFIDENCE, REVIEW_CONFIDENCE, VERIFY, grade, thresholds_of
from streams.core.records import AuditDecision, ConsentAnswer, LinkState, Match, Notification, ReportRef
from streams.core.tokens import stable_id
from streams.errors import PolicyError

Record = dict[str, Any]
MODES = ("auto", "consent", "deny")
MAX_MESSAGE = 500  # characters of a refusing FIU's note to the requester
DEFAULT_PURPOSE = "FIU-to-FIU intelligence exchange on suspected ML/TF; no onward use without prior consent"


@dataclass(frozen=True)
class SharingPolicy:
    fius: tuple[str, ...]
    default: str = "deny"
    agreements: dict[frozenset[str], tuple[str, str]] = field(default_factory=dict)  # pair -> (mode, purpose)
    version: str = "inline"
    confidence: dict[frozenset[str], tuple[float, float]] = field(default_factory=dict)  # (min, review)
    default_confidence: tuple[float, float] = (MIN_CONFIDENCE, REVIEW_CONFIDENCE)

    def thresholds(self, a: str, b: str) -> tuple[float, float]:
        """(min_confidence, review_confidence) for a fuzzy link between ``a`` and ``b``."""
        return self.confidence.get(frozenset((a, b)), self.default_confidence)

    def mode(self, a: str, b: str) -> tuple[str, str]:
        """(mode, purpose) for the pair; members only, 'deny' otherwise."""
        if a not in self.fius or b not in self.fius:
            return "deny", ""
        return self.agreements.get(frozenset((a, b)), (self.default, DEFAULT_PURPOSE))

    @classmethod
    def parse(cls, text: str, source: str = "policy") -> SharingPolicy:
        """The policy in ``text``; every problem of it is named at once (PolicyError), and two
        agreements for one pair that disagree are refused, not resolved by order."""
        try:
            raw = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise PolicyError(f"{source}: not valid TOML: {exc}") from exc
        problems: list[str] = []
        fius = raw.get("fius")
        if (
            not isinstance(fius, list)
            or not fius
            or not all(isinstance(f, str) and len(f) == 2 and f.isupper() for f in fius)
        ):
            problems.append('\'fius\' must be a non-empty list of ISO alpha-2 codes like ["FR", "DE"]')
            fius = []
        default = raw.get("default", "deny")
        if default not in MODES:
            problems.append(f"'default' must be one of {', '.join(MODES)}, not {default!r}")
        default_conf = thresholds_of(raw, "", (MIN_CONFIDENCE, REVIEW_CONFIDENCE), problems)
        confidence: dict[frozenset[str], tuple[float, float]] = {}
        agreements: dict[frozenset[str], tuple[str, str]] = {}
        where: dict[frozenset[str], int] = {}
        listed = raw.get("agreement", [])
        if not isinstance(listed, list) or not all(isinstance(ag, dict) for ag in listed):
            problems.append("agreements must be [[agreement]] tables, each with fius and mode")
            listed = []
        for i, ag in enumerate(listed):
            pair, mode = ag.get("fius"), ag.get("mode", "auto")
            if (
                not isinstance(pair, list)
                or not all(isinstance(f, str) for f in pair)
                or len(pair) != 2
                or len(set(pair)) != 2
                or not set(pair) <= set(fius)
            ):
                problems.append(
                    f"agreement[{i}].fius must name two different members of 'fius', got {pair!r}"
                )
                continue
            if mode not in MODES:
                problems.append(f"agreement[{i}].mode must be one of {', '.join(MODES)}, not {mode!r}")
                continue
            key, terms = frozenset(pair), (mode, str(ag.get("purpose", DEFAULT_PURPOSE)))
            if key in agreements and agreements[key] != terms:
                problems.append(
                    f"agreement[{i}] and agreement[{where[key]}] both cover {' and '.join(sorted(key))} "
                    "with different terms: keep one"
                )
                continue
            agreements[key], where[key] = terms, i
            conf = thresholds_of(ag, f"agreement[{i}].", default_conf, problems)
            if conf != default_conf:
                confidence[key] = conf
        if problems:
            raise PolicyError(f"{source}: " + f"\n{source}: ".join(problems))
        version = hashlib.sha256(text.encode()).hexdigest()[:12]
        return cls(tuple(fius), default, agreements, version, confidence, default_conf)

    @classmethod
    def load(cls, path: Path) -> SharingPolicy:
        try:
            text = path.read_text()
        except OSError as exc:
            raise PolicyError(
                f"cannot read the sharing policy {path}: {exc.strerror}",
                hint="pass --policy FILE with the consortium's policy (see README)",
            ) from exc
        return cls.parse(text, str(path))


@dataclass
class Outcome:
    notifications: list[Notification] = field(default_factory=list)
    audit: list[AuditDecision] = field(default_factory=list)


def _note(
    kind: str,
    match: Match,
    recipient: ReportRef,
    counterpart: ReportRef | None,
    now: str,
    purpose: str | None = None,
    restrictions: list[str] | None = None,
    agreement: str | None = None,
) -> Notification:
    nid = stable_id(kind, match["match_id"], recipient["fiu"], recipient["report_id"])
    shown = kind in ("hit", "possible_hit")
    fuzzy = match.get("confidence") is not None
    note: Notification = {
        "notification_id": nid,
        "match_id": match["match_id"],
        "type": kind,
        "recipient_fiu": recipient["fiu"],
        "recipient_report_id": recipient["report_id"],
        "counterpart_fiu": counterpart["fiu"] if counterpart else None,
        "counterpart_report_id": counterpart["report_id"] if counterpart and shown else None,
        "match_kind": match["match_kind"],
        "token": None if fuzzy else match["token"],  # a fuzzy link shares no token
        "confidence": (match.get("confidence") or 1.0) if shown else None,
        "purpose": purpose,
        "restrictions": list(restrictions or []),
        "created_at": now,
        "source_ts": match.get("source_ts", 0),
        "recipient_fields": list(recipient.get("fields") or ()),
        "agreement": agreement,
        "message": VERIFY if kind == "possible_hit" else None,
        "watchlist": None,
        "listing_ref": None,
        "programs": [],
        "why": match.get("why") if shown and fuzzy else None,
    }
    return note


def agreement_of(a: str, b: str, mode: str, report_consent: bool = False) -> str:
    """How a notice between ``a`` and ``b`` was decided, for people: 'DE-FR auto',
    'DE-FR consent', or 'DE-FR auto; report consent' when the revealed report asked for consent."""
    text = f"{'-'.join(sorted((a, b)))} {mode}"
    return f"{text}; report consent" if report_consent and mode != "consent" else text


@dataclass(frozen=True)
class Audit:
    """The audit trail of one match's decisions: ``audit(decision, reason, recipient=...,
    counterpart=..., note=...)`` appends an AuditDecision record to ``out``, its id stable across
    replays (match, decision, recipient, counterpart)."""

    out: Outcome
    policy: SharingPolicy
    match_id: str
    now: str

    def __call__(
        self,
        decision: str,
        reason: str,
        *,
        recipient: str | None = None,
        counterpart: str | None = None,
        note: Notification | None = None,
    ) -> None:
        did = stable_id("audit", self.match_id, decision, recipient or "", counterpart or "")
        self.out.audit.append(
            {
                "decision_id": did,
                "match_id": self.match_id,
                "decision": decision,
                "reason": reason,
                "recipient_fiu": recipient,
                "counterpart_fiu": counterpart,
                "notification_id": note["notification_id"] if note else None,
                "policy_version": self.policy.version,
                "created_at": self.now,
            }
        )


def refusal(owner: str | None, key: str, record: Record) -> tuple[str, str] | None:
    """Why a record on the notify hop must not be taken, as (field, reason); None to take it.

    ``owner`` is the FIU whose consent topic the record came from, None for the hub's own
    ``matches`` topic (the caller decodes a consent topic's records as ConsentAnswer only, and
    the matches topic's as Match only). Only the hub decides matches; an FIU answers for itself;
    and the record key is the table key, so it must be the record's own ``match_id``: an FIU must
    never address state other than the match it names."""
    if key != record.get("match_id"):
        return "match_id", f"record key {key[:80]!r} is not the record's match_id"
    if owner is not None and record.get("fiu") != owner:
        return "fiu", (
            f"consent answer for match {record['match_id']} says fiu={record.get('fiu')} "
            f"but came on the {owner} consent topic"
        )
    return None


def decide(
    state: LinkState | None, match: Match, policy: SharingPolicy, now: str
) -> tuple[LinkState, Outcome]:
    """Apply the policy to a match. Idempotent: a replayed match (a restart, or a second shared
    identifier of the same kind between the same two reports) yields the same notification ids
    again, which sinks dedupe; consent answers already given are honoured. The first token
    seen for a match stays its token, so one notification id always carries the same content."""
    out = Outcome()
    state = state or {"held": {}, "answers": {}}
    state["decided"] = True
    # A replay (the same report published again, a restart) re-emits byte-identical notices: the
    # first decision's token, time and source time stay the match's.
    first_token = state.setdefault("token", match["token"])
    now = state.setdefault("decided_at", now)
    source_ts = state.setdefault("source_ts", match.get("source_ts", 0))
    if first_token != match["token"] or source_ts != match.get("source_ts", 0):
        match = {**match, "token": first_token, "source_ts": source_ts}
    scored = match.get("confidence")
    if scored is not None:  # a fuzzy link: its first scoring stays its grade
        first = state.setdefault("confidence", scored)
        match = {**match, "confidence": first, "why": state.setdefault("why", match.get("why"))}
    mid, status = match["match_id"], match["status"]
    audit = Audit(out, policy, mid, now)
    if status == "domestic":
        a, b = match["reports"]
        audit(
            "domestic",
            f"{a['report_id']} and {b['report_id']} are both {a['fiu']}: recorded, not notified",
            recipient=a["fiu"],
        )
        return state, out
    if status == "hot":
        for holder in match["reports"]:
            if holder["fiu"] in policy.fius:
                note = _note("hot_identifier", match, holder, None, now)
                out.notifications.append(note)
                audit(
                    "suppressed_hot",
                    "token turned hot: one alert per FIU, no fan-out",
                    note=note,
                    recipient=holder["fiu"],
                )
        return state, out
    a, b = match["reports"]
    for recipient, revealed in ((b, a), (a, b)):
        mode, purpose = policy.mode(recipient["fiu"], revealed["fiu"])
        rf, cf = recipient["fiu"], revealed["fiu"]
        kind = grade(match.get("confidence"), policy.thresholds(rf, cf))
        if mode == "deny":
            audit(
                "denied",
                f"no sharing agreement between {rf} and {cf} (default {policy.default})",
                recipient=rf,
                counterpart=cf,
            )
        elif kind is None:
            low, review = match.get("confidence"), policy.thresholds(rf, cf)[1]
            why = f"{match['match_kind']} link of confidence {low} is below review_confidence {review}"
            audit("below_review", why, recipient=rf, counterpart=cf)
        elif revealed["sharing"] == "none":
            audit(
                "withheld", f"{revealed['report_id']} has handling.sharing=none", recipient=rf, counterpart=cf
            )
        elif mode == "consent" or revealed["sharing"] == "consent":
            terms = agreement_of(rf, cf, mode, revealed["sharing"] == "consent")
            hit = _note(kind, match, recipient, revealed, now, purpose, revealed["restrictions"], terms)
            why = (
                "consent agreement"
                if mode == "consent"
                else f"{revealed['report_id']} has handling.sharing=consent"
            )
            state["held"][cf] = hit
            if state["answers"].get(cf) is True:
                out.notifications.append(hit)
                audit(
                    "released",
                    f"{why}; {cf} had already granted consent",
                    recipient=rf,
                    counterpart=cf,
                    note=hit,
                )
                continue
            if state["answers"].get(cf) is False:  # refused before the match arrived: do not ask again
                audit("refused", f"{why}; {cf} had already refused consent", recipient=rf, counterpart=cf)
                continue
            request = _note(
                "consent_request", match, revealed, recipient, now, purpose, revealed["restrictions"], terms
            )
            out.notifications.append(request)
            audit(
                "held_for_consent",
                f"{why}: waiting for {cf} to consent",
                recipient=rf,
                counterpart=cf,
                note=request,
            )
        else:
            terms = agreement_of(rf, cf, mode)
            hit = _note(kind, match, recipient, revealed, now, purpose, revealed["restrictions"], terms)
            out.notifications.append(hit)
            sent = "sent" if kind == "hit" else "sent_possible"
            audit(sent, f"auto agreement between {rf} and {cf}", recipient=rf, counterpart=cf, note=hit)
    return state, out


def answer_consent(
    state: LinkState | None, answer: ConsentAnswer, policy: SharingPolicy, now: str
) -> tuple[LinkState | None, Outcome]:
    """A consent answer from ``answer['fiu']`` for the match: a grant releases the held hit.

    Only an answer to a request the hub made and nobody answered yet changes anything: an answer
    for a match the hub does not know (forgotten, or never made: an FIU guessing ids), for a
    match that holds nothing for this FIU, or a refusal after a grant, is audited as
    ignored and creates or changes no state (``None`` is returned for the state then: keep what
    there is). The same answer again re-emits the same decision (at-least-once replays)."""
    out = Outcome()
    fiu, mid = answer["fiu"], answer["match_id"]
    audit = Audit(out, policy, mid, now)
    if state is None or not state.get("decided"):
        audit("ignored", f"answer from {fiu} for a match the hub does not hold", counterpart=fiu)
        return None, out
    hit = state["held"].get(fiu)
    if hit is None:
        audit("ignored", f"no consent request pending for {fiu} on this match", counterpart=fiu)
        return None, out
    if state["answers"].get(fiu) is True and not answer["granted"]:
        # a grant released the hit: a refusal cannot take it back. The same answer again is a
        # replay (a restart after the state was logged but before the release was sent): it
        # re-emits the same notice below; a grant after a refusal releases (a change of mind).
        audit("ignored", f"{fiu} had already granted consent on this match", counterpart=fiu)
        return None, out
    state["answers"][fiu] = bool(answer["granted"])
    if answer["granted"]:
        out.notifications.append(hit)
        audit("released", f"{fiu} granted consent", recipient=hit["recipient_fiu"], counterpart=fiu, note=hit)
    else:
        # the waiting FIU learns of the refusal (not its reason, which stays in the audit, unless
        # the refusing FIU wrote a message meant for it); a replayed refusal re-emits the same notice
        refused_at = state.setdefault("refused_at", {}).setdefault(fiu, now)
        note = refused_notice(hit, answer.get("message"), refused_at)
        out.notifications.append(note)
        reason = answer.get("reason") or "no reason given"
        audit(
            "refused",
            f"{fiu} refused consent: {reason}",
            recipient=hit["recipient_fiu"],
            counterpart=fiu,
            note=note,
        )
    return state, out


def refused_notice(hit: Notification, message: str | None, now: str) -> Notification:
    """The held ``hit``'s recipient is told its counterpart refused: its own report, the match,
    the counterpart FIU and the refusing FIU's message if any; never the counterpart's report."""
    text = (message or "").strip()[:MAX_MESSAGE] or None
    note: Notification = {
        **hit,
        "notification_id": stable_id(
            "consent_refused", hit["match_id"], hit["recipient_fiu"], hit["recipient_report_id"] or ""
        ),
        "type": "consent_refused",
        "counterpart_report_id": None,
        "confidence": None,
        "created_at": now,
        "message": text,
    }
    note["why"] = None
    return note
