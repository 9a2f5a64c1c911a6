"""E-mail addresses (lower case, IDNA domain) and phone numbers (E.164)."""

from __future__ import annotations

import idna
import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat

from streams.errors import InvalidIdentifierError

_LOCAL_FORBIDDEN = frozenset(' \t\r\n<>()[]\\,;:"@')
_LDH = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")
_PARSE_REASONS = {
    NumberParseException.INVALID_COUNTRY_CODE: "unknown country code",
    NumberParseException.NOT_A_NUMBER: "not a phone number",
    NumberParseException.TOO_SHORT_AFTER_IDD: "too short",
    NumberParseException.TOO_SHORT_NSN: "too short",
    NumberParseException.TOO_LONG: "too long",
}


def _ascii_domain(domain: str) -> str:
    if domain.isascii():
        return domain.lower()
    try:
        return idna.encode(domain, uts46=True).decode("ascii")
    except idna.IDNAError as exc:
        raise InvalidIdentifierError(f"invalid domain (IDNA: {exc})") from None


def normalize_email(email: str) -> str:
    """``local@domain``, both lower-cased, the domain IDNA-encoded (``xn--…``).

    Checks: one ``@``, non-empty parts, no white space or unquoted specials in the local part,
    a domain of at least two dot-separated labels of letters, digits and inner hyphens.
    Provider-specific rewriting (dots or ``+tags`` in Gmail addresses) is not done: it is
    not universally true and would merge distinct people.
    """
    text = email.strip()
    if text[:7].lower() == "mailto:":
        text = text[7:]
    if text.count("@") != 1:
        raise InvalidIdentifierError("expected exactly one '@'")
    local, domain = text.split("@")
    if not local:
        raise InvalidIdentifierError("empty local part")
    if len(local) > 64:
        raise InvalidIdentifierError("local part longer than 64 characters")
    bad = next((c for c in local if c in _LOCAL_FORBIDDEN or not c.isprintable()), None)
    if bad is not None:
        raise InvalidIdentifierError(f"invalid character {bad!r} in local part")
    domain = domain.rstrip(".")
    if not domain:
        raise InvalidIdentifierError("empty domain")
    domain = _ascii_domain(domain)
    labels = domain.split(".")
    if len(labels) < 2:
        raise InvalidIdentifierError("domain has no dot")
    if len(domain) > 253:
        raise InvalidIdentifierError("domain longer than 253 characters")
    for label in labels:
        if not label or len(label) > 63:
            raise InvalidIdentifierError("empty or over-long domain label")
        if not _LDH.issuperset(label) or label[0] == "-" or label[-1] == "-":
            raise InvalidIdentifierError(f"invalid domain label {label!r}")
    return f"{local.lower()}@{domain}"


def normalize_phone(phone: str, region_hint: str | None) -> str:
    """E.164 (``+79123456789``). ``region_hint`` (ISO alpha-2) is used only for numbers written
    without a country code; ``00`` is read as the international prefix when there is no hint."""
    text = phone.strip()
    if not text:
        raise InvalidIdentifierError("empty phone number")
    region = region_hint.strip().upper() if region_hint and region_hint.strip() else None
    if region is None and text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException as exc:
        reason = _PARSE_REASONS.get(exc.error_type, "not a phone number")
        if exc.error_type == NumberParseException.INVALID_COUNTRY_CODE and region is None:
            reason = "no country code and no region hint"
        raise InvalidIdentifierError(reason) from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidIdentifierError("invalid number for its country")
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)
