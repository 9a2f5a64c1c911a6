"""The consent decisions over what an FIU was asked and answered (no broker)."""

from __future__ import annotations

from typing import Any

import pytest

from streams.core.consent import ConsentState, check_answer, pending
from streams.errors import FiulinkError


def _n(kind: str, mid: str, to: str = "FR", at: str = "2026-11-20T10:00:00Z") -> dict[str, Any]:
    return {"type": kind, "match_id": mid, "recipient_fiu": to, "created_at": at}


NOTES = [_n("consent_request", "m2", at="2026-11-20T11:00:00Z"), _n("consent_request", "m1"),
         _n("consent_request", "m1"), _n("hit", "m3"), _n("consent_request", "m4", to="NL")]  # fmt: skip


def test_pending_is_the_fius_own_requests_without_an_answer_oldest_first() -> None:
    assert [n["match_id"] for n in pending(ConsentState("FR", NOTES, {}))] == ["m1", "m2"]
    answered = {"m1": {"match_id": "m1", "granted": False}}
    assert [n["match_id"] for n in pending(ConsentState("FR", NOTES, answered))] == ["m2"]
    # answers unreadable (secure broker): every request is listed
    assert len(pending(ConsentState("FR", NOTES, None))) == 2


@pytest.mark.parametrize(
    ("mid", "answers", "why"),
    [
        ("m9", {}, "unknown match m9 for FR"),
        ("m3", {}, "FR was not asked for consent on match m3 (its notifications for it: hit)"),
        ("m4", {}, "unknown match m4 for FR"),
        ("m1", {"m1": {"granted": True, "created_at": "T1"}}, "FR already answered match m1: granted at T1"),
        (
            "m1",
            {"m1": {"granted": False, "created_at": "T1"}},
            "FR already answered match m1: refused at T1 (to grant after all, add --force",
        ),
    ],
)
def test_an_answer_that_cannot_be_given_says_why(mid: str, answers: dict, why: str) -> None:
    with pytest.raises(FiulinkError, match="^" + why.replace("(", r"\(").replace(")", r"\)")):
        check_answer(ConsentState("FR", NOTES, answers), mid)


def test_an_open_request_can_be_answered() -> None:
    assert check_answer(ConsentState("FR", NOTES, {"m1": {}}), "m2")["match_id"] == "m2"
