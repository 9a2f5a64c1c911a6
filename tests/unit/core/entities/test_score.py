"""Golden behaviour of the whole path: subjects -> encodings -> comparison."""

from __future__ import annotations

import pytest
from entities_helpers import one, org, person

from streams.core.entities import EntityEncoder


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (person("Ivan Petrov"), person("Иван Петров")),
        (person("Петров Иван"), person("Ivan Petrov")),  # order of parts
        (person("Shcherbakov Yuriy"), person("Ščerbakov Jurij")),  # two romanisation standards
        (person("Mohammed bin Salman"), person("محمد بن سلمان")),  # abjad vs Latin
        (person("Benjamin Netanyahu"), person("בנימין נתניהו")),
        (person("Mr. José Müller"), person("jose muller")),  # honorific, diacritics, case
        (org("Siemens AG"), org("SIEMENS Aktiengesellschaft")),
        (org("ООО «Ромашка»"), org("Romashka LLC")),
    ],
)
def test_same_entity_matches(encoder: EntityEncoder, a, b) -> None:  # type: ignore[no-untyped-def]
    r = one(encoder, a, b)
    assert r.decision == "match", r


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (person("Anna Schmidt"), person("Peter Novak")),
        (person("Anna Schmidt"), person("Maria Schmidt")),  # one shared part is not the person
        (org("Acme Holdings Ltd"), org("Zenith Trading GmbH")),
    ],
)
def test_different_entities_do_not_match(encoder: EntityEncoder, a, b) -> None:  # type: ignore[no-untyped-def]
    assert one(encoder, a, b).decision == "no"


def test_reversed_patronymic_is_not_the_same_person(encoder: EntityEncoder) -> None:
    # "Salman bin Muhammad" (Salman, son of Muhammad) is the father or the son of "Muhammad bin
    # Salman", not the same man: the parts are equal, their roles are reversed.
    r = one(encoder, person("Salman bin Muhammad"), person("Muhammad bin Salman"))
    assert r.decision == "no"
    assert r.why["order"] == "reversed"
    # the same name with and without the particle is still the same person
    assert one(encoder, person("Salman bin Muhammad"), person("Salman Muhammad")).decision == "match"


def test_contradicting_full_birth_date_vetoes_a_name_match(encoder: EntityEncoder) -> None:
    same = person("Ivan Petrov", dob="1980-03-04")
    assert one(encoder, same, person("Иван Петров", dob="1980-03-04")).decision == "match"
    r = one(encoder, same, person("Иван Петров", dob="1975-11-20"))
    assert r.decision == "no"
    assert r.why["birth_date"] == "contradicts"


def test_exact_birth_date_rescues_a_weak_name_match(encoder: EntityEncoder) -> None:
    a, b = person("Jon Smyth-Jones"), person("John Smith")
    assert one(encoder, a, b).decision == "no"
    a2, b2 = person("Jon Smyth-Jones", dob="1970-01-02"), person("John Smith", dob="1970-01-02")
    r = one(encoder, a2, b2)
    assert r.decision == "match"
    assert r.why["birth_date"] == "exact"


@pytest.mark.parametrize(
    ("da", "db", "code"),
    [
        ("1980-03-04", "1980-04-03", "swapped"),
        ("1980-03-04", "1980", "year"),
        ("1980-03-04", "1980-03", "year_month"),
        ("1980-03-04", "1980-03-19", "day_differs"),
        ("1980-03-04", "1980-11-04", "month_differs"),
        ("1980-03-04", "1980-03-09", "one_digit"),
        ("1980-03-04", "1980-07-04", "one_digit"),
        ("1980-03-13", "1980-03-31", "one_digit"),  # day's digits transposed
        ("1980-10-04", "1980-01-04", "one_digit"),  # month's digits transposed
        ("1980-03-04", "1981-03-04", "year_typo"),  # one digit of the year
        ("1980-03-04", "1908-03-04", "year_typo"),  # the year's last two digits transposed
        ("1980-03-04", "1975-03-04", "contradicts"),
        ("1980-03-04", "1981-03-05", "contradicts"),  # a digit of the year and one of the day
        ("1980-03", "1981", "contradicts"),
        ("1980-03-04", None, "missing"),
    ],
)
def test_birth_date_signals(encoder: EntityEncoder, da: str, db: str | None, code: str) -> None:
    r = one(encoder, person("Ivan Petrov", dob=da), person("Ivan Petrov", dob=db))
    assert r.why["birth_date"] == code


def test_year_typo_makes_a_perfect_name_possible_never_a_match(encoder: EntityEncoder) -> None:
    # the same name one digit of the year apart is a typo or a relative: a reviewer decides
    r = one(
        encoder, person("Annabelle Couzens", dob="1926-05-08"), person("Annabelle Couzens", dob="1925-05-08")
    )
    assert (r.decision, r.why["birth_date"]) == ("possible", "year_typo")
    far = one(
        encoder, person("Annabelle Couzens", dob="1926-05-08"), person("Annabelle Couzens", dob="1956-05-08")
    )
    assert far.why["birth_date"] == "year_typo" and far.decision == "possible"
    assert (
        one(
            encoder, person("Annabelle Couzens", dob="1926-05-08"), person("Peter Novak", dob="1925-05-08")
        ).decision
        == "no"
    )


def test_transposed_day_digits_with_a_typo_name_match(encoder: EntityEncoder) -> None:
    r = one(encoder, person("Jake Gillard", dob="1959-08-13"), person("Jake Gilard", dob="1959-08-31"))
    assert (r.decision, r.why["birth_date"]) == ("match", "one_digit")


def test_agreeing_birth_date_forgives_letters_moved_by_a_typo(encoder: EntityEncoder) -> None:
    # with the same full date the skeletons count beside the bigrams: moved vowels cost less
    a, b = person("Zane Crouch", dob="1959-05-01"), person("Zanj Crocuh", dob="1959-05-01")
    assert one(encoder, a, b).decision == "match"
    assert one(encoder, person("Zane Crouch"), person("Zanj Crocuh")).decision == "no"
    assert one(encoder, a, person("Zanj Crocuh", dob="1959-05-02")).decision != "match"


def test_nationality_signal(encoder: EntityEncoder) -> None:
    a = person("Ivan Petrov", nat=("RU",))
    assert one(encoder, a, person("Ivan Petrov", nat=("RU", "KZ"))).why["nationality"] == "agree"
    assert one(encoder, a, person("Ivan Petrov", nat=("UA",))).why["nationality"] == "disagree"
    assert one(encoder, a, person("Ivan Petrov")).why["nationality"] == "missing"


def test_person_never_matches_organisation(encoder: EntityEncoder) -> None:
    r = one(encoder, person("Jordan"), org("Jordan"))
    assert (r.score, r.decision, r.why) == (0.0, "no", {"kind": "differs"})


def test_best_alias_counts(encoder: EntityEncoder) -> None:
    a = person("Abu Bakr", "Ibrahim Awad Ibrahim Ali al-Badri")
    assert one(encoder, a, person("Ibrahim Awad Ibrahim al-Badri")).decision == "match"


def test_exact_birth_date_and_a_shared_part_rescue_a_replaced_part(encoder: EntityEncoder) -> None:
    a = person("Angus McGregor", dob="1917-04-09")
    r = one(encoder, a, person("Angus Tiller", dob="1917-04-09"))
    assert r.decision == "match" and r.why["name_part"] == "agree"
    assert one(encoder, a, person("Angus Tiller", dob="1917-04-19")).decision == "no"
    assert one(encoder, a, person("Angus Tiller")).decision == "no"


def test_bigram_overlap_without_a_shared_part_is_not_rescued(encoder: EntityEncoder) -> None:
    r = one(encoder, person("Breana Thorpe", dob="1966-01-17"), person("Benjamin Goode", dob="1966-01-17"))
    assert r.why["name_part"] == "none" and r.decision == "no"


def test_a_part_a_typo_away_with_an_exact_date_rescues_a_replaced_part(encoder: EntityEncoder) -> None:
    a = person("Annabella Bordeaux", dob="1931-02-17")
    r = one(encoder, a, person("Ronna Bordeux", dob="1931-02-17"))
    assert (r.decision, r.why["name_part"]) == ("match", "close")
    assert one(encoder, a, person("Ronna Bordeux")).decision == "no"
    assert one(encoder, a, person("Ronna Bordeux", dob="1931-02-18")).decision == "no"
    # no part alike: the same date alone is not the person
    assert one(encoder, a, person("Ronna Whitfield", dob="1931-02-17")).why["name_part"] == "none"


def test_typos_in_every_part_count_where_one_shared_part_does_not(encoder: EntityEncoder) -> None:
    r = one(encoder, person("Chloe Musolino"), person("Chloe Musoilno"))
    assert (r.decision, r.why["name_parts"]) == ("match", "close")
    other = one(encoder, person("Chloe Musolino"), person("Chloe Whitfield"))
    assert (other.decision, other.why["name_parts"]) == ("no", "apart")
    # not where the birth dates disagree
    far = one(encoder, person("Chloe Musolino", dob="1950-03-04"), person("Chloe Musoilno", dob="1951-03-04"))
    assert far.decision != "match"


def test_reversed_roles_share_no_part(encoder: EntityEncoder) -> None:
    r = one(
        encoder,
        person("Salman bin Muhammad", dob="1985-08-31"),
        person("Muhammad bin Salman", dob="1985-08-31"),
    )
    assert r.why["order"] == "reversed" and r.why["name_part"] == "none" and r.decision != "match"
