"""Monero addresses: standard, subaddress and integrated (Monero's ``cryptonote_basic_impl``).

An address is Monero's block-wise Base58 (8-byte blocks -> 11 characters, a shorter last block
to a fixed shorter size; a block's value must fit its bytes) of a varint network byte, the public
spend and view keys (32 bytes each), for an integrated address an 8-byte payment id, and a
4-byte checksum: the first bytes of the original Keccak-256 (Monero's ``cn_fast_hash``, not
SHA3-256) of what precedes it. Both keys must be points of Ed25519 (the check that they lie
in the prime-order subgroup is left out: it needs a curve library, and the checksum already
refuses typing errors).

Canonical: a standard or subaddress as given (its encoding is unique); an integrated address
is its standard address, since the payment id is not part of the account. A subaddress cannot
be mapped to its account's standard address without the private view key, so it stays itself.
"""

from __future__ import annotations

from streams.core.identifiers.base58 import BITCOIN_ALPHABET
from streams.core.identifiers.evm import keccak256
from streams.errors import InvalidIdentifierError

STANDARD, INTEGRATED, SUBADDRESS = "standard", "integrated", "subaddress"
# Network byte -> (network, kind) (src/cryptonote_config.h, *_BASE58_PREFIX).
NETWORK_BYTES = {
    18: ("mainnet", STANDARD),
    19: ("mainnet", INTEGRATED),
    42: ("mainnet", SUBADDRESS),
    53: ("testnet", STANDARD),
    54: ("testnet", INTEGRATED),
    63: ("testnet", SUBADDRESS),
    24: ("stagenet", STANDARD),
    25: ("stagenet", INTEGRATED),
    36: ("stagenet", SUBADDRESS),
}
_BODY_LENGTH = {STANDARD: 64, SUBADDRESS: 64, INTEGRATED: 72}
_BLOCK = 8
_ENCODED_SIZES = (0, 2, 3, 5, 6, 7, 9, 10, 11)  # bytes in a block -> characters
_DECODED_SIZES = {size: n for n, size in enumerate(_ENCODED_SIZES)}
_DIGIT = {c: i for i, c in enumerate(BITCOIN_ALPHABET)}
_HEX = frozenset("0123456789abcdefABCDEF")
# Ed25519: p = 2^255 - 19, d = -121665/121666.
_P = 2**255 - 19
_D = -121665 * pow(121666, _P - 2, _P) % _P


def b58encode(data: bytes) -> str:
    out: list[str] = []
    for start in range(0, len(data), _BLOCK):
        block = data[start : start + _BLOCK]
        n = int.from_bytes(block, "big")
        chars = []
        for _ in range(_ENCODED_SIZES[len(block)]):
            n, r = divmod(n, 58)
            chars.append(BITCOIN_ALPHABET[r])
        out.append("".join(reversed(chars)))
    return "".join(out)


def b58decode(text: str) -> bytes:
    """Monero Base58; a character outside the alphabet, a last block of an impossible size or
    a block whose value overflows its bytes is refused, so every byte string has one encoding."""
    bad = next((c for c in text if c not in _DIGIT), None)
    if bad is not None:
        raise InvalidIdentifierError(f"invalid character {bad!r}")
    full, rest = divmod(len(text), 11)
    if rest not in _DECODED_SIZES or (rest == 0 and not full):
        raise InvalidIdentifierError(f"wrong length ({len(text)} characters)")
    out = bytearray()
    for start in range(0, len(text), 11):
        chunk = text[start : start + 11]
        size = _DECODED_SIZES[len(chunk)]
        n = 0
        for c in chunk:
            n = n * 58 + _DIGIT[c]
        if n >> (8 * size):
            raise InvalidIdentifierError("invalid Base58 block (value overflows the block)")
        out += n.to_bytes(size, "big")
    return bytes(out)


def _varint(value: int) -> bytes:
    out = bytearray()
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _read_varint(data: bytes) -> tuple[int, int]:
    value = shift = 0
    for i, byte in enumerate(data[:10]):
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, i + 1
        shift += 7
    raise InvalidIdentifierError("bad network byte (unterminated varint)")


def encode_address(tag: int, body: bytes) -> str:
    """Monero's ``encode_addr``: Base58 of varint(tag) + body + checksum."""
    data = _varint(tag) + body
    return b58encode(data + keccak256(data)[:4])


def decode_address(text: str) -> tuple[int, bytes]:
    """(network byte, body) of any Monero-style address with a good checksum."""
    raw = b58decode(text)
    if len(raw) < 5:
        raise InvalidIdentifierError("wrong length (too short for an address)")
    data, check = raw[:-4], raw[-4:]
    if keccak256(data)[:4] != check:
        raise InvalidIdentifierError("bad checksum")
    tag, used = _read_varint(data)
    return tag, data[used:]


def is_point(key: bytes) -> bool:
    """A compressed Ed25519 point that decompresses (canonical y, x exists), not the identity."""
    y = int.from_bytes(key, "little")
    sign, y = y >> 255, y & ((1 << 255) - 1)
    if y >= _P or y == 1:
        return False
    x2 = (y * y - 1) * pow(_D * y * y + 1, _P - 2, _P) % _P
    if x2 == 0:
        return not sign
    return pow(x2, (_P - 1) // 2, _P) == 1


def normalize_monero_address(address: str) -> str:
    if len(address) == 64 and _HEX.issuperset(address):
        raise InvalidIdentifierError("64 hex digits: a key or a hash, not a Monero address")
    tag, body = decode_address(address)
    network_kind = NETWORK_BYTES.get(tag)
    if network_kind is None:
        raise InvalidIdentifierError(f"unknown network byte {tag}")
    network, kind = network_kind
    if network != "mainnet":
        raise InvalidIdentifierError(f"testnet address ({network})")
    if len(body) != _BODY_LENGTH[kind]:
        raise InvalidIdentifierError(
            f"wrong length ({len(body)} bytes, a {kind} address has {_BODY_LENGTH[kind]})"
        )
    if not (is_point(body[:32]) and is_point(body[32:64])):
        raise InvalidIdentifierError("invalid public key (not a point of Ed25519)")
    if kind == INTEGRATED:
        return encode_address(18, body[:64])
    return encode_address(tag, body)
