"""Sighting batches: every token reaches the partition ``route`` names, order and content are
kept, large batches are cut, and ``sightings_of`` undoes the grouping exactly."""

from __future__ import annotations

import zlib
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from streams.core.sightings import HEADER, route, sightings_of, split


def report(i: int, tokens: list[str]) -> dict[str, Any]:
    return {"fiu": "FR" if i % 2 else "DE", "report_id": f"R-{i}", "sharing": "auto", "restrictions": ["x"],
            "submitted_at": "2026-11-20T14:03:00Z", "source_ts": 1000 + i,
            "tokens": [{"kind": "email", "token": t, "fields": [f"subjects[0].emails[{j}]"]}
                       for j, t in enumerate(tokens)]}  # fmt: skip


def flat(reports: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**{k: r[k] for k in HEADER}, **t} for r in reports for t in r["tokens"]]


token_lists = st.lists(st.lists(st.text("0123456789abcdef", min_size=1, max_size=6), max_size=8), max_size=40)


@settings(max_examples=200, deadline=None)
@given(token_lists, st.integers(1, 12), st.integers(1, 10))
def test_split_routes_every_token_and_loses_nothing(
    lists: list[list[str]], partitions: int, cap: int
) -> None:
    reports = [report(i, tokens) for i, tokens in enumerate(lists)]
    batches = split(reports, partitions, max_tokens=cap)
    got = []
    for batch in batches:
        ps = {route(t["token"], partitions) for r in batch for t in r["tokens"]}
        assert len(ps) == 1  # one partition per message
        assert all(r["tokens"] for r in batch)  # no empty report entries
        n = sum(len(r["tokens"]) for r in batch)
        assert n <= cap or len(batch) == 1  # cut at the cap unless one report alone is larger
        got += list(sightings_of({"reports": batch}))
    want = flat(reports)
    assert sorted(map(repr, got)) == sorted(map(repr, want))
    for p in range(partitions):  # within a partition, feed order is kept
        assert [s for s in got if route(s["token"], partitions) == p] == [
            s for s in want if route(s["token"], partitions) == p
        ]


def test_route_is_the_documented_crc32_and_spreads() -> None:
    # the wire contract (SightingBatch.avsc): CRC-32 of the token's UTF-8 mod the partition count,
    # the same in every process (unlike hash())
    assert [route(t, 8) for t in ("k1:ab", "k1:cd", "k2:ab")] == [
        zlib.crc32(t) % 8 for t in (b"k1:ab", b"k1:cd", b"k2:ab")
    ]
    assert route("k1:ab", 8) == 0x96F11451 % 8 == 1  # a pinned value: changing the function moves state
    counts = [0] * 8
    for i in range(4000):
        counts[route(f"k1:{i:064x}", 8)] += 1
    assert min(counts) > 400  # roughly even: no partition starved or flooded
