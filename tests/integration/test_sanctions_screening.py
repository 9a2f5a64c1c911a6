"""Sanctions screening end to end on the real broker and a real worker: reports holding listed
wallets in other spellings get one ``sanctions_hit`` each, to their own FIU; a list update that
adds an already reported wallet reaches that report's FIU; a removed entry gives no new hits."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from streams.core.correlate import link_id
from streams.testing import Hub, report, write_jsonl

VECTORS = Path(__file__).parent.parent / "unit" / "core" / "vectors"
XRP_CLASSIC, _TAG, XRP_X, _ = json.loads((VECTORS / "xrp_addresses.json").read_text())["x_addresses"][1]
BCH_LEGACY, BCH_CASH = (
    "1BpEi6DfDAUFd7GtittLSdBeYJvcoaVggu",
    "bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a",
)
BTC = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"
EVM = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
TRON = "TDCEx9fU3UVuMPPXpGeX6BXjwsVo4vGuNh"
HEADER = "asset,address,entry,program\n"


def sanctions_hits(notes: list[dict[str, Any]]) -> list[tuple[str, str, str, str]]:
    return sorted(
        (n["recipient_fiu"], n["recipient_report_id"], n["watchlist"], n["listing_ref"])
        for n in notes
        if n["type"] == "sanctions_hit"
    )


def wallet_report(report_id: str, fiu: str, *wallets: tuple[str, str]) -> dict[str, Any]:
    return report(report_id, fiu, wallets=[{"chain": c, "address": a} for c, a in wallets])


def test_screening_in_the_stream(hub: Hub, policy_file: Path, tmp_path: Path) -> None:
    hub.cli("topics", "create", "--policy", str(policy_file), check=True)
    v1 = tmp_path / "list-v1.csv"
    v1.write_text(
        HEADER
        + f"BCH,{BCH_LEGACY},E1,P1\nXBT,{BTC},E2,P2\nETH,{EVM.lower()},E3,P3;P4\nXRP,{XRP_CLASSIC},E4,P1\n"
    )
    assert hub.cli("sanctions", "load", str(v1), "--list", "un", check=True).stdout.startswith(
        "list un: 4 added"
    )
    hub.start_worker(policy_file)
    first = [
        wallet_report("FR-1", "FR", ("bitcoin cash", BCH_CASH)),  # CashAddr for the listed legacy form
        wallet_report("DE-1", "DE", ("btc", BTC.upper())),  # upper-case bech32
        wallet_report("NL-1", "NL", ("usdt", EVM)),  # EIP-55 case, the token named as the chain
        wallet_report("FR-2", "FR", ("xrp", XRP_X)),  # X-address for the listed classic address
        wallet_report("DE-2", "DE", ("trx", TRON)),  # not listed (yet)
        wallet_report("IT-1", "IT", ("eth", "0x" + "11" * 20)),  # never listed
    ]
    hub.cli("publish", str(write_jsonl(tmp_path / "first.jsonl", first)), check=True)
    topics = [hub.settings.topics.notification(f) for f in ("FR", "DE", "NL", "IT", "SG")]
    want = [("DE", "DE-1", "un", "E2"), ("FR", "FR-1", "un", "E1"), ("FR", "FR-2", "un", "E4"),
            ("NL", "NL-1", "un", "E3")]  # fmt: skip
    notes = hub.read(topics, until=lambda r: sanctions_hits(r) == want, timeout=120, idle=3)
    assert sanctions_hits(notes) == want, hub.worker_logs()
    nl = next(n for n in notes if n["type"] == "sanctions_hit" and n["recipient_fiu"] == "NL")
    assert (nl["match_kind"], nl["programs"], nl["counterpart_fiu"]) == ("wallet", ["P3", "P4"], None)
    assert all(BCH_LEGACY not in json.dumps(n) and EVM.lower() not in json.dumps(n) for n in notes)

    # v2: E5 lists the Tron wallet DE-2 already holds; E1 (the BCH wallet) is delisted
    v2 = tmp_path / "list-v2.csv"
    v2.write_text(
        HEADER + f"XBT,{BTC},E2,P2\nETH,{EVM.lower()},E3,P3;P4\nXRP,{XRP_CLASSIC},E4,P1\nUSDT,{TRON},E5,P5\n"
    )
    loaded = hub.cli("sanctions", "load", str(v2), "--list", "un", check=True).stdout.strip()
    assert loaded == "list un: 1 added, 1 removed, 0 changed, 3 unchanged, 0 rejected"
    want2 = sorted([*want, ("DE", "DE-2", "un", "E5")])
    notes = hub.read(topics, until=lambda r: sanctions_hits(r) == want2, timeout=120, idle=3)
    assert sanctions_hits(notes) == want2, hub.worker_logs()

    # FR-3 holds the delisted BCH wallet and the newly listed Tron one: one hit (E5), none for E1
    hub.cli("publish", str(write_jsonl(tmp_path / "second.jsonl",
                                       [wallet_report("FR-3", "FR", ("bch", BCH_LEGACY), ("tron", TRON))])), check=True)  # fmt: skip
    bch_link = link_id("wallet", {"fiu": "FR", "report_id": "FR-1"}, {"fiu": "FR", "report_id": "FR-3"})
    audit = hub.read([hub.settings.topics.audit], until=lambda r: any(a["match_id"] == bch_link for a in r),
                     timeout=120, idle=3)  # fmt: skip
    assert any(a["match_id"] == bch_link for a in audit)  # FR-3's BCH sighting has been through correlate
    want3 = sorted([*want2, ("FR", "FR-3", "un", "E5")])
    notes = hub.read(topics, until=lambda r: sanctions_hits(r) == want3, timeout=120, idle=3)
    assert sanctions_hits(notes) == want3, hub.worker_logs()
    hits = [a for a in audit if a["decision"] == "sanctions_hit"]
    assert {a["recipient_fiu"] for a in hits} <= {"FR", "DE", "NL"} and all(
        a["counterpart_fiu"] is None for a in hits
    )
    ids = [n["notification_id"] for n in notes if n["type"] == "sanctions_hit"]
    assert len(ids) == len(set(ids))


def test_sanctions_hits_survive_worker_crashes_and_equal_replay(hub: Hub, tmp_path: Path) -> None:
    """SIGKILL the worker while a feed flows and half of a list is loaded mid-run: the sanctions
    hits are exactly those replay mode gives (the whole list loaded first), each id with one
    content. Listed wallets are ones that never turn hot (a hot token keeps no further reports,
    so a later entry reaches only the ones it held: see streams.core.sanctions.screen)."""

    from streams.core.correlate import CorrelationRules
    from streams.core.policy import SharingPolicy
    from streams.core.sanctions.lists import listings_of, read_table
    from streams.core.tokens import Tokenizer
    from streams.replay import read_feed, replay

    feed = tmp_path / "feed"
    hub.cli("generate", "--fius", "4", "--reports", "500", "--seed", "31", "--out", str(feed), check=True)
    policy = feed / "policy.toml"
    hub.cli("topics", "create", "--policy", str(policy), check=True)
    files = sorted(feed.glob("feed-??.jsonl"))
    reports = read_feed(files)
    pol = SharingPolicy.load(policy)
    tok = Tokenizer(hub.key.encode(), hub.settings.token_key_id)
    plain = replay(reports, hub.key.encode(), pol, CorrelationRules())
    hot = {n["token"] for n in plain["notifications"] if n["type"] == "hot_identifier"}
    wallets: dict[str, tuple[str, str]] = {}
    for r in reports:
        for subject in r["subjects"]:
            for w in subject.get("wallets") or ():
                table = read_table(HEADER + f"{w['chain']},{w['address']},X,P\n", "w")
                listing, rejected = listings_of(table, "x", tok)
                if not rejected and not set(listing) & hot:
                    wallets.setdefault(next(iter(listing)), (w["chain"], w["address"]))
    chosen = list(wallets.values())[:24]
    assert len(chosen) == 24
    rows = [f"{chain},{address},E{i},P{i % 3}\n" for i, (chain, address) in enumerate(chosen)]
    early, late = tmp_path / "early.csv", tmp_path / "full.csv"
    early.write_text(HEADER + "".join(rows[:12]))
    late.write_text(HEADER + "".join(rows))
    listings, _ = listings_of(read_table(late.read_text(), "full"), "un", tok)
    want = {n["notification_id"] for n in replay(reports, hub.key.encode(), pol, CorrelationRules(),
                                                  watchlist=listings)["notifications"] if n["type"] == "sanctions_hit"}  # fmt: skip
    assert len(want) >= 24

    hub.cli("sanctions", "load", str(early), "--list", "un", check=True)

    def load_the_rest(kills: int) -> None:
        if kills == 2:  # while the worker is down
            hub.cli("sanctions", "load", str(late), "--list", "un", check=True)

    hub.publish_while_killing(policy, files, seed=5, pause=(2.0, 4.0), on_kill=load_the_rest)
    topics = [hub.settings.topics.notification(f) for f in pol.fius]

    def got(notes: list[dict[str, Any]]) -> set[str]:
        return {n["notification_id"] for n in notes if n["type"] == "sanctions_hit"}

    notes = hub.read(topics, until=lambda r: want <= got(r), timeout=180, idle=3)
    assert got(notes) == want, f"missing {len(want - got(notes))}, extra {len(got(notes) - want)}"
    by_id: dict[str, dict[str, Any]] = {}
    for n in notes:
        core = {k: v for k, v in n.items() if k not in ("created_at", "source_ts")}
        assert by_id.setdefault(n["notification_id"], core) == core
