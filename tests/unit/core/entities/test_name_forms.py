"""Normalisation of names per script: what each rule is for, on names that need it."""

from __future__ import annotations

import pytest
from entities_helpers import one, person

from streams.core.entities import EntityEncoder, name_form
from streams.core.entities.normalize import skeleton


def test_hangul_family_name_in_its_customary_spelling() -> None:
    assert name_form("이명박", "person").parts[0] == name_form("Lee", "person").parts[0]
    assert name_form("박근혜", "person").parts[0] == name_form("Park", "person").parts[0]
    assert name_form("노무현", "person").parts[0] == name_form("Roh", "person").parts[0]
    assert name_form("이가은비", "person").parts[0] == "i"  # four syllables: the family name may be two


def test_arabic_ta_marbuta_and_ayn() -> None:
    assert name_form("فاطمة", "person").skeletons == name_form("Fatima", "person").skeletons
    assert name_form("سعيد", "person").parts == ("sid",)  # ʿayn dropped, not a word break
    assert name_form("مدينة السلام", "person").skeletons[0] == name_form("Madina", "person").skeletons[0]


@pytest.mark.parametrize(("a", "b"), [("rhl", "racel"), ("ivsp", "esef"), ("vu", "u")])
def test_skeleton_classes(a: str, b: str) -> None:
    assert skeleton(a) == skeleton(b)


@pytest.mark.parametrize(
    ("native", "latin"),
    [
        ("이건희", "Lee Kun-hee"),
        ("박근혜", "Park Geun-hye"),
        ("فاطمة حداد", "Fatima Haddad"),
        ("רחל כהן", "Rachel Cohen"),
    ],
)
def test_native_script_matches_its_english_spelling(encoder: EntityEncoder, native: str, latin: str) -> None:
    assert one(encoder, person(native), person(latin)).decision == "match"


@pytest.mark.parametrize(("native", "latin"), [("이건희", "Lee Jae-myung"), ("רחל כהן", "Rachel Levi")])
def test_native_script_does_not_match_another_name(encoder: EntityEncoder, native: str, latin: str) -> None:
    assert one(encoder, person(native), person(latin)).decision == "no"


@pytest.mark.parametrize(
    "name", ["Abdul Rahman", "Abd al-Rahman", "Abdel Rahman", "Abdulrahman", "عبد الرحمن"]
)
def test_servant_of_names_are_one_part(name: str) -> None:
    form = name_form(name, "person")
    assert len(form.parts) == 1 and form.skeletons == name_form("Abdulrahman", "person").skeletons


def test_servant_of_name_keeps_its_roles() -> None:
    form = name_form("Salman bin Abdulaziz", "person")
    assert form.before == ("salman",) and form.after == (name_form("Abdel Aziz", "person").parts[0],)


def test_vowel_only_parts_keep_a_skeleton(encoder: EntityEncoder) -> None:
    assert skeleton("a") != skeleton("e")  # else any two vowel-only names would agree
    assert one(encoder, person("아이우"), person("Eo U Ai")).decision != "match"
