"""goAML persons and entities -> fiulink subjects, and their de-duplication (MAPPING.md §4, §5, §7).

goAML has no party ids: one customer is repeated in full per transaction and role, with other
field sets in its ``_my_client`` and plain forms. ``Subjects.add`` merges a person into one
already seen when a normalised document number agrees, or when first and last names agree
(case-folded) and the birth dates are equal or one is missing; organisations merge on a
case-folded name or an equal LEI. Lists are unioned, the first non-null value wins, and ids are
``s1..sn`` in order of first appearance.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from streams.goaml import codes
from streams.goaml.xml import children, fields, find, text, texts

_DOC_SEPARATORS = re.compile(r"[\s\-]+")
_WEAK_DOC_TYPES = frozenset({"id_number", "ssn"})


@dataclass
class Subject:
    kind: str
    names: list[str] = field(default_factory=list)
    birth_date: str | None = None
    nationalities: list[str] = field(default_factory=list)
    documents: list[dict[str, Any]] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    accounts: list[dict[str, str]] = field(default_factory=list)
    lei: str | None = None
    wallets: list[dict[str, str]] = field(default_factory=list)
    name_key: tuple[str, str] | None = None  # persons: (first, last) case-folded
    protected: bool = False

    def json(self, subject_id: str) -> dict[str, Any]:
        return {
            "subject_id": subject_id,
            "kind": self.kind,
            "names": self.names,
            "birth_date": self.birth_date,
            "nationalities": self.nationalities,
            "documents": self.documents,
            "emails": self.emails,
            "phones": self.phones,
            "accounts": self.accounts,
            "lei": self.lei,
            "wallets": self.wallets,
        }


def union(into: list[Any], items: list[Any]) -> None:
    for item in items:
        if item not in into:
            into.append(item)


def doc_key(number: str) -> str:
    return _DOC_SEPARATORS.sub("", number).upper()


def add_document(docs: list[dict[str, Any]], doc: dict[str, Any]) -> None:
    """One entry per normalised number, at the place of its first appearance; a typed entry
    with a country wins over an ``id_number``/``ssn`` one."""
    key = doc_key(doc["number"])
    if not key:
        return
    for i, old in enumerate(docs):
        if doc_key(old["number"]) == key:
            weak_old = old["type"] in _WEAK_DOC_TYPES or old["country"] is None
            strong_new = doc["type"] not in _WEAK_DOC_TYPES and doc["country"] is not None
            if weak_old and strong_new:
                docs[i] = doc
            return
    docs.append(doc)


def phone(el: Any) -> str | None:
    """E.164-ish: ``+``/``00`` numbers kept, else ``+`` + country prefix + number without its
    leading 0; without a prefix, the digits as given."""
    number = text(el, "tph_number")
    if not number:
        return None
    digits = re.sub(r"\D", "", number)
    if not digits:
        return None
    if number.lstrip().startswith("+"):
        return "+" + digits
    if digits.startswith("00"):
        return "+" + digits[2:]
    prefix = re.sub(r"\D", "", text(el, "tph_country_prefix") or "").lstrip("0")
    return f"+{prefix}{digits.lstrip('0')}" if prefix else digits


def _contacts(el: Any, s: Subject) -> None:
    phones = [p for p in (phone(ph) for ph in find(el, "phones", "phone")) if p]
    union(s.phones, phones)
    emails = texts(el, "email") + [t for e in find(el, "emails", "email") if (t := text(e))]
    union(s.emails, [e.lower() for e in emails])


def _date(value: str | None) -> str | None:
    """The calendar date of a goAML dateTime, never shifted through a time zone."""
    if not value or not re.match(r"\d{4}-\d{2}-\d{2}", value):
        return None
    day = value[:10]
    return None if day in codes.UNKNOWN_DATES else day


def person(el: Any, fiu: str) -> Subject | None:
    f = fields(el)
    first, last = f.get("first_name"), f.get("last_name")
    parts = [first, f.get("middle_name"), f.get("prefix"), last]
    full = " ".join(" ".join(p.split()) for p in parts if p)
    s = Subject("person", name_key=((first or "").casefold(), (last or "").casefold()))
    if full:
        s.names.append(full)
    extra = [f.get("full_name_frn"), f.get("alias")]
    for prev in find(el, "previous_names", "previous_name"):
        extra.append(" ".join(p for p in (text(prev, "first_name"), text(prev, "last_name")) if p))
    union(s.names, [" ".join(n.split()) for n in extra if n and n.strip()])
    s.birth_date = _date(f.get("birthdate"))
    union(s.nationalities, [c for n in (1, 2, 3) if (c := codes.country(f.get(f"nationality{n}")))])
    docs: list[dict[str, Any]] = []
    if number := f.get("passport_number"):
        docs.append(
            {"type": "passport", "number": number, "country": codes.country(f.get("passport_country"))}
        )
    if number := f.get("id_number"):
        docs.append({"type": "id_number", "number": number, "country": None})
    if number := f.get("ssn"):
        kind = "national_id" if fiu in codes.SSN_IS_NATIONAL_ID else "ssn"
        docs.append({"type": kind, "number": number, "country": None})
    for ident in children(el, "identification") + find(el, "identifications", "identification"):
        number, code = text(ident, "number"), text(ident, "type") or "-"
        if number:
            kind = codes.IDENTIFICATION_TYPES.get(code, code.lower())
            docs.append(
                {"type": kind, "number": number, "country": codes.country(text(ident, "issue_country"))}
            )
    if number := f.get("tax_number"):
        docs.append({"type": "tax_id", "number": number, "country": None})
    if (number := f.get("tax_reg_number")) and len(number) > 1:
        docs.append({"type": "tax_registration", "number": number, "country": None})
    for doc in docs:
        add_document(s.documents, doc)
    _contacts(el, s)
    s.protected = (f.get("is_protected") or "").lower() in ("true", "1")
    return s if s.names or s.documents else None


def entity(el: Any) -> Subject | None:
    f = fields(el)
    s = Subject("organization")
    name = f.get("name")
    if name:
        s.names.append(" ".join(name.split()))
    commercial = f.get("commercial_name")
    if commercial and all(commercial.casefold() != n.casefold() for n in s.names):
        s.names.append(" ".join(commercial.split()))
    home = codes.country(f.get("incorporation_country_code"))
    if home:
        s.nationalities.append(home)
    if number := f.get("incorporation_number"):
        add_document(s.documents, {"type": "registration_number", "number": number, "country": home})
    for ident in find(el, "entity_identifications", "entity_identifier"):
        number, kind = text(ident, "number"), (text(ident, "type") or "other")
        if not number:
            continue
        if kind.upper() == "LEI" and codes.LEI_RE.fullmatch(number.upper()) and s.lei is None:
            s.lei = number.upper()
        else:
            doc = {
                "type": kind.lower(),
                "number": number,
                "country": codes.country(text(ident, "issue_country")),
            }
            add_document(s.documents, doc)
    if number := f.get("tax_number"):
        add_document(s.documents, {"type": "tax_id", "number": number, "country": home})
    if (number := f.get("tax_reg_number")) and len(number) > 1:
        add_document(s.documents, {"type": "tax_registration", "number": number, "country": home})
    _contacts(el, s)
    return s if s.names or s.documents or s.lei else None


def _same(a: Subject, b: Subject) -> bool:
    if a.kind != b.kind:
        return False
    if a.kind == "organization":
        names_a = {n.casefold() for n in a.names[:1]}
        return bool(names_a & {n.casefold() for n in b.names[:1]}) or (a.lei is not None and a.lei == b.lei)
    if {doc_key(d["number"]) for d in a.documents} & {doc_key(d["number"]) for d in b.documents}:
        return True
    if a.name_key and a.name_key == b.name_key and all(a.name_key):
        return a.birth_date is None or b.birth_date is None or a.birth_date == b.birth_date
    return False


def _merge(into: Subject, new: Subject) -> None:
    union(into.names, new.names)
    into.birth_date = into.birth_date or new.birth_date
    union(into.nationalities, new.nationalities)
    for doc in new.documents:
        add_document(into.documents, doc)
    union(into.emails, new.emails)
    union(into.phones, new.phones)
    union(into.accounts, new.accounts)
    into.lei = into.lei or new.lei
    union(into.wallets, new.wallets)
    into.protected = into.protected or new.protected
    if into.name_key is None or not all(into.name_key):
        into.name_key = new.name_key


@dataclass
class Subjects:
    """The report's subjects, de-duplicated, in order of first appearance."""

    items: list[Subject] = field(default_factory=list)

    def add(self, new: Subject) -> Subject:
        """The subject ``new`` is (merged into one already seen, or appended)."""
        for old in self.items:
            if _same(old, new):
                _merge(old, new)
                return old
        self.items.append(new)
        return new

    def json(self, reporter: str | None) -> list[dict[str, Any]]:
        """The subjects without the reporting entity itself (listed as a party, e.g. a broker)."""
        me = reporter.casefold() if reporter else None
        kept = [
            s
            for s in self.items
            if not (s.kind == "organization" and me and s.names[:1] and s.names[0].casefold() == me)
        ]
        return [s.json(f"s{i}") for i, s in enumerate(kept, 1)]
