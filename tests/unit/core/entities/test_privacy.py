"""What leaves ingest: no name, no date, no raw value in the why; keyed and deterministic."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from entities_helpers import KEY, person

from streams.core.entities import Batch, EntityEncoder, EntityEncodingError, compare, decode, score_pairs
from streams.core.entities.normalize import name_form

NAMES = ["Ivan Petrov", "Иван Петров", "Maria Fernanda Gonzalez", "محمد بن سلمان", "Anna"]


@pytest.mark.parametrize("name", NAMES)
def test_encoding_contains_no_name_substring(encoder: EntityEncoder, name: str) -> None:
    data = encoder.encode(person(name, dob="1980-03-04", nat=("RU",)))
    form = name_form(name, "person")
    pieces = {name, *name.split(), *form.parts, *form.skeletons, "1980", "RU"}
    for piece in pieces:
        for enc in ("utf-8", "utf-16-le", "ascii"):
            try:
                raw = piece.encode(enc)
            except UnicodeEncodeError:
                continue
            if len(raw) >= 3:
                assert raw not in data, (piece, enc)
                assert raw.lower() not in data.lower(), (piece, enc)


def test_why_has_no_raw_value(encoder: EntityEncoder) -> None:
    a = person("Ivan Petrov", dob="1980-03-04", nat=("RU",))
    b = person("Иван Петров", dob="1980-04-03", nat=("RU",))
    text = json.dumps(score_pairs(encoder, [(a, b)])[0].why, ensure_ascii=False).lower()
    for raw in ("ivan", "petrov", "иван", "1980", 'ru"', "03", "04"):
        assert raw not in text


def test_encoding_is_small(encoder: EntityEncoder) -> None:
    assert len(encoder.encode(person("Ivan Petrov", dob="1980-03-04", nat=("RU",)))) <= 300
    three = person("Ivan Petrov", "Ivan Ivanovich Petrov", "Vanya Petrov", dob="1980-03-04", nat=("RU", "KZ"))
    assert len(encoder.encode(three)) <= 300
    assert len(decode(encoder.encode(three)).names) == 3


def test_roles_are_stored_only_for_a_patronymic_name(encoder: EntityEncoder) -> None:
    plain = encoder.encode(person("Salman Muhammad"))
    both = encoder.encode(person("Salman Muhammad", "Salman bin Muhammad bin Abdulaziz"))
    names = decode(both).names
    assert [bool(n.roles) for n in names] == [False, True]
    assert len(both) == len(plain) + (len(plain) - 11) + 16
    assert decode(plain).names[0] == names[0]


def test_names_past_the_budget_are_left_out_and_said(encoder: EntityEncoder) -> None:
    names = (
        "Ivan Petrov",
        "Иван Петров",
        "Petrov Ivan",
        "Ivan I. Petrov",
        "Vanya Petrov",
        "Jean Petroff",
        "Ivan P",
    )
    data, left_out = encoder.encode_audited(person(*names, dob="1980-03-04", nat=("RU", "KZ", "UA")))
    assert len(data) <= 300
    kept = len(decode(data).names)
    assert kept + len(left_out) == len(names)
    assert {
        ("names[1]", "encodes as an earlier name (same parts)"),
        ("names[2]", "encodes as an earlier name (same parts)"),
    } <= set(left_out)
    assert [f for f, why in left_out if "300 bytes" in why] == [
        f"names[{i}]" for i in range(kept + 2, len(names))
    ]
    first = score_pairs(encoder, [(person("Ivan Petrov"), person(*names))])[0]
    assert first.why["name"] == 1.0


def test_deterministic_across_processes(encoder: EntityEncoder) -> None:
    code = (
        "import sys; from streams.core.entities import EntityEncoder, Subject;"
        "from streams.core.entities.subjects import parse_birth_date as p;"
        f"e = EntityEncoder({KEY!r});"
        "sys.stdout.write(e.encode(Subject('person', ('Иван Петров', 'Ivan P.'), p('1980-03-04'), ('RU',))).hex())"
    )
    outs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2")
    }
    here = encoder.encode(person("Иван Петров", "Ivan P.", dob="1980-03-04", nat=("RU",))).hex()
    assert outs == {here}


def test_different_keys_are_incomparable() -> None:
    s = person("Ivan Petrov", dob="1980-03-04")
    a, b = EntityEncoder(b"key one").encode(s), EntityEncoder(b"key two").encode(s)
    assert a != b
    assert decode(a).names[0].main != decode(b).names[0].main
    with pytest.raises(EntityEncodingError):
        Batch.of([a, b])
    one, two = Batch.of([a]), Batch.of([b])
    with pytest.raises(EntityEncodingError):
        compare(one, np.zeros(1, np.int64), two, np.zeros(1, np.int64))


def test_other_key_bits_do_not_line_up() -> None:
    # even with the fingerprint check bypassed, another key's filters share no more bits than chance
    s = person("Ivan Petrov")
    ma = decode(EntityEncoder(b"key one").encode(s)).names[0].main
    mb = decode(EntityEncoder(b"key two").encode(s)).names[0].main
    dice = 2 * (ma & mb).bit_count() / (ma.bit_count() + mb.bit_count())
    assert dice < 0.75


def test_bad_bytes_are_refused() -> None:
    for data in (b"", b"\x01", b"\x02" + bytes(20), EntityEncoder(KEY).encode(person("Ivan"))[:-1]):
        with pytest.raises(EntityEncodingError):
            decode(data)
