"""validate_report: the DESIGN.md JSON shape into the StrReport shape, every problem at once."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from streams.core.validate import MAX_ITEMS, MAX_TEXT, validate_report

# The full example of DESIGN.md ("STR input"), verbatim (the 0x… placeholders included).
DESIGN_EXAMPLE: dict[str, Any] = {
    "report_id": "FR-2026-000123",
    "fiu": "FR",
    "submitted_at": "2026-11-20T14:03:00Z",
    "reporting_entity": {"name": "Example VASP SAS", "kind": "vasp", "id": "969500T3MBS4SQAMHJ45"},
    "typologies": ["ransomware", "mixer"],
    "handling": {"sharing": "auto", "restrictions": ["no-onward-dissemination"]},
    "subjects": [
        {
            "subject_id": "s1",
            "kind": "person",
            "names": ["Ivan Petrov", "Иван Петров"],
            "birth_date": "1985-03-02",
            "nationalities": ["RU"],
            "documents": [{"type": "passport", "number": "750123456", "country": "RU"}],
            "emails": ["ivan.p@example.org"],
            "phones": ["+7 912 345-67-89"],
            "accounts": [{"type": "iban", "number": "DE89 3704 0044 0532 0130 00"}],
            "lei": None,
            "wallets": [{"chain": "btc", "address": "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"}],
        }
    ],
    "transactions": [
        {
            "chain": "eth",
            "tx_hash": "0x…",
            "from_address": "0x…",
            "to_address": "0x…",
            "asset": "USDT",
            "amount": "1250.00",
            "timestamp": "2026-11-19T08:00:00Z",
        }
    ],
    "narrative": "free text; stays with the reporting FIU",
}

MINIMAL: dict[str, Any] = {
    "report_id": "DE-2026-0042",
    "fiu": "DE",
    "submitted_at": "2026-11-20T14:03:00Z",
    "subjects": [{"emails": ["ivan.p@example.org"]}],
}

EMPTY_SUBJECT: dict[str, Any] = {
    "subject_id": None,
    "kind": "person",
    "names": [],
    "birth_date": None,
    "nationalities": [],
    "documents": [],
    "emails": [],
    "phones": [],
    "accounts": [],
    "lei": None,
    "wallets": [],
}


def test_design_example_is_valid_and_kept_whole() -> None:
    original = copy.deepcopy(DESIGN_EXAMPLE)
    record, problems = validate_report(DESIGN_EXAMPLE)
    assert problems == []
    assert record == {**DESIGN_EXAMPLE, "tokens": []}
    assert original == DESIGN_EXAMPLE  # the input is not modified


def test_minimal_report_gets_every_default() -> None:
    record, problems = validate_report(MINIMAL)
    assert problems == []
    assert record == {
        "report_id": "DE-2026-0042",
        "fiu": "DE",
        "submitted_at": "2026-11-20T14:03:00Z",
        "reporting_entity": None,
        "typologies": [],
        "handling": {"sharing": "auto", "restrictions": []},
        "subjects": [{**EMPTY_SUBJECT, "emails": ["ivan.p@example.org"]}],
        "transactions": [],
        "narrative": None,
        "tokens": [],
    }


def test_partial_nested_objects_get_their_defaults() -> None:
    record, problems = validate_report(
        {
            **MINIMAL,
            "reporting_entity": {"name": "Bank"},
            "handling": {"sharing": "consent"},
            "subjects": [{"kind": "organization", "accounts": [{"number": "12345"}]}],
            "transactions": [{"chain": "btc", "amount": 1250}],
        }
    )
    assert problems == []
    assert record is not None
    assert record["reporting_entity"] == {"name": "Bank", "kind": None, "id": None}
    assert record["handling"] == {"sharing": "consent", "restrictions": []}
    assert record["subjects"][0]["kind"] == "organization"
    assert record["subjects"][0]["accounts"] == [{"type": "account", "number": "12345"}]
    assert record["transactions"] == [
        {
            "chain": "btc",
            "tx_hash": None,
            "from_address": None,
            "to_address": None,
            "asset": None,
            "amount": "1250",  # a JSON number amount is kept, as text
            "timestamp": None,
        }
    ]


@pytest.mark.parametrize(
    "report",
    [
        pytest.param(
            {**MINIMAL, "subjects": [], "transactions": [{"chain": "btc", "tx_hash": "ab" * 32}]},
            id="tx-only",
        ),
        pytest.param(
            {
                **{k: v for k, v in MINIMAL.items() if k != "subjects"},
                "tokens": [{"kind": "email", "token": "k1:ab"}],
            },
            id="tokenised-at-source",
        ),
        pytest.param({**MINIMAL, "handling": {"sharing": "none"}}, id="sharing-none"),
        pytest.param({**MINIMAL, "transactions": [{"chain": "eth", "amount": 0.5}]}, id="float-amount"),
        pytest.param({**MINIMAL, "lei": "ignored-unknown-key", "extra": {"x": 1}}, id="unknown-keys-ignored"),
        pytest.param({**MINIMAL, "submitted_at": "2026-11-20T15:03:00.250+01:00"}, id="offset-time"),
        pytest.param(
            {
                **MINIMAL,
                "subjects": [
                    {
                        "nationalities": ["ru"],
                        "documents": [{"type": "passport", "number": "7", "country": "ru"}],
                    }
                ],
            },
            id="lower-case-country-codes",
        ),
    ],
)
def test_valid_variants(report: dict[str, Any]) -> None:
    record, problems = validate_report(report)
    assert problems == []
    assert record is not None
    assert "extra" not in record


def _with(**changes: Any) -> dict[str, Any]:
    out = copy.deepcopy(MINIMAL)
    for k, v in changes.items():
        if v is _DROP:
            out.pop(k, None)
        else:
            out[k] = v
    return out


def _subject(**fields: Any) -> dict[str, Any]:
    return _with(subjects=[{"emails": ["a@example.org"], **fields}])


_DROP = object()
LONG = "x" * (MAX_TEXT + 1)

# (id, report, expected field path, reason substring)
BAD: list[tuple[str, Any, str, str]] = [
    ("not-an-object", ["FR-1"], "", "must be a JSON object, not list"),
    ("null", None, "", "must be a JSON object, not NoneType"),
    ("no-report-id", _with(report_id=_DROP), "report_id", "required"),
    ("empty-report-id", _with(report_id="  "), "report_id", "must not be empty"),
    ("numeric-report-id", _with(report_id=123), "report_id", "must be a string, not int"),
    ("no-fiu", _with(fiu=_DROP), "fiu", "required"),
    ("lower-fiu", _with(fiu="fr"), "fiu", "ISO 3166-1 alpha-2"),
    ("alpha3-fiu", _with(fiu="FRA"), "fiu", "ISO 3166-1 alpha-2"),
    ("fiu-with-newline", _with(fiu="FR\n"), "fiu", "ISO 3166-1 alpha-2"),
    ("no-submitted-at", _with(submitted_at=_DROP), "submitted_at", "required"),
    ("words-for-time", _with(submitted_at="yesterday"), "submitted_at", "not an ISO-8601 timestamp"),
    (
        "impossible-date",
        _with(submitted_at="2026-13-45T00:00:00Z"),
        "submitted_at",
        "not an ISO-8601 timestamp",
    ),
    ("epoch-number", _with(submitted_at=1763647380), "submitted_at", "must be a string, not int"),
    ("naive-time", _with(submitted_at="2026-11-20T14:03:00"), "submitted_at", "no UTC offset"),
    ("date-only", _with(submitted_at="2026-11-20"), "submitted_at", "no UTC offset"),
    (
        "tx-naive-time",
        _with(transactions=[{"chain": "btc", "timestamp": "2026-11-19T08:00:00"}]),
        "transactions[0].timestamp",
        "no UTC offset",
    ),
    (
        "tx-words-for-time",
        _with(transactions=[{"chain": "btc", "timestamp": "last tuesday"}]),
        "transactions[0].timestamp",
        "not an ISO-8601 timestamp",
    ),
    ("nationality-name", _subject(nationalities=["Russia"]), "subjects[0].nationalities[0]", "alpha-2"),
    (
        "document-country-name",
        _subject(documents=[{"type": "passport", "number": "75", "country": "Russia"}]),
        "subjects[0].documents[0].country",
        "alpha-2",
    ),
    ("nothing-to-match", _with(subjects=[]), "subjects", "at least one subject or transaction"),
    ("no-subjects-key", _with(subjects=_DROP), "subjects", "at least one subject or transaction"),
    ("subjects-not-list", _with(subjects="Ivan"), "subjects", "must be a list, not str"),
    ("subject-not-object", _with(subjects=["Ivan"]), "subjects[0]", "must be an object, not str"),
    ("too-many-subjects", _with(subjects=[{}] * (MAX_ITEMS + 1)), "subjects", f"more than {MAX_ITEMS} items"),
    ("entity-not-object", _with(reporting_entity="Example VASP"), "reporting_entity", "must be an object"),
    ("entity-name-number", _with(reporting_entity={"name": 5}), "reporting_entity.name", "must be a string"),
    ("handling-not-object", _with(handling="none"), "handling", "must be an object"),
    ("unknown-sharing", _with(handling={"sharing": "secret"}), "handling.sharing", "auto, consent, none"),
    (
        "restrictions-str",
        _with(handling={"restrictions": "no-onward"}),
        "handling.restrictions",
        "list of strings",
    ),
    (
        "restriction-number",
        _with(handling={"restrictions": [1]}),
        "handling.restrictions[0]",
        "must be a string",
    ),
    ("typologies-str", _with(typologies="ransomware"), "typologies", "must be a list of strings"),
    ("typology-number", _with(typologies=["mixer", 7]), "typologies[1]", "must be a string"),
    ("narrative-number", _with(narrative=5), "narrative", "must be a string, not int"),
    ("narrative-too-long", _with(narrative=LONG), "narrative", f"longer than {MAX_TEXT}"),
    ("subject-kind", _subject(kind="robot"), "subjects[0].kind", "person or organization"),
    ("emails-str", _subject(emails="a@example.org"), "subjects[0].emails", "list of strings"),
    (
        "too-many-emails",
        _subject(emails=["a@example.org"] * (MAX_ITEMS + 1)),
        "subjects[0].emails",
        "more than",
    ),
    ("name-number", _subject(names=[42]), "subjects[0].names[0]", "must be a string"),
    ("birth-date-number", _subject(birth_date=19850302), "subjects[0].birth_date", "must be a string"),
    ("wallet-no-address", _subject(wallets=[{"chain": "btc"}]), "subjects[0].wallets[0].address", "required"),
    ("wallet-no-chain", _subject(wallets=[{"address": "bc1q"}]), "subjects[0].wallets[0].chain", "required"),
    ("wallet-not-object", _subject(wallets=["bc1q"]), "subjects[0].wallets[0]", "must be an object"),
    (
        "document-no-number",
        _subject(documents=[{"type": "passport"}]),
        "subjects[0].documents[0].number",
        "required",
    ),
    ("document-no-type", _subject(documents=[{"number": "75"}]), "subjects[0].documents[0].type", "required"),
    (
        "account-no-number",
        _subject(accounts=[{"type": "iban"}]),
        "subjects[0].accounts[0].number",
        "required",
    ),
    ("lei-number", _subject(lei=5493), "subjects[0].lei", "must be a string"),
    ("tx-not-list", _with(transactions={"chain": "btc"}), "transactions", "must be a list, not dict"),
    ("tx-no-chain", _with(transactions=[{"tx_hash": "ab"}]), "transactions[0].chain", "required"),
    (
        "tx-bool-amount",
        _with(transactions=[{"chain": "btc", "amount": True}]),
        "transactions[0].amount",
        "not bool",
    ),
    (
        "tx-hash-number",
        _with(transactions=[{"chain": "btc", "tx_hash": 1}]),
        "transactions[0].tx_hash",
        "string",
    ),
    ("token-no-token", _with(tokens=[{"kind": "email"}]), "tokens[0].token", "required"),
    ("token-no-kind", _with(tokens=[{"token": "k1:ab"}]), "tokens[0].kind", "required"),
]


@pytest.mark.parametrize(("report", "path", "reason"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_report_is_rejected_with_path_and_reason(report: Any, path: str, reason: str) -> None:
    record, problems = validate_report(report)
    assert record is None, "a report with problems must not come back as a record"
    assert problems, "a rejected report must say why"
    matching = [why for p, why in problems if p == path]
    assert matching, f"no problem at {path!r} in {problems}"
    assert any(reason in why for why in matching), f"{reason!r} not in {matching}"


def test_every_problem_is_reported_at_once() -> None:
    report = {
        "report_id": "FR-9",
        "fiu": "France",
        "submitted_at": "2026-02-30T10:00:00Z",
        "handling": {"sharing": "sometimes", "restrictions": [None]},
        "typologies": "mixer",
        "subjects": [
            {"kind": "robot", "wallets": [{"chain": "btc"}], "emails": ["ok@example.org", 3]},
            "not a subject",
        ],
        "transactions": [{"amount": "1.0"}],
        "narrative": ["not", "text"],
    }
    record, problems = validate_report(report)
    assert record is None
    assert {p for p, _ in problems} == {
        "fiu",
        "submitted_at",
        "handling.sharing",
        "handling.restrictions[0]",
        "typologies",
        "subjects[0].kind",
        "subjects[0].wallets[0].address",
        "subjects[0].emails[1]",
        "subjects[1]",
        "transactions[0].chain",
        "narrative",
    }


def test_bad_fiu_and_bad_date_give_both() -> None:
    record, problems = validate_report(_with(fiu="fr", submitted_at="20 Nov 2026"))
    assert record is None
    assert [p for p, _ in problems] == ["fiu", "submitted_at"]


@pytest.mark.parametrize(
    "mutate",
    [
        lambda r: r.update(typologies="ransomware"),
        lambda r: r.update(narrative=5),
        lambda r: r.update(fiu="fr"),
    ],
    ids=["typologies", "narrative", "fiu"],
)
def test_contract_record_xor_problems(mutate: Callable[[dict[str, Any]], None]) -> None:
    """(record, []) or (None, problems): never a record together with problems, which callers
    (publish, ingest) would accept because they only look at the record."""
    report = copy.deepcopy(MINIMAL)
    mutate(report)
    record, problems = validate_report(report)
    assert (record is None) == bool(problems)
