"""The worker's steps with sanctions screening: a WatchlistEntry record and report sightings
meeting in the token store (a dict), bytes in and out as in the worker."""

from __future__ import annotations

from typing import Any

import pytest

from streams.app.steps import Steps
from streams.codec import Codec
from streams.codec.avro import SCHEMA_DIR
from streams.core.correlate import CorrelationRules
from streams.core.policy import SharingPolicy
from streams.core.sanctions.lists import Listing, record_of
from streams.core.sightings import route
from streams.core.tokens import Tokenizer
from streams.core.validate import validate_report
from streams.errors import FiulinkError
from streams.topics import Topics

TOPICS = Topics("t.")
KEY = b"unit-test-consortium-key"
TOK = Tokenizer(KEY, "k1")
POLICY = 'fius = ["FR", "DE", "NL"]\ndefault = "deny"\n'
CASH = "bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a"
LEGACY = "1BpEi6DfDAUFd7GtittLSdBeYJvcoaVggu"  # the same BCH address in its legacy form
BCH_TOKEN = TOK("wallet", f"bch:{CASH}")
OFAC = Listing("ofac-sdn", "31212", ("CYBER2", "NPWMD"), ("BCH",))


@pytest.fixture(scope="module")
def codec() -> Codec:
    return Codec(SCHEMA_DIR)


@pytest.fixture
def steps(codec: Codec) -> Steps:
    return Steps(codec, TOK, SharingPolicy.parse(POLICY), CorrelationRules(), TOPICS, partitions=8)


def report(report_id: str, fiu: str, chain: str, address: str) -> dict[str, Any]:
    record, problems = validate_report({
        "report_id": report_id, "fiu": fiu, "submitted_at": "2026-11-20T14:03:00Z",
        "handling": {"sharing": "auto", "restrictions": []},
        "subjects": [{"subject_id": "s1", "emails": [f"{report_id}@example.org"]}],
        "transactions": [{"chain": chain, "to_address": address, "asset": "BCH", "amount": "1.5"}],
    })  # fmt: skip
    assert problems == [] and record is not None
    return record


def sight(
    steps: Steps, codec: Codec, store: dict[str, Any], rec: dict[str, Any]
) -> list[tuple[str, bytes, bytes | None, int | None]]:
    out = []
    for _topic, _, value, _ in steps.ingest(TOPICS.feed(rec["fiu"]), 0, 0, 1, codec.encode("StrReport", rec)):
        out += steps.correlate(store, value)
    return out


def watch(
    steps: Steps, codec: Codec, store: dict[str, Any], *listings: Listing
) -> list[tuple[str, bytes, bytes]]:
    value = codec.encode("WatchlistEntry", record_of(BCH_TOKEN, listings)) if listings else None
    return steps.watch(store, BCH_TOKEN.encode(), value, route(BCH_TOKEN, 8), 7)


def hits(codec: Codec, out: list[tuple[str, bytes, bytes | None, int | None]]) -> list[tuple[str, str, str]]:
    found = []
    for topic, key, value, _ in out:
        name, rec = codec.decode(value)
        if name == "Notification" and rec["type"] == "sanctions_hit":
            assert (
                topic == TOPICS.notification(rec["recipient_fiu"]) and key == rec["notification_id"].encode()
            )
            found.append((rec["recipient_fiu"], rec["recipient_report_id"], rec["listing_ref"]))
    return found


def test_a_report_wallet_on_the_watchlist_gives_its_own_fiu_a_hit(steps: Steps, codec: Codec) -> None:
    store: dict[str, Any] = {}
    assert watch(steps, codec, store, OFAC) == []
    out = sight(steps, codec, store, report("FR-1", "FR", "bch", LEGACY))
    assert hits(codec, out) == [("FR", "FR-1", "31212")]
    audits = [codec.decode(v)[1] for t, _, v, _ in out if t == TOPICS.audit]
    assert [a["decision"] for a in audits] == ["sanctions_hit"]
    for _, _, value, _ in out:  # nothing raw: no address, no amount
        assert LEGACY.encode() not in value and CASH.encode() not in value and b"1.5" not in value


def test_an_entry_added_later_notifies_the_earlier_reports_fiu_and_a_removal_stops_hits(
    steps: Steps, codec: Codec
) -> None:
    store: dict[str, Any] = {}
    assert hits(codec, sight(steps, codec, store, report("DE-1", "DE", "bitcoin cash", CASH.upper()))) == []
    assert hits(codec, watch(steps, codec, store, OFAC)) == [("DE", "DE-1", "31212")]
    assert watch(steps, codec, store) == []  # delisted (a tombstone)
    assert hits(codec, sight(steps, codec, store, report("NL-1", "NL", "bch", CASH))) == []


def test_a_watch_record_on_the_wrong_partition_or_for_another_token_is_refused(
    steps: Steps, codec: Codec
) -> None:
    store: dict[str, Any] = {}
    value = codec.encode("WatchlistEntry", record_of(BCH_TOKEN, (OFAC,)))
    wrong = (route(BCH_TOKEN, 8) + 1) % 8
    with pytest.raises(FiulinkError, match="load with `fiulink sanctions load`"):
        steps.watch(store, BCH_TOKEN.encode(), value, wrong)
    other = TOK("wallet", "btc:x")
    with pytest.raises(FiulinkError, match="not its key"):
        steps.watch(store, other.encode(), value, route(other, 8))
    assert store == {}
