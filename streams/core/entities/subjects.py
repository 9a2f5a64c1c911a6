"""Subjects to match: persons and organisations, read from the report shape or a pairs line.

A ``Subject`` is plain data: its kind, every name and alias as written, a birth date at the
precision given (year, year-month or full), nationalities (ISO 3166-1 alpha-2) and, for an
organisation, the country where given. Reading one collects every problem at once, each named
by its field path, so a bad line says all that is wrong with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from streams.errors import ValidationError

KINDS = ("person", "organization")
MAX_NAMES = 16  # names and aliases kept per subject (the rest is a problem, not silently dropped)
MAX_NAME_CHARS = 10_000
_DATE = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")
_COUNTRY = re.compile(r"[A-Za-z]{2}")


@dataclass(frozen=True, slots=True)
class BirthDate:
    """A birth date at the precision it was given: ``month`` and ``day`` may be None."""

    year: int
    month: int | None = None
    day: int | None = None

    @property
    def precision(self) -> int:
        """1 year, 2 year-month, 3 full date."""
        return 1 + (self.month is not None) + (self.day is not None)


@dataclass(frozen=True, slots=True)
class Subject:
    kind: str
    names: tuple[str, ...]
    birth_date: BirthDate | None = None
    nationalities: tuple[str, ...] = ()
    country: str | None = None  # an organisation's country, where given


def parse_birth_date(text: str) -> BirthDate:
    """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``; ValueError names what is wrong."""
    m = _DATE.fullmatch(text.strip())
    if not m:
        raise ValueError(f"must be YYYY, YYYY-MM or YYYY-MM-DD, not {text[:20]!r}")
    year, month, day = (int(g) if g else None for g in m.groups())
    assert year is not None
    if month is not None and not 1 <= month <= 12:
        raise ValueError(f"month out of range in {text[:20]!r}")
    if day is not None:
        try:
            date(year, month or 1, day)
        except ValueError:
            raise ValueError(f"no such day {text[:20]!r}") from None
    return BirthDate(year, month, day)


def subject_from_json(obj: Any, path: str = "") -> Subject:
    """A ``Subject`` from a pairs-file side or a report subject (``kind``, ``names``, optional
    ``birth_date``, ``nationalities``, ``country``). Raises ``ValidationError`` listing every
    problem with its field path (``a.names[0]``)."""
    pre = f"{path}." if path else ""
    problems: list[tuple[str, str]] = []
    if not isinstance(obj, dict):
        raise ValidationError([(path or "subject", "must be an object")])
    kind = obj.get("kind", "person")
    if kind not in KINDS:
        problems.append((f"{pre}kind", f"must be person or organization, not {str(kind)[:20]!r}"))
    names = obj.get("names")
    if isinstance(names, str):
        names = [names]
    good: list[str] = []
    if not isinstance(names, list) or not names:
        problems.append((f"{pre}names", "must be a non-empty list of strings"))
    else:
        if len(names) > MAX_NAMES:
            problems.append((f"{pre}names", f"at most {MAX_NAMES} names and aliases"))
        for i, n in enumerate(names[:MAX_NAMES]):
            if not isinstance(n, str):
                problems.append((f"{pre}names[{i}]", "must be a string"))
            elif len(n) > MAX_NAME_CHARS:
                problems.append((f"{pre}names[{i}]", f"longer than {MAX_NAME_CHARS} characters"))
            else:
                good.append(n)
    bd: BirthDate | None = None
    raw_bd = obj.get("birth_date")
    if raw_bd is not None and raw_bd != "":
        if not isinstance(raw_bd, str):
            problems.append((f"{pre}birth_date", "must be a string YYYY, YYYY-MM or YYYY-MM-DD"))
        else:
            try:
                bd = parse_birth_date(raw_bd)
            except ValueError as exc:
                problems.append((f"{pre}birth_date", str(exc)))
    nats = _countries(obj.get("nationalities") or [], f"{pre}nationalities", problems)
    country = obj.get("country") or None
    if country is not None and not (isinstance(country, str) and _COUNTRY.fullmatch(country)):
        problems.append(
            (f"{pre}country", f"must be an ISO 3166-1 alpha-2 code like 'DE', not {str(country)[:20]!r}")
        )
    if problems:
        raise ValidationError(problems)
    return Subject(str(kind), tuple(good), bd, tuple(nats), country.upper() if country else None)


def _countries(raw: Any, path: str, problems: list[tuple[str, str]]) -> list[str]:
    if not isinstance(raw, list):
        problems.append((path, "must be a list of ISO 3166-1 alpha-2 codes"))
        return []
    out: list[str] = []
    for i, code in enumerate(raw):
        if isinstance(code, str) and _COUNTRY.fullmatch(code):
            out.append(code.upper())
        else:
            problems.append(
                (f"{path}[{i}]", f"must be an ISO 3166-1 alpha-2 code like 'RU', not {str(code)[:20]!r}")
            )
    return sorted(set(out))
