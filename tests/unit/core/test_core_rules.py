"""Rules decided in the core: a report on its own FIU's feed, a sighting's shape with each token
once, retention of link state, the known service wallets file."""

from __future__ import annotations

import pytest

from streams.core.correlate import CorrelationRules, past_retention, touch
from streams.core.service_wallets import parse_service_wallets, service_tokens
from streams.core.sightings import sighted, wrong_feed
from streams.errors import ConfigError

REPORT = {
    "fiu": "FR",
    "report_id": "FR-1",
    "submitted_at": "2026-11-20T14:03:00Z",
    "handling": {"sharing": "auto", "restrictions": ["no-onward-dissemination"]},
}


def test_a_report_arrives_on_its_own_fius_feed() -> None:
    assert wrong_feed(REPORT, "FR") is None
    assert wrong_feed(REPORT, None) is None  # not from a feed (replay)
    assert wrong_feed(REPORT, "DE") == "report FR-1 says fiu=FR but came on the DE feed"


def test_a_sighting_keeps_each_token_once_and_only_the_handling() -> None:
    s = sighted(
        REPORT, [("email", "t1", ["subjects[0].emails[0]"]), ("wallet", "t2", []), ("phone", "t1", [])], 42
    )
    assert s == {
        "fiu": "FR",
        "report_id": "FR-1",
        "sharing": "auto",
        "restrictions": ["no-onward-dissemination"],
        "submitted_at": "2026-11-20T14:03:00Z",
        "source_ts": 42,
        "tokens": [
            {"kind": "email", "token": "t1", "fields": ["subjects[0].emails[0]"]},
            {"kind": "wallet", "token": "t2", "fields": []},
        ],
    }
    assert sighted(REPORT, [], 42) is None


def test_link_state_retention() -> None:
    rules = CorrelationRules(retention_ms=1000)
    state = touch({}, 5000)
    assert touch(state, 4000)["last_ms"] == 5000 and touch({}, 0) == {}
    assert not past_retention(state, 6000, rules)
    assert past_retention(state, 6001, rules)
    assert not past_retention({"held": []}, 10**12, rules)  # predates last_ms: kept
    assert not past_retention(state, 10**12, CorrelationRules())  # 0: keep forever


def test_service_wallets_are_parsed_normalised_and_tokenised() -> None:
    text = "# exchanges\n\nETH 0x52908400098527886E0F7030069857D2E4169EE7\nbtc bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4\n"
    wallets = parse_service_wallets(text, "w.txt")
    assert wallets == [
        ("evm", "0x52908400098527886e0f7030069857d2e4169ee7"),
        ("btc", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"),
    ]
    assert service_tokens(wallets, lambda kind, value: f"{kind}|{value}") == {
        "wallet|evm:0x52908400098527886e0f7030069857d2e4169ee7",
        "wallet|btc:bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
    }


def test_every_bad_line_of_the_service_wallets_file_is_named() -> None:
    text = "binance\neth 0x52908400098527886E0F7030069857D2E4169EE7\nbtc bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5\n"
    with pytest.raises(ConfigError) as err:
        parse_service_wallets(text, "w.txt")
    msg = str(err.value)
    assert "w.txt:1: expected 'CHAIN ADDRESS', got 'binance'" in msg and "w.txt:3: " in msg
    assert "w.txt:2" not in msg
