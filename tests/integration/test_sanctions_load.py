"""``fiulink sanctions load`` against the real broker: OFAC's real excerpt, then a newer version
of a CSV list (tombstones), and a reload that changes nothing."""

from __future__ import annotations

from pathlib import Path

from streams.core.tokens import Tokenizer
from streams.sanctions_load import read_watchlist
from streams.testing import Hub

EXCERPT = Path(__file__).parent.parent / "unit" / "core" / "vectors" / "sdn_advanced_excerpt.xml"


def test_load_the_ofac_excerpt_then_a_csv_list_and_its_newer_version(hub: Hub, tmp_path: Path) -> None:
    done = hub.cli("sanctions", "load", str(EXCERPT), check=True)
    # 142 distinct (asset, address) pairs, one refused (the 64-hex XMR value); listings are
    # (wallet token, entry) pairs, so EVM addresses under several assets count once.
    assert "party 29585, feature" in done.stderr and "not a Monero address" in done.stderr
    first = done.stdout.strip()
    assert first.startswith("list ofac-sdn: ") and first.endswith(
        " 0 removed, 0 changed, 0 unchanged, 1 rejected"
    )
    watch = read_watchlist(hub.settings)
    added = int(first.split(": ")[1].split(" ")[0])
    assert sum(len(v) for v in watch.values()) == added > 100
    again = hub.cli("sanctions", "load", str(EXCERPT), check=True).stdout.strip()
    assert again == f"list ofac-sdn: 0 added, 0 removed, 0 changed, {added} unchanged, 1 rejected"
    assert read_watchlist(hub.settings) == watch

    tok = Tokenizer(hub.key.encode(), hub.settings.token_key_id)
    bch = tok("wallet", "bch:bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a")
    trx = tok("wallet", "trx:TDCEx9fU3UVuMPPXpGeX6BXjwsVo4vGuNh")
    v1 = tmp_path / "un.csv"
    v1.write_text("asset,address,entry,program\nBCH,1BpEi6DfDAUFd7GtittLSdBeYJvcoaVggu,UN-1,DPRK\n"
                  "USDT,TDCEx9fU3UVuMPPXpGeX6BXjwsVo4vGuNh,UN-2,DPRK\nXBT,TDCEx9fU3UVuMPPXpGeX6BXjwsVo4vGuNh,UN-3,X\n")  # fmt: skip
    done = hub.cli("sanctions", "load", str(v1), "--list", "un", check=True)
    assert done.stdout.strip() == "list un: 2 added, 0 removed, 0 changed, 0 unchanged, 1 rejected"
    assert (
        f"{v1}:4: rejected: XBT 'TDCEx9fU3UVuMPPXpGeX6BXjwsVo4vGuNh': a Tron address filed as Bitcoin"
        in done.stderr
    )
    watch = read_watchlist(hub.settings)
    assert {x.entry for x in watch[bch]} == {"UN-1"} and {x.entry for x in watch[trx]} == {"UN-2"}
    v2 = tmp_path / "un-v2.csv"
    v2.write_text("asset,address,entry,program\nBCH,qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a,UN-1,DPRK\n")
    done = hub.cli("sanctions", "load", str(v2), "--list", "un", check=True)
    assert done.stdout.strip() == "list un: 0 added, 1 removed, 0 changed, 1 unchanged, 0 rejected"
    watch = read_watchlist(hub.settings)
    assert trx not in watch and bch in watch
    assert sum(len(v) for v in watch.values()) == added + 1  # the OFAC listings are untouched


def test_a_missing_file_is_one_line(hub: Hub, tmp_path: Path) -> None:
    done = hub.cli("sanctions", "load", str(tmp_path / "nope.xml"))
    assert done.returncode != 0
    assert done.stderr.startswith("error: cannot read") and "Traceback" not in done.stderr


def test_a_watchlist_topic_partitioned_unlike_the_worker_is_refused(hub: Hub, tmp_path: Path) -> None:
    from streams.kafka.topics import admin_client

    admin = admin_client(hub.settings)
    try:
        admin.create_topics({hub.settings.topics.watchlist: {"num_partitions": 3, "replication_factor": 1}},
                            wait_for_metadata=True)  # fmt: skip
    finally:
        admin.close()
    listed = tmp_path / "l.csv"
    listed.write_text("asset,address,entry,program\ntrx,TDCEx9fU3UVuMPPXpGeX6BXjwsVo4vGuNh,E,P\n")
    done = hub.cli("sanctions", "load", str(listed))
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert done.stderr.startswith(
        f"error: {hub.settings.topics.watchlist} has 3 partitions, the worker's tables 8"
    )
