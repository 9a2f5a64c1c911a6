"""Screening: sightings and watchlist records meeting in the token store (a dict here)."""

from __future__ import annotations

from typing import Any

from streams.core.correlate import CorrelationRules, step
from streams.core.sanctions.lists import Listing
from streams.core.sanctions.screen import apply_watch, screen_sighting, watch_key

NOW = "2026-12-06T02:00:00.000Z"
TOKEN = "k1:" + "ab" * 32
OFAC = Listing("ofac-sdn", "36025", ("CYBER4", "RUSSIA-EO14024"), ("TRX", "USDT"))
UN = Listing("un", "UN-7", ("DPRK",), ("BTC",))
RULES = CorrelationRules(hot_reports=3, hot_fius=3)


def sighting(fiu: str, report_id: str, kind: str = "wallet", token: str = TOKEN) -> dict[str, Any]:
    return {"fiu": fiu, "report_id": report_id, "sharing": "normal", "restrictions": [],
            "submitted_at": NOW, "source_ts": 5, "kind": kind, "token": token}  # fmt: skip


def sight(store: dict[str, Any], s: dict[str, Any]) -> list[dict[str, Any]]:
    state, _ = step(store.get(s["token"]), s, RULES, NOW)
    if state is not None:
        store[s["token"]] = state
    return screen_sighting(store, s, NOW, "pv1").notifications


def test_a_listed_wallet_gives_its_own_fiu_one_hit_per_listing_and_no_one_else() -> None:
    store: dict[str, Any] = {}
    assert apply_watch(store, TOKEN, (OFAC, UN), NOW).notifications == []  # no reports yet
    notes = sight(store, sighting("FR", "FR-1"))
    assert [
        (n["recipient_fiu"], n["recipient_report_id"], n["watchlist"], n["listing_ref"]) for n in notes
    ] == [
        ("FR", "FR-1", "ofac-sdn", "36025"),
        ("FR", "FR-1", "un", "UN-7"),
    ]
    n = notes[0]
    assert n["type"] == "sanctions_hit" and n["match_kind"] == "wallet"
    assert n["programs"] == ["CYBER4", "RUSSIA-EO14024"]
    assert n["counterpart_fiu"] is None and n["counterpart_report_id"] is None
    # a second FIU's report on the same wallet: its own hit; FR is not told again
    de = sight(store, sighting("DE", "DE-1"))
    assert {x["recipient_fiu"] for x in de} == {"DE"}


def test_other_kinds_and_unlisted_tokens_give_nothing() -> None:
    store: dict[str, Any] = {}
    apply_watch(store, TOKEN, (OFAC,), NOW)
    assert sight(store, sighting("FR", "FR-1", kind="email")) == []
    assert sight(store, sighting("FR", "FR-2", token="k1:other")) == []


def test_an_entry_added_later_reaches_the_reports_already_held() -> None:
    store: dict[str, Any] = {}
    assert sight(store, sighting("FR", "FR-1")) == []
    assert sight(store, sighting("DE", "DE-9")) == []
    out = apply_watch(store, TOKEN, (OFAC,), NOW, source_ts=7, policy_version="pv1")
    assert sorted((n["recipient_fiu"], n["recipient_report_id"]) for n in out.notifications) == [
        ("DE", "DE-9"),
        ("FR", "FR-1"),
    ]
    assert [a["decision"] for a in out.audit] == ["sanctions_hit"] * 2
    assert all(a["notification_id"] for a in out.audit) and out.audit[0]["policy_version"] == "pv1"
    assert "told to its own FIU only" in out.audit[0]["reason"]


def test_ids_are_deterministic_whichever_arrives_first() -> None:
    first: dict[str, Any] = {}
    apply_watch(first, TOKEN, (OFAC,), NOW)
    a = sight(first, sighting("FR", "FR-1"))
    second: dict[str, Any] = {}
    sight(second, sighting("FR", "FR-1"))
    b = apply_watch(second, TOKEN, (OFAC,), "2026-12-07T00:00:00.000Z").notifications
    assert [n["notification_id"] for n in a] == [n["notification_id"] for n in b]
    # a replay of the same sighting re-emits the same id
    assert [n["notification_id"] for n in sight(first, sighting("FR", "FR-1"))] == [a[0]["notification_id"]]


def test_a_removed_entry_gives_no_new_hits() -> None:
    store: dict[str, Any] = {}
    apply_watch(store, TOKEN, (OFAC, UN), NOW)
    apply_watch(store, TOKEN, (UN,), NOW)
    assert [n["watchlist"] for n in sight(store, sighting("FR", "FR-1"))] == ["un"]
    assert apply_watch(store, TOKEN, (), NOW).notifications == []
    assert store[watch_key(TOKEN)] == {"listings": []}
    assert sight(store, sighting("IT", "IT-1")) == []


def test_a_hot_token_notifies_the_reports_it_held() -> None:
    store: dict[str, Any] = {}
    for i in range(6):
        sight(store, sighting(f"F{i}", f"R{i}"))
    assert store[TOKEN]["hot"]
    out = apply_watch(store, TOKEN, (OFAC,), NOW)
    assert {n["recipient_report_id"] for n in out.notifications} >= {"R0", "R1", "R2"}


def test_watch_entries_outlive_retention() -> None:
    from streams.core.correlate import expired

    store: dict[str, Any] = {}
    apply_watch(store, TOKEN, (OFAC,), NOW)
    assert not ("last_ms" in store[watch_key(TOKEN)] and expired(store[watch_key(TOKEN)], 10**13, RULES))
