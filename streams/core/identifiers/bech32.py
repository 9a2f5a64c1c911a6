"""Bech32 (BIP-173) and Bech32m (BIP-350), and segregated-witness addresses.

The reference algorithm from the BIPs, with the checksum's generator applied through lookup
tables, two symbols per step, instead of the reference five-step inner loop per symbol (same
result, tested against the reference loop; several times faster). Witness version 0 must use
Bech32, versions 1..16 Bech32m (BIP-350).
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from functools import lru_cache

from streams.errors import InvalidIdentifierError

CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_CHARSET_INDEX = {c: i for i, c in enumerate(CHARSET)}
_VALUES = bytes(_CHARSET_INDEX.get(chr(b), 0xFF) for b in range(256))  # bytes.translate: char -> value
_TO_BASE32 = bytes.maketrans(CHARSET.encode(), b"0123456789abcdefghijklmnopqrstuv")  # for int(..., 32)
BECH32_CONST = 1
BECH32M_CONST = 0x2BC830A3
_GEN = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
# _TABLE[b] is the XOR of the generator terms selected by the five bits of b.
_TABLE = tuple(
    _GEN[0] * (b & 1)
    ^ _GEN[1] * (b >> 1 & 1)
    ^ _GEN[2] * (b >> 2 & 1)
    ^ _GEN[3] * (b >> 3 & 1)
    ^ _GEN[4] * (b >> 4 & 1)
    for b in range(32)
)
MAX_LENGTH = 90


class Encoding(Enum):
    BECH32 = 1
    BECH32M = 2


def _step(chk: int, value: int) -> int:
    return ((chk & 0x1FFFFFF) << 5) ^ value ^ _TABLE[chk >> 25]


# Two symbols per step: the update is linear, so after two steps the top 10 bits contribute one
# table entry and the low 20 bits just shift left by 10, taking in the two new symbols.
_TABLE2 = tuple(_step(_step(top << 20, 0), 0) for top in range(1024))


def _polymod(values: Sequence[int], chk: int = 1) -> int:
    """The BCH checksum state after ``values``, starting from ``chk``."""
    if len(values) & 1:
        chk = _step(chk, values[0])
        values = values[1:]
    table2 = _TABLE2
    pairs = iter(values)
    for a, b in zip(pairs, pairs, strict=True):
        chk = ((chk & 0xFFFFF) << 10) ^ (a << 5) ^ b ^ table2[chk >> 20]
    return chk


@lru_cache(maxsize=32)
def _hrp_state(hrp: str) -> int:
    """The checksum state after the expanded HRP (the same for every address of a network)."""
    return _polymod(_hrp_expand(hrp))


def _hrp_expand(hrp: str) -> list[int]:
    return [ord(x) >> 5 for x in hrp] + [0] + [ord(x) & 31 for x in hrp]


def bech32_create_checksum(hrp: str, data: list[int], spec: Encoding) -> list[int]:
    const = BECH32_CONST if spec is Encoding.BECH32 else BECH32M_CONST
    polymod = _polymod([*data, 0, 0, 0, 0, 0, 0], _hrp_state(hrp)) ^ const
    return [(polymod >> 5 * (5 - i)) & 31 for i in range(6)]


def bech32_encode(hrp: str, data: list[int], spec: Encoding) -> str:
    combined = data + bech32_create_checksum(hrp, data, spec)
    return hrp + "1" + "".join(CHARSET[d] for d in combined)


def _decode(text: str) -> tuple[str, str, Encoding]:
    """(hrp, data part without checksum as lower-case characters, encoding)."""
    if len(text) > MAX_LENGTH:
        raise InvalidIdentifierError(f"wrong length ({len(text)} characters, at most {MAX_LENGTH})")
    if not (text.isascii() and text.isprintable()) or " " in text:
        bad = next(c for c in text if not 33 <= ord(c) <= 126)
        raise InvalidIdentifierError(f"invalid character {bad!r}")
    lower = text.lower()
    if lower != text and text.upper() != text:
        raise InvalidIdentifierError("mixed case")
    pos = lower.rfind("1")
    if pos < 0:
        raise InvalidIdentifierError("no separator '1'")
    if pos == 0:
        raise InvalidIdentifierError("empty human-readable part")
    if pos + 7 > len(lower):
        raise InvalidIdentifierError("checksum too short")
    hrp = lower[:pos]
    chars = lower[pos + 1 :]
    data = chars.encode("ascii").translate(_VALUES)
    if 0xFF in data:
        bad = next(c for c in text[pos + 1 :] if c.lower() not in _CHARSET_INDEX)
        raise InvalidIdentifierError(f"invalid character {bad!r}")
    check = _polymod(data, _hrp_state(hrp))
    if check == BECH32_CONST:
        spec = Encoding.BECH32
    elif check == BECH32M_CONST:
        spec = Encoding.BECH32M
    else:
        raise InvalidIdentifierError("bad checksum")
    return hrp, chars[:-6], spec


def bech32_decode(text: str) -> tuple[str, list[int], Encoding]:
    """(hrp, data values without checksum, encoding) of a Bech32 or Bech32m string."""
    hrp, chars, spec = _decode(text)
    return hrp, [_CHARSET_INDEX[c] for c in chars], spec


def convertbits(data: list[int], frombits: int, tobits: int, pad: bool) -> list[int]:
    """Regroup bits (BIP-173 reference); raises on bad padding when ``pad`` is false."""
    acc = 0
    bits = 0
    out: list[int] = []
    maxv = (1 << tobits) - 1
    for value in data:
        acc = (acc << frombits) | value
        bits += frombits
        while bits >= tobits:
            bits -= tobits
            out.append((acc >> bits) & maxv)
    if pad:
        if bits:
            out.append((acc << (tobits - bits)) & maxv)
    elif bits >= frombits:
        raise InvalidIdentifierError(f"padding of more than {frombits - 1} bits")
    elif (acc << (tobits - bits)) & maxv:
        raise InvalidIdentifierError("non-zero padding")
    return out


def _five_bit_chars_to_bytes(chars: str) -> bytes:
    """Regroup 5-bit characters into bytes (BIP-173 ``convertbits(..., 5, 8, False)``), at C speed:
    the characters, mapped to base-32 digits, are one integer."""
    total = 5 * len(chars)
    spare = total % 8
    if spare >= 5:
        raise InvalidIdentifierError("padding of more than 4 bits")
    n = int(chars.encode("ascii").translate(_TO_BASE32), 32) if chars else 0
    if n & ((1 << spare) - 1):
        raise InvalidIdentifierError("non-zero padding")
    return (n >> spare).to_bytes(total // 8, "big")


def decode_segwit(text: str) -> tuple[str, int, bytes]:
    """(hrp, witness version, witness program) of a segwit address; any HRP.

    The caller checks the HRP (which network) itself.
    """
    hrp, chars, spec = _decode(text)
    if not chars:
        raise InvalidIdentifierError("empty data section")
    version = _CHARSET_INDEX[chars[0]]
    if version > 16:
        raise InvalidIdentifierError(f"wrong witness version ({version})")
    program = _five_bit_chars_to_bytes(chars[1:])
    if not 2 <= len(program) <= 40:
        raise InvalidIdentifierError(f"wrong program length ({len(program)} bytes)")
    if version == 0 and len(program) not in (20, 32):
        raise InvalidIdentifierError(f"wrong program length for witness version 0 ({len(program)} bytes)")
    if version == 0 and spec is not Encoding.BECH32:
        raise InvalidIdentifierError("bad checksum (bech32m used for witness version 0)")
    if version != 0 and spec is not Encoding.BECH32M:
        raise InvalidIdentifierError(f"bad checksum (bech32 used for witness version {version})")
    return hrp, version, program


def encode_segwit(hrp: str, version: int, program: bytes) -> str:
    spec = Encoding.BECH32 if version == 0 else Encoding.BECH32M
    return bech32_encode(hrp, [version] + convertbits(list(program), 8, 5, True), spec)
