"""Every digital-currency address on OFAC's SDN list (vectors/ofac_addresses.tsv: 848 rows, real
data nobody here wrote) through the wallet normalisers."""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

from streams.core.identifiers import normalize_wallet
from streams.core.identifiers.base58 import b58decode
from streams.errors import InvalidIdentifierError

ROWS = [
    tuple(line.split("\t")[:2])
    for line in (Path(__file__).parent / "vectors" / "ofac_addresses.tsv").read_text().splitlines()
    if line and not line.startswith("#")
]
# Chains whose addresses were opaque before and are validated now.
NEWLY_VALIDATED = {"BCH", "XMR", "ZEC", "DASH", "BSV", "BTG", "XVG"}
TRON_FILED_AS_XBT = "TUCsTq7TofTCJRRoHk6RvhMoS2mJLm5Yzq"
MONERO_64_HEX = "5be5543ff73456ab9f2d207887e2af87322c651ea1a873c5b25b7ffae456c320"


def normalise_all() -> tuple[dict[tuple[str, str], tuple[str, str]], dict[tuple[str, str], str]]:
    ok: dict[tuple[str, str], tuple[str, str]] = {}
    refused: dict[tuple[str, str], str] = {}
    for asset, address in ROWS:
        try:
            ok[(asset, address)] = normalize_wallet(asset, address)
        except InvalidIdentifierError as exc:
            refused[(asset, address)] = exc.reason
    return ok, refused


def test_the_list_is_the_real_list() -> None:
    assert len(ROWS) == 848
    assert sum(asset in NEWLY_VALIDATED for asset, _ in ROWS) == 24


def test_every_address_is_accepted_and_canonical_but_two_refused_by_name() -> None:
    ok, refused = normalise_all()
    assert set(refused) == {("XBT", TRON_FILED_AS_XBT), ("XMR", MONERO_64_HEX)}
    assert refused[("XBT", TRON_FILED_AS_XBT)].startswith("a Tron address filed as Bitcoin")
    assert "not a Monero address" in refused[("XMR", MONERO_64_HEX)]
    assert len(ok) == 846
    for (asset, address), (label, canonical) in ok.items():
        assert normalize_wallet(label, canonical) == (label, canonical), (asset, address)
        if label == "evm":
            assert canonical == address.lower()
        elif label == "bch":
            assert canonical == "bitcoincash:" + canonical.split(":")[1].lower()
        elif label in ("bnb",) or canonical.startswith(("bc1", "ltc1")):
            assert canonical == address.lower()
        elif asset == "LTC" and address[0] == "3":
            assert canonical[0] == "M"
        else:
            assert canonical == address, (asset, address)


def test_labels_per_asset() -> None:
    ok, _ = normalise_all()
    labels: dict[str, Counter[str]] = defaultdict(Counter)
    for (asset, _address), (label, _canonical) in ok.items():
        labels[asset][label] += 1
    assert {asset: set(c) for asset, c in labels.items()} == {
        "XBT": {"btc"},
        "ETH": {"evm"},
        "ETC": {"evm"},
        "ARB": {"evm"},
        "BSC": {"evm"},
        "USDT": {"trx", "evm", "btc"},
        "USDC": {"evm"},
        "TRX": {"trx"},
        "LTC": {"ltc"},
        "XMR": {"xmr"},
        "BCH": {"bch"},
        "ZEC": {"zec"},
        "DASH": {"dash"},
        "BSV": {"bsv"},
        "BTG": {"btg"},
        "XVG": {"xvg"},
        "XRP": {"xrp"},
        "SOL": {"sol"},
        "BNB": {"bnb"},
    }


def test_one_identifier_for_one_address_across_chains_and_tokens() -> None:
    ok, _ = normalise_all()
    by_address: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for (_asset, address), ident in ok.items():
        by_address[address.lower() if ident[0] == "evm" else address].add(ident)
    assert all(len(idents) == 1 for idents in by_address.values())
    # Omni USDT and the same hash under XBT would be one identifier too.
    omni = [ok[(a, x)] for a, x in ok if a == "USDT" and x[0] in "13"]
    assert omni and all(label == "btc" and len(b58decode(canonical)) == 25 for label, canonical in omni)
