"""XRP Ledger addresses: classic (``r…``) and X-addresses (XLS-5d, ``X…`` on mainnet).

A classic address is Base58Check in the Ripple alphabet over version byte 0x00 and a 20-byte
account id. An X-address packs a 2-byte network prefix (0x05 0x44 mainnet, 0x04 0x93 testnet),
the account id, a flag byte (0: no tag, 1: 32-bit tag; 64-bit tags are refused) and 8 tag bytes (little-endian; the
upper four must be zero). The destination tag is not part of the account's identity, so the
canonical value of any XRP address is its classic form.
"""

from __future__ import annotations

from streams.core.identifiers.base58 import RIPPLE_ALPHABET, b58check_decode, b58check_encode
from streams.errors import InvalidIdentifierError

_MAIN_PREFIX = b"\x05\x44"
_TEST_PREFIX = b"\x04\x93"


def classic_from_account_id(account_id: bytes) -> str:
    return b58check_encode(b"\x00" + account_id, RIPPLE_ALPHABET)


def normalize_classic(address: str) -> str:
    if address[:1] != "r":
        raise InvalidIdentifierError("unknown prefix (classic XRP addresses start with 'r')")
    payload = b58check_decode(address, RIPPLE_ALPHABET, length=21)
    if payload[0] != 0:
        raise InvalidIdentifierError(f"unknown version byte 0x{payload[0]:02x}")
    return address


def decode_x_address(x_address: str) -> tuple[str, int | None]:
    """(classic address, destination tag or None) of a mainnet X-address.

    A testnet X-address (``T…``) raises ``testnet address``.
    """
    x_address = x_address.strip()
    payload = b58check_decode(x_address, RIPPLE_ALPHABET, length=31)
    prefix = payload[:2]
    if prefix == _TEST_PREFIX:
        raise InvalidIdentifierError("testnet address")
    if prefix != _MAIN_PREFIX:
        raise InvalidIdentifierError("unknown prefix (not an X-address)")
    account_id, flag, tag_bytes = payload[2:22], payload[22], payload[23:31]
    if flag >= 2 or tag_bytes[4:] != b"\0\0\0\0":  # flag 2: a 64-bit tag (as ripple-address-codec)
        raise InvalidIdentifierError(f"unsupported X-address (flag {flag}, 64-bit destination tag)")
    if flag == 0:
        if tag_bytes != b"\0" * 8:
            raise InvalidIdentifierError("tag bytes set without the tag flag")
        tag = None
    else:
        tag = int.from_bytes(tag_bytes[:4], "little")
    return classic_from_account_id(account_id), tag


def encode_x_address(classic: str, tag: int | None) -> str:
    """The mainnet X-address of a classic address and optional 32-bit tag."""
    account_id = b58check_decode(classic, RIPPLE_ALPHABET, length=21)[1:]
    if tag is not None and not 0 <= tag <= 0xFFFFFFFF:
        raise InvalidIdentifierError("destination tag out of range")
    flag = b"\x00" if tag is None else b"\x01"
    tag_bytes = (tag or 0).to_bytes(4, "little") + b"\0\0\0\0"
    return b58check_encode(_MAIN_PREFIX + account_id + flag + tag_bytes, RIPPLE_ALPHABET)


def normalize_xrp_address(address: str) -> str:
    first = address[:1]
    if first == "r":
        return normalize_classic(address)
    if first in ("X", "T"):
        return decode_x_address(address)[0]
    raise InvalidIdentifierError("unknown prefix (XRP addresses start with 'r', or 'X' for X-addresses)")
