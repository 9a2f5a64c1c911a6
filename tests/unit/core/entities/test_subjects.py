"""Reading subjects (pairs lines and the report shape) and the purity of the package."""

from __future__ import annotations

import subprocess
import sys

import pytest

from streams.core.entities import BirthDate, subject_from_json
from streams.errors import ValidationError


def test_report_subject_shape_is_read() -> None:
    s = subject_from_json(
        {
            "subject_id": "s1",
            "kind": "person",
            "names": ["Ivan Petrov", "Иван Петров"],
            "birth_date": "1980-03",
            "nationalities": ["ru", "KZ"],
            "emails": ["x@example.org"],
        }
    )
    assert s.names == ("Ivan Petrov", "Иван Петров")
    assert s.birth_date == BirthDate(1980, 3) and s.birth_date.precision == 2
    assert s.nationalities == ("KZ", "RU")
    org = subject_from_json({"kind": "organization", "names": ["Siemens AG"], "country": "de"})
    assert (org.kind, org.country) == ("organization", "DE")


def test_every_problem_is_named() -> None:
    with pytest.raises(ValidationError) as exc:
        subject_from_json(
            {
                "kind": "robot",
                "names": ["ok", 7],
                "birth_date": "1980-02-30",
                "nationalities": ["RUS"],
                "country": 1,
            },
            "a",
        )
    assert [p for p, _ in exc.value.problems] == [
        "a.kind",
        "a.names[1]",
        "a.birth_date",
        "a.nationalities[0]",
        "a.country",
    ]


@pytest.mark.parametrize("obj", [None, [], "x", {"names": []}, {"names": None}, {}])
def test_not_a_subject(obj: object) -> None:
    with pytest.raises(ValidationError):
        subject_from_json(obj, "b")


def test_package_loads_no_kafka_faust_avro_duckdb_or_click() -> None:
    code = (
        "import sys, streams.core.entities\n"
        "bad = sorted(m for m in ('faust', 'aiokafka', 'kafka', 'fastavro', 'duckdb', 'click') if m in sys.modules)\n"
        "print(','.join(bad))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == ""
