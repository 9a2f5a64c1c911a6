"""Identity and tax documents: canonical ``CC:type:NUMBER``.

``CC`` is the issuing country (ISO 3166-1 alpha-2, upper case; empty when unknown), ``type``
the document type as given, lower-cased, with spaces and hyphens turned into ``_``. Where
python-stdnum knows the country and the *kind* of number (table below), the number is validated
(checksum, length, format) and compacted by stdnum; otherwise (passports, driving licences,
unknown types or countries) separators (spaces, dashes, dots, slashes) are stripped and the
number upper-cased.

The type label picks the kind through ``TYPE_KINDS`` (``tin`` and ``tax_number`` both mean
``tax_id``), but the label itself stays as given, so ``tin`` and ``tax_id`` are distinct
identifiers: a feed should use one spelling consistently.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from stdnum import exceptions as stdnum_errors
from stdnum.util import get_cc_module

from streams.errors import InvalidIdentifierError

# fmt: off
TYPE_KINDS: dict[str, str] = {
    **dict.fromkeys(("national_id", "national_id_number", "national_number", "personal_id",
                     "personal_number", "personal_code", "nin", "nid"), "national_id"),
    **dict.fromkeys(("id_card", "identity_card", "national_id_card", "identity_document"), "id_card"),
    **dict.fromkeys(("tax_id", "tin", "tax_number", "taxpayer_id", "tax_identification_number",
                     "tax_code", "fiscal_code"), "tax_id"),
    **dict.fromkeys(("vat", "vat_number", "vat_id", "vatin"), "vat"),
    **dict.fromkeys(("ssn", "social_security", "social_security_number", "social_insurance_number"),
                    "social_security"),
    **dict.fromkeys(("company_registration", "company_number", "registration_number", "business_id",
                     "company_id", "business_registration"), "company_registration"),
}

# kind -> country -> stdnum modules (tried in order; the first that validates wins).
STDNUM_MODULES: dict[str, dict[str, tuple[str, ...]]] = {
    "national_id": {
        "AR": ("ar.dni",), "BE": ("be.nn",), "BG": ("bg.egn",), "BR": ("br.cpf",), "CL": ("cl.rut",),
        "CN": ("cn.ric",), "CR": ("cr.cpf",), "CU": ("cu.ni",), "CZ": ("cz.rc",), "DK": ("dk.cpr",),
        "DO": ("do.cedula",), "EC": ("ec.ci",), "EE": ("ee.ik",), "ES": ("es.dni", "es.nie"),
        "FI": ("fi.hetu",), "HR": ("hr.oib",), "ID": ("id.nik",), "IL": ("il.idnr",),
        "IN": ("in_.aadhaar",), "IS": ("is_.kennitala",), "IT": ("it.codicefiscale",),
        "JP": ("jp.in_",), "KR": ("kr.rrn",), "LT": ("lt.asmens",), "MU": ("mu.nid",),
        "MX": ("mx.curp",), "MY": ("my.nric",), "NL": ("nl.bsn",), "NO": ("no.fodselsnummer",),
        "PE": ("pe.cui",), "PK": ("pk.cnic",), "PL": ("pl.pesel",), "PT": ("pt.cc",),
        "RO": ("ro.cnp",), "SE": ("se.personnummer",), "SI": ("si.emso",), "SK": ("sk.rc",),
        "TH": ("th.pin",), "TR": ("tr.tckimlik",), "ZA": ("za.idnr",),
    },
    "id_card": {
        "BE": ("be.eid",), "ES": ("es.dni", "es.nie"), "NL": ("nl.identiteitskaartnummer",), "PT": ("pt.cc",),
    },
    "tax_id": {
        "AL": ("al.nipt",), "AR": ("ar.cuit",), "AT": ("at.tin",), "AU": ("au.tfn",), "AZ": ("az.voen",),
        "BR": ("br.cpf", "br.cnpj"), "BY": ("by.unp",), "CA": ("ca.sin", "ca.bn"), "CL": ("cl.rut",),
        "CO": ("co.nit",), "DE": ("de.idnr", "de.stnr"), "DO": ("do.rnc",), "DZ": ("dz.nif",),
        "EC": ("ec.ruc",), "EG": ("eg.tn",), "ES": ("es.nif",), "FR": ("fr.nif",), "GB": ("gb.utr",),
        "GH": ("gh.tin",), "GR": ("gr.vat",), "GT": ("gt.nit",), "HR": ("hr.oib",), "ID": ("id.npwp",),
        "IE": ("ie.pps",), "IN": ("in_.pan",), "IT": ("it.codicefiscale",), "KE": ("ke.pin",),
        "MD": ("md.idno",), "ME": ("me.pib",), "MK": ("mk.edb",), "MX": ("mx.rfc",), "MZ": ("mz.nuit",),
        "NZ": ("nz.ird",), "PE": ("pe.ruc",), "PL": ("pl.nip",), "PT": ("pt.nif",), "PY": ("py.ruc",),
        "RO": ("ro.cf",), "RS": ("rs.pib",), "RU": ("ru.inn",), "SV": ("sv.nit",), "TH": ("th.tin",),
        "TN": ("tn.mf",), "TR": ("tr.tckimlik", "tr.vkn"), "UA": ("ua.rntrc", "ua.edrpou"),
        "US": ("us.tin",), "UY": ("uy.rut",), "VE": ("ve.rif",), "VN": ("vn.mst",), "ZA": ("za.tin",),
    },
    "social_security": {
        "AT": ("at.vnr",), "BE": ("be.ssn",), "CA": ("ca.sin",), "CH": ("ch.ssn",), "FR": ("fr.nir",),
        "GR": ("gr.amka",), "IE": ("ie.pps",), "NL": ("nl.bsn",), "US": ("us.ssn",),
    },
    "company_registration": {
        "AT": ("at.businessid",), "AU": ("au.abn", "au.acn"), "BR": ("br.cnpj",), "CH": ("ch.uid",),
        "CN": ("cn.uscc",), "DK": ("dk.cvr",), "EE": ("ee.registrikood",), "ES": ("es.cif",),
        "FI": ("fi.ytunnus",), "FR": ("fr.siren",), "IL": ("il.hp",), "KR": ("kr.brn",),
        "LI": ("li.peid",), "MA": ("ma.ice",), "NO": ("no.orgnr",), "PL": ("pl.regon",),
        "RO": ("ro.onrc",), "RU": ("ru.ogrn",), "SE": ("se.orgnr",), "SG": ("sg.uen",),
        "SI": ("si.maticna",), "SN": ("sn.ninea",), "TW": ("tw.ubn",), "UA": ("ua.edrpou",),
    },
}
# fmt: on

_SEPARATORS = str.maketrans("", "", " \t-./\\")
_REASONS: tuple[tuple[type[stdnum_errors.ValidationError], str], ...] = (
    (stdnum_errors.InvalidChecksum, "bad checksum"),
    (stdnum_errors.InvalidLength, "wrong length"),
    (stdnum_errors.InvalidFormat, "invalid format"),
    (stdnum_errors.InvalidComponent, "invalid component"),
)


def type_label(value: str, what: str = "document") -> str:
    """Lower case, runs of spaces and hyphens -> ``_``."""
    label = "_".join(value.strip().lower().replace("-", " ").split())
    if not label:
        raise InvalidIdentifierError(f"missing {what} type")
    return label


def country_code(country: str | None) -> str:
    cc = (country or "").strip().upper()
    if cc and not (len(cc) == 2 and cc.isascii() and cc.isalpha()):
        raise InvalidIdentifierError(f"invalid country code {cc!r} (expected ISO 3166-1 alpha-2)")
    return cc


def compact_generic(number: str) -> str:
    """Separators stripped, upper case; anything but ASCII letters and digits is refused."""
    compact = number.translate(_SEPARATORS).upper()
    if not compact:
        raise InvalidIdentifierError("empty number")
    if not (compact.isascii() and compact.isalnum()):
        bad = next(c for c in compact if not (c.isascii() and c.isalnum()))
        raise InvalidIdentifierError(f"invalid character {bad!r}")
    return compact


def _reason(error: stdnum_errors.ValidationError, module: str) -> str:
    for cls, reason in _REASONS:
        if isinstance(error, cls):
            return f"{reason} ({module})"
    return f"invalid number ({module})"


def _modules(kind: str, cc: str) -> list[tuple[str, ModuleType]]:
    if kind == "vat":
        module = get_cc_module(cc, "vat") if cc else None
        return [(f"{cc.lower()}.vat", module)] if isinstance(module, ModuleType) else []
    names = STDNUM_MODULES.get(kind, {}).get(cc, ())
    return [(name, importlib.import_module(f"stdnum.{name}")) for name in names]


def compact_with_stdnum(kind: str, cc: str, number: str) -> str | None:
    """The stdnum-compacted number, None when stdnum has no module for (kind, country)."""
    modules = _modules(kind, cc)
    if not modules:
        return None
    errors: list[tuple[stdnum_errors.ValidationError, str]] = []
    for name, module in modules:
        try:
            return str(module.validate(number)).upper()
        except stdnum_errors.ValidationError as exc:
            errors.append((exc, name))
    # Prefer an error that says more than "wrong length" (the number may suit another module).
    error, name = next((e for e in errors if not isinstance(e[0], stdnum_errors.InvalidLength)), errors[0])
    raise InvalidIdentifierError(_reason(error, name))


def normalize_document(country: str | None, doc_type: str, number: str) -> str:
    """Canonical ``CC:type:NUMBER``; raises InvalidIdentifierError naming the failed rule."""
    cc = country_code(country)
    label = type_label(doc_type)
    number = number.strip()
    if not number:
        raise InvalidIdentifierError("empty number")
    kind = TYPE_KINDS.get(label)
    compact = compact_with_stdnum(kind, cc, number) if kind and cc else None
    return f"{cc}:{label}:{compact if compact is not None else compact_generic(number)}"
