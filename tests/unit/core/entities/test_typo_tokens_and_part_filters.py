"""Format 3: the birth-date typo tokens and the per-part filters, at the encoding level."""

from __future__ import annotations

import pytest
from entities_helpers import person

from streams.core.entities import EntityEncoder
from streams.core.entities.encode import MASK_BYTES, MASKS, decode


def masks(encoder: EntityEncoder, dob: str) -> tuple[int, ...]:
    return decode(encoder.encode(person("Ivan Petrov", dob=dob))).birth_masks


def shared(x: tuple[int, ...], y: tuple[int, ...]) -> list[int]:
    return [i for i in range(MASKS) if x[i] == y[i]]


@pytest.mark.parametrize(
    ("a", "b", "column"),
    [
        ("1980-03-04", "1981-03-04", 3),  # YYYYMMDD position 3 masked
        ("1980-03-04", "1980-03-09", 7),
        ("1980-03-14", "1980-03-24", 6),
        ("1980-03-13", "1980-03-31", 8 + 6),  # positions 6, 7 transposed
        ("1980-10-04", "1980-01-04", 8 + 4),  # positions 4, 5 transposed
        ("1980-03-04", "1908-03-04", 8 + 2),  # positions 2, 3 transposed
    ],
)
def test_one_typo_apart_share_exactly_that_token(encoder: EntityEncoder, a: str, b: str, column: int) -> None:
    assert shared(masks(encoder, a), masks(encoder, b)) == [column]


def test_unrelated_and_partial_dates_share_no_typo_token(encoder: EntityEncoder) -> None:
    assert shared(masks(encoder, "1980-03-04"), masks(encoder, "1975-11-20")) == []
    assert masks(encoder, "1980-03") == () and masks(encoder, "1980") == ()
    full = masks(encoder, "1980-03-04")
    assert len(full) == MASKS and all(0 <= t < 1 << (8 * MASK_BYTES) for t in full)


def test_an_equal_date_shares_every_token_and_the_key_changes_them(encoder: EntityEncoder) -> None:
    assert shared(masks(encoder, "1980-03-04"), masks(encoder, "1980-03-04")) == list(range(MASKS))
    other = EntityEncoder(b"another consortium key")
    assert shared(masks(encoder, "1980-03-04"), masks(other, "1980-03-04")) == []


def test_part_filters_hold_first_and_last_part_in_either_order(encoder: EntityEncoder) -> None:
    def parts(name: str) -> int:
        return decode(encoder.encode(person(name))).names[0].parts

    assert parts("Ivan Petrov") == parts("Petrov Ivan") == parts("Иван Петров")
    # a middle name is in the main filter, not in the part filters
    assert parts("Ivan Sergeyevich Petrov") == parts("Ivan Petrov")
    assert parts("Ivan Petrov") != parts("Ivan Sidorov")
    # the same part gives the same half, whatever the other part
    halves = {parts("Ivan Petrov") >> 64, parts("Ivan Petrov") & (1 << 64) - 1}
    assert halves & {parts("Ivan Sidorov") >> 64, parts("Ivan Sidorov") & (1 << 64) - 1}


def test_a_person_with_three_names_stays_in_the_budget(encoder: EntityEncoder) -> None:
    one = encoder.encode(person("Ivan Petrov", dob="1980-03-04", nat=("RU",)))
    assert len(one) == 161
    data, left_out = encoder.encode_audited(
        person("Ivan Petrov", "Pyotr Ivanov", "Sergei Smirnov", dob="1980-03-04", nat=("RU",))
    )
    assert len(data) == 291 and left_out == []
