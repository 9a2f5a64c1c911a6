"""Bank accounts (IBAN and others) and Legal Entity Identifiers (ISO 17442).

- ``iban:DE89370400440532013000`` when the type is ``iban`` (validated; a failure is an error),
  or when a number of another type has the shape of an IBAN *and* validates as one (so an
  IBAN filed as "account" still matches); a non-validating IBAN-shaped number of another type
  stays an opaque account number.
- other types: ``type:NUMBER`` with the type lower-cased (spaces and hyphens -> ``_``), the
  number stripped of separators (spaces, dashes, dots, slashes) and upper-cased.
- LEI: 18 alphanumerics + 2 check digits (ISO 7064 mod 97-10), compact upper case.
"""

from __future__ import annotations

import re
from functools import cache
from types import ModuleType

from stdnum import exceptions as stdnum_errors
from stdnum import lei, numdb
from stdnum.util import get_cc_module

from streams.core.identifiers.documents import compact_generic, type_label
from streams.errors import InvalidIdentifierError

_IBAN_SHAPE = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{10,30}")
_IBAN_CHARS = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]+")
_LEI_SHAPE = re.compile(r"[A-Z0-9]{18}[0-9]{2}")
_SEPARATORS = str.maketrans("", "", " \t-./")
_LETTERS_AS_NUMBERS = str.maketrans({chr(c): str(c - 55) for c in range(65, 91)})  # ISO 7064: A=10 .. Z=35
_STRUCTURE = re.compile(r"([1-9][0-9]*)!([nac])")
_STRUCTURE_CLASS = {"n": "[0-9]", "a": "[A-Z]", "c": "[A-Z0-9]"}


@cache  # keyed by two upper-case letters: at most 676 small entries
def _iban_country(cc: str) -> tuple[re.Pattern[str], int, ModuleType | None] | None:
    """(BBAN pattern, IBAN length, country check module) from python-stdnum's IBAN registry."""
    props = numdb.get("iban").info(cc)[0][1]
    if not props:
        return None
    bban = props.get("bban", "")
    pattern = _STRUCTURE.sub(lambda m: f"{_STRUCTURE_CLASS[m.group(2)]}{{{m.group(1)}}}", bban)
    length = 4 + sum(int(m.group(1)) for m in _STRUCTURE.finditer(bban))
    module = get_cc_module(cc, "iban")
    return re.compile(pattern), length, module if isinstance(module, ModuleType) else None


def _reason(exc: stdnum_errors.ValidationError) -> str:
    if isinstance(exc, stdnum_errors.InvalidChecksum):
        return "bad checksum (IBAN national check digits)"
    if isinstance(exc, stdnum_errors.InvalidLength):
        return "wrong length (IBAN)"
    return "invalid format (IBAN)"


def normalize_iban(number: str) -> str:
    """The compact IBAN; the checks and their order are python-stdnum's ``iban.validate``
    (ISO 7064 mod 97-10, then the country's BBAN structure from the SWIFT registry, then the
    country's own check digits where stdnum has them), run from per-country cached tables."""
    compact = number.translate(_SEPARATORS).upper()
    if compact.startswith("IBAN"):
        compact = compact[4:]
    if not compact:
        raise InvalidIdentifierError("empty number")
    if not _IBAN_CHARS.fullmatch(compact):
        raise InvalidIdentifierError("invalid format (IBAN: country, 2 check digits, letters and digits)")
    if int((compact[4:] + compact[:4]).translate(_LETTERS_AS_NUMBERS)) % 97 != 1:
        raise InvalidIdentifierError("bad checksum (IBAN)")
    country = _iban_country(compact[:2])
    if country is None:
        raise InvalidIdentifierError(f"unknown IBAN country {compact[:2]!r}")
    pattern, length, module = country
    if len(compact) != length:
        raise InvalidIdentifierError(
            f"wrong length (IBAN: {len(compact)} characters, {length} for {compact[:2]})"
        )
    if not pattern.fullmatch(compact[4:]):
        raise InvalidIdentifierError(
            "invalid format (IBAN: account part does not fit the country's structure)"
        )
    if module is not None:
        try:
            module.validate(compact)
        except stdnum_errors.ValidationError as exc:
            raise InvalidIdentifierError(_reason(exc)) from None
    return compact


def _is_iban(compact: str) -> bool:
    try:
        normalize_iban(compact)
    except InvalidIdentifierError:
        return False
    return True


def normalize_account(acc_type: str, number: str) -> str:
    """``iban:<IBAN>`` or ``type:NUMBER``; raises InvalidIdentifierError naming the failed rule."""
    label = type_label(acc_type, "account")
    if label == "iban":
        return "iban:" + normalize_iban(number)
    compact = compact_generic(number)
    if _IBAN_SHAPE.fullmatch(compact) and _is_iban(compact):
        return "iban:" + compact
    return f"{label}:{compact}"


def normalize_lei(value: str) -> str:
    compact = value.translate(_SEPARATORS).upper()
    if len(compact) != 20:
        raise InvalidIdentifierError(f"wrong length ({len(compact)} characters, expected 20)")
    if not _LEI_SHAPE.fullmatch(compact):
        raise InvalidIdentifierError("invalid format (18 letters or digits, then 2 check digits)")
    try:
        return str(lei.validate(compact))
    except stdnum_errors.ValidationError:
        raise InvalidIdentifierError("bad checksum") from None
