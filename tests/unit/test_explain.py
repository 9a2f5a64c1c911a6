"""`streams.explain`: what an FIU is told about a match, from its own notifications only."""

from __future__ import annotations

from typing import Any

import pytest

from streams.core.extract import MAX_FIELDS, identifiers_with_fields
from streams.errors import FiulinkError
from streams.explain import explain, render
from streams.testing import report

MID = "3f2a9c0d1e2b4a5c6d7e8f9012345678"


def note(kind: str, at: str, **over: Any) -> dict[str, Any]:
    return {"notification_id": f"n-{kind}", "match_id": MID, "type": kind, "recipient_fiu": "FR",
            "recipient_report_id": "FR-1", "counterpart_fiu": "NL", "counterpart_report_id": None,
            "match_kind": "wallet", "token": "k1:ab", "confidence": None, "purpose": "ML/TF only",
            "restrictions": ["police-only"], "created_at": at, "source_ts": 0,
            "recipient_fields": ["subjects[0].wallets[0].address"], "agreement": "FR-NL consent",
            "message": None, **over}  # fmt: skip


def test_a_consent_story_is_told_in_order_with_own_fields_and_terms() -> None:
    notes = [
        note("consent_refused", "2026-11-20T12:00:00Z", message="ask again in May"),
        note("consent_request", "2026-11-20T10:00:00Z"),
        note("hit", "2026-11-20T11:00:00Z", match_id="other"),  # another match: not shown
    ]
    e = explain(notes, MID[:8], "FR")
    assert e["match_id"] == MID and e["counterpart_report_id"] is None
    assert e["your_reports"] == [{"report_id": "FR-1", "fields": ["subjects[0].wallets[0].address"]}]
    assert [h["type"] for h in e["history"]] == ["consent_request", "consent_refused"]
    text = "\n".join(render(e))
    assert "matched fields   subjects[0].wallets[0].address" in text
    assert "counterpart      NL, report not revealed to you" in text
    assert "message from NL: ask again in May" in text
    assert f"fiulink consent answer {MID} --fiu FR" in text


def test_a_released_hit_reveals_the_counterpart_report() -> None:
    e = explain(
        [note("hit", "2026-11-20T11:00:00Z", counterpart_report_id="NL-7", confidence=1.0)], MID, "FR"
    )
    assert e["counterpart_report_id"] == "NL-7"
    assert render(e)[0] == f"match {MID}: wallet, exact (confidence 1)"


def test_a_fuzzy_possible_hit_says_its_confidence_and_signals() -> None:
    why = {"name": 0.84, "birth_date": "day_differs", "name_part": "agree", "nationality": "disagree"}
    fuzzy = note("possible_hit", "2026-11-20T11:00:00Z", match_kind="person", token=None, confidence=0.8022,
                 counterpart_report_id="NL-7", recipient_fields=["subjects[0]"], why=why)  # fmt: skip
    text = "\n".join(render(explain([fuzzy], MID, "FR")))
    assert f"match {MID}: person, similar (confidence 0.8022)" in text
    assert "signals          name 0.84, birth_date day_differs, name_part agree, nationality disagree" in text
    assert "possible hit: verify against your own data" in text


@pytest.mark.parametrize(
    ("asked", "says"),
    [("0000000000", "no notification to FR names match"), ("3f2a", "no notification to FR names match")],
)
def test_unknown_or_too_short_ids_are_a_clear_error(asked: str, says: str) -> None:
    with pytest.raises(FiulinkError) as info:
        explain([note("hit", "2026-11-20T11:00:00Z")], asked, "FR")
    assert says in str(info.value) and info.value.hint


def test_an_ambiguous_prefix_asks_for_more() -> None:
    notes = [note("hit", "t"), note("hit", "t", match_id=MID[:12] + "0" * 20)]
    with pytest.raises(FiulinkError, match="start of 2 matches"):
        explain(notes, MID[:10], "FR")


def test_identifiers_know_the_fields_they_were_found_in() -> None:
    wallet = {"chain": "eth", "address": "0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359"}
    r = report("FR-1", "FR", wallets=[wallet] * (MAX_FIELDS + 2), emails=["a@example.org"])
    r["transactions"][0].update(chain="eth", to_address=wallet["address"].upper().replace("0X", "0x"))
    found, problems = identifiers_with_fields(r)
    assert problems == []
    fields = {kind: f for kind, _, f in found}
    assert fields["email"] == ["subjects[0].emails[0]"]
    assert fields["wallet"] == [f"subjects[0].wallets[{i}].address" for i in range(MAX_FIELDS)]  # capped
