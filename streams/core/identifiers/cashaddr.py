"""Bitcoin Cash addresses: CashAddr (spec v1.1, bitcoincash.org) and the legacy Base58 form.

CashAddr is ``prefix:payload``: the payload is base 32 (the Bech32 character set) of a version
byte (reserved bit, 4 type bits, 3 size bits), the hash, and a 40-bit BCH checksum computed over
the prefix too, so the prefix may be left out (the checksum still says which network). Upper case
is accepted, mixed case is not. A legacy ``1…`` / ``3…`` address (Base58Check 0x00 / 0x05) is the
same P2PKH / P2SH hash.

Canonical: ``bitcoincash:`` + the lower-case payload, whatever form came in (prefixed or not,
upper case, legacy).
"""

from __future__ import annotations

from streams.core.identifiers.base58 import b58check_decode
from streams.core.identifiers.bech32 import CHARSET, convertbits
from streams.errors import InvalidIdentifierError

MAINNET = "bitcoincash"
TEST_PREFIXES = ("bchtest", "bchreg")
_INDEX = {c: i for i, c in enumerate(CHARSET)}
_GEN = (0x98F2BC8E61, 0x79B76D99E2, 0xF33E5FB3C4, 0xAE2EABE2A8, 0x1E4F43E470)
# Size bits -> hash length in bytes (the spec's table).
HASH_SIZES = (20, 24, 28, 32, 40, 48, 56, 64)
P2PKH, P2SH = 0, 1
_LEGACY = {0x00: (P2PKH, True), 0x05: (P2SH, True), 0x6F: (P2PKH, False), 0xC4: (P2SH, False)}


def polymod(values: list[int]) -> int:
    """The spec's ``PolyMod``: 0 for a valid checksum."""
    c = 1
    for d in values:
        c0 = c >> 35
        c = ((c & 0x07FFFFFFFF) << 5) ^ d
        for i, gen in enumerate(_GEN):
            if c0 >> i & 1:
                c ^= gen
    return c ^ 1


def _prefix_values(prefix: str) -> list[int]:
    return [ord(x) & 31 for x in prefix] + [0]


def encode(prefix: str, version: int, payload: bytes) -> str:
    data = convertbits([version, *payload], 8, 5, True)
    mod = polymod(_prefix_values(prefix) + data + [0] * 8)
    checksum = [(mod >> 5 * (7 - i)) & 31 for i in range(8)]
    return prefix + ":" + "".join(CHARSET[d] for d in data + checksum)


def split(text: str, default_prefix: str = MAINNET) -> tuple[str, list[int]]:
    """(lower-case prefix, payload values with checksum); refuses mixed case and characters
    outside the set. The prefix is ``default_prefix`` when the text has none."""
    if text != text.lower() and text != text.upper():
        raise InvalidIdentifierError("mixed case")
    lower = text.lower()
    prefix, sep, payload = lower.rpartition(":")
    if not sep:
        prefix = default_prefix
    if not prefix:
        raise InvalidIdentifierError("empty prefix before ':'")
    if not (prefix.isascii() and prefix.isalnum()):
        raise InvalidIdentifierError(f"invalid prefix {prefix!r}")
    bad = next((c for c in payload if c not in _INDEX), None)
    if bad is not None:
        raise InvalidIdentifierError(f"invalid character {bad!r}")
    if len(payload) < 8:
        raise InvalidIdentifierError("checksum too short")
    return prefix, [_INDEX[c] for c in payload]


def checksum_ok(prefix: str, values: list[int]) -> bool:
    return polymod(_prefix_values(prefix) + values) == 0


def decode(text: str, default_prefix: str = MAINNET) -> tuple[str, int, bytes]:
    """(prefix, version byte, hash) of a CashAddr string with a valid checksum. The hash length
    is checked against the size bits for the defined types (P2PKH, P2SH) only."""
    prefix, values = split(text, default_prefix)
    if not checksum_ok(prefix, values):
        raise InvalidIdentifierError("bad checksum")
    raw = bytes(convertbits(values[:-8], 5, 8, False))
    if not raw:
        raise InvalidIdentifierError("empty payload")
    version, body = raw[0], raw[1:]
    if version & 0x80:
        raise InvalidIdentifierError("reserved version bit set")
    if version >> 3 in (P2PKH, P2SH) and len(body) != HASH_SIZES[version & 7]:
        raise InvalidIdentifierError(
            f"wrong length ({len(body)} bytes, the size bits say {HASH_SIZES[version & 7]})"
        )
    return prefix, version, body


def _network_of_unprefixed(text: str) -> str:
    """The prefix under whose checksum an unprefixed payload is valid (mainnet first)."""
    prefix, values = split(text)
    for candidate in (MAINNET, *TEST_PREFIXES):
        if checksum_ok(candidate, values):
            return candidate
    return prefix


def _from_legacy(address: str) -> str:
    payload = b58check_decode(address, length=21)
    kind = _LEGACY.get(payload[0])
    if kind is None:
        raise InvalidIdentifierError(f"unknown version byte 0x{payload[0]:02x}")
    if not kind[1]:
        raise InvalidIdentifierError("testnet address")
    return encode(MAINNET, kind[0] << 3, payload[1:])


def normalize_bch_address(address: str) -> str:
    """The canonical CashAddr (``bitcoincash:q…`` / ``p…``) of a Bitcoin Cash address."""
    if address[:1] in ("1", "3", "m", "n"):  # none can begin a CashAddr payload (1 is not in
        return _from_legacy(address)  # the set; 3, m, n would set the reserved bit)
    if address[:1] == "2":  # testnet P2SH, or (rarely) a CashAddr of an undefined type
        try:
            return _from_legacy(address)
        except InvalidIdentifierError:
            pass
    if ":" not in address:
        network = _network_of_unprefixed(address)
        if network in TEST_PREFIXES:
            raise InvalidIdentifierError("testnet address")
    prefix, version, body = decode(address)
    if prefix in TEST_PREFIXES:
        raise InvalidIdentifierError("testnet address")
    if prefix != MAINNET:
        raise InvalidIdentifierError(f"unknown prefix '{prefix}:'")
    if version >> 3 not in (P2PKH, P2SH):
        raise InvalidIdentifierError(f"unknown address type {version >> 3}")
    return encode(MAINNET, version, body)
