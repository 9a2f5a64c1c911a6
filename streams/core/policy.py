"""The sharing policy (TOML, DESIGN.md) and the decisions it makes on a match.

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

from streams.core.tokens import stable_id
from streams.errors import PolicyError

Record = dict[str, Any]
MODES = ("auto", "consent", "deny")
DEFAULT_PURPOSE = "FIU-to-FIU intelligence exchange on suspected ML/TF; no onward use without prior consent"


@dataclass(frozen=True)
class SharingPolicy:
    fius: tuple[str, ...]
    default: str = "deny"
    agreements: dict[frozenset[str], tuple[str, str]] = field(default_factory=dict)  # pair -> (mode, purpose)
    version: str = "inline"

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
        if problems:
            raise PolicyError(f"{source}: " + f"\n{source}: ".join(problems))
        version = hashlib.sha256(text.encode()).hexdigest()[:12]
        return cls(fius=tuple(fius), default=default, agreements=agreements, version=version)

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
    notifications: list[Record] = field(default_factory=list)
    audit: list[Record] = field(default_factory=list)


def _note(
    kind: str,
    match: Record,
    recipient: Record,
    counterpart: Record | None,
    now: str,
    purpose: str | None = None,
    restrictions: list[str] | None = None,
) -> Record:
    nid = stable_id(kind, match["match_id"], recipient["fiu"], recipient["report_id"])
    return {
        "notification_id": nid,
        "match_id": match["match_id"],
        "type": kind,
        "recipient_fiu": recipient["fiu"],
        "recipient_report_id": recipient["report_id"],
        "counterpart_fiu": counterpart["fiu"] if counterpart else None,
        "counterpart_report_id": counterpart["report_id"] if counterpart and kind == "hit" else None,
        "match_kind": match["match_kind"],
        "token": match["token"],
        "confidence": 1.0 if kind == "hit" else None,
        "purpose": purpose,
        "restrictions": list(restrictions or []),
        "created_at": now,
        "source_ts": match.get("source_ts", 0),
        "watchlist": None,
        "listing_ref": None,
        "programs": [],
    }


def _audit(
    out: Outcome,
    policy: SharingPolicy,
    match_id: str,
    decision: str,
    reason: str,
    now: str,
    recipient: str | None = None,
    counterpart: str | None = None,
    note: Record | None = None,
) -> None:
    did = stable_id("audit", match_id, decision, recipient or "", counterpart or "")
    out.audit.append(
        {
            "decision_id": did,
            "match_id": match_id,
            "decision": decision,
            "reason": reason,
            "recipient_fiu": recipient,
            "counterpart_fiu": counterpart,
            "notification_id": note["notification_id"] if note else None,
            "policy_version": policy.version,
            "created_at": now,
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


def decide(state: Record | None, match: Record, policy: SharingPolicy, now: str) -> tuple[Record, Outcome]:
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
    mid, status = match["match_id"], match["status"]
    if status == "domestic":
        a, b = match["reports"]
        _audit(
            out,
            policy,
            mid,
            "domestic",
            f"{a['report_id']} and {b['report_id']} are both {a['fiu']}: recorded, not notified",
            now,
            a["fiu"],
        )
        return state, out
    if status == "hot":
        for holder in match["reports"]:
            if holder["fiu"] in policy.fius:
                note = _note("hot_identifier", match, holder, None, now)
                out.notifications.append(note)
                _audit(
                    out,
                    policy,
                    mid,
                    "suppressed_hot",
                    "token turned hot: one alert per FIU, no fan-out",
                    now,
                    holder["fiu"],
                    note=note,
                )
        return state, out
    a, b = match["reports"]
    for recipient, revealed in ((b, a), (a, b)):
        mode, purpose = policy.mode(recipient["fiu"], revealed["fiu"])
        rf, cf = recipient["fiu"], revealed["fiu"]
        if mode == "deny":
            _audit(
                out,
                policy,
                mid,
                "denied",
                f"no sharing agreement between {rf} and {cf} (default {policy.default})",
                now,
                rf,
                cf,
            )
        elif revealed["sharing"] == "none":
            _audit(
                out,
                policy,
                mid,
                "withheld",
                f"{revealed['report_id']} has handling.sharing=none",
                now,
                rf,
                cf,
            )
        elif mode == "consent" or revealed["sharing"] == "consent":
            hit = _note("hit", match, recipient, revealed, now, purpose, revealed["restrictions"])
            why = (
                "consent agreement"
                if mode == "consent"
                else f"{revealed['report_id']} has handling.sharing=consent"
            )
            state["held"][cf] = hit
            if state["answers"].get(cf) is True:
                out.notifications.append(hit)
                _audit(
                    out, policy, mid, "released", f"{why}; {cf} had already granted consent", now, rf, cf, hit
                )
                continue
            if state["answers"].get(cf) is False:  # refused before the match arrived: do not ask again
                _audit(out, policy, mid, "refused", f"{why}; {cf} had already refused consent", now, rf, cf)
                continue
            request = _note(
                "consent_request", match, revealed, recipient, now, purpose, revealed["restrictions"]
            )
            out.notifications.append(request)
            _audit(
                out,
                policy,
                mid,
                "held_for_consent",
                f"{why}: waiting for {cf} to consent",
                now,
                rf,
                cf,
                request,
            )
        else:
            hit = _note("hit", match, recipient, revealed, now, purpose, revealed["restrictions"])
            out.notifications.append(hit)
            _audit(out, policy, mid, "sent", f"auto agreement between {rf} and {cf}", now, rf, cf, hit)
    return state, out


def answer_consent(
    state: Record | None, answer: Record, policy: SharingPolicy, now: str
) -> tuple[Record | None, Outcome]:
    """A consent answer from ``answer['fiu']`` for the match: a grant releases the held hit.

    Only an answer to a request the hub made and nobody answered yet changes anything: an answer
    for a match the hub does not know (forgotten, or never made: an FIU guessing ids), for a
    match that holds nothing for this FIU, or a refusal after a grant, is audited as
    ignored and creates or changes no state (``None`` is returned for the state then: keep what
    there is). The same answer again re-emits the same decision (at-least-once replays)."""
    out = Outcome()
    fiu, mid = answer["fiu"], answer["match_id"]
    if state is None or not state.get("decided"):
        _audit(
            out,
            policy,
            mid,
            "ignored",
            f"answer from {fiu} for a match the hub does not hold",
            now,
            None,
            fiu,
        )
        return None, out
    hit = state["held"].get(fiu)
    if hit is None:
        _audit(
            out, policy, mid, "ignored", f"no consent request pending for {fiu} on this match", now, None, fiu
        )
        return None, out
    if state["answers"].get(fiu) is True and not answer["granted"]:
        # a grant released the hit: a refusal cannot take it back. The same answer again is a
        # replay (a restart after the state was logged but before the release was sent): it
        # re-emits the same notice below; a grant after a refusal releases (a change of mind).
        _audit(
            out, policy, mid, "ignored", f"{fiu} had already granted consent on this match", now, None, fiu
        )
        return None, out
    state["answers"][fiu] = bool(answer["granted"])
    if answer["granted"]:
        out.notifications.append(hit)
        _audit(out, policy, mid, "released", f"{fiu} granted consent", now, hit["recipient_fiu"], fiu, hit)
    else:
        reason = answer.get("reason") or "no reason given"
        _audit(
            out, policy, mid, "refused", f"{fiu} refused consent: {reason}", now, hit["recipient_fiu"], fiu
        )
    return state, out
