"""What publish checks before anything leaves: the hub's own checks plus unknown keys."""

from __future__ import annotations

import json
from typing import Any

import pytest

from streams.feed_check import JSON_ARRAY, check_line, report_shape, unknown_keys
from streams.testing import report


def _good(**kw: Any) -> dict[str, Any]:
    return report("FR-1", "FR", names=["Ivan Petrov"], birth_date="1985-03-02", **kw)


def test_a_clean_report_has_no_problems() -> None:
    checked = check_line(
        json.dumps(_good(wallets=[{"chain": "btc", "address": "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"}]))
    )
    assert checked.record is not None and checked.errors == [] and checked.warnings == []


def test_the_known_keys_are_the_schemas_at_every_level() -> None:
    shape = report_shape()
    assert {"report_id", "subjects", "transactions", "handling", "tokens", "narrative"} <= set(shape)
    subject = shape["subjects"]
    assert subject is not None and subject["wallets"] == {"chain": None, "address": None}
    assert shape["transactions"] is not None and "tx_hash" in shape["transactions"]


@pytest.mark.parametrize(
    ("patch", "path", "hint"),
    [
        ({"handlng": {}}, "handlng", "handling"),
        ({"subjects": [{"kind": "person", "wallet": [{"chain": "btc", "address": "x"}]}]}, "subjects[0].wallet", "wallets"),
        ({"subjects": [{"wallets": [{"chain": "btc", "adress": "x"}]}]}, "subjects[0].wallets[0].adress", "address"),
        ({"transactions": [{"chain": "eth", "txhash": "0x1"}]}, "transactions[0].txhash", "tx_hash"),
        ({"handling": {"sharing": "auto", "restriction": []}}, "handling.restriction", "restrictions"),
        ({"reporting_entity": {"nom": "x"}}, "reporting_entity.nom", None),
    ],
)  # fmt: skip
def test_unknown_keys_are_named_with_their_path_at_any_level(
    patch: dict, path: str, hint: str | None
) -> None:
    problems = unknown_keys({**_good(), **patch})
    assert [p for p, _ in problems] == [path]
    why = problems[0][1]
    assert why.startswith("unknown key, ignored")
    assert (f"did you mean {hint!r}?" in why) if hint else ("did you mean" not in why)


def test_a_bad_identifier_is_a_warning_and_the_report_still_goes() -> None:
    bad = _good(wallets=[{"chain": "btc", "address": "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5"}])
    checked = check_line(json.dumps(bad))
    assert checked.record is not None and checked.errors == []
    assert [(p, w.endswith(": left out of matching")) for p, w in checked.warnings] == [
        ("subjects[0].wallets[0].address", True)
    ]


def test_a_broken_contract_is_an_error_and_unknown_keys_are_still_named() -> None:
    checked = check_line(json.dumps({**_good(), "submitted_at": "2026-11-20T10:00:00", "narative": "x"}))
    assert checked.record is None
    assert [p for p, _ in checked.errors] == ["submitted_at"]
    assert [p for p, _ in checked.warnings] == ["narative"]


@pytest.mark.parametrize("line", ['[{"report_id": "x"}]', "[", "  [\n"])
def test_a_json_array_says_so(line: str) -> None:
    assert check_line(line).errors == [("", JSON_ARRAY)]


def test_not_json_is_an_error() -> None:
    (path, why), = check_line("{not json").errors  # fmt: skip
    assert path == "" and why.startswith("not valid JSON")
