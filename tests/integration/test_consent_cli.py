"""`fiulink consent` against the real broker: the checks before an answer is sent, and
`fiulink consent list`. The consent_request notifications are written straight to the FIU's
notification topic (as the worker writes them), so no worker is needed."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from kafka import KafkaProducer
from streams.codec import codec
from streams.testing import Hub


def _note(kind: str, match_id: str, recipient: str, counterpart: str, at: str) -> dict[str, Any]:
    return {"notification_id": f"n-{kind}-{match_id}-{recipient}", "match_id": match_id, "type": kind,
            "recipient_fiu": recipient, "recipient_report_id": f"{recipient}-{match_id}",
            "counterpart_fiu": counterpart, "counterpart_report_id": None, "match_kind": "wallet",
            "token": "k1:ab", "confidence": None, "purpose": None, "restrictions": [],
            "created_at": at, "source_ts": 0}  # fmt: skip


def _setup(hub: Hub, policy_file: Path) -> None:
    hub.cli("topics", "create", "--policy", str(policy_file), check=True)
    c = codec()
    p = KafkaProducer(bootstrap_servers=hub.bootstrap)
    topic = hub.settings.topics.notification("FR")
    notes = [_note("consent_request", "m1", "FR", "NL", "2026-11-20T10:00:00Z"),
             _note("consent_request", "m1", "FR", "NL", "2026-11-20T10:00:00Z"),  # at-least-once repeat
             _note("consent_request", "m2", "FR", "NL", "2026-11-20T11:00:00Z"),
             _note("hit", "m3", "FR", "DE", "2026-11-20T12:00:00Z")]  # fmt: skip
    for n in notes:
        p.send(topic, key=n["notification_id"].encode(), value=c.encode("Notification", n))
    p.flush()
    p.close()


def test_consent_checks_before_sending_and_lists_open_requests(hub: Hub, policy_file: Path) -> None:
    _setup(hub, policy_file)
    listed = hub.cli("consent", "list", "--fiu", "fr", "--format", "json", check=True)
    assert [json.loads(line)["match_id"] for line in listed.stdout.splitlines()] == ["m1", "m2"]
    assert "2 open consent request(s) for FR" in listed.stderr

    granted = hub.cli("consent", "m1", "--fiu", "FR", "--grant", check=True)  # the documented form
    assert "granted: FR on match m1" in granted.stderr
    answers = hub.read([hub.settings.topics.consent("FR")], until=lambda r: len(r) >= 1)
    assert [(a["match_id"], a["fiu"], a["granted"]) for a in answers] == [("m1", "FR", True)]

    table = hub.cli("consent", "list", "--fiu", "FR", check=True)
    assert [line.split("\t")[:3] for line in table.stdout.splitlines()] == [
        ["match_id", "report_id", "requested_by"], ["m2", "FR-m2", "NL"]]  # fmt: skip

    def refused(*args: str) -> str:
        done = hub.cli("consent", *args)
        assert done.returncode == 1, done
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
        return lines[0]

    assert "FR already answered match m1: granted at" in refused("m1", "--fiu", "FR", "--refuse")
    assert "unknown match nope for FR" in refused("nope", "--fiu", "FR", "--grant")
    assert "FR was not asked for consent on match m3 (its notifications for it: hit)" in refused(
        "m3", "--fiu", "FR", "--grant"
    )
    assert "unknown match m2 for NL" in refused("m2", "--fiu", "NL", "--grant")  # NL asked, not NL answering
    started = time.monotonic()
    assert "no topic" in refused("m2", "--fiu", "XX", "--grant") and "XX is not an FIU" in refused(
        "list", "--fiu", "XX"
    )
    assert time.monotonic() - started < 30  # no 60 s producer wait for a topic that does not exist
    # nothing refused above reached the topic; --force skips the checks
    hub.cli("consent", "nope", "--fiu", "FR", "--refuse", "--force", check=True)
    answers = hub.read([hub.settings.topics.consent("FR")], until=lambda r: len(r) >= 2)
    assert [(a["match_id"], a["granted"]) for a in answers] == [("m1", True), ("nope", False)]
