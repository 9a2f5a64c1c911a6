"""An FIU's consent requests: which are pending, and whether an answer may be sent.

The requests are the ``consent_request`` notifications to the FIU (``recipient_fiu`` = the FIU
whose report the held hit would reveal): an FIU answers consent only for itself, once a request
was made to it, and a grant cannot be taken back. Plain functions over what
``streams.consent.read_state`` read from Kafka.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from streams.errors import ConsentError

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
            raise ConsentError(
                f"{fiu} was not asked for consent on match {match_id} (its notifications for it: "
                f"{', '.join(kinds)}); only the FIU whose report would be revealed answers"
            )
        raise ConsentError(
            f"unknown match {match_id} for {fiu}: no notification to {fiu} names it "
            f"(open requests: `fiulink consent list --fiu {fiu}`)"
        )
    answer = (state.answers or {}).get(match_id)
    if answer is not None:
        if answer.get("granted"):
            raise ConsentError(
                f"{fiu} already answered match {match_id}: granted at {answer.get('created_at')} "
                "(a grant cannot be taken back)"
            )
        raise ConsentError(
            f"{fiu} already answered match {match_id}: refused at {answer.get('created_at')} "
            "(to grant after all, add --force: the hub releases the hit on a later grant)"
        )
    return request
