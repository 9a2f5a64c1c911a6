"""Builders shared by the entity-matching tests."""

from __future__ import annotations

from streams.core.entities import EntityEncoder, PairResult, Subject, score_pairs
from streams.core.entities.subjects import parse_birth_date

KEY = b"unit-test consortium key"


def person(*names: str, dob: str | None = None, nat: tuple[str, ...] = ()) -> Subject:
    return Subject("person", names, parse_birth_date(dob) if dob else None, nat)


def org(*names: str, country: str | None = None) -> Subject:
    return Subject("organization", names, None, (), country)


def one(encoder: EntityEncoder, a: Subject, b: Subject) -> PairResult:
    """The result of one pair through the whole path."""
    return score_pairs(encoder, [(a, b)])[0]
