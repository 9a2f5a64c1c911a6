"""Bitcoin-derived chains that differ only in their Base58Check version bytes, and BNB Beacon
Chain's bech32 accounts.

| label | versions (mainnet) | testnet (refused) | other forms |
|---|---|---|---|
| ``zec`` | ``1c b8`` (t1, P2PKH), ``1c bd`` (t3, P2SH) | ``1d 25`` (tm), ``1c ba`` (t2) | Sapling ``zs1…`` (bech32, 43 bytes); ZIP-320 ``tex1…`` (canonical: its ``t1…`` form) |
| ``dash`` | ``4c`` (X), ``10`` (7) | ``8c``, ``13`` | |
| ``bsv`` | ``00`` (1), ``05`` (3) | ``6f``, ``c4`` | |
| ``btg`` | ``26`` (G), ``17`` (A) | ``6f``, ``c4``; ``tbtg1``, ``btgrt1``, ``tb1`` | segwit ``btg1…`` |
| ``xvg`` | ``1e`` (D), ``21`` (E) | ``73``, ``c6`` | |
| ``bnb`` | bech32 ``bnb1…`` of a 20-byte account | ``tbnb1…`` | |

Canonical: Base58 as given (its encoding is unique), bech32 in lower case.
"""

from __future__ import annotations

from streams.core.identifiers.base58 import b58check_decode, b58check_encode
from streams.core.identifiers.bech32 import Encoding, bech32_decode, convertbits, decode_segwit
from streams.errors import InvalidIdentifierError

# label -> version prefix -> mainnet (True) or testnet (False)
VERSIONS: dict[str, dict[bytes, bool]] = {
    "zec": {b"\x1c\xb8": True, b"\x1c\xbd": True, b"\x1d\x25": False, b"\x1c\xba": False},
    "dash": {b"\x4c": True, b"\x10": True, b"\x8c": False, b"\x13": False},
    "bsv": {b"\x00": True, b"\x05": True, b"\x6f": False, b"\xc4": False},
    "btg": {b"\x26": True, b"\x17": True, b"\x6f": False, b"\xc4": False},
    "xvg": {b"\x1e": True, b"\x21": True, b"\x73": False, b"\xc6": False},
}
NAMES = {
    "zec": "Zcash",
    "dash": "Dash",
    "bsv": "Bitcoin SV",
    "btg": "Bitcoin Gold",
    "xvg": "Verge",
}


def base58_versioned(address: str, label: str) -> str:
    """A Base58Check address of ``label``: its version prefix, then a 20-byte hash."""
    versions = VERSIONS[label]
    width = len(next(iter(versions)))
    payload = b58check_decode(address)
    if len(payload) != width + 20:
        raise InvalidIdentifierError(f"wrong length ({len(payload)} bytes, expected {width + 20})")
    version = payload[:width]
    ok = versions.get(version)
    if ok is None:
        raise InvalidIdentifierError(f"unknown version byte 0x{version.hex()} (not a {NAMES[label]} address)")
    if not ok:
        raise InvalidIdentifierError("testnet address")
    return address


def _bech32_account(address: str, hrps: dict[str, bool], size: int) -> str:
    hrp, data, spec = bech32_decode(address)
    ok = hrps.get(hrp)
    if ok is None:
        raise InvalidIdentifierError(f"unknown prefix '{hrp}1'")
    if not ok:
        raise InvalidIdentifierError("testnet address")
    if spec is not Encoding.BECH32:
        raise InvalidIdentifierError("bad checksum (bech32m where bech32 is used)")
    raw = convertbits(data, 5, 8, False)
    if len(raw) != size:
        raise InvalidIdentifierError(f"wrong length ({len(raw)} bytes, expected {size})")
    return address.lower()


def normalize_bnb_beacon(address: str) -> str:
    """BNB Beacon Chain (BEP-2) account ``bnb1…``: bech32 of 20 bytes."""
    return _bech32_account(address, {"bnb": True, "tbnb": False}, 20)


def _tex(address: str) -> str:
    """ZIP-320 TEX address (bech32m of a P2PKH hash): canonical as its ``t1…`` form."""
    hrp, data, spec = bech32_decode(address)
    if hrp != "tex":
        raise InvalidIdentifierError(
            "testnet address" if hrp in ("textest", "texregtest") else f"unknown prefix '{hrp}1'"
        )
    if spec is not Encoding.BECH32M:
        raise InvalidIdentifierError("bad checksum (bech32 where ZIP-320 uses bech32m)")
    raw = bytes(convertbits(data, 5, 8, False))
    if len(raw) != 20:
        raise InvalidIdentifierError(f"wrong length ({len(raw)} bytes, expected 20)")
    return b58check_encode(b"\x1c\xb8" + raw)


def normalize_zcash(address: str) -> str:
    lower = address.lower()
    if lower.startswith(("tex1", "textest1", "texregtest1")):
        return _tex(address)
    if lower.startswith(("zs1", "ztestsapling1")):
        return _bech32_account(address, {"zs": True, "ztestsapling": False}, 43)
    if lower.startswith(("u1", "utest1")):
        raise InvalidIdentifierError("unified address (u1…): give its transparent or Sapling receiver")
    if address[:2] in ("zc", "zt"):
        raise InvalidIdentifierError("Sprout shielded address (retired): not supported")
    return base58_versioned(address, "zec")


_BTG_HRPS = {"btg": True, "tbtg": False, "btgrt": False, "tb": False}  # tb: signet, as in Bitcoin


def normalize_btg(address: str) -> str:
    lower = address.lower()
    if lower[: max(lower.rfind("1"), 0)] in _BTG_HRPS:
        hrp, _version, _program = decode_segwit(address)
        if not _BTG_HRPS[hrp]:
            raise InvalidIdentifierError("testnet address")
        return lower
    return base58_versioned(address, "btg")


def normalize_base58_chain(address: str, label: str) -> str:
    if label == "zec":
        return normalize_zcash(address)
    if label == "btg":
        return normalize_btg(address)
    return base58_versioned(address, label)
