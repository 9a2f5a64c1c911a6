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

from stdnum import exceptions as stdnum_errors
from stdnum import iban, lei

from streams.core.identifiers.documents import compact_generic, type_label
from streams.errors import InvalidIdentifierError

_IBAN_SHAPE = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{10,30}")
_LEI_SHAPE = re.compile(r"[A-Z0-9]{18}[0-9]{2}")
_SEPARATORS = str.maketrans("", "", " \t-./")


def _iban_reason(exc: stdnum_errors.ValidationError) -> str:
    if isinstance(exc, stdnum_errors.InvalidChecksum):
        return "bad checksum (IBAN)"
    if isinstance(exc, stdnum_errors.InvalidLength):
        return "wrong length (IBAN)"
    if isinstance(exc, stdnum_errors.InvalidComponent):
        return "unknown country or bank code format (IBAN)"
    return "invalid format (IBAN)"


def normalize_iban(number: str) -> str:
    compact = number.translate(_SEPARATORS).upper()
    if compact.startswith("IBAN"):
        compact = compact[4:]
    if not compact:
        raise InvalidIdentifierError("empty number")
    try:
        return str(iban.validate(compact))
    except stdnum_errors.ValidationError as exc:
        raise InvalidIdentifierError(_iban_reason(exc)) from None


def normalize_account(acc_type: str, number: str) -> str:
    """``iban:<IBAN>`` or ``type:NUMBER``; raises InvalidIdentifierError naming the failed rule."""
    label = type_label(acc_type, "account")
    if label == "iban":
        return "iban:" + normalize_iban(number)
    compact = compact_generic(number)
    if _IBAN_SHAPE.fullmatch(compact) and iban.is_valid(compact):
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
