"""Documents, accounts, LEIs, e-mails, phones, names: canonical forms and the inputs that must
fail (each with the rule it broke). Plus: the pure core loads no Kafka, Faust, Avro or DuckDB."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import streams.core.identifiers as identifiers
from streams.core.identifiers import (
    normalize_account,
    normalize_document,
    normalize_email,
    normalize_lei,
    normalize_name,
    normalize_name_dob,
    normalize_phone,
)
from streams.errors import InvalidIdentifierError

ROOT = Path(__file__).resolve().parents[3]


def reason_of(fn: object, *args: object) -> str:
    assert callable(fn)
    with pytest.raises(InvalidIdentifierError) as info:
        fn(*args)
    return info.value.reason


# --- Accounts ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("acc_type", "number"),
    [
        ("iban", "DE89 3704 0044 0532 0130 00"),
        ("IBAN", "de89370400440532013000"),
        ("Iban", "IBAN DE89-3704-0044-0532-0130-00"),
        ("account", "DE89 3704 0044 0532 0130 00"),  # an IBAN filed under another type
        ("bank account", "DE89370400440532013000"),
    ],
)
def test_iban_canonical(acc_type: str, number: str) -> None:
    assert normalize_account(acc_type, number) == "iban:DE89370400440532013000"


@pytest.mark.parametrize(
    ("number", "expect"),
    [
        ("DE88 3704 0044 0532 0130 00", "bad checksum"),
        ("DE89 3704 0044 0532 0130 0", "bad checksum"),  # stdnum checks the checksum first
        ("XX89 3704 0044 0532 0130 00", "IBAN"),
        ("", "empty number"),
    ],
)
def test_invalid_iban(number: str, expect: str) -> None:
    assert expect in reason_of(normalize_account, "iban", number)


def test_other_accounts() -> None:
    assert normalize_account("Card Number", "4111-1111 1111.1111") == "card_number:4111111111111111"
    assert normalize_account("swift-account", "ab/12 34") == "swift_account:AB1234"
    # IBAN-shaped but not a valid IBAN, under another type: kept as an opaque account number
    assert normalize_account("account", "DE88 3704 0044 0532 0130 00") == "account:DE88370400440532013000"
    assert reason_of(normalize_account, " ", "123") == "missing account type"
    assert reason_of(normalize_account, "account", " - ") == "empty number"
    assert "invalid character" in reason_of(normalize_account, "account", "12#34")


# --- LEI ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "lei", ["213800KUD8LAJWSQ9D15", "5493001KJTIIGC8Y1R12", "506700GE1G29325QX363", "969500T3MBS4SQAMHJ98"]
)
def test_valid_lei(lei: str) -> None:
    assert normalize_lei(lei) == lei
    assert normalize_lei(" " + lei.lower()[:10] + " " + lei.lower()[10:]) == lei


@pytest.mark.parametrize(
    ("lei", "expect"),
    [
        ("969500T3MBS4SQAMHJ45", "bad checksum"),  # DESIGN.md's example entity id: check digits should be 98
        ("213800KUD8LXJWSQ9D15", "bad checksum"),
        ("213800KUD8LAJWSQ9D1", "wrong length"),
        ("213800KUD8LAJWSQ9DX5", "invalid format"),
        ("213800KUD8LAJWSQ9D1_", "invalid format"),
    ],
)
def test_invalid_lei(lei: str, expect: str) -> None:
    assert expect in reason_of(normalize_lei, lei)


# --- Documents ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("country", "doc_type", "number", "canonical"),
    [
        ("RU", "passport", "75 0123456", "RU:passport:750123456"),
        ("ru", "Passport", "75-012.345/6", "RU:passport:750123456"),
        (None, "passport", "c01x00t47", ":passport:C01X00T47"),
        ("", "Driving License", "ab 12 cd", ":driving_license:AB12CD"),
        ("FR", "driving-licence", "12AB34567", "FR:driving_licence:12AB34567"),
        ("ES", "national id", "54362315-k", "ES:national_id:54362315K"),
        ("ES", "national_id", "x-2482300w", "ES:national_id:X2482300W"),  # NIE via the second module
        ("NL", "national_id", "1112.22.333", "NL:national_id:111222333"),
        ("IT", "tax_id", "rccmnl83s18d969h", "IT:tax_id:RCCMNL83S18D969H"),
        ("DE", "tax id", "36 574 261 809", "DE:tax_id:36574261809"),
        ("DE", "VAT", "DE 136,695 976", "DE:vat:136695976"),
        ("US", "ssn", "536-90-4399", "US:ssn:536904399"),
        ("PL", "national_id", "44051401359", "PL:national_id:44051401359"),
        ("BR", "tax_id", "390.533.447-05", "BR:tax_id:39053344705"),
        ("FR", "company_registration", "552 008 443", "FR:company_registration:552008443"),
        ("GB", "national_id", "QQ 12 34 56 C", "GB:national_id:QQ123456C"),  # no stdnum module: generic
        ("XK", "tax_id", "810-000-123", "XK:tax_id:810000123"),  # unknown to stdnum: generic
    ],
)
def test_document_canonical(country: str | None, doc_type: str, number: str, canonical: str) -> None:
    assert normalize_document(country, doc_type, number) == canonical


@pytest.mark.parametrize(
    ("country", "doc_type", "number", "expect"),
    [
        ("ES", "national_id", "54362315Z", "bad checksum (es.dni)"),
        ("ES", "national_id", "54362315", "es."),
        ("NL", "national_id", "1112.52.333", "bad checksum (nl.bsn)"),
        ("PL", "national_id", "44051401358", "bad checksum (pl.pesel)"),
        ("US", "ssn", "666-00-0000", "us.ssn"),
        ("DE", "vat", "136695978", "bad checksum (de.vat)"),
        ("DEU", "passport", "123", "invalid country code"),
        ("R1", "passport", "123", "invalid country code"),
        ("RU", "  ", "123", "missing document type"),
        ("RU", "passport", "  ", "empty number"),
        ("RU", "passport", "75#0123456", "invalid character '#'"),
        ("RU", "passport", "75 О123456", "invalid character"),  # a Cyrillic О
    ],
)
def test_invalid_documents(country: str, doc_type: str, number: str, expect: str) -> None:
    assert expect in reason_of(normalize_document, country, doc_type, number)


# --- E-mail ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("email", "canonical"),
    [
        ("user@Bücher.example", "user@xn--bcher-kva.example"),
        ("User@BÜCHER.example", "user@xn--bcher-kva.example"),
        ("K.Weiss@Example.DE", "k.weiss@example.de"),
        ("  ivan.p@example.org. ", "ivan.p@example.org"),
        ("mailto:Ivan.P+tag@Example.org", "ivan.p+tag@example.org"),
        ("info@münchen.de", "info@xn--mnchen-3ya.de"),
        ("a@xn--bcher-kva.example", "a@xn--bcher-kva.example"),
    ],
)
def test_email_canonical(email: str, canonical: str) -> None:
    assert normalize_email(email) == canonical


@pytest.mark.parametrize(
    ("email", "expect"),
    [
        ("ivan.example.org", "exactly one '@'"),
        ("a@b@example.org", "exactly one '@'"),
        ("@example.org", "empty local part"),
        ("ivan@", "empty domain"),
        ("ivan@localhost", "no dot"),
        ("ivan p@example.org", "invalid character ' '"),
        ("ivan@exa_mple.org", "invalid domain label"),
        ("ivan@-example.org", "invalid domain label"),
        ("ivan@example..org", "empty or over-long domain label"),
        ("x" * 65 + "@example.org", "longer than 64"),
    ],
)
def test_invalid_email(email: str, expect: str) -> None:
    assert expect in reason_of(normalize_email, email)


# --- Phones ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phone", "region", "canonical"),
    [
        ("+7 912 345-67-89", None, "+79123456789"),
        ("+7 912 345-67-89", "DE", "+79123456789"),  # an explicit country code wins over the hint
        ("8 (912) 345-67-89", "RU", "+79123456789"),
        ("030 1234567", "DE", "+49301234567"),
        ("030 1234567", "de", "+49301234567"),
        ("0049 30 1234567", None, "+49301234567"),
        ("0049 30 1234567", "FR", "+49301234567"),
        ("06 12 34 56 78", "FR", "+33612345678"),
    ],
)
def test_phone_canonical(phone: str, region: str | None, canonical: str) -> None:
    assert normalize_phone(phone, region) == canonical


@pytest.mark.parametrize(
    ("phone", "region", "expect"),
    [
        ("030 1234567", None, "no country code and no region hint"),
        ("+7 912", None, "invalid number"),
        ("+999 1234567", None, "unknown country code"),
        ("hello", "DE", "not a phone number"),
        ("", "DE", "empty phone number"),
        ("030 1234567", "ZZ", "unknown region hint 'ZZ'"),
    ],
)
def test_invalid_phone(phone: str, region: str | None, expect: str) -> None:
    assert expect in reason_of(normalize_phone, phone, region)


# --- Names -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["Ivan Petrov", "Иван Петров", "PETROV, Ivan", "  petrov   ivan ", "Petrov Ivan.", "IVAN\tPETROV"]
)
def test_names_are_transliterated_and_order_and_case_insensitive(name: str) -> None:
    assert normalize_name(name) == "ivan petrov"


def test_name_details() -> None:
    assert (
        normalize_name("OLIN, Marc")
        == normalize_name("Marc Olin")
        == normalize_name("marc  olin")
        == "marc olin"
    )
    assert normalize_name("José Müller") == "jose muller"
    assert normalize_name("Seán O'Brien") == normalize_name("Sean O’Brien") == "obrien sean"
    assert normalize_name("Jean-Pierre Dupont") == normalize_name("Dupont Jean Pierre")
    assert normalize_name("Игорь Подъячев") == "igor podiachev"
    assert normalize_name("Пётр Семёнов") == normalize_name("Петр Семенов") == "petr semenov"
    assert normalize_name("Łukasz Søren Straße") == "lukasz soren strasse"
    assert normalize_name("Jose\u0301 Mu\u0308ller") == normalize_name("José Müller")  # decomposed input
    assert normalize_name("王小明") == normalize_name("Wang Xiao Ming")


@pytest.mark.parametrize("name", ["", "   ", "--", "…"])
def test_empty_names_fail(name: str) -> None:
    assert "no letters" in reason_of(normalize_name, name)


def test_name_dob() -> None:
    assert normalize_name_dob("Иван Петров", "1985-03-02") == "ivan petrov|1985-03-02"
    assert normalize_name_dob("PETROV, Ivan", " 1985-03-02 ") == "ivan petrov|1985-03-02"
    for partial in (None, "", "1985", "1985-03"):
        assert normalize_name_dob("Ivan Petrov", partial) is None


@pytest.mark.parametrize(
    ("birth_date", "expect"),
    [
        ("1985-02-30", "no such day"),
        ("1985-13-01", "month out of range"),
        ("1985-04-31", "no such day"),
        ("١٩٨٥-03-02", "expected YYYY-MM-DD"),
        ("1985-13", "month out of range"),
        ("02/03/1985", "expected YYYY-MM-DD"),
        ("1985-3-2", "expected YYYY-MM-DD"),
    ],
)
def test_invalid_birth_dates(birth_date: str, expect: str) -> None:
    assert expect in reason_of(normalize_name_dob, "Ivan Petrov", birth_date)


# --- Package shape -----------------------------------------------------------------------------


def test_public_api() -> None:
    expected = ["wallet", "tx_hash", "document", "account", "lei", "email", "phone", "name", "name_dob"]
    assert set(identifiers.__all__) >= {f"normalize_{kind}" for kind in expected} | {"decode_x_address"}
    for name in identifiers.__all__:
        assert callable(getattr(identifiers, name))


def test_core_imports_no_streaming_or_storage_library() -> None:
    code = (
        "import sys, streams.core, streams.core.identifiers\n"
        "import streams.core.identifiers.wallets, streams.core.identifiers.documents\n"
        "bad = sorted(m for m in ('faust', 'aiokafka', 'kafka', 'fastavro', 'duckdb', 'mode') if m in sys.modules)\n"
        "print(','.join(bad))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""
