"""EVM addresses (Ethereum and the chains sharing its address space), EIP-55 checksummed.

Accepted: ``0x`` + 40 hex digits, either all lower-case, all upper-case, or mixed case that
passes EIP-55. Rejected with a reason: an upper-case ``0X`` prefix, a missing prefix, a wrong
length, a non-hex character, mixed case failing the checksum. Canonical: lower case.
"""

from __future__ import annotations

from Crypto.Hash import keccak

from streams.errors import InvalidIdentifierError

_HEX = frozenset("0123456789abcdefABCDEF")


def eip55_checksum(address: str) -> str:
    """The EIP-55 mixed-case form of ``0x`` + 40 hex digits (any case)."""
    lower = address[2:].lower()
    digest = keccak.new(digest_bits=256, data=lower.encode("ascii")).hexdigest()
    return "0x" + "".join(c.upper() if d >= "8" else c for c, d in zip(lower, digest, strict=False))


def _check_hex(body: str, expected: int) -> None:
    if len(body) != expected:
        raise InvalidIdentifierError(f"wrong length ({len(body)} hex digits, expected {expected})")
    if not _HEX.issuperset(body):
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
    if body != lower and body != body.upper() and eip55_checksum(address) != address:
        raise InvalidIdentifierError("bad checksum (mixed case fails EIP-55)")
    return "0x" + lower


def normalize_evm_tx_hash(tx_hash: str) -> str:
    """``0x`` + 64 hex digits, lower case; the prefix is optional on input (either case)."""
    body = tx_hash[2:] if tx_hash[:2] in ("0x", "0X") else tx_hash
    _check_hex(body, 64)
    return "0x" + body.lower()
