"""Bitcoin Cash (CashAddr spec vectors), Monero (Monero's own vectors), the Base58Check chains
(Zcash, Dash, Bitcoin SV, Bitcoin Gold, Verge), BNB Beacon Chain, chain aliases, and tokens named
as the chain; see vectors/*.json for each source."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from streams.core.identifiers import cashaddr, monero, normalize_tx_hash, normalize_wallet, wallet_label
from streams.core.identifiers.base58 import b58check_decode, b58check_encode
from streams.core.identifiers.bech32 import Encoding, bech32_encode, convertbits, encode_segwit
from streams.errors import InvalidIdentifierError

VECTORS = Path(__file__).parent / "vectors"
CASH = json.loads((VECTORS / "cashaddr_spec.json").read_text(encoding="utf-8"))
XMR: Any = json.loads((VECTORS / "monero_addresses.json").read_text(encoding="utf-8"))


def rejects(chain: str, address: str) -> str:
    with pytest.raises(InvalidIdentifierError) as info:
        normalize_wallet(chain, address)
    return info.value.reason


# --- CashAddr ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("legacy", "cash"), CASH["translation"])
def test_cashaddr_spec_translation_every_spelling_is_one_address(legacy: str, cash: str) -> None:
    payload = cash.split(":")[1]
    for spelling in (legacy, cash, payload, cash.upper(), payload.upper(), f"  {payload}\n"):
        assert normalize_wallet("bch", spelling) == ("bch", cash), spelling
    assert normalize_wallet("Bitcoin Cash", legacy) == ("bch", cash)


@pytest.mark.parametrize(("size", "kind", "address", "data"), CASH["larger"])
def test_cashaddr_spec_larger_vectors(size: int, kind: int, address: str, data: str) -> None:
    prefix, version, body = cashaddr.decode(address)
    assert (version >> 3, cashaddr.HASH_SIZES[version & 7], body.hex().upper()) == (kind, size, data)
    assert cashaddr.encode(prefix, version, body) == address
    if prefix == "bitcoincash":
        assert normalize_wallet("bch", address.split(":")[1]) == ("bch", address)
    elif prefix == "bchtest":
        assert rejects("bch", address) == "testnet address"
        assert rejects("bch", address.split(":")[1]) == "testnet address"
    else:
        assert rejects("bch", address) == f"unknown prefix '{prefix}:'"


@pytest.mark.parametrize(("size", "kind", "bits", "address", "data"), CASH["undefined_types"])
def test_cashaddr_spec_undefined_types(size: int, kind: int, bits: int, address: str, data: str) -> None:
    _prefix, version, body = cashaddr.decode(address)
    assert (version >> 3, version & 7, len(body), body.hex().upper()) == (kind, bits, size, data)


@pytest.mark.parametrize("address", CASH["checksum_only"])
def test_cashaddr_spec_checksum_vectors(address: str) -> None:
    prefix, values = cashaddr.split(address)
    assert cashaddr.checksum_ok(prefix, values)
    broken = address[:-1] + ("q" if address[-1] != "q" else "p")
    assert not cashaddr.checksum_ok(*cashaddr.split(broken))


@pytest.mark.parametrize(
    ("address", "expect"),
    [
        ("bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6c", "bad checksum"),
        ("qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6c", "bad checksum"),
        ("qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6A", "mixed case"),
        ("qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdxca", "bad checksum"),
        ("qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6i", "invalid character 'i'"),
        ("qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6b", "invalid character 'b'"),
        ("bitcoincash:qpm2qsznhks23z7629mms6s4cwef74", "bad checksum"),
        ("1BpEi6DfDAUFd7GtittLSdBeYJvcoaVggv", "bad checksum"),
        ("mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn", "testnet address"),
        (cashaddr.encode("bitcoincash", 2 << 3, bytes(20)).split(":")[1], "unknown address type 2"),
        (cashaddr.encode("bitcoincash", 0, bytes(21)), "wrong length"),
    ],
)
def test_cashaddr_invalid(address: str, expect: str) -> None:
    assert expect in rejects("bch", address)


# --- Monero ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("data", "text"), XMR["encode_block"])
def test_monero_base58_blocks(data: str, text: str) -> None:
    assert monero.b58encode(bytes.fromhex(data)) == text
    assert monero.b58decode(text) == bytes.fromhex(data)


@pytest.mark.parametrize("text", XMR["decode_negative"])
def test_monero_base58_refuses_bad_strings(text: str) -> None:
    with pytest.raises(InvalidIdentifierError):
        monero.b58decode(text)


@pytest.mark.parametrize(("address", "tag", "data"), XMR["encode_addr"])
def test_monero_encode_decode_addr(address: str, tag: int, data: str) -> None:
    assert monero.encode_address(tag, bytes.fromhex(data)) == address
    assert monero.decode_address(address) == (tag, bytes.fromhex(data))


@pytest.mark.parametrize(("address", "expect"), XMR["decode_addr_negative"])
def test_monero_decode_addr_negatives(address: str, expect: str) -> None:
    with pytest.raises(InvalidIdentifierError, match=expect):
        monero.decode_address(address)


def test_monero_test_keys_and_their_invalid_variants() -> None:
    address, keys = XMR["keys"]["address"], bytes.fromhex(XMR["keys"]["spend_view"])
    assert monero.decode_address(address) == (18, keys)
    assert normalize_wallet("xmr", address) == ("xmr", address)
    assert "bad checksum" in rejects("monero", "0" + address[1:]) or "invalid character" in rejects(
        "monero", "0" + address[1:]
    )
    assert rejects("xmr", monero.encode_address(0, keys)) == "unknown network byte 0"
    assert "wrong length" in rejects("xmr", monero.encode_address(18, keys[1:]))
    assert "wrong length" in rejects("xmr", monero.encode_address(19, keys))
    spend0 = b"\0" + keys[1:]
    view1 = keys[:-1] + b"\x01"
    for bad in (spend0, view1, (1).to_bytes(32, "little") + keys[32:]):
        assert "invalid public key" in rejects("xmr", monero.encode_address(18, bad))


@pytest.mark.parametrize(("address", "kind", "standard"), XMR["mainnet"])
def test_monero_mainnet_addresses(address: str, kind: str, standard: str) -> None:
    tag, _body = monero.decode_address(address)
    assert monero.NETWORK_BYTES[tag] == ("mainnet", kind)
    assert normalize_wallet("Monero", address) == ("xmr", standard)
    assert normalize_wallet("xmr", standard) == ("xmr", standard)


@pytest.mark.parametrize("address", XMR["testnet"])
def test_monero_testnet_and_stagenet_are_refused(address: str) -> None:
    assert rejects("xmr", address).startswith("testnet address")


@pytest.mark.parametrize(("address", "expect"), XMR["bad"])
def test_monero_bad_addresses(address: str, expect: str) -> None:
    assert expect in rejects("xmr", address)


def test_monero_64_hex_is_a_key_or_hash_not_an_address() -> None:
    value = "5be5543ff73456ab9f2d207887e2af87322c651ea1a873c5b25b7ffae456c320"
    assert "not a Monero address" in rejects("xmr", value)


def test_monero_checksum_is_keccak_not_sha3() -> None:
    address, keys = XMR["keys"]["address"], bytes.fromhex(XMR["keys"]["spend_view"])
    import hashlib

    data = bytes([18]) + keys
    sha3 = hashlib.sha3_256(data).digest()[:4]
    assert monero.b58encode(data + sha3) != address


# --- Base58Check chains and BNB Beacon Chain ----------------------------------------------------

REAL = [  # from OFAC's SDN list (vectors/ofac_addresses.tsv)
    ("ZEC", "zec", "t1MMXtBrSp1XG38Lx9cePcNUCJj5vdWfUWL"),
    ("zcash", "zec", "t1g7wowvQ8gn2v8jrU1biyJ26sieNqNsBJy"),
    ("DASH", "dash", "XnPFsRWTaSgiVauosEwQ6dEitGYXgwznz2"),
    ("BSV", "bsv", "12sjrrhoFEsedNRhtgwvvRqjFTh8fZTDX9"),
    ("Bitcoin SV", "bsv", "12sjrrhoFEsedNRhtgwvvRqjFTh8fZTDX9"),
    ("BTG", "btg", "GPwg61XoHqQPNmAucFACuQ5H9sGCDv9TpS"),
    ("XVG", "xvg", "DFFJhnQNZf8rf67tYnesPu7MuGUpYtzv7Z"),
    ("verge", "xvg", "DFFJhnQNZf8rf67tYnesPu7MuGUpYtzv7Z"),
    ("BNB", "bnb", "bnb136ns6lfw4zs5hg4n85vdthaad7hq5m4gtkgf23"),
]


@pytest.mark.parametrize(("chain", "label", "address"), REAL)
def test_real_addresses_of_the_base58_chains_and_bnb(chain: str, label: str, address: str) -> None:
    assert normalize_wallet(chain, address) == (label, address)
    if label == "bnb":
        assert normalize_wallet("bep2", address.upper()) == ("bnb", address)
    else:
        assert "bad checksum" in rejects(chain, address[:-1] + ("2" if address[-1] != "2" else "3"))


@pytest.mark.parametrize(
    ("chain", "address", "expect"),
    [
        ("dash", "1BpEi6DfDAUFd7GtittLSdBeYJvcoaVggu", "unknown version byte 0x00 (not a Dash address)"),
        ("zec", "1BpEi6DfDAUFd7GtittLSdBeYJvcoaVggu", "wrong length (21 bytes, expected 22)"),
        ("zec", b58check_encode(b"\x1d\x25" + bytes(20)), "testnet address"),
        ("btg", "1BpEi6DfDAUFd7GtittLSdBeYJvcoaVggu", "unknown version byte 0x00"),
        ("xvg", b58check_encode(b"\x73" + bytes(20)), "testnet address"),
        ("bnb", bech32_encode("tbnb", convertbits(list(bytes(20)), 8, 5, True), Encoding.BECH32), "testnet"),
        (
            "bnb",
            bech32_encode("bnb", convertbits(list(bytes(21)), 8, 5, True), Encoding.BECH32),
            "wrong length",
        ),
        ("bnb", "bnb136ns6lfw4zs5hg4n85vdthaad7hq5m4gtkgf24", "bad checksum"),
        ("zec", "u1qqqq", "unified address"),
    ],
)
def test_base58_chains_and_bnb_invalid(chain: str, address: str, expect: str) -> None:
    assert expect in rejects(chain, address)


def test_zcash_sapling_and_bitcoin_gold_segwit() -> None:
    sapling = bech32_encode("zs", convertbits(list(range(43)), 8, 5, True), Encoding.BECH32)
    assert normalize_wallet("zec", sapling.upper()) == ("zec", sapling)
    segwit = encode_segwit("btg", 0, bytes(range(20)))
    assert normalize_wallet("bitcoin gold", segwit.upper()) == ("btg", segwit)


def test_bnb_is_evm_for_0x_and_beacon_for_bnb1() -> None:
    evm = "0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359"
    assert normalize_wallet("BNB", evm) == ("evm", evm)
    assert wallet_label("bnb", "bnb136ns6lfw4zs5hg4n85vdthaad7hq5m4gtkgf23") == "bnb"


# --- Tokens named as the chain, misfiled addresses, aliases, tx hashes -------------------------


@pytest.mark.parametrize(
    ("token", "address", "label"),
    [
        ("USDT", "TDCEx9fU3UVuMPPXpGeX6BXjwsVo4vGuNh", "trx"),
        ("usdt", "0xFB6916095CA1DF60BB79CE92CE3EA74C37C5D359", "evm"),
        ("usdc", "0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359", "evm"),
        ("Tether", "1BpEi6DfDAUFd7GtittLSdBeYJvcoaVggu", "btc"),
        ("omni", "3CWFddi6m4ndiGyKqzYvsFYagqDLPVMTzC", "btc"),
        ("usdc", "Ho87cuS3aSRgUMCeMrV7uNCCWx6Fj2ytnufYQ1W7KCLr", "sol"),
    ],
)
def test_tokens_are_routed_by_the_address_shape(token: str, address: str, label: str) -> None:
    assert normalize_wallet(token, address) == normalize_wallet(label, address)
    assert normalize_wallet(token, address)[0] == label


def test_a_token_address_of_no_known_shape_says_so() -> None:
    assert "cannot tell the chain of a usdt address" in rejects("usdt", "qpm2qsznhks23z7629mms6s4")


def test_an_evm_address_filed_as_bitcoin_cash_says_so() -> None:
    reason = rejects("bch", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")
    assert reason.startswith("an EVM address filed as Bitcoin Cash") and reason.endswith(
        "report it under evm"
    )


def test_a_tron_address_filed_as_bitcoin_is_refused_with_a_reason_that_says_so() -> None:
    reason = rejects("XBT", "TUCsTq7TofTCJRRoHk6RvhMoS2mJLm5Yzq")
    assert reason.startswith("a Tron address filed as Bitcoin")
    assert "report it under trx" in reason
    assert normalize_wallet("trx", "TUCsTq7TofTCJRRoHk6RvhMoS2mJLm5Yzq")[0] == "trx"


@pytest.mark.parametrize(
    ("names", "label"),
    [
        (["bch", "BCH", "bitcoin cash", "Bitcoin Cash", "bitcoincash"], "bch"),
        (["xmr", "monero", "Monero"], "xmr"),
        (["zec", "zcash"], "zec"),
        (["bsv", "bitcoin sv"], "bsv"),
        (["btg", "bitcoin gold"], "btg"),
        (["xvg", "verge"], "xvg"),
        (["xbt", "btc", "bitcoin"], "btc"),
    ],
)
def test_chain_aliases_give_one_label(names: list[str], label: str) -> None:
    assert {wallet_label(name, "x") for name in names} == {label}


def test_tx_hashes_of_the_new_chains_are_64_hex_lower() -> None:
    tx = "A1075DB55D416D3CA199F55B6084E2115B9345E16C5CF302FC80E9D5FBF5D48D"
    for chain in ("bch", "monero", "zec", "dash", "bsv", "btg", "xvg"):
        assert normalize_tx_hash(chain, tx)[1] == tx.lower()


def test_base58check_chains_round_trip_their_versions() -> None:
    from streams.core.identifiers.chains import VERSIONS

    for label, versions in VERSIONS.items():
        for version, mainnet in versions.items():
            address = b58check_encode(version + bytes(range(20)))
            if mainnet:
                assert normalize_wallet(label, address) == (label, address)
                assert b58check_decode(address)[len(version) :] == bytes(range(20))
            else:
                assert rejects(label, address) == "testnet address"


# --- Bitcoin Gold: its own key_io vectors ---------------------------------------------------------

BTG = json.loads((VECTORS / "bitcoin_gold_key_io_valid.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize(("address", "script", "network"), BTG["addresses"])
def test_bitcoin_gold_key_io_addresses(address: str, script: str, network: str) -> None:
    from streams.core.identifiers.bech32 import decode_segwit

    if address[0] in "GAmn2":
        payload = b58check_decode(address, length=21)
        assert script in ("76a914" + payload[1:].hex() + "88ac", "a914" + payload[1:].hex() + "87")
    else:
        _hrp, version, program = decode_segwit(address)
        assert bytes([version + 0x50 if version else 0, len(program)]).hex() + program.hex() == script
    if network == "main":
        assert normalize_wallet("bitcoin gold", address) == ("btg", address)
        if address.startswith("btg1"):
            assert normalize_wallet("btg", address.upper()) == ("btg", address)
    else:
        assert rejects("btg", address) == "testnet address"


# --- Zcash: ZIP-320 vectors (transparent t1 addresses and their TEX form) -----------------------

ZIP320 = json.loads((VECTORS / "zcash_zip_0320.json").read_text(encoding="utf-8"))["tex"]


@pytest.mark.parametrize(("t_addr", "p2pkh", "tex"), ZIP320)
def test_zcash_zip_0320_tex_is_its_transparent_address(t_addr: str, p2pkh: str, tex: str) -> None:
    assert b58check_decode(t_addr, length=22) == bytes.fromhex("1cb8" + p2pkh)
    assert normalize_wallet("zcash", t_addr) == ("zec", t_addr)
    assert normalize_wallet("zec", tex) == ("zec", t_addr)
    assert normalize_wallet("zec", tex.upper()) == ("zec", t_addr)
    assert "bad checksum" in rejects("zec", tex[:-1] + ("q" if tex[-1] != "q" else "p"))
