"""The worker's per-record steps without Faust or Kafka: bytes in, (topic, key, value) out."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest

from streams.app.steps import MAX_PAYLOAD, Steps
from streams.codec import Codec
from streams.codec.avro import MAGIC, SCHEMA_DIR
from streams.core.correlate import CorrelationRules
from streams.core.extract import MAX_IDENTIFIERS
from streams.core.policy import SharingPolicy
from streams.core.sightings import route, sightings_of
from streams.core.tokens import Tokenizer
from streams.core.validate import validate_report
from streams.errors import DecodeError, FiulinkError
from streams.testing import policy_text
from streams.topics import Topics

POLICY = policy_text(["FR", "DE", "NL"], auto=[("FR", "DE")])

EMAIL = "ivan.p@example.org"
BTC = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"
BTC_BROKEN = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5"  # last character changed: bad checksum
ETH = "0x52908400098527886e0f7030069857d2e4169ee7"
NARRATIVE = "the subject moved ransom proceeds through a mixer"
ENTITY = "Example VASP SAS"
AMOUNT = "98765.4321"
TS = 1763647380000
TOPICS = Topics("t.")
KEY = b"unit-test-consortium-key"


def raw_report(report_id: str = "FR-2026-000123", fiu: str = "FR", **over: Any) -> dict[str, Any]:
    r: dict[str, Any] = {
        "report_id": report_id,
        "fiu": fiu,
        "submitted_at": "2026-11-20T14:03:00Z",
        "reporting_entity": {"name": ENTITY, "kind": "vasp", "id": "969500T3MBS4SQAMHJ45"},
        "typologies": ["ransomware"],
        "handling": {"sharing": "auto", "restrictions": ["no-onward-dissemination"]},
        "subjects": [
            {
                "subject_id": "s1",
                "emails": [EMAIL],
                "wallets": [{"chain": "btc", "address": BTC}, {"chain": "eth", "address": ETH}],
            },
            {"subject_id": "s2", "emails": [EMAIL]},  # the same e-mail again: one sighting
        ],
        # the same eth address again, as a transaction side: still one wallet sighting
        "transactions": [{"chain": "eth", "from_address": ETH, "asset": "USDT", "amount": AMOUNT}],
        "narrative": NARRATIVE,
    }
    r.update(over)
    return r


@pytest.fixture(scope="module")
def codec() -> Codec:
    return Codec(SCHEMA_DIR)


@pytest.fixture(scope="module")
def tokenizer() -> Tokenizer:
    return Tokenizer(KEY, "k1")


@pytest.fixture
def steps(codec: Codec, tokenizer: Tokenizer) -> Steps:
    return Steps(codec, tokenizer, SharingPolicy.parse(POLICY), CorrelationRules(), TOPICS, partitions=8)


def encode_report(codec: Codec, raw: dict[str, Any]) -> bytes:
    record, problems = validate_report(raw)
    assert problems == [], problems
    assert record is not None
    return codec.encode("StrReport", record)


def decoded(codec: Codec, out: list[tuple[str, bytes, bytes]], name: str) -> list[dict[str, Any]]:
    return [codec.decode(v, expect=name)[1] for _, _, v in out]


def only(out: list[tuple[str, bytes, bytes]], topic: str) -> list[tuple[str, bytes, bytes]]:
    return [o for o in out if o[0] == topic]


def sightings_in(steps: Steps, codec: Codec, out: list[tuple[str, bytes, bytes]]) -> list[dict[str, Any]]:
    """The Sighting records in ``out``'s SightingBatch messages, each checked to route to the
    partition its message goes to."""
    found = []
    for _, key, value in only(out, TOPICS.sightings):
        batch = codec.decode(value, expect="SightingBatch")[1]
        assert key == batch["reports"][0]["tokens"][0]["token"].encode()
        for s in sightings_of(batch):
            assert route(s["token"], steps.partitions) == steps.partition_of(key)
            found.append(s)
    return found


# -- ingest: the happy path ------------------------------------------------------------------------


def test_valid_report_gives_one_sighting_per_distinct_identifier(
    steps: Steps, codec: Codec, tokenizer: Tokenizer
) -> None:
    out = steps.ingest(TOPICS.feed("FR"), 3, 41, TS, encode_report(codec, raw_report()))
    assert {t for t, _, _ in out} == {TOPICS.sightings}
    sightings = sightings_in(steps, codec, out)
    assert sorted(s["kind"] for s in sightings) == ["email", "wallet", "wallet"]
    for s in sightings:
        assert re.fullmatch(r"k1:[0-9a-f]{64}", s["token"])
        assert s | {"token": "", "kind": "", "fields": []} == {
            "token": "",
            "kind": "",
            "fields": [],
            "fiu": "FR",
            "report_id": "FR-2026-000123",
            "sharing": "auto",
            "restrictions": ["no-onward-dissemination"],
            "submitted_at": "2026-11-20T14:03:00Z",
            "source_ts": TS,
        }
    assert len({s["token"] for s in sightings}) == 3
    email = [s for s in sightings if s["kind"] == "email"]
    assert [s["token"] for s in email] == [tokenizer("email", EMAIL)]
    # where each identifier was found: the same e-mail in two subjects, the ETH wallet as a
    # subject's wallet and as a transaction's sender
    by_token = {s["token"]: s["fields"] for s in sightings}
    assert by_token[tokenizer("email", EMAIL)] == ["subjects[0].emails[0]", "subjects[1].emails[0]"]
    assert ["subjects[0].wallets[1].address", "transactions[0].from_address"] in by_token.values()
    assert ["subjects[0].wallets[0].address"] in by_token.values()


def test_sightings_carry_no_raw_values(steps: Steps, codec: Codec) -> None:
    out = steps.ingest(TOPICS.feed("FR"), 0, 0, TS, encode_report(codec, raw_report()))
    for _, key, value in out:
        for raw in (EMAIL, BTC, ETH[2:], NARRATIVE, ENTITY, AMOUNT):
            assert raw.encode() not in key + value


def test_same_identifiers_give_the_same_tokens_across_fius(steps: Steps, codec: Codec) -> None:
    fr = steps.ingest(TOPICS.feed("FR"), 0, 0, TS, encode_report(codec, raw_report()))
    de = steps.ingest(TOPICS.feed("DE"), 0, 0, TS, encode_report(codec, raw_report("DE-1", "DE")))
    tokens = [{s["token"] for s in sightings_in(steps, codec, out)} for out in (fr, de)]
    assert tokens[0] == tokens[1] and len(tokens[0]) == 3


def test_tokens_sent_at_source_become_sightings(steps: Steps, codec: Codec) -> None:
    token = "k1:" + "7e" * 32
    raw = raw_report(subjects=[], transactions=[], tokens=[{"kind": "wallet", "token": token}])
    out = steps.ingest(TOPICS.feed("FR"), 0, 5, TS, encode_report(codec, raw))
    assert [(s["kind"], s["token"]) for s in sightings_in(steps, codec, out)] == [("wallet", token)]


# -- ingest: dead letters ----------------------------------------------------------------------------


def one_dead_letter(codec: Codec, out: list[tuple[str, bytes, bytes]]) -> dict[str, Any]:
    assert len(out) == 1, out
    topic, key, value = out[0]
    assert topic == TOPICS.dead_letter
    name, dl = codec.decode(value)
    assert name == "DeadLetter"
    assert key == dl["source"].encode()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", dl["created_at"])
    return dl


def _unknown_fingerprint(codec: Codec) -> bytes:
    good = encode_report(codec, raw_report())
    return MAGIC + bytes.fromhex("0123456789abcdef") + good[10:]


BAD_RECORDS = [
    ("garbage", lambda c: b"this is not avro", "", "missing C3 01 marker"),
    ("json", lambda c: b'{"report_id": "FR-1", "fiu": "FR"}', "", "missing C3 01 marker"),
    ("empty", lambda c: b"", "", "missing C3 01 marker"),
    ("tombstone", lambda c: None, "", "missing C3 01 marker"),
    ("unknown-fingerprint", _unknown_fingerprint, "", "unknown schema fingerprint 0123456789abcdef"),
    ("truncated", lambda c: encode_report(c, raw_report())[:40], "", "truncated or corrupt StrReport body"),
    (
        "wrong-record-type",
        lambda c: c.encode(
            "ConsentAnswer", {"match_id": "m", "fiu": "FR", "granted": True, "created_at": ""}
        ),
        "",
        "expected a StrReport record, got ConsentAnswer",
    ),
    (
        "fiu-differs-from-feed",
        lambda c: encode_report(c, raw_report("DE-2026-9", "DE")),
        "fiu",
        "report DE-2026-9 says fiu=DE but came on the FR feed",
    ),
]


@pytest.mark.parametrize(
    ("make", "field", "reason"), [b[1:] for b in BAD_RECORDS], ids=[b[0] for b in BAD_RECORDS]
)
def test_bad_record_gives_exactly_one_dead_letter(
    steps: Steps, codec: Codec, make: Any, field: str, reason: str
) -> None:
    value = make(codec)
    dl = one_dead_letter(codec, steps.ingest(TOPICS.feed("FR"), 2, 1041, TS, value))
    assert dl["topic"] == "t.reports.FR"
    assert (dl["partition"], dl["offset"]) == (2, 1041)
    assert dl["source"] == "t.reports.FR/2/1041"
    assert dl["field"] == field
    assert reason in dl["reason"]
    assert dl["stage"] == "ingest"
    assert dl["payload"] == (value or b"")


def test_report_failing_validation_names_the_field_and_every_reason(steps: Steps, codec: Codec) -> None:
    # validation runs on the decoded record too: a publisher may bypass `fiulink publish`
    record, _ = validate_report(raw_report())
    assert record is not None
    bad = copy.deepcopy(record)
    bad["fiu"], bad["submitted_at"] = "fr", "yesterday"
    dl = one_dead_letter(codec, steps.ingest(TOPICS.feed("FR"), 0, 7, TS, codec.encode("StrReport", bad)))
    assert dl["field"] == "fiu"
    assert "fiu: must be an ISO 3166-1 alpha-2 code" in dl["reason"]
    assert "submitted_at: not an ISO-8601 timestamp" in dl["reason"]
    assert dl["source"] == "t.reports.FR/0/7"


def test_dead_letter_payload_is_capped(steps: Steps, codec: Codec) -> None:
    big = b"x" * (MAX_PAYLOAD + 1000)
    dl = one_dead_letter(codec, steps.ingest(TOPICS.feed("FR"), 0, 0, TS, big))
    assert dl["payload"] == big[:MAX_PAYLOAD]


def test_invalid_identifier_is_dead_lettered_and_the_others_still_match(
    steps: Steps, codec: Codec, tokenizer: Tokenizer
) -> None:
    raw = raw_report()
    raw["subjects"][0]["wallets"][0]["address"] = BTC_BROKEN
    out = steps.ingest(TOPICS.feed("FR"), 1, 99, TS, encode_report(codec, raw))
    dead = only(out, TOPICS.dead_letter)
    assert len(dead) == 1
    (dl,) = decoded(codec, dead, "DeadLetter")
    assert dl["stage"] == "identifier"
    assert dl["field"] == "subjects[0].wallets[0].address"
    assert "FR-2026-000123" in dl["reason"]
    assert "checksum" in dl["reason"]
    assert dl["source"] == "t.reports.FR/1/99"
    assert dl["payload"] == b""  # the raw report stays out of the dead-letter topic here
    sightings = sightings_in(steps, codec, out)
    assert sorted(s["kind"] for s in sightings) == ["email", "wallet"]  # e-mail and the eth wallet
    assert tokenizer("email", EMAIL) in {s["token"] for s in sightings}
    assert len(dead) == 1


def test_a_report_full_of_bad_identifiers_gives_one_bounded_dead_letter(steps: Steps, codec: Codec) -> None:
    """Amplification: 20 subjects x 100 broken e-mails (and more than MAX_IDENTIFIERS values in
    all) are one dead letter naming the count, the first problems and the cap, not 2,000."""
    subjects = [
        {"subject_id": f"s{i}", "emails": [f"not-an-email-{i}-{j}" for j in range(100)]} for i in range(20)
    ]
    raw = raw_report(subjects=[*subjects, {"subject_id": "ok", "emails": [EMAIL]}], transactions=[])
    out = steps.ingest(TOPICS.feed("FR"), 0, 5, TS, encode_report(codec, raw))
    (dl,) = decoded(codec, only(out, TOPICS.dead_letter), "DeadLetter")
    assert dl["stage"] == "identifier" and dl["field"] == "subjects[0].emails[0]"
    assert f"({MAX_IDENTIFIERS + 1} problems)" in dl["reason"]
    assert f"2001 identifiers, more than the {MAX_IDENTIFIERS} matched per report" in dl["reason"]
    assert len(dl["reason"]) <= 4000
    # the identifiers past the cap are not looked at: the good e-mail at the end is not matched
    assert sightings_in(steps, codec, out) == []


# -- correlate and notify, end to end through the encoded records ----------------------------------


def run(
    steps: Steps, codec: Codec, *reports: tuple[str, dict[str, Any]], links: dict[bytes, Any] | None = None
) -> list[tuple[str, bytes, bytes]]:
    """ingest -> correlate (table keyed by message key) -> notify (table keyed by match_id)."""
    tokens: dict[str, Any] = {}
    links = {} if links is None else links
    emitted: list[tuple[str, bytes, bytes]] = []
    for offset, (feed_fiu, raw) in enumerate(reports):
        for topic, _, value in steps.ingest(
            TOPICS.feed(feed_fiu), 0, offset, TS + offset, encode_report(codec, raw)
        ):
            assert topic == TOPICS.sightings
            for mtopic, mkey, mvalue in steps.correlate(tokens, value):
                assert mtopic == TOPICS.matches
                assert codec.decode(mvalue, expect="Match")[1]["match_id"].encode() == mkey
                links[mkey], notes = steps.notify(links.get(mkey), mvalue, TOPICS.matches, mkey.decode())
                emitted += notes
    return emitted


def test_two_fius_sharing_identifiers_get_minimal_hits(steps: Steps, codec: Codec) -> None:
    emitted = run(
        steps,
        codec,
        ("FR", raw_report("FR-1", "FR")),
        ("DE", raw_report("DE-1", "DE", narrative="other narrative", reporting_entity={"name": "Bank AG"})),
    )
    notes = {}
    for topic, key, value in emitted:
        name, rec = codec.decode(value)
        if name == "Notification":
            assert topic == TOPICS.notification(rec["recipient_fiu"])
            assert key == rec["notification_id"].encode()
            notes[rec["notification_id"]] = rec
        else:
            assert (name, topic) == ("AuditDecision", TOPICS.audit)
            assert key == rec["decision_id"].encode()
            assert rec["policy_version"] == SharingPolicy.parse(POLICY).version
        for raw in (EMAIL, BTC, ETH[2:], NARRATIVE, ENTITY, AMOUNT, "Bank AG", "other narrative"):
            assert raw.encode() not in value
    # one hit per recipient report, counterpart report and match kind: wallet (two shared wallets
    # collapse into one id) and email, each way
    assert sorted((n["recipient_fiu"], n["match_kind"]) for n in notes.values()) == [
        ("DE", "email"),
        ("DE", "wallet"),
        ("FR", "email"),
        ("FR", "wallet"),
    ]
    assert all(n["type"] == "hit" and n["source_ts"] == TS + 1 for n in notes.values())


def test_domestic_link_is_never_notified(steps: Steps, codec: Codec) -> None:
    emitted = run(steps, codec, ("FR", raw_report("FR-1", "FR")), ("FR", raw_report("FR-2", "FR")))
    assert emitted
    assert {t for t, _, _ in emitted} == {TOPICS.audit}
    assert {d["decision"] for d in decoded(codec, emitted, "AuditDecision")} == {"domestic"}


def test_correlate_rejects_anything_but_a_sighting_batch(steps: Steps, codec: Codec) -> None:
    with pytest.raises(DecodeError, match="expected a SightingBatch record, got StrReport"):
        steps.correlate({}, encode_report(codec, raw_report()))


def test_notify_takes_only_a_match_from_matches_and_an_answer_from_a_consent_topic(
    steps: Steps, codec: Codec
) -> None:
    out = steps.ingest(TOPICS.feed("FR"), 0, 0, TS, encode_report(codec, raw_report()))
    with pytest.raises(DecodeError, match="expected a Match record, got SightingBatch"):
        steps.notify(None, out[0][2], TOPICS.matches, "k")
    with pytest.raises(DecodeError, match="C3 01"):
        steps.notify(None, b"garbage", TOPICS.matches, "k")
    answer = codec.encode(
        "ConsentAnswer", {"match_id": "m1", "fiu": "FR", "granted": True, "reason": None, "created_at": ""}
    )
    with pytest.raises(DecodeError, match="expected a Match record, got ConsentAnswer"):
        steps.notify(None, answer, TOPICS.matches, "m1")
    with pytest.raises(DecodeError, match="neither the matches topic nor a consent topic"):
        steps.notify(None, answer, TOPICS.feed("FR"), "m1")


def test_a_consent_answer_on_another_fius_consent_topic_is_refused(steps: Steps, codec: Codec) -> None:
    answer = {"match_id": "m1", "fiu": "DE", "granted": True, "reason": None, "created_at": ""}
    value = codec.encode("ConsentAnswer", answer)
    with pytest.raises(FiulinkError, match="says fiu=DE but came on the FR consent topic"):
        steps.notify(None, value, TOPICS.consent("FR"), "m1")
    with pytest.raises(FiulinkError, match="record key 'm2' is not the record's match_id"):
        steps.notify(None, value, TOPICS.consent("DE"), "m2")
    # its own topic and key: taken, but a match the hub does not hold gets no state
    state, out = steps.notify(None, value, TOPICS.consent("DE"), "m1")
    assert state is None
    assert [a["decision"] for a in decoded(codec, out, "AuditDecision")] == ["ignored"]


def test_consent_answer_through_notify(codec: Codec, tokenizer: Tokenizer) -> None:
    policy = SharingPolicy.parse(
        'fius = ["FR", "NL"]\n[[agreement]]\nfius = ["FR", "NL"]\nmode = "consent"\n'
    )
    steps = Steps(codec, tokenizer, policy, CorrelationRules(), TOPICS)
    emails_only = {"subjects": [{"emails": [EMAIL]}], "transactions": []}
    links: dict[bytes, Any] = {}
    emitted = run(
        steps,
        codec,
        ("FR", raw_report("FR-1", "FR", **emails_only)),
        ("NL", raw_report("NL-1", "NL", **emails_only)),
        links=links,
    )
    requests = decoded(codec, only(emitted, TOPICS.notification("NL")), "Notification")
    assert [(n["type"], n["recipient_report_id"], n["counterpart_report_id"]) for n in requests] == [
        ("consent_request", "NL-1", None)
    ]
    assert only(emitted, TOPICS.notification("FR"))  # FR is asked about its own report too
    match_id = requests[0]["match_id"].encode()
    grant = codec.encode(
        "ConsentAnswer",
        {"match_id": match_id.decode(), "fiu": "NL", "granted": True, "reason": None, "created_at": ""},
    )
    state, out = steps.notify(links[match_id], grant, TOPICS.consent("NL"), match_id.decode(), ts_ms=5_000)
    assert state is not None and state["last_ms"] == 5_000  # the record's log time: retention sweeps by it
    links[match_id] = state
    (hit,) = decoded(codec, only(out, TOPICS.notification("FR")), "Notification")
    assert (hit["type"], hit["recipient_report_id"], hit["counterpart_report_id"]) == ("hit", "FR-1", "NL-1")
    assert {a["decision"] for a in decoded(codec, only(out, TOPICS.audit), "AuditDecision")} == {"released"}
    assert only(out, TOPICS.notification("NL")) == []
    # a second answer (a refusal after the grant) changes nothing and sends nothing
    refuse = codec.encode(
        "ConsentAnswer",
        {"match_id": match_id.decode(), "fiu": "NL", "granted": False, "reason": "late", "created_at": ""},
    )
    state, out = steps.notify(links[match_id], refuse, TOPICS.consent("NL"), match_id.decode(), ts_ms=6_000)
    assert state is None and not only(out, TOPICS.notification("FR"))
    assert [a["reason"] for a in decoded(codec, out, "AuditDecision")] == [
        "NL had already granted consent on this match"
    ]
    assert links[match_id]["answers"] == {"NL": True} and links[match_id]["last_ms"] == 5_000
    # DE is not party to the match (it knows or guessed the id): its answer is ignored
    de = codec.encode(
        "ConsentAnswer",
        {"match_id": match_id.decode(), "fiu": "DE", "granted": True, "reason": None, "created_at": ""},
    )
    before = json.dumps(links[match_id], sort_keys=True)
    state, out = steps.notify(links[match_id], de, TOPICS.consent("DE"), match_id.decode())
    assert state is None and [t for t, _, _ in out] == [TOPICS.audit]
    assert json.dumps(links[match_id], sort_keys=True) == before


# -- correlate: batches --------------------------------------------------------------------------------


def test_a_replayed_batch_emits_the_same_match_ids_and_keeps_the_state(steps: Steps, codec: Codec) -> None:
    """At-least-once: a restart re-reads a batch the table already holds; the same ids come out."""
    tokens: dict[str, Any] = {}
    for offset, (fiu, rid) in enumerate((("FR", "FR-1"), ("DE", "DE-1"))):
        out = steps.ingest(TOPICS.feed(fiu), 0, offset, TS, encode_report(codec, raw_report(rid, fiu)))
        firsts = [steps.correlate(tokens, v) for _, _, v in only(out, TOPICS.sightings)]
    state = copy.deepcopy(tokens)
    again = [steps.correlate(tokens, v) for _, _, v in only(out, TOPICS.sightings)]
    assert tokens == state
    ids = [sorted(k for _, k, _ in o) for o in firsts]
    assert ids == [sorted(k for _, k, _ in o) for o in again] and sum(map(len, ids)) == 3  # 3 shared tokens


def test_a_sighting_that_fails_is_dead_lettered_alone(steps: Steps, codec: Codec) -> None:
    class Flaky(dict[str, Any]):
        def get(self, token: str, default: Any = None) -> Any:
            if token == bad:
                return {"refs": "not a list"}  # corrupt state for one token only
            return super().get(token, default)

    fr = steps.ingest(TOPICS.feed("FR"), 0, 0, TS, encode_report(codec, raw_report("FR-1", "FR")))
    de = steps.ingest(TOPICS.feed("DE"), 0, 1, TS, encode_report(codec, raw_report("DE-1", "DE")))
    bad = sightings_in(steps, codec, fr)[0]["token"]
    store = Flaky()
    for _, _, v in only(fr, TOPICS.sightings):
        steps.correlate(store, v, TOPICS.sightings, 5, 77)
    out = [
        o
        for _, _, v in only(de, TOPICS.sightings)
        for o in steps.correlate(store, v, TOPICS.sightings, 5, 78)
    ]
    (dl,) = decoded(codec, only(out, TOPICS.dead_letter), "DeadLetter")
    assert (dl["stage"], dl["field"], dl["source"]) == ("correlate", "token", f"{TOPICS.sightings}/5/78")
    assert "DE/DE-1" in dl["reason"]
    (one,) = sightings_of(codec.decode(dl["payload"], expect="SightingBatch")[1])
    assert one["token"] == bad  # the failed sighting alone, re-playable
    assert len(only(out, TOPICS.matches)) == 2  # the other two shared tokens still matched


def test_tokenized_at_source_a_report_sights_the_same_tokens_and_fields(
    steps: Steps, codec: Codec, tokenizer: Tokenizer
) -> None:
    """`publish --tokenize-at-source` keeps raw values at the FIU; the hub sees the same tokens,
    and the same fields for the recipient's explanation, as if it had tokenised them itself."""
    from streams.publish import tokenize_at_source

    raw, problems = validate_report(raw_report())
    assert raw is not None and problems == []
    at_source = tokenize_at_source(raw, tokenizer)
    sent = codec.encode("StrReport", at_source)
    for value in (EMAIL, BTC, ETH[2:]):
        assert value.encode() not in sent and value.lower().encode() not in sent.lower()
    hub = sightings_in(steps, codec, steps.ingest(TOPICS.feed("FR"), 0, 0, TS, sent))
    plain = sightings_in(
        steps, codec, steps.ingest(TOPICS.feed("FR"), 0, 0, TS, encode_report(codec, raw_report()))
    )
    assert sorted((s["token"], s["kind"], s["fields"]) for s in hub) == sorted(
        (s["token"], s["kind"], s["fields"]) for s in plain
    )
