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
