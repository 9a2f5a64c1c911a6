"""E-mail addresses (lower case, IDNA domain) and phone numbers (E.164)."""

from __future__ import annotations

import re

import idna
import phonenumbers
from phonenumbers import (
    COUNTRY_CODE_TO_REGION_CODE,
    NumberParseException,
    PhoneMetadata,
    PhoneNumber,
    PhoneNumberFormat,
    re_util,
)

from streams.errors import InvalidIdentifierError

# phonenumbers compiles its metadata patterns through re.compile, whose cache (512 entries)
# thrashes when numbers of many regions are mixed with other work; its own cache keeps them.
# Bounded by the metadata (about a hundred patterns for a dozen regions).
re_util.enable_pattern_cache()
_PHONE_SEPARATORS = str.maketrans("", "", " -.()/\t\u00a0")

_LOCAL_FORBIDDEN = frozenset(' \t\r\n<>()[]\\,;:"@')
_LOCAL_BAD = re.compile(r'[\s<>()\[\]\\,;:"@]')
_LDH = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_DOMAIN = re.compile(rf"(?:{_LABEL}\.)+{_LABEL}")
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
    if _LOCAL_BAD.search(local) or not local.isprintable():
        bad = next(c for c in local if c in _LOCAL_FORBIDDEN or not c.isprintable() or c.isspace())
        raise InvalidIdentifierError(f"invalid character {bad!r} in local part")
    domain = domain.rstrip(".")
    if not domain:
        raise InvalidIdentifierError("empty domain")
    domain = _ascii_domain(domain)
    if len(domain) <= 253 and _DOMAIN.fullmatch(domain):
        return f"{local.lower()}@{domain}"
    labels = domain.split(".")  # find what is wrong
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


def _fast_international(text: str) -> str | None:
    """E.164 of a plain ``+<country code><national number>`` with only separators, or None.

    Does exactly what ``phonenumbers.parse`` does for such input (the country code is the
    1-3 digit prefix, country codes being prefix-free) but only when the national number does
    not start with the country's national prefix; anything else (a "(0)", an extension,
    letters, a national format) goes the full way. Valid numbers only, as the full way.
    """
    digits = text[1:].translate(_PHONE_SEPARATORS)
    if not (digits.isascii() and digits.isdigit()) or digits[0] == "0" or len(digits) > 20:
        return None
    for size in (1, 2, 3):
        country_code = int(digits[:size])
        if country_code in COUNTRY_CODE_TO_REGION_CODE:
            break
    else:
        return None
    national = digits[size:]
    if len(national) < 2:
        return None
    region = phonenumbers.region_code_for_country_code(country_code)
    metadata = PhoneMetadata.metadata_for_region_or_calling_code(country_code, region)
    if metadata is None:
        return None
    prefix = metadata.national_prefix_for_parsing
    if prefix and re_util.re_compile(prefix).match(national):
        return None
    number = PhoneNumber(country_code=country_code, national_number=int(national))
    if national[0] == "0":  # as phonenumbers' _set_italian_leading_zeros_for_phone_number
        number.italian_leading_zero = True
        zeros = len(national) - len(national.lstrip("0"))
        zeros = min(zeros, len(national) - 1)
        if zeros != 1:
            number.number_of_leading_zeros = zeros
    if not phonenumbers.is_valid_number(number):
        return None
    return f"+{country_code}{national}"


def normalize_phone(phone: str, region_hint: str | None) -> str:
    """E.164 (``+79123456789``). ``region_hint`` (ISO alpha-2) is used only for numbers written
    without a country code; ``00`` is read as the international prefix when there is no hint."""
    text = phone.strip()
    if not text:
        raise InvalidIdentifierError("empty phone number")
    region = region_hint.strip().upper() if region_hint and region_hint.strip() else None
    if region is None and text.startswith("00"):
        text = "+" + text[2:]
    if text[:1] == "+":
        fast = _fast_international(text)
        if fast is not None:
            return fast
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException as exc:
        reason = _PARSE_REASONS.get(exc.error_type, "not a phone number")
        if exc.error_type == NumberParseException.INVALID_COUNTRY_CODE and not text.startswith("+"):
            reason = (
                f"no country code and unknown region hint {region!r}"
                if region
                else "no country code and no region hint"
            )
        raise InvalidIdentifierError(reason) from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidIdentifierError("invalid number for its country")
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)
