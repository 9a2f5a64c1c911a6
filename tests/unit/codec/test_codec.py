"""Avro single-object encoding: golden bytes, fingerprints checked against two independent
implementations (fastavro, the Apache ``avro`` package) and the Avro spec's own vectors, round
trips of every record type, and a table of inputs that must fail with a DecodeError saying why."""

from __future__ import annotations

import io
import json
import random
from pathlib import Path
from typing import Any

import avro.io
import avro.schema
import fastavro.schema
import pytest

from streams.codec import Codec, codec, fingerprint
from streams.codec.avro import MAGIC, SCHEMA_DIR
from streams.errors import DecodeError, FiulinkError

SCHEMA_FILES = sorted(SCHEMA_DIR.glob("*.avsc"))
SCHEMA_NAMES = [p.stem for p in SCHEMA_FILES]

# -- fixed records for the golden-bytes tests ------------------------------------------------

SIGHTING = {
    "token": "k1:9f86d081",
    "kind": "wallet",
    "fiu": "FR",
    "report_id": "FR-2026-000123",
    "sharing": "auto",
    "restrictions": ["no-onward-dissemination"],
    "submitted_at": "2026-11-20T14:03:00Z",
    "source_ts": 1763647380000,
}

# Every part spelled out from the Avro spec: strings are a zig-zag varint length + UTF-8, longs
# are zig-zag varints, a union is the branch index (zig-zag) then the value, an array is a block
# count, the items, then 0.
SOURCE_TS = "c0e89a99d466"  # zig-zag varint of 1763647380000
SIGHTING_HEX = "".join(
    part.replace(" ", "")
    for part in [
        "c301",  # single-object marker
        "de441971d4683f22",  # CRC-64-AVRO of Sighting's canonical form, little-endian
        "16 6b313a3966383664303831",  # token: length 11 (zig-zag 0x16), "k1:9f86d081"
        "0c 77616c6c6574",  # kind "wallet"
        "04 4652",  # fiu "FR"
        "1c 46522d323032362d303030313233",  # report_id "FR-2026-000123"
        "08 6175746f",  # sharing "auto"
        "02 2e 6e6f2d6f6e776172642d64697373656d696e6174696f6e 00",  # restrictions: 1 item, end
        "28 323032362d31312d32305431343a30333a30305a",  # submitted_at
        SOURCE_TS,  # source_ts
    ]
)

NOTIFICATION = {
    "notification_id": "5d41402abc4b2a76b9719d911017c592",
    "match_id": "7d793037a0760186574b0282f2f435e7",
    "type": "hit",
    "recipient_fiu": "DE",
    "recipient_report_id": "DE-2026-0042",
    "counterpart_fiu": "FR",
    "counterpart_report_id": "FR-2026-000123",
    "match_kind": "wallet",
    "token": "k1:9f86d081",
    "confidence": 1.0,
    "purpose": None,
    "restrictions": ["no-onward-dissemination"],
    "created_at": "2026-11-20T14:03:01.250Z",
    "source_ts": 1763647380000,
    "recipient_fields": ["subjects[0].wallets[0].address"],
    "agreement": "DE-FR auto",
    "message": None,
    "watchlist": None,
    "listing_ref": None,
    "programs": [],
    "why": None,
}

NOTIFICATION_HEX = "".join(
    part.replace(" ", "")
    for part in [
        "c301",
        "94fc732f306447b5",  # CRC-64-AVRO of Notification's canonical form, little-endian
        "40 3564343134303261626334623261373662393731396439313130313763353932",  # notification_id
        "40 3764373933303337613037363031383635373462303238326632663433356537",  # match_id
        "06 686974",  # type "hit"
        "04 4445",  # recipient_fiu "DE"
        "02 18 44452d323032362d30303432",  # recipient_report_id: union branch 1 (string)
        "02 04 4652",  # counterpart_fiu
        "02 1c 46522d323032362d303030313233",  # counterpart_report_id
        "02 0c 77616c6c6574",  # match_kind
        "02 16 6b313a3966383664303831",  # token
        "02 000000000000f03f",  # confidence: branch 1 (double), 1.0 as IEEE-754 little-endian
        "00",  # purpose: branch 0 (null)
        "02 2e 6e6f2d6f6e776172642d64697373656d696e6174696f6e 00",  # restrictions
        "30 323032362d31312d32305431343a30333a30312e3235305a",  # created_at
        SOURCE_TS,
        "02 3c " + b"subjects[0].wallets[0].address".hex() + " 00",  # recipient_fields: 1 item, end
        "02 14 " + b"DE-FR auto".hex(),  # agreement: branch 1 (string), length 10
        "00",  # message: branch 0 (null)
        "00 00",  # watchlist, listing_ref: branch 0 (null)
        "00",  # programs: an empty array
        "00",  # why: branch 0 (null)
    ]
)

# -- one realistic record per schema, every field present (decode fills defaults) ------------

TOKEN = "k1:" + "3b7f0c55d1e2a4b6" * 4

RECORDS: dict[str, dict[str, Any]] = {
    "StrReport": {
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
                "tx_hash": "0x" + "ab" * 32,
                "from_address": "0x52908400098527886e0f7030069857d2e4169ee7",
                "to_address": "0xde709f2102306220921060314715629080e2fb77",
                "asset": "USDT",
                "amount": "1250.00",
                "timestamp": "2026-11-19T08:00:00Z",
            }
        ],
        "narrative": "free text; stays with the reporting FIU",
        "tokens": [{"kind": "email", "token": TOKEN, "fields": []}],
    },
    "Sighting": {**SIGHTING, "token": TOKEN},
    "SightingBatch": {
        "reports": [
            {
                **{k: v for k, v in SIGHTING.items() if k not in ("kind", "token")},
                "tokens": [
                    {"kind": "email", "token": TOKEN, "fields": ["subjects[0].emails[0]"]},
                    {"kind": "wallet", "token": "k1:" + "0f" * 32, "fields": []},
                ],
            },
            {
                "fiu": "DE",
                "report_id": "DE-2026-0042",
                "sharing": "consent",
                "restrictions": [],
                "submitted_at": "2026-11-21T09:00:00Z",
                "source_ts": 1763715600000,
                "tokens": [{"kind": "email", "token": TOKEN, "fields": ["subjects[1].emails[0]"]}],
            },
        ]
    },
    "Match": {
        "match_id": "7d793037a0760186574b0282f2f435e7",
        "status": "cross_border",
        "match_kind": "wallet",
        "token": TOKEN,
        "reports": [
            {
                "fiu": "DE",
                "report_id": "DE-2026-0042",
                "sharing": "consent",
                "restrictions": [],
                "fields": ["subjects[0].wallets[0].address"],
            },
            {
                "fiu": "FR",
                "report_id": "FR-2026-000123",
                "sharing": "auto",
                "restrictions": ["no-onward-dissemination"],
                "fields": ["transactions[0].to_address"],
            },
        ],
        "created_at": "2026-11-20T14:03:01.250Z",
        "source_ts": 1763647380000,
        "confidence": 0.9731,
        "why": {"name": 0.93, "birth_date": "exact", "name_part": "agree", "nationality": "missing"},
    },
    "Notification": {**NOTIFICATION, "purpose": "FIU-to-FIU intelligence exchange", "token": TOKEN},
    "SubjectBatch": {
        "entries": [
            {
                "key": "pm3:0f1e2d3c4b5a6978",
                "fiu": "FR",
                "report_id": "FR-2026-000123",
                "sharing": "auto",
                "restrictions": ["no-onward-dissemination"],
                "subject": 0,
                "encoding": bytes.fromhex("0205a1b2c3d4010103") + bytes(60),
                "source_ts": 1763647380000,
            }
        ]
    },
    "AuditDecision": {
        "decision_id": "0b6e3f1d9a2c4e58b7d1f0a9c3e5b2d4",
        "match_id": "7d793037a0760186574b0282f2f435e7",
        "decision": "held_for_consent",
        "reason": "consent agreement: waiting for NL to consent",
        "recipient_fiu": "FR",
        "counterpart_fiu": "NL",
        "notification_id": "5d41402abc4b2a76b9719d911017c592",
        "policy_version": "a1b2c3d4e5f6",
        "created_at": "2026-11-20T14:03:01.250Z",
    },
    "ConsentAnswer": {
        "match_id": "7d793037a0760186574b0282f2f435e7",
        "fiu": "NL",
        "granted": False,
        "reason": "ongoing investigation",
        "message": "please ask again after 2027-01",
        "created_at": "2026-11-20T15:00:00Z",
    },
    "DeadLetter": {
        "source": "fiulink.reports.FR/3/1041",
        "topic": "fiulink.reports.FR",
        "partition": 3,
        "offset": 1041,
        "field": "submitted_at",
        "reason": "submitted_at: not an ISO-8601 timestamp: 'yesterday'",
        "stage": "ingest",
        "payload": b"\xc3\x01\x00\xff raw bytes",
        "created_at": "2026-11-20T14:03:01.250Z",
    },
    "WatchlistEntry": {
        "token": TOKEN,
        "listings": [
            {
                "list": "ofac-sdn",
                "entry": "36025",
                "programs": ["CYBER4", "RUSSIA-EO14024"],
                "assets": ["TRX", "USDT"],
            },
        ],
    },
}


@pytest.fixture(scope="module")
def c() -> Codec:
    return Codec(SCHEMA_DIR)


def test_every_schema_has_a_realistic_record() -> None:
    assert set(RECORDS) == set(SCHEMA_NAMES) == set(codec().schemas)


# -- golden bytes --------------------------------------------------------------------------------


def test_sighting_golden_bytes(c: Codec) -> None:
    data = c.encode("Sighting", SIGHTING)
    assert data.hex() == SIGHTING_HEX
    assert data[:2] == b"\xc3\x01" == MAGIC
    assert c.decode(data) == ("Sighting", SIGHTING)


def test_notification_golden_bytes(c: Codec) -> None:
    data = c.encode("Notification", NOTIFICATION)
    assert data.hex() == NOTIFICATION_HEX
    assert c.decode(data, expect="Notification") == ("Notification", NOTIFICATION)


@pytest.mark.parametrize(("name", "record"), [("Sighting", SIGHTING), ("Notification", NOTIFICATION)])
def test_body_agrees_with_the_apache_avro_writer(c: Codec, name: str, record: dict[str, Any]) -> None:
    """The body after the 10-byte header is what an independent implementation writes."""
    schema = avro.schema.parse((SCHEMA_DIR / f"{name}.avsc").read_text())
    buf = io.BytesIO()
    avro.io.DatumWriter(schema).write(record, avro.io.BinaryEncoder(buf))
    assert c.encode(name, record)[10:] == buf.getvalue()


# -- fingerprints ----------------------------------------------------------------------------------

# The Avro project's own CRC-64-AVRO vectors (lang/py test_schema.py FINGERPRINT_EXAMPLES).
SPEC_VECTORS = [
    ('"int"', "8f5c393f1ad57572"),
    ('"float"', "90d7a83ecb027c4d"),
    ('"long"', "b71df49344e154d0"),
    ('"double"', "7e95ab32c035758e"),
    ('"bytes"', "651920c3da16c04f"),
]


@pytest.mark.parametrize(("pcf", "expected"), SPEC_VECTORS)
def test_fingerprint_spec_vectors(pcf: str, expected: str) -> None:
    assert fingerprint(pcf).hex() == expected
    assert len(fingerprint(pcf)) == 8


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=SCHEMA_NAMES)
def test_fingerprint_agrees_with_fastavro_and_avro(c: Codec, path: Path) -> None:
    text = path.read_text()
    pcf = fastavro.schema.to_parsing_canonical_form(json.loads(text))
    ours = fingerprint(pcf).hex()
    assert ours == fastavro.schema.fingerprint(pcf, "CRC-64-AVRO")
    assert ours == avro.schema.parse(text).fingerprint("CRC-64-AVRO").hex()
    # and the codec frames every record of that schema with exactly this fingerprint
    assert c.prefix[path.stem] == MAGIC + bytes.fromhex(ours)


def test_fingerprints_are_distinct(c: Codec) -> None:
    assert len(set(c.prefix.values())) == len(c.prefix)


def test_fingerprint_ignores_docs_but_not_structure() -> None:
    base = {"type": "record", "name": "T", "fields": [{"name": "a", "type": "string"}]}
    documented = {**base, "doc": "x", "fields": [{"name": "a", "type": "string", "doc": "y"}]}
    renamed = {**base, "fields": [{"name": "b", "type": "string"}]}

    def fp(schema: dict[str, Any]) -> bytes:
        return fingerprint(fastavro.schema.to_parsing_canonical_form(schema))

    assert fp(base) == fp(documented)
    assert fp(base) != fp(renamed)


# -- round trips -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_round_trip(c: Codec, name: str) -> None:
    record = RECORDS[name]
    data = c.encode(name, record)
    assert data.startswith(c.prefix[name])
    assert c.decode(data) == (name, record)
    assert c.decode(data, expect=name) == (name, record)
    assert c.decode(bytearray(data)) == (name, record)
    assert c.decode(memoryview(data)) == (name, record)


def test_decode_fills_defaults_of_absent_optional_fields(c: Codec) -> None:
    minimal = {"report_id": "DE-1", "fiu": "DE", "submitted_at": "2026-11-20T14:03:00Z"}
    _, rec = c.decode(c.encode("StrReport", minimal))
    assert rec["handling"] == {"sharing": "auto", "restrictions": []}
    assert rec["subjects"] == rec["transactions"] == rec["tokens"] == rec["typologies"] == []
    assert rec["reporting_entity"] is None and rec["narrative"] is None


def test_encode_drops_keys_the_schema_does_not_know(c: Codec) -> None:
    """A field not in the schema (a narrative slipped into a notification) never reaches the wire."""
    data = c.encode("Notification", {**NOTIFICATION, "narrative": "secret", "amount": "1250.00"})
    assert data == c.encode("Notification", NOTIFICATION)
    assert b"secret" not in data


@pytest.mark.parametrize(
    ("record", "why"),
    [
        pytest.param({k: v for k, v in SIGHTING.items() if k != "token"}, "token", id="missing-required"),
        pytest.param({**SIGHTING, "fiu": None}, "fiu", id="null-for-string"),
        pytest.param({**SIGHTING, "source_ts": "yesterday"}, "Sighting", id="string-for-long"),
        pytest.param({**SIGHTING, "restrictions": "no-onward"}, "Sighting", id="str-for-array"),
        pytest.param({**SIGHTING, "source_ts": 1.7}, "Sighting", id="float-for-long"),
    ],
)
def test_encode_of_a_bad_record_is_a_fiulink_error(c: Codec, record: dict[str, Any], why: str) -> None:
    with pytest.raises(FiulinkError, match=why):
        c.encode("Sighting", record)


def test_codec_is_built_once() -> None:
    assert codec() is codec()


def test_empty_schema_dir_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FiulinkError, match="no Avro schemas"):
        Codec(tmp_path)


# -- inputs that must fail -------------------------------------------------------------------------

_GOOD = codec().encode("Sighting", SIGHTING)
_UNKNOWN_FP = bytes.fromhex("0123456789abcdef")


def _cut(n: int) -> bytes:
    return _GOOD[:n]


BAD_INPUTS: list[tuple[str, Any, str | None, str]] = [
    ("empty", b"", None, "missing C3 01 marker"),
    ("json", b'{"report_id": "FR-1"}', None, "missing C3 01 marker"),
    ("wrong-marker", b"\xc3\x02" + _GOOD[2:], None, "missing C3 01 marker"),
    ("swapped-marker", b"\x01\xc3" + _GOOD[2:], None, "missing C3 01 marker"),
    ("marker-only", b"\xc3\x01", None, "header"),
    ("short-fingerprint", _GOOD[:7], None, "header"),
    (
        "unknown-fingerprint",
        MAGIC + _UNKNOWN_FP + _GOOD[10:],
        None,
        "unknown schema fingerprint 0123456789abcdef",
    ),
    ("header-without-body", _cut(10), None, "truncated or corrupt Sighting body"),
    ("cut-in-token-length", _cut(11), None, "truncated or corrupt Sighting body"),
    ("cut-in-token", _cut(15), None, "truncated or corrupt Sighting body"),
    ("cut-in-restrictions", _cut(60), None, "truncated or corrupt Sighting body"),
    ("cut-in-source-ts", _cut(len(_GOOD) - 2), None, "truncated or corrupt Sighting body"),
    ("cut-last-byte", _cut(len(_GOOD) - 1), None, "truncated or corrupt Sighting body"),
    ("trailing-byte", _GOOD + b"\x00", None, "1 trailing bytes after the Sighting body"),
    ("trailing-record", _GOOD + _GOOD, None, f"{len(_GOOD)} trailing bytes after the Sighting body"),
    ("negative-string-length", MAGIC + _GOOD[2:10] + b"\x01", None, "truncated or corrupt Sighting body"),
    ("wrong-expect", _GOOD, "StrReport", "expected a StrReport record, got Sighting"),
    ("not-bytes", "c3 01 de 44", None, "expected bytes, got str"),
    ("none", None, None, "expected bytes, got NoneType"),
]


@pytest.mark.parametrize(
    ("data", "expect", "message"), [b[1:] for b in BAD_INPUTS], ids=[b[0] for b in BAD_INPUTS]
)
def test_bad_input_fails_with_a_clear_decode_error(
    c: Codec, data: Any, expect: str | None, message: str
) -> None:
    with pytest.raises(DecodeError) as info:
        c.decode(data, expect=expect)
    assert message in str(info.value)


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_every_cut_of_every_record_fails(c: Codec, name: str) -> None:
    data = c.encode(name, RECORDS[name])
    for n in range(len(data)):
        with pytest.raises(DecodeError):
            c.decode(data[:n])


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_random_bodies_after_a_valid_header_raise_only_decode_error(c: Codec, name: str) -> None:
    """Random bytes behind a known fingerprint either decode or raise DecodeError: never another
    exception (which would stop a worker instead of going to the dead-letter topic)."""
    rng = random.Random(f"fiulink-{name}")
    for _ in range(500):
        body = rng.randbytes(rng.randrange(0, 80))
        try:
            got, _ = c.decode(c.prefix[name] + body)
        except DecodeError:
            continue
        assert got == name


def test_random_bytes_fail(c: Codec) -> None:
    rng = random.Random(7)
    for _ in range(200):
        data = rng.randbytes(rng.randrange(0, 64))
        if data[:2] == MAGIC:
            continue
        with pytest.raises(DecodeError, match="missing C3 01 marker"):
            c.decode(data)


def test_decode_error_is_a_fiulink_error() -> None:
    assert issubclass(DecodeError, FiulinkError)
