"""Fuzzy links on the real broker and worker: the same person reported by two FIUs in different
scripts and spellings is a person hit with its confidence and why, a weaker pair a possible_hit,
a stranger nothing; a worker SIGKILLed between the reports and restarted gives exactly what
replay mode gives; a hostile record on the subjects topic is a dead letter."""

from __future__ import annotations

import json
import signal
from pathlib import Path
from typing import Any

from streams.kafka.clients import producer
from streams.testing import Hub, expected_notification_ids, policy_text, report, write_jsonl

RU = {"names": ["Дмитрий Кузнецов"], "birth_date": "1979-04-12", "nationalities": ["RU"]}
SAME = {"names": ["Dmitriy Kuznetzov"], "birth_date": "1979-04-12"}  # another script, a typo
# FR-1's name as usually romanised (similarity 1.0 whatever the key), another day of birth and
# another nationality: a possible_hit for FR-1 / IT-4 (and a hit with DE-9, who has no nationality)
WEAKER = {"names": ["Dmitry Kuznetsov"], "birth_date": "1979-04-25", "nationalities": ["DE"]}
STRANGER = {"names": ["Hiroshi Tanaka"], "birth_date": "1990-11-30"}
RAW = ("Кузнецов", "Kuznetzov", "Kuznetsov", "Tanaka", "1979", "1990")


def fuzzy(notes: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {n["notification_id"]: n for n in notes if n["match_kind"] == "person"}


def pairs(notes: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    return {(n["type"], n["recipient_report_id"], n["counterpart_report_id"]) for n in fuzzy(notes).values()}


def test_fuzzy_links_graded_crash_safe_and_equal_to_replay(hub: Hub, tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(policy_text(["FR", "DE", "IT"], auto=[("FR", "DE"), ("FR", "IT"), ("DE", "IT")]))
    first = [write_jsonl(tmp_path / "feed-FR.jsonl", [report("FR-1", "FR", **RU)]),
             write_jsonl(tmp_path / "feed-DE.jsonl", [report("DE-9", "DE", **SAME)])]  # fmt: skip
    then = [write_jsonl(tmp_path / "feed-IT.jsonl", [report("IT-4", "IT", **WEAKER)]),
            write_jsonl(tmp_path / "feed-DE2.jsonl", [report("DE-10", "DE", **STRANGER)])]  # fmt: skip
    want, hot = expected_notification_ids(first + then, hub.key, policy, entity_links=True)
    hub.cli("topics", "create", "--policy", str(policy), check=True)
    topics = hub.settings.topics
    note_topics = [topics.notification(f) for f in ("FR", "DE", "IT")]

    hub.start_worker(policy, "--entity-links")
    hub.cli("publish", *map(str, first), check=True)
    strong = {("hit", "FR-1", "DE-9"), ("hit", "DE-9", "FR-1")}
    notes = hub.read(note_topics, until=lambda r: strong <= pairs(r), timeout=120)
    assert pairs(notes) == strong, hub.worker_logs()[-3000:]
    hit = next(n for n in fuzzy(notes).values() if n["recipient_fiu"] == "DE")
    assert hit["confidence"] >= 0.9 and hit["counterpart_fiu"] == "FR" and hit["token"] is None
    assert hit["why"]["birth_date"] == "exact" and hit["why"]["name_part"] == "agree"

    hub.stop_workers(signal.SIGKILL)  # state and offsets as a crash leaves them
    hub.start_worker(policy, "--entity-links")
    hub.cli("publish", *map(str, then), check=True)
    p = producer(hub.settings)  # a hostile record where only the hub writes: a dead letter, not a crash
    p.send(topics.subjects, key=b"pm0:00", value=b"\xc3\x01 not a subject batch", partition=0)
    p.flush()
    graded = strong | {("hit", "DE-9", "IT-4"), ("hit", "IT-4", "DE-9"),
                       ("possible_hit", "FR-1", "IT-4"), ("possible_hit", "IT-4", "FR-1")}  # fmt: skip
    notes = hub.read(note_topics, until=lambda r: want <= {n["notification_id"] for n in r}, timeout=120)
    assert pairs(notes) == graded  # nothing for the stranger (DE-10)
    got = {n["notification_id"] for n in notes}
    assert got == want, f"missing {len(want - got)}, extra {len(got - want)}"
    for n in fuzzy(notes).values():
        if n["type"] == "possible_hit":
            assert 0.75 <= n["confidence"] < 0.9 and "verify against your own data" in n["message"]
        text = json.dumps(n, ensure_ascii=False)
        assert not any(raw in text for raw in RAW), text
    dead = hub.read([topics.dead_letter], until=lambda r: any(d["stage"] == "link" for d in r), timeout=60)
    assert any(d["stage"] == "link" and d["source"].startswith(f"{topics.subjects}/0/") for d in dead)
