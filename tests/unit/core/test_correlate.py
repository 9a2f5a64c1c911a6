"""Correlation: token -> reports, and the links a new report makes.

The store tests are one class run against two stores: a plain dict (batch/replay mode) and a
table-like adapter that keeps values serialised, as a Faust table does (``get`` returns a copy,
only ``__setitem__`` persists)."""

from __future__ import annotations

import copy
import itertools
import json
import random
from collections.abc import Iterable
from typing import Any

import pytest

from streams.core.correlate import CorrelationRules, Store, correlate_all, expired, link_id, step
from streams.core.tokens import stable_id

NOW = "2026-11-20T14:03:01.250Z"
TOKEN = "k1:" + "a1" * 32
OTHER_TOKEN = "k1:" + "b2" * 32


def sighting(
    fiu: str,
    report_id: str,
    *,
    token: str = TOKEN,
    kind: str = "wallet",
    ts: int = 1_000,
    sharing: str = "auto",
    restrictions: Iterable[str] = (),
    fields: Iterable[str] = ("subjects[0].wallets[0].address",),
) -> dict[str, Any]:
    return {
        "token": token,
        "kind": kind,
        "fiu": fiu,
        "report_id": report_id,
        "sharing": sharing,
        "restrictions": list(restrictions),
        "submitted_at": "2026-11-20T10:00:00Z",
        "source_ts": ts,
        "fields": list(fields),
    }


def ref(s: dict[str, Any]) -> dict[str, Any]:
    return {k: s[k] for k in ("fiu", "report_id", "sharing", "restrictions", "fields")}


class TableStore:
    """A Faust-table look-alike: values live serialised, ``get`` hands out a fresh copy."""

    def __init__(self) -> None:
        self._rows: dict[str, str] = {}

    def get(self, token: str) -> dict[str, Any] | None:
        raw = self._rows.get(token)
        return None if raw is None else json.loads(raw)

    def __setitem__(self, token: str, state: dict[str, Any]) -> None:
        self._rows[token] = json.dumps(state)

    def __len__(self) -> int:
        return len(self._rows)


def test_table_store_is_a_store() -> None:
    store: Store = TableStore()  # type-checks against the protocol
    store["t"] = {"refs": []}
    got = store.get("t")
    assert got == {"refs": []}
    assert got is not store.get("t")


@pytest.fixture(params=["dict", "table"])
def store(request: pytest.FixtureRequest) -> Any:
    return {} if request.param == "dict" else TableStore()


RULES = CorrelationRules()


class TestCorrelation:
    @staticmethod
    def feed(store: Any, *sightings: dict[str, Any], rules: CorrelationRules = RULES) -> list[dict[str, Any]]:
        return list(correlate_all(sightings, rules, NOW, store))

    def test_first_sighting_links_nothing_but_is_remembered(self, store: Any) -> None:
        s = sighting("FR", "FR-1")
        assert self.feed(store, s) == []
        state = store.get(TOKEN)
        assert state is not None
        assert state["refs"] == [ref(s)]
        assert state["hot"] is False

    def test_two_fius_make_one_cross_border_match(self, store: Any) -> None:
        fr = sighting("FR", "FR-1", restrictions=["no-onward-dissemination"], ts=1_000)
        de = sighting("DE", "DE-7", sharing="consent", ts=2_000)
        assert self.feed(store, fr) == []
        assert self.feed(store, de) == [
            {
                "match_id": link_id("wallet", de, fr),
                "status": "cross_border",
                "match_kind": "wallet",
                "token": TOKEN,
                "reports": [ref(de), ref(fr)],  # [new report, earlier report]
                "created_at": NOW,
                "source_ts": 2_000,  # the report that made the match
            }
        ]

    def test_same_fiu_is_domestic(self, store: Any) -> None:
        a, b = sighting("FR", "FR-1"), sighting("FR", "FR-2")
        (m,) = self.feed(store, a, b)
        assert m["status"] == "domestic"
        assert m["reports"] == [ref(b), ref(a)]

    def test_new_report_links_with_every_earlier_report(self, store: Any) -> None:
        fr1, fr2, de = sighting("FR", "FR-1"), sighting("FR", "FR-2"), sighting("DE", "DE-1")
        out = self.feed(store, fr1, fr2, de)
        assert [(m["status"], m["reports"][0]["report_id"], m["reports"][1]["report_id"]) for m in out] == [
            ("domestic", "FR-2", "FR-1"),
            ("cross_border", "DE-1", "FR-1"),
            ("cross_border", "DE-1", "FR-2"),
        ]

    def test_tokens_do_not_mix(self, store: Any) -> None:
        out = self.feed(store, sighting("FR", "FR-1"), sighting("DE", "DE-1", token=OTHER_TOKEN))
        assert out == []
        assert store.get(TOKEN)["refs"] != store.get(OTHER_TOKEN)["refs"]

    def test_replay_re_emits_the_same_matches(self, store: Any) -> None:
        fr, de, nl = sighting("FR", "FR-1"), sighting("DE", "DE-1"), sighting("NL", "NL-1")
        first = self.feed(store, fr, de)
        later = self.feed(store, nl)
        assert len(later) == 2
        before = store.get(TOKEN)
        # a restart re-reads DE-1: the same match, same id, and nothing with NL-1 (made by NL-1)
        assert self.feed(store, de) == first
        # FR-1 came first: it made no match then, and makes none now
        assert self.feed(store, fr) == []
        assert self.feed(store, nl) == later
        after = store.get(TOKEN)
        assert after["refs"] == before["refs"]

    def test_ids_are_deterministic(self, store: Any) -> None:
        seq = [sighting("FR", "FR-1"), sighting("DE", "DE-1"), sighting("NL", "NL-1")]
        again = self.feed({}, *copy.deepcopy(seq))
        assert self.feed(store, *seq) == again
        ids = [m["match_id"] for m in again]
        assert len(set(ids)) == len(ids) == 3  # DE-FR, NL-FR, NL-DE

    def test_service_tokens_are_never_linked_nor_stored(self, store: Any) -> None:
        rules = CorrelationRules(service_tokens=frozenset({TOKEN}))
        out = self.feed(store, sighting("FR", "FR-1"), sighting("DE", "DE-1"), rules=rules)
        assert out == []
        assert store.get(TOKEN) is None
        # other tokens still link under the same rules
        other = self.feed(
            store,
            sighting("FR", "FR-1", token=OTHER_TOKEN),
            sighting("DE", "DE-1", token=OTHER_TOKEN),
            rules=rules,
        )
        assert len(other) == 1

    # -- hot identifiers ---------------------------------------------------------------------------

    def test_at_the_report_threshold_it_still_links(self, store: Any) -> None:
        rules = CorrelationRules(hot_reports=3, hot_fius=10)
        out = self.feed(
            store, sighting("FR", "FR-1"), sighting("DE", "DE-1"), sighting("NL", "NL-1"), rules=rules
        )
        assert [m["status"] for m in out] == ["cross_border"] * 3
        assert store.get(TOKEN)["hot"] is False

    def test_more_reports_than_the_threshold_turn_it_hot_once(self, store: Any) -> None:
        rules = CorrelationRules(hot_reports=3, hot_fius=10)
        early = [sighting("FR", "FR-2"), sighting("DE", "DE-1"), sighting("FR", "FR-1")]
        links = self.feed(store, *early, rules=rules)
        assert len(links) == 3
        turning = sighting("NL", "NL-1", ts=5_000)
        (hot,) = self.feed(store, turning, rules=rules)
        assert hot == {
            "match_id": stable_id("hot", TOKEN),
            "status": "hot",
            "match_kind": "wallet",
            "token": TOKEN,
            # one report per FIU holding the token (the smallest report id), FIUs sorted
            "reports": [ref(early[1]), ref(early[2]), ref(turning)],
            "created_at": NOW,
            "source_ts": 5_000,
        }
        # from now on: no fan-out, no second alert, not even for a brand-new FIU
        assert self.feed(store, sighting("SG", "SG-1"), sighting("FR", "FR-3"), rules=rules) == []
        # a replay of the report that turned it hot re-emits the same alert (crash safety)
        assert self.feed(store, turning, rules=rules) == [hot]
        # a replay of an early report re-emits its original links
        assert self.feed(store, early[1], rules=rules) == [links[0]]

    def test_more_fius_than_the_threshold_turn_it_hot(self, store: Any) -> None:
        rules = CorrelationRules(hot_reports=100, hot_fius=2)
        assert len(self.feed(store, sighting("FR", "FR-1"), sighting("DE", "DE-1"), rules=rules)) == 1
        (hot,) = self.feed(store, sighting("NL", "NL-1"), rules=rules)
        assert hot["status"] == "hot"
        assert [r["fiu"] for r in hot["reports"]] == ["DE", "FR", "NL"]

    def test_same_fiu_reports_count_towards_hot(self, store: Any) -> None:
        rules = CorrelationRules(hot_reports=2, hot_fius=10)
        out = self.feed(store, *(sighting("FR", f"FR-{i}") for i in range(5)), rules=rules)
        assert [m["status"] for m in out] == ["domestic", "hot"]
        assert out[1]["reports"] == [ref(sighting("FR", "FR-0"))]

    # -- retention -----------------------------------------------------------------------------------

    def test_retention_forgets_what_is_older_than_the_period(self, store: Any) -> None:
        rules = CorrelationRules(retention_ms=1_000)
        out = self.feed(
            store, sighting("FR", "FR-1", ts=1_000), sighting("DE", "DE-1", ts=2_000), rules=rules
        )
        assert len(out) == 1  # exactly the period apart: still remembered
        assert self.feed(store, sighting("NL", "NL-1", ts=3_001), rules=rules) == []
        assert [r["report_id"] for r in store.get(TOKEN)["refs"]] == ["NL-1"]

    def test_no_retention_keeps_everything(self, store: Any) -> None:
        year = 365 * 24 * 3600 * 1000
        out = self.feed(store, sighting("FR", "FR-1", ts=0), sighting("DE", "DE-1", ts=10 * year))
        assert len(out) == 1

    def test_a_hot_token_still_in_use_stays_hot(self, store: Any) -> None:
        """A hot wallet seen every 200 ms must not be forgotten and fan out again."""
        rules = CorrelationRules(hot_reports=2, hot_fius=10, retention_ms=1_000)
        fius = itertools.cycle(["FR", "DE", "NL", "IT"])
        out = self.feed(
            store,
            *(sighting(f, f"{f}-{i}", ts=100 + 200 * i) for i, f in zip(range(20), fius, strict=False)),
            rules=rules,
        )
        assert [m["status"] for m in out] == ["cross_border", "hot"]


def test_link_id_is_symmetric_and_distinguishes_pairs_and_kinds() -> None:
    fr, de, nl = sighting("FR", "FR-1"), sighting("DE", "DE-1"), sighting("NL", "NL-1")
    assert link_id("wallet", fr, de) == link_id("wallet", de, fr)
    assert link_id("wallet", fr, de) != link_id("wallet", fr, nl)
    assert link_id("wallet", fr, de) != link_id("email", fr, de)
    # one match per pair of reports and kind, whatever the token
    assert link_id("wallet", fr, de) == link_id("wallet", {**fr, "token": OTHER_TOKEN}, de)
    assert len(link_id("wallet", fr, de)) == 32


def test_link_id_separators_cannot_be_forged() -> None:
    a, b = {"fiu": "FR", "report_id": "1/DE/2"}, {"fiu": "DE", "report_id": "3"}
    c, d = {"fiu": "FR", "report_id": "1"}, {"fiu": "DE", "report_id": "2/DE/3"}
    assert link_id("wallet", a, b) != link_id("wallet", c, d)


def test_expired() -> None:
    rules = CorrelationRules(retention_ms=10)
    assert not expired({"last_ms": 100}, 110, rules)
    assert expired({"last_ms": 100}, 111, rules)
    assert not expired({"last_ms": 100}, 10**12, CorrelationRules())


def test_correlate_all_defaults_to_a_dict() -> None:
    out = list(correlate_all([sighting("FR", "FR-1"), sighting("DE", "DE-1")], RULES, NOW))
    assert [m["status"] for m in out] == ["cross_border"]


def test_step_updates_the_given_state_and_returns_it() -> None:
    """Documented contract: no I/O, but the state passed in is updated in place and returned,
    so a table adapter must store what step returns (a Faust table only logs reassignments)."""
    state, _ = step(None, sighting("FR", "FR-1"), RULES, NOW)
    assert state is not None
    before = copy.deepcopy(state)
    after, _ = step(state, sighting("DE", "DE-1"), RULES, NOW)
    assert after is state and after != before
    assert [r["report_id"] for r in after["refs"]] == ["FR-1", "DE-1"]


def test_random_feed_matches_an_oracle_on_both_stores() -> None:
    """With thresholds out of reach, every pair of distinct reports sharing a token gives exactly one
    match per (pair, kind), cross_border iff the FIUs differ; the dict and the table agree."""
    rng = random.Random(20261120)
    tokens = [(f"k1:{i:064x}", rng.choice(["wallet", "email"])) for i in range(12)]
    reports = [(f, f"{f}-{i}") for f in ("FR", "DE", "NL", "IT") for i in range(6)]
    sightings = []
    for fiu, rid in reports:
        for tok, kind in rng.sample(tokens, 3):
            sightings.append(sighting(fiu, rid, token=tok, kind=kind))
    rng.shuffle(sightings)
    rules = CorrelationRules(hot_reports=10**6, hot_fius=10**6)
    by_dict = list(correlate_all(sightings, rules, NOW, {}))
    by_table = list(correlate_all(sightings, rules, NOW, TableStore()))
    assert by_dict == by_table

    holders: dict[str, list[dict[str, Any]]] = {}
    for s in sightings:
        holders.setdefault(s["token"], []).append(s)
    expected = {}
    for tok, ss in holders.items():
        for a, b in itertools.combinations(ss, 2):
            status = "cross_border" if a["fiu"] != b["fiu"] else "domestic"
            expected[(tok, link_id(a["kind"], a, b))] = status
    got = {(m["token"], m["match_id"]): m["status"] for m in by_dict}
    assert got == expected
    assert len(by_dict) == len(expected)  # and nothing emitted twice
