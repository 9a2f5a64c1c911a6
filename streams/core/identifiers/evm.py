"""EVM addresses (Ethereum and the chains sharing its address space), EIP-55 checksummed.

Accepted: ``0x`` + 40 hex digits, either all lower-case, all upper-case, or mixed case that
passes EIP-55. Rejected with a reason: an upper-case ``0X`` prefix, a missing prefix, a wrong
length, a non-hex character, mixed case failing the checksum. Canonical: lower case.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from Crypto.Hash import keccak

from streams.errors import InvalidIdentifierError

_HEX = frozenset("0123456789abcdefABCDEF")
_HEX_RUN = re.compile(r"[0-9a-fA-F]*")
# Per hex digit of an address: "8" where it is an upper-case letter / any letter, else "0".
_UPPER_AS_8 = bytes.maketrans(b"0123456789abcdefABCDEF", b"0000000000000000888888")
_LETTER_AS_8 = bytes.maketrans(b"0123456789abcdefABCDEF", b"0000000000888888888888")
_HIGH_BITS = int("8" * 40, 16)
_EMPTY_KECCAK256 = bytes.fromhex("c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")


def _keccak256_public(data: bytes) -> bytes:
    return keccak.new(digest_bits=256, data=data).digest()


def _keccak256_oneshot_or_none() -> Callable[[bytes], bytes] | None:
    """pycryptodome's one-shot C entry point: a third of ``keccak.new``'s cost. It is not public
    API, so it is used only if present and right on a known vector; else the public path."""
    try:
        from Crypto.Hash.keccak import _raw_keccak_lib
        from Crypto.Util._raw_api import c_size_t, c_ubyte, create_string_buffer, get_raw_buffer

        oneshot = _raw_keccak_lib.keccak_oneshot
    except (ImportError, AttributeError):
        return None

    # digest 32 bytes, capacity 64 bytes (Keccak-256), 24 rounds, Keccak padding 0x01 (SHA-3: 0x06)
    digest_size, capacity, rounds, padding = c_size_t(32), c_size_t(64), c_ubyte(24), c_ubyte(1)

    def keccak256(data: bytes) -> bytes:
        out = create_string_buffer(32)
        if oneshot(data, c_size_t(len(data)), out, digest_size, capacity, rounds, padding):
            return _keccak256_public(data)
        return bytes(get_raw_buffer(out))

    try:
        ok = keccak256(b"") == _EMPTY_KECCAK256 and keccak256(b"abc") == _keccak256_public(b"abc")
    except Exception:
        return None
    return keccak256 if ok else None


keccak256: Callable[[bytes], bytes] = _keccak256_oneshot_or_none() or _keccak256_public


def eip55_checksum(address: str) -> str:
    """The EIP-55 mixed-case form of ``0x`` + 40 hex digits (any case)."""
    lower = address[2:].lower()
    digest = keccak256(lower.encode("ascii")).hex()
    return "0x" + "".join(c.upper() if d >= "8" else c for c, d in zip(lower, digest, strict=False))


def _passes_eip55(body: str) -> bool:
    """Every letter is upper case exactly where the keccak nibble at its position is >= 8."""
    raw = body.encode("ascii")
    high = int.from_bytes(keccak256(raw.lower())[:20], "big") & _HIGH_BITS
    return int(raw.translate(_LETTER_AS_8), 16) & high == int(raw.translate(_UPPER_AS_8), 16)


def _check_hex(body: str, expected: int) -> None:
    if len(body) != expected:
        raise InvalidIdentifierError(f"wrong length ({len(body)} hex digits, expected {expected})")
    if not _HEX_RUN.fullmatch(body):
        bad = next(c for c in body if c not in _HEX)
        raise InvalidIdentifierError(f"invalid character {bad!r}")


def normalize_evm_address(address: str) -> str:
    if address[:2] == "0X":
        raise InvalidIdentifierError("upper-case '0X' prefix (EIP-55 addresses start with '0x')")
    if address[:2] != "0x":
        raise InvalidIdentifierError("missing '0x' prefix")
    body = address[2:]
    _check_hex(body, 40)
    lower = body.lower()
    if body != lower and body != body.upper() and not _passes_eip55(body):
        raise InvalidIdentifierError("bad checksum (mixed case fails EIP-55)")
    return "0x" + lower


def normalize_evm_tx_hash(tx_hash: str) -> str:
    """``0x`` + 64 hex digits, lower case; the prefix is optional on input (either case)."""
    body = tx_hash[2:] if tx_hash[:2] in ("0x", "0X") else tx_hash
    _check_hex(body, 64)
    return "0x" + body.lower()
