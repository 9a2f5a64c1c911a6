"""Wallet addresses and transaction hashes against published test vectors (see vectors/*.json,
each naming its source): BIP-173/BIP-350, Bitcoin Core and Litecoin Core key_io, EIP-55,
ripple-address-codec X-addresses, and third-party Tron/XRP/Solana key-to-address vectors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from streams.core.identifiers import decode_x_address, normalize_tx_hash, normalize_wallet
from streams.core.identifiers.base58 import (
    RIPPLE_ALPHABET,
    b58check_decode,
    b58check_encode,
    b58decode,
    b58encode,
)
from streams.core.identifiers.bech32 import Encoding, bech32_decode, decode_segwit, encode_segwit
from streams.core.identifiers.evm import eip55_checksum
from streams.core.identifiers.xrp import encode_x_address
from streams.errors import FiulinkError, InvalidIdentifierError

VECTORS = Path(__file__).parent / "vectors"


def load(name: str) -> Any:
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))


BASE58 = load("base58_encode_decode.json")
BECH = load("bech32_bip173_bip350.json")
BTC_KEY_IO = load("bitcoin_key_io_valid.json")
LTC_KEY_IO = load("litecoin_key_io_valid.json")
XRP = load("xrp_addresses.json")
TRON = load("tron_addresses.json")
SOL = load("solana_addresses.json")


def rejects(chain: str, address: str) -> str:
    with pytest.raises(InvalidIdentifierError) as info:
        normalize_wallet(chain, address)
    assert isinstance(info.value, FiulinkError)
    return info.value.reason


def script_of_base58(address: str, p2pkh: set[int], p2sh: set[int]) -> str:
    payload = b58check_decode(address, length=21)
    if payload[0] in p2pkh:
        return "76a914" + payload[1:].hex() + "88ac"
    assert payload[0] in p2sh
    return "a914" + payload[1:].hex() + "87"


def script_of_segwit(address: str) -> str:
    _hrp, version, program = decode_segwit(address)
    return bytes([version + 0x50 if version else 0, len(program)]).hex() + program.hex()


# --- Base58 (Bitcoin Core base58_encode_decode.json) -------------------------------------------


@pytest.mark.parametrize(("hexdata", "text"), BASE58)
def test_base58_encode_decode_vectors(hexdata: str, text: str) -> None:
    assert b58encode(bytes.fromhex(hexdata)) == text
    assert b58decode(text) == bytes.fromhex(hexdata)


@pytest.mark.parametrize("bad", ["0", "O", "I", "l"])
def test_base58_rejects_characters_outside_the_alphabet(bad: str) -> None:
    with pytest.raises(InvalidIdentifierError, match=f"invalid character '{bad}'"):
        b58decode("3SEo3LW" + bad + "oPntC")


def test_base58check_detects_a_changed_character() -> None:
    good = "1FsSia9rv4NeEwvJ2GvXrX7LyxYspbN2mo"
    assert b58check_decode(good).hex() == "00a31c06bd463e3923bc1aadbde48b16976c080717"
    assert b58check_encode(bytes.fromhex("00a31c06bd463e3923bc1aadbde48b16976c080717")) == good
    with pytest.raises(InvalidIdentifierError, match="bad checksum"):
        b58check_decode(good[:-1] + "p")


# --- Bech32 / Bech32m strings (BIP-173, BIP-350) -----------------------------------------------


@pytest.mark.parametrize("text", BECH["bech32_valid"])
def test_bip173_valid_bech32_strings(text: str) -> None:
    assert bech32_decode(text)[2] is Encoding.BECH32


@pytest.mark.parametrize("text", BECH["bech32m_valid"])
def test_bip350_valid_bech32m_strings(text: str) -> None:
    assert bech32_decode(text)[2] is Encoding.BECH32M


@pytest.mark.parametrize(("text", "why", "expect"), BECH["bech32_invalid"] + BECH["bech32m_invalid"])
def test_bip173_bip350_invalid_strings(text: str, why: str, expect: str) -> None:
    with pytest.raises(InvalidIdentifierError) as info:
        bech32_decode(text)
    assert expect in info.value.reason, why


# --- Segwit addresses (BIP-173, BIP-350) -------------------------------------------------------


@pytest.mark.parametrize(("address", "script"), BECH["bip350_valid_segwit"])
def test_bip350_valid_segwit_addresses_decode_to_their_script(address: str, script: str) -> None:
    assert script_of_segwit(address) == script
    hrp, version, program = decode_segwit(address)
    assert encode_segwit(hrp, version, program) == address.lower()


@pytest.mark.parametrize(("address", "script"), BECH["bip350_valid_segwit"])
def test_bip350_valid_segwit_addresses_per_mainnet_policy(address: str, script: str) -> None:
    if address.lower().startswith("bc1"):
        assert normalize_wallet("btc", address) == ("btc", address.lower())
    else:
        assert rejects("btc", address) == "testnet address"


@pytest.mark.parametrize(
    ("address", "why", "expect"),
    BECH["bip173_invalid_segwit"]
    + BECH["bip350_invalid_segwit"]
    + BECH["bip173_valid_segwit_superseded_by_bip350"],
)
def test_bip173_bip350_invalid_segwit_addresses(address: str, why: str, expect: str) -> None:
    assert expect in rejects("btc", address), why


def test_smoke_bech32_upper_case_is_valid_and_canonically_lower() -> None:
    canonical = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"
    assert normalize_wallet("BTC", "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4") == ("btc", canonical)
    assert normalize_wallet("bitcoin", f"  {canonical}\n") == ("btc", canonical)


# --- Bitcoin Core key_io_valid.json -------------------------------------------------------------


@pytest.mark.parametrize(("address", "script", "chain"), BTC_KEY_IO["addresses"])
def test_bitcoin_core_key_io_addresses(address: str, script: str, chain: str) -> None:
    if address[:3].lower() in ("bc1", "tb1") or address.startswith("bcrt1"):
        assert script_of_segwit(address) == script
    else:
        assert script_of_base58(address, {0x00, 0x6F}, {0x05, 0xC4}) == script
    if chain == "main":
        assert normalize_wallet("btc", address) == ("btc", address)
        if address.startswith("bc1"):  # "tryCaseFlip": the upper-case form is valid too
            assert normalize_wallet("btc", address.upper()) == ("btc", address)
    else:
        assert rejects("btc", address) == "testnet address"


@pytest.mark.parametrize(("wif", "key", "chain"), BTC_KEY_IO["private_keys"] + LTC_KEY_IO["private_keys"])
def test_private_keys_are_not_addresses(wif: str, key: str, chain: str) -> None:
    assert b58check_decode(wif)[1:33].hex() == key
    assert rejects("btc", wif) == "private key (WIF), not an address"
    assert rejects("ltc", wif) == "private key (WIF), not an address"


def test_base58_address_case_matters() -> None:
    address = "1FsSia9rv4NeEwvJ2GvXrX7LyxYspbN2mo"
    assert address[5] == "a"
    assert rejects("btc", address[:5] + "A" + address[6:]) == "bad checksum"


@pytest.mark.parametrize(
    ("address", "expect"),
    [
        ("1FsSia9rv4NeEwvJ2GvXrX7LyxYspbN2mp", "bad checksum"),
        ("1FsSia9rv4NeEwvJ2GvXrX7LyxYspbN2m0", "invalid character '0'"),
        ("1FsSia9rv4NeEwvJ2GvXrX7LyxYspbN2mO", "invalid character 'O'"),
        ("LT2KVaAy1ppRuxRgrS5RNU3vBsy7RibPeA", "unknown version byte 0x30"),
        ("TDCEx9fU3UVuMPPXpGeX6BXjwsVo4vGuNh", "unknown version byte 0x41"),
        ("ltc1q4damdzpqsj964pva4w4y3vky7uq8ett20s9682", "unknown prefix 'ltc1'"),
        ("2g", "wrong length"),
        (b58check_encode(b"\x00" + bytes(19)), "wrong length"),
        ("", "empty address"),
        ("   ", "empty address"),
    ],
)
def test_bitcoin_invalid_addresses(address: str, expect: str) -> None:
    assert expect in rejects("btc", address)


# --- Litecoin ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("address", "script", "chain"), LTC_KEY_IO["addresses"])
def test_litecoin_core_key_io_addresses(address: str, script: str, chain: str) -> None:
    assert script_of_base58(address, {0x30, 0x6F}, {0x32, 0x05, 0x3A, 0xC4}) == script
    if chain == "main":
        assert normalize_wallet("ltc", address) == ("ltc", address)
        assert normalize_wallet("Litecoin", address) == ("ltc", address)
    else:
        assert rejects("ltc", address) == "testnet address"


@pytest.mark.parametrize("address", LTC_KEY_IO["bech32_mainnet"])
def test_litecoin_bech32_addresses(address: str) -> None:
    assert normalize_wallet("ltc", address.upper()) == ("ltc", address)
    assert "unknown prefix 'ltc1'" in rejects("btc", address)


def test_litecoin_legacy_p2sh_3_addresses_become_their_m_form_and_bitcoin_only_forms_fail() -> None:
    legacy = "36j4NfKv6Akva9amjWrLG6MuSQym1GuEmm"
    m_form = normalize_wallet("ltc", legacy)[1]
    assert m_form[0] == "M"
    assert b58check_decode(m_form)[1:] == b58check_decode(legacy)[1:]  # the same script hash
    assert normalize_wallet("ltc", m_form) == ("ltc", m_form)
    assert rejects("ltc", "1FsSia9rv4NeEwvJ2GvXrX7LyxYspbN2mo") == "unknown version byte 0x00"
    assert "unknown prefix 'bc1'" in rejects("ltc", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4")
    testnet = encode_segwit("tltc", 0, bytes(range(20)))
    assert rejects("ltc", testnet) == "testnet address"
    taproot = encode_segwit("ltc", 1, bytes(range(32)))
    assert normalize_wallet("ltc", taproot) == ("ltc", taproot)


# --- EVM / EIP-55 ------------------------------------------------------------------------------

EIP55_EXAMPLES = [
    "0x52908400098527886E0F7030069857D2E4169EE7",  # all caps
    "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
    "0xde709f2102306220921060314715629080e2fb77",  # all lower
    "0x27b1fdb04752bbc536007a920d24acb045561c26",
    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",  # normal
    "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
    "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
    "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
]


@pytest.mark.parametrize("address", EIP55_EXAMPLES)
def test_eip55_examples_are_valid(address: str) -> None:
    assert normalize_wallet("eth", address) == ("evm", address.lower())


@pytest.mark.parametrize("address", EIP55_EXAMPLES[4:])
def test_eip55_checksum_computation_and_single_case_flip(address: str) -> None:
    assert eip55_checksum(address.lower()) == address
    letters = [i for i, c in enumerate(address) if i >= 2 and c.isalpha()]
    for i in letters:
        flipped = address[:i] + address[i].swapcase() + address[i + 1 :]
        assert "checksum" in rejects("eth", flipped)


def test_eip55_smoke_address_is_rejected_and_real_example_accepted() -> None:
    smoke = "0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"  # 'A' at position 2: not the EIP-55 form
    assert eip55_checksum(smoke) == "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
    assert "EIP-55" in rejects("eth", smoke)
    assert normalize_wallet("eth", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")[1] == (
        "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"
    )


@pytest.mark.parametrize(
    ("address", "expect"),
    [
        ("0X5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "upper-case '0X' prefix"),
        ("5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "missing '0x' prefix"),
        ("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe", "wrong length"),
        ("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAedd", "wrong length"),
        ("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaeg", "invalid character 'g'"),
    ],
)
def test_evm_invalid_addresses(address: str, expect: str) -> None:
    assert expect in rejects("eth", address)


@pytest.mark.parametrize(
    "chain",
    [
        "eth",
        "ETH",
        "Ethereum",
        "polygon",
        "matic",
        "bsc",
        "BNB",
        "arbitrum",
        "optimism",
        "base",
        "avax",
        "Avalanche",
        "etc",
    ],
)
def test_evm_chains_share_one_address_space(chain: str) -> None:
    assert normalize_wallet(chain, "0xFB6916095CA1DF60BB79CE92CE3EA74C37C5D359") == (
        "evm",
        "0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359",
    )


# --- Tron --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("address", "account"), TRON["addresses"])
def test_tron_addresses(address: str, account: str) -> None:
    assert b58check_decode(address, length=21).hex() == "41" + account
    assert normalize_wallet("trx", address) == ("trx", address)
    assert normalize_wallet("TRON", "41" + account) == ("trx", address)
    assert normalize_wallet("trx", "41" + account.upper()) == ("trx", address)


@pytest.mark.parametrize(
    ("address", "expect"),
    [
        ("TDCEx9fU3UVuMPPXpGeX6BXjwsVo4vGuNi", "bad checksum"),
        ("tDCEx9fU3UVuMPPXpGeX6BXjwsVo4vGuNh", "unknown prefix"),
        ("1FsSia9rv4NeEwvJ2GvXrX7LyxYspbN2mo", "unknown prefix"),
        (b58check_encode(b"\x42" + bytes(20)), "unknown version byte 0x42"),
        ("TDCEx9fU3UVuMPPXpGeX6BXjwsVo4vGuN0", "invalid character '0'"),
    ],
)
def test_tron_invalid_addresses(address: str, expect: str) -> None:
    assert expect in rejects("trx", address)


# --- XRP ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("classic", "tag", "x_main", "x_test"), XRP["x_addresses"])
def test_xrp_x_addresses(classic: str, tag: int | None, x_main: str, x_test: str) -> None:
    assert decode_x_address(x_main) == (classic, tag)
    assert encode_x_address(classic, tag) == x_main
    assert normalize_wallet("xrp", x_main) == ("xrp", classic)
    assert normalize_wallet("xrp", classic) == ("xrp", classic)
    assert rejects("xrp", x_test) == "testnet address"


@pytest.mark.parametrize(("x_address", "expect"), XRP["x_invalid"])
def test_xrp_invalid_x_addresses(x_address: str, expect: str) -> None:
    with pytest.raises(InvalidIdentifierError, match=expect):
        decode_x_address(x_address)


@pytest.mark.parametrize(("classic", "account"), XRP["classic"])
def test_xrp_classic_addresses(classic: str, account: str) -> None:
    assert b58check_decode(classic, RIPPLE_ALPHABET, length=21).hex() == "00" + account
    assert normalize_wallet("Ripple", classic) == ("xrp", classic)


@pytest.mark.parametrize(
    ("address", "expect"),
    [
        ("rGWrZyQqhTp9Xu7G5Pkayo7bXjH4k4QYpg", "bad checksum"),
        ("rGWrZyQqhTp9Xu7G5Pkayo7bXjH4k4QYp0", "invalid character '0'"),
        ("1FsSia9rv4NeEwvJ2GvXrX7LyxYspbN2mo", "unknown prefix"),
        (b58check_encode(b"\x00" + bytes(19), RIPPLE_ALPHABET), "wrong length"),
    ],
)
def test_xrp_invalid_addresses(address: str, expect: str) -> None:
    assert expect in rejects("xrp", address)


# --- Solana ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("address", "pubkey"), SOL["addresses"])
def test_solana_addresses(address: str, pubkey: str) -> None:
    assert b58decode(address).hex() == pubkey
    assert normalize_wallet("sol", address) == ("sol", address)
    assert normalize_wallet("Solana", f" {address} ") == ("sol", address)


@pytest.mark.parametrize(
    ("address", "expect"),
    [
        ("Ho87cuS3aSRgUMCeMrV7uNCCWx6Fj2ytnufYQ1W7KCL0", "invalid character '0'"),
        ("Ho87cuS3aSRgUMCeMrV7uNCCWx6Fj2ytnufYQ1W7KCLl", "invalid character 'l'"),
        ("Ho87cuS3aSRgUMCeMrV7uNCCWx6Fj2ytnufYQ1W7KC", "wrong length"),
        (b58encode(bytes(range(1, 32))), "wrong length"),
        (b58encode(bytes(range(1, 34))), "wrong length"),
    ],
)
def test_solana_invalid_addresses(address: str, expect: str) -> None:
    assert expect in rejects("sol", address)


def test_solana_is_case_sensitive() -> None:
    address = "Ho87cuS3aSRgUMCeMrV7uNCCWx6Fj2ytnufYQ1W7KCLr"
    flipped = address[:-1] + "R"
    assert b58decode(flipped) != b58decode(address)
    assert normalize_wallet("sol", flipped)[1] == flipped  # still 32 bytes, a different key


# --- Other chains ------------------------------------------------------------------------------


def test_unknown_chain_is_opaque_and_case_sensitive() -> None:
    assert normalize_wallet("DOGE", "  DFpN6QqFfUm3gKNaxN6tNcab1FArL9cZLE ") == (
        "doge",
        "DFpN6QqFfUm3gKNaxN6tNcab1FArL9cZLE",
    )
    assert normalize_wallet("doge", "dfpn6qqffum3gknaxn6tncab1farl9czle") != normalize_wallet(
        "doge", "DFpN6QqFfUm3gKNaxN6tNcab1FArL9cZLE"
    )
    assert rejects("doge", "   ") == "empty address"
    assert rejects("  ", "abc") == "missing chain"


# --- Transaction hashes ------------------------------------------------------------------------

TX = "a1075db55d416d3ca199f55b6084e2115b9345e16c5cf302fc80e9d5fbf5d48d"


def test_tx_hashes_per_chain() -> None:
    assert normalize_tx_hash("eth", "0x" + TX.upper()) == ("evm", "0x" + TX)
    assert normalize_tx_hash("polygon", TX) == ("evm", "0x" + TX)
    assert normalize_tx_hash("BTC", TX.upper()) == ("btc", TX)
    assert normalize_tx_hash("ltc", TX) == ("ltc", TX)
    assert normalize_tx_hash("trx", "0x" + TX) == ("trx", TX)
    assert normalize_tx_hash("xrp", TX) == ("xrp", TX.upper())
    signature = "5VERv8NMvzbJMEkV8xnrLkEaWRtSz9CosKDYjCJjBRnbJLgp8uirBgmQpjKhoR4tjF3ZpRzrFmBV6UjKdiSZkQUW"
    assert normalize_tx_hash("sol", signature) == ("sol", signature)
    assert normalize_tx_hash("doge", f" {TX.upper()} ") == ("doge", TX.upper())


@pytest.mark.parametrize(
    ("chain", "tx_hash", "expect"),
    [
        ("eth", "0x" + TX[:-1], "wrong length"),
        ("eth", "0x" + TX[:-1] + "z", "invalid character 'z'"),
        ("btc", "0x" + TX, "wrong length"),
        ("xrp", TX + "00", "wrong length"),
        ("sol", "Ho87cuS3aSRgUMCeMrV7uNCCWx6Fj2ytnufYQ1W7KCLr", "wrong length"),
        ("sol", "0" * 88, "invalid character '0'"),
        ("btc", "", "empty transaction hash"),
    ],
)
def test_invalid_tx_hashes(chain: str, tx_hash: str, expect: str) -> None:
    with pytest.raises(InvalidIdentifierError) as info:
        normalize_tx_hash(chain, tx_hash)
    assert expect in info.value.reason


@pytest.mark.parametrize(
    ("chain", "address"),
    [
        ("btc", "1FsSia9rv4NeEwvJ2GvXrX7LyxYspbN2mо"),  # a Cyrillic 'о' at the end
        ("sol", "Ho87cuS3aSRgUMCeMrV7uNCCWx6Fj2ytnufYQ1W7KCLг"),
        ("xrp", "rGWrZyQqhTp9Xu7G5Pkayo7bXjH4k4QYpf\u200b"),  # a zero-width space inside the stripped text
    ],
)
def test_non_ascii_lookalikes_are_refused(chain: str, address: str) -> None:
    assert "invalid character" in rejects(chain, address)
