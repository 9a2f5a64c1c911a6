"""Hostile input without Kafka: hypothesis-generated JSON into validation and the publisher's
per-line path, and hostile bytes into the worker's ingest step.

Contracts checked: ``validate_report`` never raises, every rejection names (field path, reason),
every accepted record encodes and decodes back equal; ``fiulink publish`` accounts for every line
(published + rejected = read) and rejects what it cannot send; ``Steps.ingest`` never raises and a
record it cannot take becomes exactly one DeadLetter naming topic/partition/offset and a reason.
"""

from __future__ import annotations

import copy
import io
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import fastavro
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from streams.app.steps import MAX_PAYLOAD, Steps
from streams.codec import Codec
from streams.codec.avro import MAGIC, SCHEMA_DIR, fingerprint
from streams.config import Settings
from streams.core.correlate import CorrelationRules
from streams.core.policy import SharingPolicy
from streams.core.tokens import Tokenizer
from streams.core.validate import MAX_ITEMS, MAX_TEXT, validate_report
from streams.publish import Publisher
from streams.topics import Topics

CODEC = Codec(SCHEMA_DIR)
TOPICS = Topics("t.")
FIUS = ("FR", "DE", "IT", "NL", "SG")
FEED = TOPICS.feed("FR")
STEPS = Steps(
    CODEC,
    Tokenizer(b"hostile-input-key", "k1"),
    SharingPolicy.parse('fius = ["FR", "DE", "IT", "NL", "SG"]\ndefault = "deny"\n'),
    CorrelationRules(),
    TOPICS,
)
REPORT_FIELDS = {f["name"] for f in json.loads((SCHEMA_DIR / "StrReport.avsc").read_text())["fields"]}
FAST = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)

# A report that uses every field the validator knows, with identifiers of every kind.
BASE: dict[str, Any] = {
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
            "lei": "969500T3MBS4SQAMHJ45",
            "wallets": [{"chain": "btc", "address": "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"}],
        }
    ],
    "transactions": [
        {
            "chain": "eth",
            "tx_hash": "0x" + "ab" * 32,
            "from_address": "0x52908400098527886e0f7030069857d2e4169ee7",
            "to_address": "0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359",
            "asset": "USDT",
            "amount": "1250.00",
            "timestamp": "2026-11-19T08:00:00Z",
        }
    ],
    "narrative": "free text; stays with the reporting FIU",
    "tokens": [{"kind": "wallet", "token": "k1:" + "7e" * 32}],
}


def _paths(obj: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if prefix:
        yield prefix
    items = obj.items() if isinstance(obj, dict) else enumerate(obj) if isinstance(obj, list) else ()
    for k, v in items:
        yield from _paths(v, (*prefix, k))


PATHS = list(_paths(BASE))


def _nested(depth: int, kind: str) -> Any:
    value: Any = "deep"
    for _ in range(depth):
        value = [value] if kind == "list" else {"a": value}
    return value


def _deep_text(depth: int, kind: str) -> str:
    return ("[" * depth + "1" + "]" * depth) if kind == "list" else ('{"a":' * depth + "1" + "}" * depth)


# -- strategies ------------------------------------------------------------------------------------

surrogates = st.text(st.characters(categories=["Cs"]), min_size=1, max_size=3)
leaves = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=30)
    | surrogates
    | st.sampled_from(["", " ", "FR", "fr", "2026-11-20T14:03:00Z", "person", "none", "btc"])
)
json_values = st.recursive(
    leaves,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=25,
)
huge_strings = st.builds(
    lambda ch, n: ch * n,
    st.sampled_from(["x", "é", "😀", "\x00"]),
    st.sampled_from([MAX_TEXT, MAX_TEXT + 1, 2**20]),
)
deep_values = st.builds(_nested, st.integers(1, 3000), st.sampled_from(["list", "dict"]))
long_lists = st.builds(lambda n: ["x"] * n, st.sampled_from([MAX_ITEMS, MAX_ITEMS + 1]))
hostile_values = json_values | huge_strings | deep_values | long_lists


def _set(obj: dict[str, Any], path: tuple[Any, ...], value: Any, delete: bool) -> None:
    parent: Any = obj
    for k in path[:-1]:
        try:
            parent = parent[k]
        except (KeyError, IndexError, TypeError):
            return  # an earlier edit replaced this branch
    last = path[-1]
    if isinstance(parent, dict) or (
        isinstance(parent, list) and isinstance(last, int) and last < len(parent)
    ):
        if delete and isinstance(parent, dict):
            parent.pop(last, None)
        else:
            parent[last] = value


@st.composite
def near_valid_reports(draw: st.DrawFn) -> dict[str, Any]:
    """BASE with one to three fields replaced by a wrong type, a huge or a deeply nested value,
    or deleted; sometimes with an unknown extra field."""
    report = copy.deepcopy(BASE)
    for path, value, delete in draw(
        st.lists(st.tuples(st.sampled_from(PATHS), hostile_values, st.booleans()), min_size=1, max_size=3)
    ):
        _set(report, path, value, delete)
    if draw(st.booleans()):
        report[draw(st.text(max_size=8))] = draw(json_values)
    return report


any_json = json_values | near_valid_reports() | deep_values


# -- validate_report -------------------------------------------------------------------------------


def check_validation(obj: Any) -> dict[str, Any] | None:
    record, problems = validate_report(obj)
    if record is None:
        assert problems, "a rejection must say why"
        for path, why in problems:
            assert isinstance(path, str) and isinstance(why, str) and why.strip()
            if isinstance(obj, dict):  # a field path into the report, rooted at a StrReport field
                assert path.split(".")[0].split("[")[0] in REPORT_FIELDS, (path, why)
            else:
                assert path == ""
        return None
    assert problems == []
    data = CODEC.encode("StrReport", record)
    assert CODEC.decode(data, expect="StrReport") == ("StrReport", record)
    return record


SURROGATE_REPORT = {**BASE, "narrative": "\ud800"}  # valid JSON ("\\ud800"), not encodable as UTF-8


@FAST
@given(any_json)
@example(SURROGATE_REPORT)
def test_validate_never_raises_names_every_rejection_and_accepted_records_round_trip(obj: Any) -> None:
    check_validation(obj)


@pytest.mark.parametrize(
    ("path", "value", "field", "reason"),
    [
        (("narrative",), "x" * 2**20, "narrative", "longer than"),
        (("subjects", 0, "emails"), ["a@b.org"] * (MAX_ITEMS + 1), "subjects[0].emails", "more than"),
        (("subjects", 0, "names"), _nested(2000, "list"), "subjects[0].names[0]", "must be a string"),
        (("handling",), _nested(2000, "list"), "handling", "must be an object"),
        (("handling", "sharing"), _nested(2000, "dict"), "handling.sharing", "must be a string"),
        (("report_id",), 123, "report_id", "must be a string"),
        (("narrative",), "\ud800 lone surrogate", "narrative", "surrogate"),
        (("subjects", 0, "phones"), ["\udfff"], "subjects[0].phones[0]", "surrogate"),
    ],
)
def test_hostile_field_is_named_with_its_reason(
    path: tuple[Any, ...], value: Any, field: str, reason: str
) -> None:
    report = copy.deepcopy(BASE)
    _set(report, path, value, delete=False)
    record, problems = validate_report(report)
    assert record is None
    assert any(p == field and reason in why for p, why in problems), problems


# -- the publisher's per-line path, with a stand-in producer -------------------------------------------


class _Sent:
    def add_callback(self, fn: Any) -> _Sent:
        return self

    def add_errback(self, fn: Any) -> _Sent:
        return self


class _Producer:
    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes, bytes]] = []

    def send(self, topic: str, *, key: bytes, value: bytes) -> _Sent:
        self.sent.append((topic, key, value))
        return _Sent()

    def flush(self, timeout: float | None = None) -> None:
        pass

    def close(self, timeout: float | None = None) -> None:
        pass


def publish_lines(lines: list[bytes]) -> tuple[Publisher, _Producer, list[dict[str, Any]]]:
    """Run the real ``Publisher.publish`` over ``lines`` with Kafka replaced by a list."""
    fake = _Producer()
    with pytest.MonkeyPatch.context() as mp, tempfile.TemporaryDirectory() as tmp:
        mp.setattr("streams.publish.existing_topics", lambda s: {s.topics.feed(f) for f in FIUS})
        mp.setattr("streams.publish.producer", lambda s: fake)
        settings_ = Settings.from_env({"FIULINK_TOPIC_PREFIX": "t."})
        publisher = Publisher(settings_, err=io.StringIO(), progress_every=1e9)
        path = Path(tmp) / "feed.jsonl"
        path.write_bytes(b"".join(line + b"\n" for line in lines))
        publisher.publish([path])
        rejects_file = path.with_name("feed.rejects.jsonl")
        rejects = (
            [json.loads(r) for r in rejects_file.read_text().splitlines()] if rejects_file.exists() else []
        )
    return publisher, fake, rejects


def _line(obj: Any) -> bytes:
    if isinstance(obj, bytes):
        return obj
    try:
        return json.dumps(obj).encode()
    except RecursionError:
        return _deep_text(5000, "list").encode()


deep_lines = st.builds(
    lambda d, k: _deep_text(d, k).encode(), st.integers(1, 100_000), st.sampled_from(["list", "dict"])
)
report_with_deep_field = st.builds(
    lambda path, d: (
        json.dumps({**BASE, path: "__DEEP__"}).replace('"__DEEP__"', _deep_text(d, "list")).encode()
    ),
    st.sampled_from(sorted(BASE)),
    st.integers(1, 100_000),
)
junk_lines = st.binary(max_size=200).map(lambda b: b.replace(b"\n", b" ").replace(b"\r", b" "))
lines = st.lists(
    any_json.map(_line)
    | deep_lines
    | report_with_deep_field
    | junk_lines
    | st.just(json.dumps(BASE).encode()),
    min_size=1,
    max_size=8,
)


@settings(FAST, max_examples=60)
@given(lines)
@example([json.dumps(SURROGATE_REPORT).encode(), json.dumps(BASE).encode()])
def test_publish_accounts_for_every_line_and_sends_only_what_decodes(raw_lines: list[bytes]) -> None:
    publisher, fake, rejects = publish_lines(raw_lines)
    stats = publisher.stats
    read = sum(1 for line in raw_lines if line.decode("utf-8", "replace").strip())
    assert stats.read == read
    assert stats.published + stats.rejected == read == len(fake.sent) + len(rejects)
    for r in rejects:
        assert r["where"].rsplit(":", 1)[1].isdigit()
        assert r["problems"] and all(
            isinstance(p["field"], str) and p["reason"].strip() for p in r["problems"]
        )
    for topic, key, value in fake.sent:
        name, record = CODEC.decode(value)
        assert name == "StrReport"
        assert topic == TOPICS.feed(record["fiu"]) and key == record["report_id"].encode()
        assert validate_report(record) == (record, [])


# -- the worker's ingest step on hostile bytes ---------------------------------------------------------


def ingest(value: bytes | None, partition: int = 3, offset: int = 1041) -> list[dict[str, Any]]:
    """Run ``Steps.ingest`` and check the dead-letter contract; return the ingest-stage rejections."""
    out = STEPS.ingest(FEED, partition, offset, 1_763_647_380_000, value)
    dead = []
    for topic, key, data, _ in out:
        if topic == TOPICS.sightings:
            batch = CODEC.decode(data, expect="SightingBatch")[1]
            assert batch["reports"][0]["tokens"][0]["token"].encode() == key
            continue
        assert topic == TOPICS.dead_letter
        dl = CODEC.decode(data, expect="DeadLetter")[1]
        assert (dl["topic"], dl["partition"], dl["offset"]) == (FEED, partition, offset)
        assert dl["source"] == f"{FEED}/{partition}/{offset}" and key == dl["source"].encode()
        assert dl["reason"].strip()
        dead.append(dl)
    rejected = [d for d in dead if d["stage"] == "ingest"]
    if rejected:
        assert len(out) == 1, "a rejected record gives exactly one dead letter and nothing else"
        assert rejected[0]["payload"] == (value or b"")[:MAX_PAYLOAD]
    else:
        assert {d["stage"] for d in dead} <= {"identifier"}
    return rejected


def expect_rejected(value: bytes | None) -> dict[str, Any]:
    rejected = ingest(value)
    assert len(rejected) == 1
    return rejected[0]


def encoded(report: dict[str, Any]) -> bytes:
    record, problems = validate_report(report)
    assert record is not None, problems
    return CODEC.encode("StrReport", record)


VALID = encoded(BASE)


@FAST
@given(st.binary(max_size=300) | st.binary(max_size=300).map(lambda b: MAGIC + b))
def test_random_bytes_give_one_dead_letter(value: bytes) -> None:
    expect_rejected(value)


@FAST
@given(st.sampled_from(sorted(CODEC.prefix)), st.binary(max_size=300))
def test_known_fingerprint_with_random_body_never_raises(name: str, body: bytes) -> None:
    """The body may happen to decode; then the validator decides. Nothing raises either way."""
    rejected = ingest(CODEC.prefix[name] + body)
    if not rejected:
        record = CODEC.decode(CODEC.prefix[name] + body, expect="StrReport")[1]
        assert validate_report(record)[0] is not None and record["fiu"] == "FR"


def test_truncated_avro_at_every_cut_gives_one_dead_letter() -> None:
    for cut in range(len(VALID)):
        dl = expect_rejected(VALID[:cut])
        assert dl["field"] == ""
        assert any(s in dl["reason"] for s in ("C3 01", "truncated")), (cut, dl["reason"])
    assert not ingest(VALID)  # the whole record is fine


@FAST
@given(st.binary(min_size=8, max_size=8).filter(lambda fp: MAGIC + fp not in CODEC.prefix.values()))
def test_valid_body_with_unknown_fingerprint_gives_one_dead_letter(fp: bytes) -> None:
    dl = expect_rejected(MAGIC + fp + VALID[10:])
    assert f"unknown schema fingerprint {fp.hex()}" in dl["reason"]


# Writer schemas that claim to be a StrReport but give fields other types.
WRONG_SCHEMAS: list[dict[str, Any]] = [
    {
        "type": "record",
        "name": "StrReport",
        "namespace": "org.fiulink",
        "fields": [
            {"name": "report_id", "type": "long"},
            {"name": "fiu", "type": "int"},
            {"name": "submitted_at", "type": "double"},
        ],
    },
    {
        "type": "record",
        "name": "StrReport",
        "namespace": "org.fiulink",
        "fields": [
            {"name": "report_id", "type": "string"},
            {"name": "fiu", "type": "string"},
            {"name": "submitted_at", "type": "string"},
            {"name": "subjects", "type": {"type": "array", "items": "string"}},
            {"name": "narrative", "type": {"type": "map", "values": "long"}},
        ],
    },
    {
        "type": "record",
        "name": "StrReport",
        "namespace": "org.fiulink",
        "fields": [{"name": "report_id", "type": {"type": "array", "items": "boolean"}}],
    },
]
WRONG_VALUES = [
    st.fixed_dictionaries(
        {
            "report_id": st.integers(-(2**63), 2**63 - 1),
            "fiu": st.integers(-(2**31), 2**31 - 1),
            "submitted_at": st.floats(),
        }
    ),
    st.fixed_dictionaries(
        {
            "report_id": st.text(max_size=20),
            "fiu": st.sampled_from(["FR", "DE", "", "fr"]),
            "submitted_at": st.text(max_size=30),
            "subjects": st.lists(st.text(max_size=20), max_size=5),
            "narrative": st.dictionaries(st.text(max_size=5), st.integers(-(2**63), 2**63 - 1), max_size=5),
        }
    ),
    st.fixed_dictionaries({"report_id": st.lists(st.booleans(), max_size=50)}),
]


@FAST
@given(st.data(), st.sampled_from(range(len(WRONG_SCHEMAS))), st.booleans())
def test_record_written_with_wrong_field_types_gives_one_dead_letter(
    data: st.DataObject, which: int, claim_str_report: bool
) -> None:
    """Hand-built with fastavro from a different schema: under its own fingerprint (unknown to the
    hub) or under the real StrReport fingerprint (a lying writer)."""
    schema = WRONG_SCHEMAS[which]
    buf = io.BytesIO()
    fastavro.schemaless_writer(buf, fastavro.parse_schema(schema), data.draw(WRONG_VALUES[which]))
    prefix = CODEC.prefix["StrReport"] if claim_str_report else MAGIC + fingerprint(json.dumps(schema))
    dl = expect_rejected(prefix + buf.getvalue())
    assert dl["stage"] == "ingest"


identifier_text = st.text(max_size=60) | st.sampled_from(
    ["bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", "0x52908400098527886e0f7030069857d2e4169ee7",
     "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "+7 912 345-67-89", "ivan.p@example.org", "a@" + "ü" * 300,
     "DE89 3704 0044 0532 0130 00", "969500T3MBS4SQAMHJ45", "x" * MAX_TEXT, "😀" * 1000]
)  # fmt: skip
chains = st.sampled_from(["btc", "eth", "trx", "ltc", "xrp", "sol", "bsc", "BTC", "", "🦀"]) | st.text(
    max_size=8
)
avro_subject = st.fixed_dictionaries(
    {
        "subject_id": st.none() | st.text(max_size=10),
        "kind": st.sampled_from(["person", "organization", "", "robot"]),
        "names": st.lists(identifier_text, max_size=3),
        "birth_date": st.none()
        | st.sampled_from(["1985-03-02", "1985", "1985-13", ""])
        | st.text(max_size=12),
        "nationalities": st.lists(st.sampled_from(["RU", "FR", "", "ZZ"]) | st.text(max_size=3), max_size=2),
        "documents": st.lists(
            st.fixed_dictionaries(
                {
                    "type": st.sampled_from(["passport", "tax_id", ""]) | st.text(max_size=8),
                    "number": identifier_text,
                    "country": st.none() | st.sampled_from(["RU", "FR", "", "??"]),
                }
            ),
            max_size=2,
        ),
        "emails": st.lists(identifier_text, max_size=3),
        "phones": st.lists(identifier_text, max_size=3),
        "accounts": st.lists(
            st.fixed_dictionaries(
                {"type": st.sampled_from(["iban", "account", ""]), "number": identifier_text}
            ),
            max_size=2,
        ),
        "lei": st.none() | identifier_text,
        "wallets": st.lists(st.fixed_dictionaries({"chain": chains, "address": identifier_text}), max_size=3),
    }
)
avro_tx = st.fixed_dictionaries(
    {"chain": chains, "tx_hash": st.none() | identifier_text, "from_address": st.none() | identifier_text,
     "to_address": st.none() | identifier_text, "asset": st.none() | st.text(max_size=5),
     "amount": st.none() | st.text(max_size=10), "timestamp": st.none() | st.text(max_size=25)}
)  # fmt: skip
avro_reports = st.fixed_dictionaries(
    {
        "report_id": st.sampled_from(["FR-1", "", " "]) | st.text(max_size=20),
        "fiu": st.sampled_from(["FR", "FR", "DE", "fr", ""]),
        "submitted_at": st.sampled_from(["2026-11-20T14:03:00Z", "yesterday", ""]),
        "reporting_entity": st.none() | st.just(BASE["reporting_entity"]),
        "typologies": st.lists(st.text(max_size=10), max_size=3),
        "handling": st.fixed_dictionaries(
            {
                "sharing": st.sampled_from(["auto", "consent", "none", "all"]),
                "restrictions": st.lists(st.text(max_size=10), max_size=2),
            }
        ),
        "subjects": st.lists(avro_subject, max_size=3),
        "transactions": st.lists(avro_tx, max_size=2),
        "narrative": st.none() | st.text(max_size=50) | huge_strings,
        "tokens": st.lists(
            st.fixed_dictionaries({"kind": st.sampled_from(["wallet", ""]), "token": st.text(max_size=70)}),
            max_size=2,
        ),
    }
)


@settings(FAST, max_examples=200)
@given(avro_reports)
def test_any_well_formed_str_report_is_either_one_dead_letter_or_sightings(record: dict[str, Any]) -> None:
    """Whatever a publisher that bypasses `fiulink publish` puts in the fields: never a raise;
    the validator's verdict (and the feed's FIU) decides rejection."""
    value = CODEC.encode("StrReport", record)
    rejected = ingest(value)
    accepted = validate_report(record)[0] is not None and record["fiu"] == "FR"
    assert bool(rejected) != accepted, rejected


@pytest.mark.parametrize(
    ("value", "field", "reason"),
    [
        (json.dumps(_nested(900, "dict")).encode(), "", "C3 01"),
        (_deep_text(100_000, "list").encode(), "", "C3 01"),
        (
            CODEC.encode("StrReport", {**validate_report(BASE)[0], "narrative": "x" * 2**20}),
            "narrative",
            "longer than",
        ),  # type: ignore[dict-item]
        (
            CODEC.encode("StrReport", {**validate_report(BASE)[0], "typologies": ["t"] * (MAX_ITEMS + 1)}),
            "typologies",
            "more than",
        ),  # type: ignore[dict-item]
        (encoded({**BASE, "report_id": "DE-1", "fiu": "DE"}), "fiu", "came on the FR feed"),
        (None, "", "C3 01"),
    ],
    ids=["deep-json", "very-deep-json", "1MB-narrative", "too-many-items", "mis-routed", "tombstone"],
)
def test_huge_deep_and_misrouted_records_give_one_dead_letter(
    value: bytes | None, field: str, reason: str
) -> None:
    dl = expect_rejected(value)
    assert (dl["field"], reason in dl["reason"]) == (field, True), dl["reason"][:200]


def test_huge_identifiers_within_limits_are_processed() -> None:
    report = copy.deepcopy(BASE)
    report["subjects"][0]["emails"] = ["a" * (MAX_TEXT - 20) + "@example.org"]
    report["subjects"][0]["names"] = ["Иван " * (MAX_TEXT // 6)]
    assert not ingest(encoded(report))


def test_a_rejects_file_line_survives_readers_that_split_on_unicode_line_breaks() -> None:
    """U+0085, U+2028 and U+2029 in a rejected line (here as an unknown key) are written escaped,
    so ``str.splitlines`` on the rejects file still gives one entry per rejected line."""
    _, _, rejects = publish_lines([b'{"\\u0085": null, "\\u2028": 1}'])
    assert len(rejects) == 1
