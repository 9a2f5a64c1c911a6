"""Base58 and Base58Check, in the Bitcoin and the Ripple alphabets.

Small and dependency-free. Leading zero bytes are written as leading "zero digits" (``1`` in the
Bitcoin alphabet, ``r`` in Ripple's), so every byte string has exactly one encoding and every
valid string decodes to exactly one byte string: a base58 identifier's canonical form is the
string as given.
"""

from __future__ import annotations

import hashlib

from streams.errors import InvalidIdentifierError

BITCOIN_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
RIPPLE_ALPHABET = "rpshnaf39wBUDNEGHJKLM4PQRST7VWXYZ2bcdeCg65jkm8oFqi1tuvAxyz"

_INVALID = 0xFF


def _digit_table(alphabet: str) -> bytes:
    """A ``bytes.translate`` table: ASCII code of a character -> its digit value (0xFF if none)."""
    table = bytearray([_INVALID]) * 256
    for value, char in enumerate(alphabet):
        table[ord(char)] = value
    return bytes(table)


_DIGITS = {BITCOIN_ALPHABET: _digit_table(BITCOIN_ALPHABET), RIPPLE_ALPHABET: _digit_table(RIPPLE_ALPHABET)}


def b58encode(data: bytes, alphabet: str = BITCOIN_ALPHABET) -> str:
    n = int.from_bytes(data, "big")
    digits: list[str] = []
    while n:
        n, r = divmod(n, 58)
        digits.append(alphabet[r])
    zeros = len(data) - len(data.lstrip(b"\0"))
    return alphabet[0] * zeros + "".join(reversed(digits))


def b58decode(text: str, alphabet: str = BITCOIN_ALPHABET) -> bytes:
    """Decode; an out-of-alphabet character raises ``invalid character 'X'``."""
    digits = text.encode("utf-8").translate(_DIGITS[alphabet])
    if _INVALID in digits:  # (non-ASCII characters encode to bytes >= 0x80: invalid too)
        bad = next(c for c in text if c not in alphabet)
        raise InvalidIdentifierError(f"invalid character {bad!r}")
    n = 0
    for d in digits:
        n = n * 58 + d
    zero = alphabet[0]
    zeros = len(text) - len(text.lstrip(zero))
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return b"\0" * zeros + body


def _checksum(payload: bytes) -> bytes:
    return hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4]


def b58check_encode(payload: bytes, alphabet: str = BITCOIN_ALPHABET) -> str:
    return b58encode(payload + _checksum(payload), alphabet)


def b58check_decode(text: str, alphabet: str = BITCOIN_ALPHABET, *, length: int | None = None) -> bytes:
    """The payload (version byte(s) included) of a Base58Check string.

    ``length`` is the expected payload length; a mismatch raises ``wrong length``. The
    checksum (4 bytes of double SHA-256) is verified before the length so that a mistyped
    address says ``bad checksum``.
    """
    if not text:
        raise InvalidIdentifierError("empty address")
    raw = b58decode(text, alphabet)
    if len(raw) < 5:
        raise InvalidIdentifierError("wrong length")
    payload, check = raw[:-4], raw[-4:]
    if _checksum(payload) != check:
        raise InvalidIdentifierError("bad checksum")
    if length is not None and len(payload) != length:
        raise InvalidIdentifierError(f"wrong length ({len(payload)} bytes, expected {length})")
    return payload
