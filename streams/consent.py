"""An FIU's consent requests: which are pending, and the checks before an answer is sent.

The requests are the ``consent_request`` notifications on the FIU's own notification topic
(``fiulink.notifications.<FIU>``, ``recipient_fiu`` = the FIU whose report the held hit would
reveal); its answers are its own records on ``fiulink.consents.<FIU>``. Both are read to their
end, without a consumer group. The decisions (``pending``, ``check_answer``) are plain functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from streams.config import Settings
from streams.errors import ConfigError, FiulinkError

Record = dict[str, Any]


@dataclass(frozen=True)
class ConsentState:
    """What one FIU was asked and answered. ``answers`` is None when they could not be read
    (on the secure broker an FIU may write its consent topic, not read it)."""

    fiu: str
    notifications: list[Record]
    answers: dict[str, Record] | None
    warning: str | None = None


def requests_of(state: ConsentState) -> dict[str, Record]:
    """match_id -> the consent_request notification asking ``state.fiu`` (first one per match)."""
    out: dict[str, Record] = {}
    for n in state.notifications:
        if n.get("type") == "consent_request" and n.get("recipient_fiu") == state.fiu:
            out.setdefault(n["match_id"], n)
    return out


def pending(state: ConsentState) -> list[Record]:
    """The consent requests of the FIU without an answer yet, oldest first."""
    answered = state.answers or {}
    open_ = [n for mid, n in requests_of(state).items() if mid not in answered]
    return sorted(open_, key=lambda n: (n.get("created_at") or "", n["match_id"]))


def check_answer(state: ConsentState, match_id: str) -> Record:
    """The request ``match_id`` answers; a ``FiulinkError`` saying why it cannot be answered."""
    fiu = state.fiu
    request = requests_of(state).get(match_id)
    if request is None:
        kinds = sorted(
            {
                n.get("type", "?")
                for n in state.notifications
                if n.get("match_id") == match_id and n.get("recipient_fiu") == fiu
            }
        )
        if kinds:
            raise FiulinkError(
                f"{fiu} was not asked for consent on match {match_id} (its notifications for it: "
                f"{', '.join(kinds)}); only the FIU whose report would be revealed answers"
            )
        raise FiulinkError(
            f"unknown match {match_id} for {fiu}: no notification to {fiu} names it "
            f"(open requests: `fiulink consent list --fiu {fiu}`)"
        )
    answer = (state.answers or {}).get(match_id)
    if answer is not None:
        if answer.get("granted"):
            raise FiulinkError(
                f"{fiu} already answered match {match_id}: granted at {answer.get('created_at')} "
                "(a grant cannot be taken back)"
            )
        raise FiulinkError(
            f"{fiu} already answered match {match_id}: refused at {answer.get('created_at')} "
            "(to grant after all, add --force: the hub releases the hit on a later grant)"
        )
    return request


def read_state(settings: Settings, fiu: str, *, timeout: float = 15.0) -> ConsentState:
    """Read ``fiu``'s notifications and consent answers to their end. Both topics must exist."""
    from streams.kafka.topics import existing_topics
    from streams.tail import NotReadableError, read_to_end

    topics = settings.topics
    notes, answers = topics.notification(fiu), topics.consent(fiu)
    known = existing_topics(settings)
    missing = [t for t in (answers, notes) if t not in known]
    if missing:
        raise ConfigError(
            f"no topic {' or '.join(missing)}: {fiu} is not an FIU of the policy, its topics were "
            "not created (`fiulink topics create`), or these credentials may not see them"
        )
    records = read_to_end(settings, notes, timeout=timeout)
    warning = None
    given: dict[str, Record] | None
    try:
        got: dict[str, Record] = {}
        for a in read_to_end(settings, answers, timeout=timeout):
            if a.get("fiu") == fiu:
                got.setdefault(a["match_id"], a)
        given = got
    except NotReadableError:
        given = None
        warning = (
            f"warning: these credentials may not read {answers}, so requests {fiu} already answered "
            "cannot be told apart from open ones"
        )
    return ConsentState(fiu, records, given, warning)


def answer(
    settings: Settings,
    fiu: str,
    match_id: str,
    *,
    grant: bool,
    reason: str | None = None,
    timeout: float = 15.0,
) -> Record:
    """Check, then send ``fiu``'s answer on its own consent topic (what ``fiulink consent`` does
    without ``--force``); the hub's worker acts on it and audits the decision. Returns the record."""
    from kafka.errors import KafkaError, TopicAuthorizationFailedError

    from streams.app.steps import utcnow
    from streams.codec import codec
    from streams.errors import BrokerError
    from streams.kafka.clients import producer

    check_answer(read_state(settings, fiu, timeout=timeout), match_id)
    rec = {"match_id": match_id, "fiu": fiu, "granted": grant, "reason": reason, "created_at": utcnow()}
    topic = settings.topics.consent(fiu)
    p = producer(settings, max_block_ms=int(timeout * 1000))
    try:
        p.send(topic, key=match_id.encode(), value=codec().encode("ConsentAnswer", rec)).get(timeout=30)
    except KafkaError as exc:
        denied = isinstance(exc, TopicAuthorizationFailedError)
        raise BrokerError(
            f"could not answer on {topic}: {type(exc).__name__}",
            hint="an FIU answers only for itself" if denied else "is the broker up and the topic created?",
        ) from exc
    finally:
        p.close()
    return rec
