"""Retention on the real broker: a token nobody sights again is still forgotten once it is older
than FIULINK_RETENTION_DAYS (the worker's sweep deletes it and writes a changelog tombstone, so a
worker recovering the table forgets it too), and a report arriving after that no longer links to
it; reports within the period still do. A match's sharing state (held hits, consent answers) is
forgotten the same way once nothing touched it for the period."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from streams.kafka.clients import consumer
from streams.testing import Hub, report, write_jsonl

RETENTION_S = 8.0


def _changelog(hub: Hub, table: str = "tokens") -> dict[bytes, list[bytes | None]]:
    """Every value per key on a table's changelog, in order (None = tombstone)."""
    from kafka import TopicPartition

    topic = f"{hub.settings.app_id}-{table}-changelog"
    c = consumer(hub.settings)
    try:
        tps = [TopicPartition(topic, p) for p in c.partitions_for_topic(topic) or ()]
        c.assign(tps)
        c.seek_to_beginning(*tps)
        ends = c.end_offsets(tps)
        out: dict[bytes, list[bytes | None]] = {}
        deadline = time.monotonic() + 20
        while any(c.position(tp) < ends[tp] for tp in tps) and time.monotonic() < deadline:
            for records in c.poll(timeout_ms=500).values():
                for r in records:
                    out.setdefault(r.key, []).append(r.value)
        return out
    finally:
        c.close()


def _hits(notes: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    return {(n["recipient_fiu"], n["recipient_report_id"], n["counterpart_report_id"]) for n in notes
            if n["type"] == "hit"}  # fmt: skip


def test_untouched_tokens_are_forgotten_after_the_retention_period(
    kafka_bootstrap: str, tmp_path: Path, policy_file: Path
) -> None:
    hub = Hub(bootstrap=kafka_bootstrap, home=tmp_path / "home",
              extra_env={"FIULINK_RETENTION_DAYS": repr(RETENTION_S / 86_400)})  # fmt: skip
    hub.home.mkdir()
    try:
        hub.cli("topics", "create", "--policy", str(policy_file), check=True)
        hub.start_worker(policy_file)
        old = write_jsonl(tmp_path / "old.jsonl", [report("FR-OLD-1", "FR", emails=["old.case@example.org"])])
        hub.cli("publish", str(old), check=True)
        # the sighting is stored, then swept once it is older than the period
        deadline = time.monotonic() + 60
        while True:
            log = _changelog(hub)
            written = [k for k, vs in log.items() if vs and vs[0] is not None]
            swept = [k for k, vs in log.items() if vs and vs[-1] is None and any(v is not None for v in vs)]
            if written and swept:
                break
            assert time.monotonic() < deadline, f"no tombstone after 60 s: {log}\n{hub.worker_logs()}"
            time.sleep(1)
        assert sorted(swept) == sorted(written)  # the one token written, and forgotten
        assert "retention: forgot 1 tokens" in hub.worker_logs()
        # after the sweep: the old report no longer links; two fresh reports do
        late = write_jsonl(tmp_path / "late.jsonl", [
            report("DE-LATE-1", "DE", emails=["old.case@example.org"]),
            report("DE-NEW-1", "DE", emails=["new.case@example.org"]),
            report("FR-NEW-1", "FR", emails=["new.case@example.org"]),
        ])  # fmt: skip
        hub.cli("publish", str(late), check=True)
        topics = [hub.settings.topics.notification(f) for f in ("FR", "DE")]
        notes = hub.read(topics, until=lambda r: ("FR", "FR-NEW-1", "DE-NEW-1") in _hits(r), timeout=60)
        hits = _hits(notes)
        assert {("FR", "FR-NEW-1", "DE-NEW-1"), ("DE", "DE-NEW-1", "FR-NEW-1")} <= hits, hub.worker_logs()
        assert not {h for h in hits if "FR-OLD-1" in h or "DE-LATE-1" in h}, hits
        # the match's sharing state (links table) is forgotten in turn once untouched for the period
        match_ids = {n["match_id"].encode() for n in notes if "FR-NEW-1" in n["recipient_report_id"]}
        deadline = time.monotonic() + 60
        while True:
            links = {k: vs for k, vs in _changelog(hub, "links").items() if k.strip(b'"') in match_ids}
            if links and all(vs[-1] is None for vs in links.values()):
                break
            assert time.monotonic() < deadline, f"no links tombstone after 60 s: {links}\n{hub.worker_logs()}"
            time.sleep(1)
        assert all(any(v is not None for v in vs) for vs in links.values())  # written, then forgotten
        assert "retention: forgot 1 sharing decisions" in hub.worker_logs()
    finally:
        hub.stop_workers()
