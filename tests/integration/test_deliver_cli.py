"""`fiulink deliver` through the real command on the real broker: the default consumer group
(inside the FIU's allowed prefix), signed bodies and extra headers, ids delivered once across
runs, and the reason of a failed POST in its log line."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

from kafka import TopicPartition
from streams.codec import codec
from streams.kafka.clients import consumer, producer
from streams.snapshot import samples as S
from streams.testing import CaseSystem, Hub


def _notify(hub: Hub, ids: list[str]) -> None:
    c, p = codec(), producer(hub.settings)
    for nid in ids:
        rec = S.notification(nid, "m", "FR", "DE")
        p.send(hub.settings.topics.notification("FR"), key=nid.encode(), value=c.encode("Notification", rec))
    p.flush()
    p.close()


def test_deliver_signs_sends_headers_and_delivers_each_id_once(hub: Hub, policy_file: Path) -> None:
    hub.cli("topics", "create", "--policy", str(policy_file), check=True)
    _notify(hub, ["n1", "n2", "n1"])  # n1 again: the hub is at-least-once
    args = ["deliver", "--fiu", "fr", "--idle-timeout", "3", "--header", "X-Api-Key: k-42"]
    hub.extra_env["FIULINK_WEBHOOK_SECRET"] = "s3cret"
    with CaseSystem().running() as case:
        url, received = case.url, case.raw
        done = hub.cli(*args, "--url", url, check=True, timeout=90)
        group = f"{hub.prefix.rstrip('.')}-FR-deliver"
        assert f"(group {group}," in done.stderr
        assert sorted(json.loads(body)["notification_id"] for _, body in received) == ["n1", "n2"]
        for headers, body in received:
            assert (
                headers["X-Fiulink-Signature"]
                == "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
            )
            assert headers["X-Api-Key"] == "k-42"
            assert headers["Idempotency-Key"] == json.loads(body)["notification_id"]
        # the default group committed past all three records
        c = consumer(hub.settings, group_id=group)
        try:
            topic = hub.settings.topics.notification("FR")
            parts = [TopicPartition(topic, p) for p in range(hub.settings.partitions)]
            assert sum(c.committed(tp) or 0 for tp in parts) == 3
        finally:
            c.close()
        # a second run of the same group: only n3 is new; n2, repeated on the topic, is not POSTed
        _notify(hub, ["n2", "n3"])
        hub.cli(*args, "--url", url, check=True, timeout=90)
        assert sorted(json.loads(body)["notification_id"] for _, body in received) == ["n1", "n2", "n3"]
    assert sorted((hub.home / "deliver" / f"{group}.delivered").read_text().split()) == ["n1", "n2", "n3"]


def test_a_failed_post_says_why_and_an_unknown_fiu_is_one_line(hub: Hub, policy_file: Path) -> None:
    hub.cli("topics", "create", "--policy", str(policy_file), check=True)
    _notify(hub, ["n1"])
    done = hub.cli("deliver", "--fiu", "FR", "--url", "http://127.0.0.1:9/hook", "--idle-timeout", "3",
                   "--backoff", "0.01", "--max-attempts", "2", timeout=90)  # fmt: skip
    assert done.returncode == 1
    assert "n1 (" in done.stderr and "connection refused by 127.0.0.1, attempt 1; retrying" in done.stderr
    assert "not delivered after 2 attempts: connection refused by 127.0.0.1" in done.stderr
    unknown = hub.cli("deliver", "--fiu", "XX", "--url", "http://127.0.0.1:9/hook", "--idle-timeout", "1")
    assert unknown.returncode == 1 and "no such topic" in unknown.stderr
