"""Hostile records straight onto the feed topics, past `fiulink publish`, interleaved with good
reports: the worker keeps running and logs no traceback, every hostile record lands in the
dead-letter topic naming its topic/partition/offset with a reason, and the good reports around
them give exactly the notifications replay mode gives."""

from __future__ import annotations

import hashlib
import io
import json
import random
from collections import Counter
from pathlib import Path
from typing import Any

import fastavro

from streams.codec import codec
from streams.codec.avro import MAGIC, fingerprint
from streams.core.correlate import CorrelationRules
from streams.core.policy import SharingPolicy
from streams.core.validate import validate_report
from streams.kafka.clients import producer
from streams.replay import replay
from streams.testing import Hub, report

WRONG_TYPES = {
    "type": "record",
    "name": "StrReport",
    "namespace": "org.fiulink",
    "fields": [
        {"name": "report_id", "type": "long"},
        {"name": "fiu", "type": {"type": "array", "items": "int"}},
        {"name": "submitted_at", "type": "double"},
    ],
}


def _avro(report_: dict[str, Any]) -> bytes:
    record, problems = validate_report(report_)
    assert record is not None, problems
    return codec().encode("StrReport", record)


def _wrong_types(rng: random.Random) -> bytes:
    buf = io.BytesIO()
    value = {"report_id": rng.getrandbits(62), "fiu": [rng.randrange(1000)] * 3, "submitted_at": rng.random()}
    fastavro.schemaless_writer(buf, fastavro.parse_schema(WRONG_TYPES), value)
    return buf.getvalue()


def good_reports() -> list[dict[str, Any]]:
    """Ten groups of five reports linked across FIUs: FR-DE (auto) and DE-NL (auto) by e-mail,
    DE-IT (auto) by wallet, FR-NL (consent) by e-mail, FR-SG (no agreement) by phone."""
    rows = []
    for i in range(10):
        email = f"hostile.group{i}@example.org"
        wallet = {"chain": "eth", "address": "0x" + hashlib.sha256(f"w{i}".encode()).hexdigest()[:40]}
        phone = f"+33 1 44 55 66 {i:02d}"
        rows += [
            report(f"FR-G{i}", "FR", emails=[email], phones=[phone]),
            report(f"DE-G{i}", "DE", emails=[email], wallets=[wallet]),
            report(f"IT-G{i}", "IT", wallets=[wallet]),
            report(f"NL-G{i}", "NL", emails=[email]),
            report(f"SG-G{i}", "SG", phones=[phone]),
        ]
    return rows


def hostile_records(hub: Hub, rng: random.Random) -> list[tuple[str, bytes | None, bytes | None, str]]:
    """(topic, key, value, what) for every kind of record a feed must survive."""
    t = hub.settings.topics
    feeds = [t.feed(f) for f in ("FR", "DE", "IT", "NL", "SG")]
    valid = _avro(report("FR-H-1", "FR", emails=["hostile.valid@example.org"]))
    fr = t.feed("FR")
    out: list[tuple[str, bytes | None, bytes | None, str]] = []
    for n in range(30):
        body = rng.randbytes(rng.choice([0, 1, 9, 10, 64, 1000]))
        if n % 3 == 0:
            body = codec().prefix["StrReport"] + body  # a known fingerprint, a garbage body
        out.append((rng.choice(feeds), rng.randbytes(8), body, "random bytes"))
    for cut in sorted(rng.sample(range(len(valid)), 8)):
        out.append((fr, f"cut-{cut}".encode(), valid[:cut], "truncated Avro"))
    for _ in range(3):
        out.append((fr, b"fp", MAGIC + rng.randbytes(8) + valid[10:], "unknown fingerprint"))
    out.append(
        (fr, b"wt1", codec().prefix["StrReport"] + _wrong_types(rng), "wrong types, StrReport fingerprint")
    )
    out.append((fr, b"wt2", MAGIC + fingerprint(json.dumps(WRONG_TYPES)) + _wrong_types(rng), "wrong types"))
    huge = report("FR-H-HUGE", "FR", emails=["hostile.huge@example.org"])
    huge_record = {**validate_report(huge)[0], "narrative": "N" * 1_000_000}  # type: ignore[dict-item]
    out.append((fr, b"FR-H-HUGE", codec().encode("StrReport", huge_record), "1 MB narrative"))
    out.append((fr, b"deep", b"[" * 200_000 + b"]" * 200_000, "deeply nested JSON"))
    out.append((fr, b"json", json.dumps(report("FR-H-J", "FR", emails=["x@example.org"])).encode(), "JSON"))
    out.append(
        (
            fr,
            b"DE-H-MIS",
            _avro(report("DE-H-MIS", "DE", emails=["hostile.group0@example.org"])),
            "mis-routed",
        )
    )
    lower_case = {**validate_report(report("FR-H-LC", "FR", emails=["a@b.org"]))[0], "fiu": "fr"}  # type: ignore[dict-item]
    out.append((fr, b"FR-H-LC", codec().encode("StrReport", lower_case), "invalid fiu"))
    consent = {"match_id": "m", "fiu": "FR", "granted": True, "reason": None, "created_at": ""}
    out.append((fr, b"ca", codec().encode("ConsentAnswer", consent), "wrong record type"))
    out.append((t.feed("DE"), b"tombstone", None, "tombstone"))
    return out


def test_hostile_records_on_the_feeds_are_dead_lettered_and_the_good_ones_still_match(
    hub: Hub, policy_file: Path
) -> None:
    rng = random.Random(2026)
    topics = hub.settings.topics
    hub.cli("topics", "create", "--policy", str(policy_file), check=True)
    worker = hub.start_worker(policy_file)
    good = good_reports()
    expected = replay(good, hub.key.encode(), SharingPolicy.load(policy_file), CorrelationRules())
    want = {n["notification_id"] for n in expected["notifications"]}
    assert {n["type"] for n in expected["notifications"]} == {"hit", "consent_request"} and len(want) >= 60

    hostile = hostile_records(hub, rng)
    mix: list[tuple[str, bytes | None, bytes | None, str]] = [
        (topics.feed(r["fiu"]), r["report_id"].encode(), _avro(r), "good") for r in good
    ] + hostile
    rng.shuffle(mix)
    p = producer(hub.settings)
    futures = [(p.send(topic, key=key, value=value), what) for topic, key, value, what in mix]
    p.flush()
    sources = {}
    for future, what in futures:
        md = future.get(timeout=30)
        if what != "good":
            sources[f"{md.topic}/{md.partition}/{md.offset}"] = what
    p.close()
    assert len(sources) == len(hostile)

    note_topics = [topics.notification(f) for f in ("FR", "DE", "IT", "NL", "SG")]
    notes = hub.read(note_topics, until=lambda r: want <= {n["notification_id"] for n in r}, timeout=90)
    dead = hub.read(
        [topics.dead_letter], until=lambda r: set(sources) <= {d["source"] for d in r}, timeout=30
    )
    log = (hub.home / "worker-0.log").read_text(errors="replace")
    alive = worker.poll() is None  # checked while running: Faust may log benign tracebacks on shutdown
    hub.stop_workers()

    got = {n["notification_id"] for n in notes}
    by_source = Counter(d["source"] for d in dead)
    lost = len(set(sources) - set(by_source)) + len(want - got)
    duplicated = sum(c - 1 for c in by_source.values()) + len(notes) - len(got) + len(got - want)
    print(
        f"\nhostile input: records fuzzed {len(hostile)}, dead-lettered {len(set(sources) & set(by_source))}, "
        f"lost {lost}, duplicated {duplicated}; good reports {len(good)}, notifications {len(got)}"
    )
    assert alive, f"the worker stopped:\n{log[-3000:]}"
    for bad in ("Traceback", "CRITICAL", "crashed"):
        assert bad not in log, f"{bad!r} in the worker log:\n{log[-3000:]}"
    missing = {s: w for s, w in sources.items() if s not in by_source}
    assert not missing, f"not dead-lettered: {missing}"
    for d in dead:
        assert d["source"] in sources, f"a good report was dead-lettered: {d['source']} {d['reason']}"
        assert d["source"] == f"{d['topic']}/{d['partition']}/{d['offset']}"
        assert d["stage"] == "ingest" and d["reason"].strip(), d
    reasons = {sources[d["source"]]: d for d in dead}
    assert reasons["mis-routed"]["field"] == "fiu" and "FR feed" in reasons["mis-routed"]["reason"]
    assert reasons["1 MB narrative"]["field"] == "narrative"
    assert "unknown schema fingerprint" in reasons["unknown fingerprint"]["reason"]
    assert got == want, f"missing {len(want - got)}, extra {len(got - want)}"
    assert lost == 0 and duplicated == 0
