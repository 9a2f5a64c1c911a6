"""Wallet addresses and transaction hashes, per chain, checksum-validated, in canonical form.

Chains and their labels (the label is part of the identifier, so one address space = one label):

| label | chain names accepted (case-insensitive) | address forms |
|---|---|---|
| ``evm`` | eth, ethereum, polygon, matic, bsc, bnb, arbitrum, optimism, base, avax, avalanche, ... | ``0x`` + 40 hex, EIP-55 |
| ``btc`` | btc, bitcoin | Base58Check P2PKH (0x00) / P2SH (0x05); segwit ``bc1…`` (BIP-173/350) |
| ``ltc`` | ltc, litecoin | Base58Check 0x30 (L), 0x32 (M), 0x05 (3); segwit ``ltc1…`` |
| ``trx`` | trx, tron | Base58Check 0x41 (T…); hex ``41`` + 40 hex is converted to T… |
| ``xrp`` | xrp, ripple | classic ``r…``; X-address ``X…`` (canonical: the classic address) |
| ``sol`` | sol, solana | Base58 of 32 bytes |
| ``bch`` | bch, bitcoin cash, bitcoincash | CashAddr with or without ``bitcoincash:``; legacy ``1…``/``3…`` (canonical: ``bitcoincash:`` + lower case) |
| ``xmr`` | xmr, monero | standard, subaddress; integrated (canonical: its standard address) |
| ``zec`` ``dash`` ``bsv`` ``btg`` ``xvg`` | zcash, dash, bitcoin sv, bitcoin gold, verge, ... | Base58Check with their version bytes (see ``chains``) |
| ``bnb`` | bnb (a ``bnb1…`` address), bep2, bnb beacon chain | bech32 ``bnb1…`` (``bnb`` with a ``0x`` address is ``evm``) |

A token named as the chain (``usdt``, ``usdc``, ``tether``, ``omni``, ...) is routed by the
address's shape: ``0x`` -> ``evm``, ``T…`` -> ``trx``, ``1…``/``3…``/``bc1…`` -> ``btc`` (Omni),
Base58 of 32 bytes -> ``sol``. Any other chain keeps its lower-cased name as label and the
address as an opaque, case-sensitive string (surrounding white space stripped). An address of
another chain's shape (a Tron ``T…`` under ``btc``) is refused with a reason that says so.

Mainnet only: testnet, signet and regtest addresses (``tb1``/``bcrt1``/``tltc1``/``rltc1``,
Base58 versions 0x6f/0xc4/0x3a, X-addresses ``T…``) are rejected as ``testnet address``, since
no FIU reports funds on a test network. Canonical case: bech32 lower case, EVM lower case,
Base58 as given (Base58 is case-sensitive and its encoding is unique), except Litecoin
P2SH, whose older ``3…`` spelling (version 0x05) becomes the ``M…`` form (0x32) of the same hash.
"""

from __future__ import annotations

from streams.core.identifiers.base58 import b58check_decode, b58check_encode, b58decode
from streams.core.identifiers.bech32 import decode_segwit
from streams.core.identifiers.cashaddr import normalize_bch_address
from streams.core.identifiers.chains import VERSIONS, normalize_base58_chain, normalize_bnb_beacon
from streams.core.identifiers.evm import normalize_evm_address, normalize_evm_tx_hash
from streams.core.identifiers.monero import normalize_monero_address
from streams.core.identifiers.xrp import normalize_xrp_address
from streams.errors import InvalidIdentifierError

# fmt: off
EVM_CHAINS = frozenset({
    "eth", "ethereum", "erc20", "evm",
    "polygon", "matic", "pol",
    "bsc", "bnb", "bep20", "binance smart chain",
    "arbitrum", "arb", "arbitrum one",
    "optimism", "op",
    "base",
    "avax", "avalanche", "avax-c", "avalanche c-chain",
    "etc", "ethereum classic",
    "fantom", "ftm", "gnosis", "xdai", "celo", "cronos", "cro",
    "linea", "scroll", "zksync", "zksync era", "blast", "mantle", "moonbeam", "sonic",
})
CHAIN_ALIASES = {
    "bitcoin": "btc", "btc": "btc",
    "litecoin": "ltc", "ltc": "ltc",
    "tron": "trx", "trx": "trx", "trc20": "trx",
    "ripple": "xrp", "xrp": "xrp",
    "solana": "sol", "sol": "sol", "spl": "sol",
    "xbt": "btc",
    "bitcoin cash": "bch", "bitcoincash": "bch", "bch": "bch", "bcash": "bch",
    "monero": "xmr", "xmr": "xmr",
    "zcash": "zec", "zec": "zec",
    "dash": "dash", "dashcoin": "dash",
    "bitcoin sv": "bsv", "bitcoinsv": "bsv", "bsv": "bsv", "bitcoin satoshi vision": "bsv",
    "bitcoin gold": "btg", "bitcoingold": "btg", "btg": "btg",
    "verge": "xvg", "xvg": "xvg",
    "bep2": "bnb", "bnb beacon chain": "bnb", "binance chain": "bnb", "bnb beacon": "bnb",
}
# Tokens that live on several chains: the chain is told by the address's shape.
TOKENS = frozenset({
    "usdt", "tether", "usd₮", "usdc", "usd coin", "omni", "omni layer", "stablecoin",
})
# Chain names whose address space depends on the address: ``bnb`` is BNB Smart Chain (EVM) for a
# ``0x`` address and BNB Beacon Chain for ``bnb1…``.
_BEACON_PREFIXES = ("bnb1", "tbnb1")
_NAMES = {"btc": "Bitcoin", "ltc": "Litecoin", "trx": "Tron", "xrp": "XRP", "sol": "Solana",
          "bch": "Bitcoin Cash", "xmr": "Monero", "bnb": "BNB Beacon Chain", "evm": "EVM"}
# fmt: on

# Base58Check version byte -> ok (True) or testnet (False), per UTXO chain.
_BTC_VERSIONS = {0x00: True, 0x05: True, 0x6F: False, 0xC4: False}
_LTC_VERSIONS = {0x30: True, 0x32: True, 0x05: True, 0x6F: False, 0x3A: False, 0xC4: False}
_BTC_HRPS = {"bc": True, "tb": False, "bcrt": False}
_LTC_HRPS = {"ltc": True, "tltc": False, "rltc": False}
_WIF_VERSIONS = frozenset({0x80, 0xB0, 0xEF})  # Bitcoin and Litecoin private keys (main, test)
_HEX = frozenset("0123456789abcdefABCDEF")
_HEX64_CHAINS = frozenset({"btc", "ltc", "bch", "bsv", "btg", "dash", "zec", "xvg", "xmr"})


def chain_label(chain: str) -> str:
    """The label of a chain name: ``evm`` for every EVM chain, else the canonical short name."""
    name = chain.strip().lower()
    if not name:
        raise InvalidIdentifierError("missing chain")
    if name in EVM_CHAINS:
        return "evm"
    return CHAIN_ALIASES.get(name, name)


def wallet_label(chain: str, address: str) -> str:
    """The label of a wallet: the chain's label, or for a token or ``bnb`` the one its shape says."""
    return _routed(chain_label(chain), address.strip())


def _routed(label: str, address: str) -> str:
    if label in TOKENS:
        return _token_chain(label, address)
    if label == "evm" and address.lower().startswith(_BEACON_PREFIXES):
        return "bnb"
    return label


def _token_chain(token: str, address: str) -> str:
    if address[:2] in ("0x", "0X"):
        return "evm"
    if address[:1] == "T" or (len(address) == 42 and address[:2] == "41"):
        return "trx"
    if (address[:1] in ("1", "3") and len(address) <= 35) or address.lower().startswith("bc1"):
        return "btc"
    try:
        if len(b58decode(address)) == 32:
            return "sol"
    except InvalidIdentifierError:
        pass
    raise InvalidIdentifierError(
        f"cannot tell the chain of a {token} address from its shape: give the chain (trx, eth, btc, sol)"
    )


def _misfiled(label: str, address: str) -> str | None:
    """The chain an invalid address of ``label`` really belongs to, when its shape says so."""
    if label != "trx" and address[:1] == "T" and len(address) == 34:
        try:
            _tron(address)
            return "trx"
        except InvalidIdentifierError:
            return None
    if label != "evm" and address[:2] == "0x" and len(address) == 42:
        try:
            normalize_evm_address(address)
            return "evm"
        except InvalidIdentifierError:
            return None
    return None


def _base58_utxo(address: str, versions: dict[int, bool]) -> str:
    payload = b58check_decode(address)
    if payload[0] in _WIF_VERSIONS and len(payload) in (33, 34):
        raise InvalidIdentifierError("private key (WIF), not an address")
    if len(payload) != 21:
        raise InvalidIdentifierError(f"wrong length ({len(payload)} bytes, expected 21)")
    ok = versions.get(payload[0])
    if ok is None:
        raise InvalidIdentifierError(f"unknown version byte 0x{payload[0]:02x}")
    if not ok:
        raise InvalidIdentifierError("testnet address")
    return address


def _segwit_utxo(address: str, hrps: dict[str, bool]) -> str:
    hrp, _version, _program = decode_segwit(address)
    ok = hrps.get(hrp)
    if ok is None:
        raise InvalidIdentifierError(f"unknown prefix '{hrp}1'")
    if not ok:
        raise InvalidIdentifierError("testnet address")
    return address.lower()


def _utxo(address: str, versions: dict[int, bool], hrps: dict[str, bool]) -> str:
    """A Bitcoin-like address: segwit when it starts with a known HRP, else Base58Check.

    A string that is neither is judged as segwit when it has the shape of one (so
    ``tc1q…`` says ``unknown prefix``), else as Base58 (``invalid character``, ``bad checksum``).
    """
    lower = address.lower()
    sep = lower.rfind("1")
    hrp = lower[:sep] if sep > 0 else ""
    if hrp in hrps:
        try:
            return _segwit_utxo(address, hrps)
        except InvalidIdentifierError as segwit_error:
            # A Base58 address may by chance begin like an HRP ("Ltc1…"): try it before failing.
            try:
                return _base58_utxo(address, versions)
            except InvalidIdentifierError:
                raise segwit_error from None
    try:
        return _base58_utxo(address, versions)
    except InvalidIdentifierError as base58_error:
        if hrp.isascii() and hrp.isalpha() and address in (lower, address.upper()):
            _segwit_utxo(address, hrps)  # raises: a bad checksum, or an unknown prefix
        raise base58_error from None


def _tron(address: str) -> str:
    if len(address) == 42 and address[:2] == "41" and _HEX.issuperset(address):
        return b58check_encode(bytes.fromhex(address))
    if address[:1] != "T":
        raise InvalidIdentifierError("unknown prefix (Tron addresses start with 'T')")
    payload = b58check_decode(address, length=21)
    if payload[0] != 0x41:
        raise InvalidIdentifierError(f"unknown version byte 0x{payload[0]:02x}")
    return address


def _solana(address: str) -> str:
    raw = b58decode(address)
    if len(raw) != 32:
        raise InvalidIdentifierError(f"wrong length ({len(raw)} bytes, expected 32)")
    return address


def _litecoin(address: str) -> str:
    canonical = _utxo(address, _LTC_VERSIONS, _LTC_HRPS)
    if canonical[:1] == "3":  # P2SH under Bitcoin's version 0x05: the same hash as M… (0x32)
        return b58check_encode(b"\x32" + b58check_decode(canonical)[1:])
    return canonical


def normalize_wallet(chain: str, address: str) -> tuple[str, str]:
    """(chain_label, canonical_address); raises InvalidIdentifierError naming the failed rule."""
    label = chain_label(chain)
    address = address.strip()
    if not address:
        raise InvalidIdentifierError("empty address")
    label = _routed(label, address)
    try:
        return label, _normalize(label, address)
    except InvalidIdentifierError as exc:
        other = _misfiled(label, address)
        if other is None:
            raise
        name = _NAMES[other]
        article = "an" if name[0] in "AEIOU" else "a"
        raise InvalidIdentifierError(
            f"{article} {name} address filed as {_NAMES.get(label, label)} ({exc.reason}): report it under {other}"
        ) from None


def _normalize(label: str, address: str) -> str:  # noqa: PLR0911 (one branch per chain)
    if label == "evm":
        return normalize_evm_address(address)
    if label == "btc":
        return _utxo(address, _BTC_VERSIONS, _BTC_HRPS)
    if label == "ltc":
        return _litecoin(address)
    if label == "trx":
        return _tron(address)
    if label == "xrp":
        return normalize_xrp_address(address)
    if label == "sol":
        return _solana(address)
    if label == "bch":
        return normalize_bch_address(address)
    if label == "xmr":
        return normalize_monero_address(address)
    if label == "bnb":
        return normalize_bnb_beacon(address)
    if label in VERSIONS:
        return normalize_base58_chain(address, label)
    return address


def _hex64(tx_hash: str) -> str:
    if len(tx_hash) != 64:
        raise InvalidIdentifierError(f"wrong length ({len(tx_hash)} hex digits, expected 64)")
    if not _HEX.issuperset(tx_hash):
        bad = next(c for c in tx_hash if c not in _HEX)
        raise InvalidIdentifierError(f"invalid character {bad!r}")
    return tx_hash


def normalize_tx_hash(chain: str, tx_hash: str) -> tuple[str, str]:
    """(chain_label, canonical hash): EVM ``0x`` + 64 hex lower; btc/ltc/trx 64 hex lower (trx
    may carry ``0x``); xrp 64 hex upper; sol Base58 of a 64-byte signature; others opaque."""
    label = chain_label(chain)
    tx_hash = tx_hash.strip()
    if not tx_hash:
        raise InvalidIdentifierError("empty transaction hash")
    if label == "evm":
        return label, normalize_evm_tx_hash(tx_hash)
    if label in _HEX64_CHAINS:
        return label, _hex64(tx_hash).lower()
    if label == "trx":
        body = tx_hash[2:] if tx_hash[:2] in ("0x", "0X") else tx_hash
        return label, _hex64(body).lower()
    if label == "xrp":
        return label, _hex64(tx_hash).upper()
    if label == "sol":
        raw = b58decode(tx_hash)
        if len(raw) != 64:
            raise InvalidIdentifierError(f"wrong length ({len(raw)} bytes, expected a 64-byte signature)")
        return label, tx_hash
    return label, tx_hash
