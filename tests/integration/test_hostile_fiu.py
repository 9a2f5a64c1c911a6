"""One member acting against the others, as FR with its own credentials on the secure broker,
with a worker running as the hub: forged hub decisions on FR's consent topic, a decompression
bomb, an amplifying report. Each must be dead-lettered (or audited) and reach nobody."""

from __future__ import annotations

import gzip
import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kafka import KafkaProducer
from streams.codec import codec
from streams.config import Settings
from streams.core.validate import validate_report
from streams.processes import stop_processes
from streams.tail import read_all
from streams.testing import FIULINK, SecureHub, policy_text, report, started_secure_hub, write_jsonl

POLICY = policy_text(["FR", "DE", "NL"], auto=[("FR", "DE"), ("DE", "NL")])
NOW = "2026-12-01T10:00:00Z"
RATE = 64 * 1024  # bytes/s an FIU may produce here (small, so that a small flood is throttled)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SecureHub, subprocess.Popen[bytes]]]:
    rate = str(RATE)
    with started_secure_hub(tmp_path_factory.mktemp("hostile"), POLICY, FIULINK_FIU_PRODUCE_RATE=rate) as hub:
        log = hub.tmp / "worker.log"
        with log.open("ab") as out:
            worker = subprocess.Popen(
                [*FIULINK, "worker", "--policy", str(hub.policy)],
                env=hub.env_of("hub"),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            yield hub, worker
        finally:
            stop_processes([worker])


def as_hub(hub: SecureHub) -> Settings:
    return Settings.from_env(hub.env_of("hub"))


def publish(hub: SecureHub, fiu: str, *reports: dict[str, Any]) -> None:
    feed = write_jsonl(hub.tmp / f"{fiu}-{reports[0]['report_id']}.jsonl", reports)
    done = hub.cli("publish", str(feed), principal=fiu)
    assert done.returncode == 0, done.stderr


def wait_for(what: str, check: Any, worker: subprocess.Popen[bytes], log: Path, timeout: float = 90) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert worker.poll() is None, log.read_text()[-3000:]
        got = check()
        if got:
            return got
        time.sleep(1)
    raise AssertionError(f"{what}: not seen in {timeout} s\n{log.read_text()[-3000:]}")


def records(hub: SecureHub, *topics: str) -> list[dict[str, Any]]:
    return [r for _, _, r in read_all(as_hub(hub), list(topics), idle=1.0)]


def hits(hub: SecureHub, fiu: str, counterpart_report_id: str) -> list[dict[str, Any]]:
    """The hits ``fiu`` was sent that name this counterpart report."""
    notes = records(hub, hub.settings.topics.notification(fiu))
    return [n for n in notes if n["type"] == "hit" and n["counterpart_report_id"] == counterpart_report_id]


def send_as(hub: SecureHub, fiu: str, topic: str, *pairs: tuple[bytes, bytes], **producer: Any) -> None:
    p = KafkaProducer(**hub.conf(fiu), **producer)
    try:
        for key, value in pairs:
            p.send(topic, key=key, value=value).get(timeout=60)
    finally:
        p.close()


def match(mid: str, status: str, *reports: tuple[str, str, str]) -> bytes:
    return codec().encode(
        "Match",
        {"match_id": mid, "status": status, "match_kind": "email", "token": "k1:" + "ab" * 32,
         "reports": [{"fiu": f, "report_id": r, "sharing": s, "restrictions": []} for f, r, s in reports],
         "created_at": NOW, "source_ts": 0},
    )  # fmt: skip


def answer(mid: str, fiu: str) -> bytes:
    return codec().encode(
        "ConsentAnswer", {"match_id": mid, "fiu": fiu, "granted": True, "reason": None, "created_at": NOW}
    )


def test_forged_hub_decisions_on_an_fius_consent_topic_change_nothing(
    hostile: tuple[SecureHub, subprocess.Popen[bytes]],
) -> None:
    hub, worker = hostile
    topics, log = hub.settings.topics, hub.tmp / "worker.log"
    publish(hub, "DE", report("DE-1", "DE", sharing="consent", emails=["forge.target@example.org"]))
    publish(hub, "FR", report("FR-1", "FR", emails=["forge.target@example.org"]))
    publish(hub, "NL", report("NL-1", "NL", emails=["nl.only@example.org"]))

    def de_asked() -> list[dict[str, Any]]:
        return [n for n in records(hub, topics.notification("DE")) if n["type"] == "consent_request"]

    (request,) = wait_for("DE's consent request", de_asked, worker, log)
    real = request["match_id"]  # FR can compute it: SHA-256 of the two report ids
    forged = [
        (b"hot-nl", match("hot-nl", "hot", ("NL", "NL-1", "auto"))),  # a hot notice to NL
        (b"fr-de", match("fr-de", "cross_border", ("FR", "FR-999", "auto"), ("DE", "DE-1", "auto"))),
        (
            real.encode(),
            match(real, "cross_border", ("FR", "FR-1", "auto"), ("DE", "DE-1", "auto")),
        ),  # bypass
        (b"other-key", answer(real, "FR")),  # the key addresses other state than the answer names
    ]
    send_as(hub, "FR", topics.consent("FR"), *forged)
    send_as(
        hub,
        "FR",
        topics.consent("FR"),
        (real.encode(), answer(real, "FR")),
        (b"guess", answer("guess", "FR")),
    )

    def dead() -> list[dict[str, Any]]:
        found = [d for d in records(hub, topics.dead_letter) if d["topic"] == topics.consent("FR")]
        return found if len(found) >= len(forged) else []

    letters = wait_for("the forgeries' dead letters", dead, worker, log)
    reasons = sorted(d["reason"] for d in letters)
    assert len(letters) == len(forged), reasons
    assert sum("expected a ConsentAnswer record, got Match" in r for r in reasons) == 3, reasons
    assert sum("is not the record's match_id" in r for r in reasons) == 1, reasons
    audit = wait_for(
        "the ignored answers' audit",
        lambda: [
            a
            for a in records(hub, topics.audit)
            if a["decision"] == "ignored" and a["counterpart_fiu"] == "FR"
        ],
        worker,
        log,
    )
    assert {a["match_id"] for a in audit} == {real, "guess"}
    time.sleep(2)
    assert records(hub, topics.notification("NL")) == []  # no hot notice, nothing at all
    fr = records(hub, topics.notification("FR"))
    assert not [n for n in fr if n["counterpart_report_id"] == "DE-1"], fr  # DE never consented
    de = records(hub, topics.notification("DE"))
    assert not [n for n in de if n["match_id"] == "fr-de" or n.get("counterpart_report_id") == "FR-999"], de
    # DE: the hit on FR's (auto) report and its own consent request, nothing forged
    assert sorted((n["type"], n["counterpart_report_id"]) for n in de if n["match_id"] == real) == [
        ("consent_request", None),
        ("hit", "FR-1"),
    ]


def test_a_decompression_bomb_is_refused_unread_and_the_worker_goes_on(
    hostile: tuple[SecureHub, subprocess.Popen[bytes]],
) -> None:
    hub, worker = hostile
    topics, log = hub.settings.topics, hub.tmp / "worker.log"
    bomb = b"\0" * (256 << 20)  # ~256 KB gzipped, well under the broker's 2 MiB
    assert len(gzip.compress(bomb[: 1 << 20])) < 2 << 20
    send_as(hub, "FR", topics.feed("FR"), (b"bomb", bomb), compression_type="gzip",
            max_request_size=1 << 30)  # fmt: skip
    del bomb

    def refused() -> list[dict[str, Any]]:
        return [d for d in records(hub, topics.dead_letter) if "refused unread" in d["reason"]]

    (letter,) = wait_for("the bomb's dead letter", refused, worker, log)
    assert letter["topic"] == topics.feed("FR") and "more than 33554432 bytes" in letter["reason"]
    peak_kb = int(next(ln.split()[1] for ln in Path(f"/proc/{worker.pid}/status").read_text().splitlines()
                       if ln.startswith("VmHWM")))  # fmt: skip
    assert peak_kb < 400 * 1024, f"worker peak RSS {peak_kb} kB"  # not the 256 MiB (twice) unpacked
    # the partition goes on: a report after the bomb on the same feed is processed
    publish(hub, "FR", report("FR-after", "FR", emails=["after.bomb@example.org"]))
    publish(hub, "DE", report("DE-after", "DE", emails=["after.bomb@example.org"]))
    wait_for("a hit after the bomb", lambda: hits(hub, "DE", "FR-after"), worker, log)


def test_a_report_full_of_bad_identifiers_is_one_dead_letter(
    hostile: tuple[SecureHub, subprocess.Popen[bytes]],
) -> None:
    hub, worker = hostile
    topics, log = hub.settings.topics, hub.tmp / "worker.log"
    raw = report("FR-amp", "FR")
    raw["subjects"] = [
        {"subject_id": f"s{i}", "kind": "person", "emails": [f"broken-{i}-{j}" for j in range(1000)]}
        for i in range(20)
    ]
    rec, problems = validate_report(raw)
    assert rec is not None, problems
    send_as(hub, "FR", topics.feed("FR"), (b"FR-amp", codec().encode("StrReport", rec)),
            max_request_size=2 << 20)  # fmt: skip

    def letters() -> list[dict[str, Any]]:
        return [d for d in records(hub, topics.dead_letter) if "FR-amp" in d["reason"]]

    wait_for("the amplifier's dead letter", letters, worker, log)
    time.sleep(2)
    (letter,) = letters()
    assert letter["stage"] == "identifier" and "20000 identifiers, more than the 1000" in letter["reason"]
    assert json.dumps(letter["reason"]).count("broken-") <= 20
    # FR learns what the hub left out of its report, with its own credentials; NL may not read it
    own = hub.cli(
        "tail", "dead-letters", "--fiu", "FR", "--from-beginning", "--idle-timeout", "5", principal="FR"
    )
    assert own.returncode == 0, own.stderr
    mine = [json.loads(line) for line in own.stdout.splitlines()]
    assert [d["source"] for d in mine if "FR-amp" in d["reason"]] == [letter["source"]]
    assert all(d["topic"] in (topics.feed("FR"), topics.consent("FR")) for d in mine)
    other = hub.cli(
        "tail", "dead-letters", "--fiu", "FR", "--from-beginning", "--idle-timeout", "5", principal="NL"
    )
    assert other.returncode != 0 and "Traceback" not in other.stderr


def test_the_broker_log_is_size_bounded_and_rotated(
    hostile: tuple[SecureHub, subprocess.Popen[bytes]],
) -> None:
    """A member can make the broker log (a stack trace per DescribeUserScramCredentials without a
    user list): the broker's log goes to a rolling file, not an unbounded broker.out."""
    from kafka.admin import KafkaAdminClient

    hub, _ = hostile
    broker_dir = hub.settings.home / "broker"
    admin = KafkaAdminClient(**hub.conf("hub"))
    try:
        for _ in range(3):
            admin.describe_user_scram_credentials()
    finally:
        admin.close()
    assert (broker_dir / "logs" / "broker.log").stat().st_size > 0
    assert (broker_dir / "broker.out").stat().st_size < 10_000
    config = (Path(__file__).parents[2] / "kafka" / "log4j.properties").read_text()
    assert (
        "RollingFileAppender" in config and "MaxFileSize=10MB" in config and "rootLogger=INFO, file" in config
    )


def test_a_flooding_fiu_is_throttled_and_another_fius_hit_still_arrives(
    hostile: tuple[SecureHub, subprocess.Popen[bytes]],
) -> None:
    """Per-principal produce quotas, set by ``topics create --secure``: FR floods its feed as fast
    as it can; the broker holds it to its rate while DE and NL's hit goes through."""
    import threading

    from kafka.admin import KafkaAdminClient

    from streams.kafka.secure import describe_produce_quotas

    hub, worker = hostile
    topics, log = hub.settings.topics, hub.tmp / "worker.log"
    admin = KafkaAdminClient(**hub.conf("hub"))
    try:
        assert describe_produce_quotas(admin) == {"FR": RATE, "DE": RATE, "NL": RATE}
    finally:
        admin.close()
    c = codec()
    flood = []
    for i in range(6000):
        rec, _ = validate_report(report(f"FR-flood-{i}", "FR", emails=[f"flood{i}@example.org"]))
        assert rec is not None
        flood.append((f"FR-flood-{i}".encode(), c.encode("StrReport", rec)))
    size = sum(len(k) + len(v) for k, v in flood)
    # Kafka measures a new client's rate over at least (quota.window.num - 1) windows of 1 s: a
    # flood under ten seconds' worth of quota is never throttled, so send well over it
    assert size > 20 * RATE
    took: list[float] = []

    def flood_it() -> None:
        start = time.monotonic()
        p = KafkaProducer(**hub.conf("FR"))
        for key, value in flood:
            p.send(topics.feed("FR"), key=key, value=value)
        p.flush()
        p.close()
        took.append(time.monotonic() - start)

    flooder = threading.Thread(target=flood_it)
    flooder.start()
    time.sleep(1)
    start = time.monotonic()
    publish(hub, "DE", report("DE-fair", "DE", emails=["fair@example.org"]))
    publish(hub, "NL", report("NL-fair", "NL", emails=["fair@example.org"]))
    wait_for("NL's hit during the flood", lambda: hits(hub, "NL", "DE-fair"), worker, log)
    latency = time.monotonic() - start
    flooder.join(timeout=120)
    assert took, "the flood did not finish"
    # the broker throttled FR (the first window's burst aside) and NL's hit came during the flood
    assert took[0] >= size / RATE / 3, (took[0], size)
    assert latency < took[0], (latency, took[0])
