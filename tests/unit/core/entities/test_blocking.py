"""Blocking keys: similar subjects share one, kinds never do, postings are bounded."""

from __future__ import annotations

from entities_helpers import org, person

from streams.core.entities import EntityEncoder, decode
from streams.core.entities.blocking import MAX_POSTINGS, blocking_keys, file_under

CYRILLIC = person("Дмитрий Кузнецов", dob="1979-04-12", nat=("RU",))


def keys(encoder: EntityEncoder, subject: object) -> set[str]:
    return set(blocking_keys(decode(encoder.encode(subject))))  # type: ignore[arg-type]


def test_same_person_in_another_script_with_a_typo_shares_keys(encoder: EntityEncoder) -> None:
    latin = person("Dmitriy Kuznetzov", dob="1979-04-12")
    shared = keys(encoder, CYRILLIC) & keys(encoder, latin)
    assert any(k.startswith("pm") for k in shared)  # through the name bands, not only the date
    assert any(k.startswith("pd:") for k in shared)


def test_keys_are_deterministic_and_carry_no_name_or_encoding(encoder: EntityEncoder) -> None:
    first, again = (
        blocking_keys(decode(encoder.encode(CYRILLIC))),
        blocking_keys(decode(encoder.encode(CYRILLIC))),
    )
    assert first == again and len(first) == len(set(first))
    encoding = encoder.encode(CYRILLIC).hex()
    for k in first:
        assert len(k) <= 24 and k.split(":")[1] not in encoding
        assert "Кузнецов" not in k and "1979" not in k


def test_a_person_and_an_organisation_never_share_a_key(encoder: EntityEncoder) -> None:
    assert not keys(encoder, person("Alpha Trading")) & keys(encoder, org("Alpha Trading"))


def test_swapped_day_and_month_share_the_date_key(encoder: EntityEncoder) -> None:
    a, b = person("Anna Schmidt", dob="1980-03-07"), person("Olga Petrova", dob="1980-07-03")
    assert {k for k in keys(encoder, a) & keys(encoder, b) if k.startswith("pd:")}


def test_different_names_and_dates_share_few_keys(encoder: EntityEncoder) -> None:
    stranger = person("Hiroshi Tanaka", dob="1990-11-30")
    assert len(keys(encoder, CYRILLIC) & keys(encoder, stranger)) <= 1


def test_filing_is_bounded_and_replays_find_the_same_candidates() -> None:
    postings: list[str] = []
    first = file_under(postings, "FR/1/0")
    assert first.added and not first.candidates
    second = file_under(postings, "DE/7/0")
    assert second.candidates == ["FR/1/0"] and second.added
    replay = file_under(postings, "FR/1/0")
    assert not replay.added and replay.candidates == [] and postings == ["FR/1/0", "DE/7/0"]
    assert file_under(postings, "DE/7/0").candidates == ["FR/1/0"]


def test_beyond_the_cap_a_key_takes_no_new_subject_but_still_compares() -> None:
    postings = [f"FR/{i}/0" for i in range(MAX_POSTINGS)]
    full = file_under(postings, "DE/1/0")
    assert full.saturated and not full.added
    assert len(full.candidates) == MAX_POSTINGS and len(postings) == MAX_POSTINGS
    small = file_under(["a", "b"], "c", cap=2)
    assert small.saturated and small.candidates == ["a", "b"]
