"""Fuzzy links through the worker's steps and replay mode: ingest encodes subjects (never names)
by blocking key, link files and scores them, notify grades them."""

from __future__ import annotations

import json
from typing import Any

import pytest

from streams.app.steps import Send, Steps
from streams.codec import Codec
from streams.codec.avro import SCHEMA_DIR
from streams.core.correlate import CorrelationRules
from streams.core.entities import EntityEncoder
from streams.core.entities.blocking import blocking_keys
from streams.core.entities.encode import decode
from streams.core.grades import VERIFY
from streams.core.policy import SharingPolicy
from streams.core.sightings import route
from streams.core.tokens import Tokenizer
from streams.replay import replay
from streams.testing import encode_report, policy_text, report
from streams.topics import Topics

KEY = b"unit-test consortium key"
POLICY = SharingPolicy.parse(policy_text(["FR", "DE", "IT"], auto=[("FR", "DE"), ("FR", "IT"), ("DE", "IT")]))
TOPICS = Topics("t.")
RU = {"names": ["Дмитрий Кузнецов"], "birth_date": "1979-04-12", "nationalities": ["RU"]}
SAME = {"names": ["Dmitriy Kuznetzov"], "birth_date": "1979-04-12"}
WEAKER = {"names": ["Dmitry Kuznetsov"], "birth_date": "1979-04-25", "nationalities": ["DE"]}
STRANGER = {"names": ["Hiroshi Tanaka"], "birth_date": "1990-11-30"}


@pytest.fixture(scope="module")
def codec() -> Codec:
    return Codec(SCHEMA_DIR)


@pytest.fixture
def steps(codec: Codec) -> Steps:
    return Steps(codec, Tokenizer(KEY, "k1"), POLICY, CorrelationRules(), TOPICS, 8, EntityEncoder(KEY))


def feed() -> list[dict[str, Any]]:
    return [
        report("FR-1", "FR", **RU),
        report("DE-9", "DE", **SAME),
        report("IT-4", "IT", **WEAKER),
        report("DE-10", "DE", **STRANGER),
    ]


def test_replay_gives_a_hit_a_possible_hit_and_nothing_for_a_stranger() -> None:
    out = replay(feed(), KEY, POLICY, CorrelationRules(), entity_links=True)
    fuzzy = [n for n in out["notifications"] if n["match_kind"] in ("person", "organization")]
    pairs = {(n["type"], n["recipient_report_id"], n["counterpart_report_id"]) for n in fuzzy}
    # FR-1/DE-9: the same person in Cyrillic and Latin with a typo, the same birth date; IT-4:
    # the same name as FR-1 (key-independent: name similarity 1.0) with another day of birth and
    # another nationality (possible), and no nationality to disagree with DE-9 (a hit); DE-10: a
    # stranger, linked to nobody
    assert pairs == {
        ("hit", "FR-1", "DE-9"), ("hit", "DE-9", "FR-1"), ("hit", "DE-9", "IT-4"), ("hit", "IT-4", "DE-9"),
        ("possible_hit", "FR-1", "IT-4"), ("possible_hit", "IT-4", "FR-1"),
    }  # fmt: skip
    assert all("DE-10" not in (r, c) for _, r, c in pairs)
    hit = next(n for n in fuzzy if n["type"] == "hit" and n["recipient_fiu"] == "DE")
    assert hit["confidence"] >= 0.9 and hit["why"]["birth_date"] == "exact"
    assert hit["recipient_fields"] == ["subjects[0]"]
    possible = [n for n in fuzzy if n["type"] == "possible_hit"]
    assert all(0.75 <= n["confidence"] < 0.9 and n["message"] == VERIFY for n in possible)
    text = json.dumps(out["notifications"] + out["matches"], ensure_ascii=False)
    for raw in ("Кузнецов", "Kuznetzov", "Kusnezow", "Tanaka", "1979", "1990-11-30"):
        assert raw not in text


def test_replay_is_deterministic_and_exact_links_keep_confidence_one() -> None:
    first, again = (replay(feed(), KEY, POLICY, CorrelationRules(), entity_links=True) for _ in range(2))
    ids = [{(n["notification_id"], n["confidence"]) for n in o["notifications"]} for o in (first, again)]
    assert ids[0] == ids[1] and len(ids[0]) == len(first["notifications"])
    twin = [report("FR-1", "FR", **RU), report("DE-9", "DE", **RU)]  # identical: name_dob token too
    notes = replay(twin, KEY, POLICY, CorrelationRules(), entity_links=True)["notifications"]
    kinds = {(n["match_kind"], n["confidence"]) for n in notes}
    assert ("name_dob", 1.0) in kinds and ("person", 1.0) in kinds


def test_ingest_sends_encodings_by_blocking_key_never_names(codec: Codec, steps: Steps) -> None:
    value = encode_report(codec, report("FR-1", "FR", **RU))
    out = steps.ingest(TOPICS.feed("FR"), 0, 0, 1000, value)
    subjects = [s for s in out if s[0] == TOPICS.subjects]
    assert subjects
    entries = []
    for _, key, v, partition in subjects:
        batch = codec.decode(v or b"", expect="SubjectBatch")[1]
        assert {route(e["key"], 8) for e in batch["entries"]} == {partition}
        assert key.decode() == batch["entries"][0]["key"]
        entries += batch["entries"]
    assert {e["key"] for e in entries} == set(blocking_keys(decode(entries[0]["encoding"])))
    assert b"\xd0\x9a" not in b"".join(v or b"" for _, _, v, _ in subjects)  # no Cyrillic "К"
    assert b"1979" not in b"".join(v or b"" for _, _, v, _ in subjects)


def one_batch(
    codec: Codec, steps: Steps, subject: dict[str, Any], rid: str, fiu: str
) -> list[dict[str, Any]]:
    out = steps.ingest(TOPICS.feed(fiu), 0, 0, 1000, encode_report(codec, report(rid, fiu, **subject)))
    return [e for t, _, v, _ in out if t == TOPICS.subjects for e in codec.decode(v or b"")[1]["entries"]]


def link(codec: Codec, steps: Steps, store: dict[str, Any], entries: list[dict[str, Any]]) -> list[Send]:
    out: list[Send] = []
    for e in entries:
        part = route(e["key"], 8)
        out += steps.link(store, codec.encode("SubjectBatch", {"entries": [e]}), TOPICS.subjects, part, 7)
    return out


def test_hostile_entries_are_dead_lettered_and_file_nothing(codec: Codec, steps: Steps) -> None:
    store: dict[str, Any] = {}
    good = one_batch(codec, steps, RU, "FR-1", "FR")
    e = good[0]
    wrong_partition = codec.encode("SubjectBatch", {"entries": [e]})
    other_key = one_batch(
        codec, Steps(codec, Tokenizer(b"x", "k1"), POLICY, CorrelationRules(), TOPICS, 8, EntityEncoder(b"x")),
        SAME, "DE-9", "DE",
    )[0]  # fmt: skip
    garbage = {**e, "encoding": b"\x02\x05not an encoding"}
    stranger = one_batch(codec, steps, STRANGER, "FR-1", "FR")[0]["encoding"]
    cases = [
        steps.link(store, wrong_partition, TOPICS.subjects, (route(e["key"], 8) + 1) % 8, 3),
        link(codec, steps, store, [garbage]),
        link(codec, steps, store, [other_key]),
        link(codec, steps, store, [{**e, "encoding": stranger}]),  # a key not of this encoding
    ]  # fmt: skip
    for out in cases:
        assert [t for t, *_ in out] == [TOPICS.dead_letter]
        dead = codec.decode(out[0][2] or b"", expect="DeadLetter")[1]
        assert dead["stage"] == "link" and ("FR-1" in dead["reason"] or "DE-9" in dead["reason"])
        assert dead["source"].startswith(TOPICS.subjects)
    assert store == {}
    assert not [t for t, *_ in link(codec, steps, store, good) if t == TOPICS.dead_letter]
    assert store


def test_an_organisation_with_another_legal_form_spelling_and_a_typo_links() -> None:
    feed = [
        report("FR-1", "FR", kind="organization", names=["Northwind Logistics LLC"]),
        report("DE-9", "DE", kind="organization", names=["Nortwind Logistics Limited Liability Company"]),
        report("IT-4", "IT", kind="organization", names=["Northwind Capital LLC"]),  # another company
        report("IT-5", "IT", names=["Northwind Logistics"]),  # a person: never an organisation's link
    ]
    notes = replay(feed, KEY, POLICY, CorrelationRules(), entity_links=True)["notifications"]
    got = {(n["type"], n["match_kind"], n["recipient_report_id"], n["counterpart_report_id"]) for n in notes}
    assert got == {("hit", "organization", "FR-1", "DE-9"), ("hit", "organization", "DE-9", "FR-1")}
    assert all(n["why"]["legal_form"] == "agree" for n in notes)


def test_a_full_blocking_key_is_audited_and_its_subjects_still_compared(codec: Codec) -> None:
    from streams.core.entities.blocking import MAX_POSTINGS

    one = Steps(codec, Tokenizer(KEY, "k1"), POLICY, CorrelationRules(), TOPICS, 1, EntityEncoder(KEY))
    store: dict[str, Any] = {}
    out: list[Send] = []
    for i in range(MAX_POSTINGS + 1):  # one common name, born on different days
        subject = {"names": ["Anna Schmidt"], "birth_date": f"1950-{1 + i % 12:02d}-{1 + i // 12:02d}"}
        value = encode_report(codec, report(f"FR-{i}", "FR", **subject))
        for topic, _, v, _ in one.ingest(TOPICS.feed("FR"), 0, i, 1000, value):
            if topic == TOPICS.subjects:
                out = one.link(store, v or b"", topic, 0, i)
    audits = [codec.decode(v or b"", expect="AuditDecision")[1] for t, _, v, _ in out if t == TOPICS.audit]
    assert audits and all(a["decision"] == "postings_full" and "FR-200/0" in a["reason"] for a in audits)
    full = [k for k, s in store.items() if k.startswith("pm") and len(s["postings"]) == MAX_POSTINGS]
    assert full and all("FR-200" not in {p["report_id"] for p in store[k]["postings"]} for k in full)
    matches = [codec.decode(v or b"", expect="Match")[1] for t, _, v, _ in out if t == TOPICS.matches]
    assert matches  # compared with what the full key holds (domestic: same FIU, never notified)
