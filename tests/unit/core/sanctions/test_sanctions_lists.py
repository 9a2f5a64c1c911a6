"""Reading sanctions lists (OFAC's real SDN advanced excerpt, CSV/TSV) and planning a load."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from streams.core.sanctions.lists import (
    Listing,
    listings_from_record,
    listings_of,
    plan_load,
    read_table,
    record_of,
)
from streams.core.sanctions.ofac import SanctionsFileError, read_sdn_advanced
from streams.core.tokens import Tokenizer

VECTORS = Path(__file__).parent.parent / "vectors"
EXCERPT = VECTORS / "sdn_advanced_excerpt.xml"
TOK = Tokenizer(b"k" * 32, "k1")


def test_the_ofac_excerpt_gives_exactly_its_expected_rows() -> None:
    with EXCERPT.open("rb") as f:
        rows = read_sdn_advanced(f, "sdn.xml")
    got = ["\t".join([r.asset, r.address, r.name, ";".join(r.programs), r.entry]) for r in rows]
    expected = (VECTORS / "sdn_advanced_excerpt.expected.tsv").read_text().splitlines()[1:]
    assert len(expected) == 143
    assert got == expected
    assert {"56368", "53077"}.isdisjoint(r.entry for r in rows)  # the two parties without addresses


def test_the_excerpt_tokenised_like_report_wallets() -> None:
    with EXCERPT.open("rb") as f:
        rows = read_sdn_advanced(f, "sdn.xml")
    listings, rejected = listings_of(rows, "ofac-sdn", TOK)
    assert [reason for _, reason in rejected] == [
        "XMR '5be5543ff73456ab9f2d207887e2af87322c651ea1a873c5b25b7ffae456c320': "
        "64 hex digits: a key or a hash, not a Monero address"
    ]
    assert rejected[0][0].startswith("sdn.xml: party 29585, feature ")
    # One address under ETH, ARB and BSC (42498) is one token with one listing naming all three.
    sim = [ls for ls in listings.values() if any(x.entry == "42498" and "ARB" in x.assets for x in ls)]
    assert len(sim) == 1 and sim[0][0].assets == ("ARB", "BSC", "ETH")
    # An EVM address under ETH/USDT/USDC (45314 in EIP-55 case, 43377 in lower case): one token.
    for entry, address, program in (
        ("45314", "0x983a81ca6fb1e441266d2fbcb7d8e530ac2e05a2", "ILLICIT-DRUGS-EO14059"),
        ("43377", "0xb6f5ec1a0a9cd1526536d3f0426c429529471f40", "DPRK4"),
    ):
        expected = Listing("ofac-sdn", entry, (program,), ("ETH", "USDC", "USDT"))
        assert listings[TOK("wallet", f"evm:{address}")] == (expected,)
    # The LTC address on 30518 and 30520; BCH in CashAddr and legacy forms are tokens too.
    ltc = TOK("wallet", "ltc:LeKvNdNEzgQkzVVnRdV3fAu2DSF1nLsNw6")
    assert {x.entry for x in listings[ltc]} == {"30518", "30520"}
    assert all(x.programs for ls in listings.values() for x in ls)


def test_not_xml_and_not_ofac_are_named() -> None:
    with pytest.raises(SanctionsFileError, match=r"x.xml:1: not well-formed XML"):
        read_sdn_advanced(io.BytesIO(b"<a><b></a>"), "x.xml")
    with pytest.raises(SanctionsFileError, match="not an OFAC SDN advanced XML"):
        read_sdn_advanced(io.BytesIO(b"<a/>"), "x.xml")


def test_table_csv_and_tsv() -> None:
    csv_text = "# UN list\nasset,address,entry,program\nBCH,qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a,UN-1,DPRK;X\n\nbtc,nope,UN-2,\n"
    rows = read_table(csv_text, "un.csv")
    assert [(r.asset, r.entry, r.programs, r.where) for r in rows] == [
        ("BCH", "UN-1", ("DPRK", "X"), "un.csv:3"),
        ("btc", "UN-2", (), "un.csv:5"),
    ]
    tsv = read_table(
        "address\tasset\tentry\tprogram\n1BpEi6DfDAUFd7GtittLSdBeYJvcoaVggu\tBCH\tE\tP\n", "l.tsv"
    )
    assert (tsv[0].asset, tsv[0].address) == ("BCH", "1BpEi6DfDAUFd7GtittLSdBeYJvcoaVggu")
    listings, rejected = listings_of(rows + tsv, "un", TOK)
    assert rejected == [("un.csv:5", "btc 'nope': wrong length")]
    (token,) = listings  # the CashAddr and the legacy spelling are one wallet
    assert {x.entry for x in listings[token]} == {"UN-1", "E"}
    with pytest.raises(SanctionsFileError, match="un.csv:1: header lacks entry, program"):
        read_table("asset,address\n", "un.csv")


def L(entry: str, programs: tuple[str, ...] = ("P",), name: str = "A") -> Listing:  # noqa: N802
    return Listing(name, entry, programs, ("BTC",))


def test_plan_adds_removes_tombstones_and_is_idempotent() -> None:
    first = plan_load({}, "A", {"t1": (L("e1"),), "t2": (L("e2"),)})
    assert (first.added, first.removed, first.unchanged, set(first.writes)) == (2, 0, 0, {"t1", "t2"})
    current = {t: v for t, v in first.writes.items() if v}
    again = plan_load(current, "A", {"t1": (L("e1"),), "t2": (L("e2"),)})
    assert (again.added, again.removed, again.unchanged, again.writes) == (0, 0, 2, {})
    newer = plan_load(current, "A", {"t1": (L("e1", ("P", "Q")),), "t3": (L("e3"),)})
    assert (newer.added, newer.removed, newer.changed, newer.unchanged) == (1, 1, 1, 0)
    assert newer.writes == {"t1": (L("e1", ("P", "Q")),), "t2": None, "t3": (L("e3"),)}


def test_plan_keeps_other_lists_listings_of_a_token() -> None:
    current = {"t1": (L("e1"), L("u1", name="B"))}
    plan = plan_load(current, "A", {})
    assert plan.writes == {"t1": (L("u1", name="B"),)}
    assert plan.removed == 1
    plan_b = plan_load({"t1": (L("u1", name="B"),)}, "B", {})
    assert plan_b.writes == {"t1": None}


def test_record_round_trip() -> None:
    listings = (L("e1"), L("u1", name="B"))
    assert listings_from_record(record_of("t", listings)) == listings


def test_the_parser_keeps_one_record_at_a_time() -> None:
    """The excerpt's locations repeated to 15 MB of XML go through in a few MB: each record is
    dropped once read (the full SDN file is 120 MB)."""
    import tracemalloc

    src = EXCERPT.read_bytes()
    start, end = src.index(b"<Locations>") + len(b"<Locations>"), src.index(b"</Locations>")
    one = src[start:end]
    big = src[:start] + one * (15_000_000 // len(one) + 1) + src[end:]
    assert len(big) > 15_000_000
    tracemalloc.start()
    rows = read_sdn_advanced(io.BytesIO(big), "big.xml")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert len(rows) == 143
    assert peak < 4_000_000, peak
