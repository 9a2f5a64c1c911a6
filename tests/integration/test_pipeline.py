"""The main job end to end on the real broker: generated feed -> worker -> notifications."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from streams.codec import codec
from streams.kafka.clients import producer
from streams.testing import Hub, report, write_jsonl

FORBIDDEN_TEXT = ("narrative", "VASP", "Example VASP", "1250.00", "@example", "bc1q", "0x")


def _hits(notes: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    return {
        (n["recipient_fiu"], n["recipient_report_id"], n["counterpart_report_id"])
        for n in notes
        if n["type"] == "hit"
    }


def _assert_minimal(notes: list[dict[str, Any]]) -> None:
    allowed = {"notification_id", "match_id", "type", "recipient_fiu", "recipient_report_id", "counterpart_fiu",
               "counterpart_report_id", "match_kind", "token", "confidence", "purpose", "restrictions", "created_at",
               "source_ts", "recipient_fields", "agreement", "message", "watchlist", "listing_ref", "programs",
               "why"}  # fmt: skip
    for n in notes:
        assert set(n) <= allowed, set(n) - allowed
        for k, v in n.items():
            if k in ("recipient_report_id", "counterpart_report_id", "match_id", "notification_id", "token"):
                continue
            for bad in FORBIDDEN_TEXT:
                assert bad not in json.dumps(v), f"{k}={v!r} carries {bad!r}"
        if n["token"] is not None:
            assert n["token"].startswith("k1:") and len(n["token"]) == 3 + 64


def test_generated_feed_notified_exactly_as_the_truth_says(hub: Hub, tmp_path: Path) -> None:
    feed = tmp_path / "feed"
    hub.cli("generate", "--fius", "4", "--reports", "600", "--seed", "11", "--out", str(feed), check=True)
    truth = json.loads((feed / "truth.json").read_text())
    policy = feed / "policy.toml"
    hub.cli("topics", "create", "--policy", str(policy), check=True)
    hub.start_worker(policy, "--service-wallets", str(feed / "service-wallets.txt"))
    # hostile records straight onto the feeds, between good ones
    topics = hub.settings.topics
    p = producer(hub.settings)
    p.send(topics.feed("FR"), key=b"x", value=b"\x00garbage bytes")
    misrouted = report("DE-MIS-1", "DE", emails=["mis@example.org"])
    from streams.core.validate import validate_report

    p.send(
        topics.feed("FR"), key=b"DE-MIS-1", value=codec().encode("StrReport", validate_report(misrouted)[0])
    )
    p.flush()
    done = hub.cli("publish", *sorted(str(f) for f in feed.glob("feed-*.jsonl")), check=True)
    assert "0 rejected" in done.stderr
    must = {
        (h["recipient_fiu"], h["recipient_report_id"], h["counterpart_report_id"])
        for h in truth["must_notify"]
    }
    fius = truth["fius"]
    note_topics = [topics.notification(f) for f in fius]
    notes = hub.read(note_topics, until=lambda r: must <= _hits(r), timeout=150, idle=4)
    hits = _hits(notes)
    assert must <= hits, f"missing {sorted(must - hits)[:5]}\n{hub.worker_logs()}"
    # exactly once per (recipient report, counterpart report, kind): one id per link, however often repeated
    ids_per_link: dict[tuple[str, str, str, str], set[str]] = {}
    for n in notes:
        if n["type"] == "hit":
            key = (n["recipient_fiu"], n["recipient_report_id"], n["counterpart_report_id"], n["match_kind"])
            ids_per_link.setdefault(key, set()).add(n["notification_id"])
    assert all(len(v) == 1 for v in ids_per_link.values())
    # nothing across the pair the policy denies
    for d in truth["denied_links"]:
        ra, rb = d["reports"]
        assert not any(
            {n["recipient_report_id"], n["counterpart_report_id"]} == {ra, rb}
            for n in notes
            if n["type"] == "hit"
        )
    # domestic links never notified
    assert not [n for n in notes if n["type"] == "hit" and n["counterpart_fiu"] == n["recipient_fiu"]]
    # the hot wallet: one hot_identifier per FIU, not a fan-out
    hot = [n for n in notes if n["type"] == "hot_identifier"]
    assert Counter(n["recipient_fiu"] for n in {n["notification_id"]: n for n in hot}.values()) == Counter(
        fius
    )
    hot_token = hot[0]["token"]
    assert (
        len({n["notification_id"] for n in notes if n["token"] == hot_token and n["type"] == "hit"})
        <= 2 * 10 * 9 // 2
    )
    _assert_minimal(notes)
    # malformed, mis-routed and near-miss records in the dead-letter topic, with reasons
    dead = hub.read([topics.dead_letter], until=lambda r: len(r) >= 2 + len(truth["fius"]), timeout=30)
    reasons = [(d["stage"], d["field"], d["reason"]) for d in dead]
    assert any(s == "ingest" and "C3 01" in r and d["source"] == f"{topics.feed('FR')}/{d['partition']}/{d['offset']}"
               for (s, _f, r), d in zip(reasons, dead, strict=True))  # fmt: skip
    assert any(s == "ingest" and f == "fiu" and "DE-MIS-1" in r and "FR feed" in r for s, f, r in reasons)
    assert any(s == "identifier" and "checksum" in r for s, _f, r in reasons)


def test_consent_and_sharing_none(hub: Hub, policy_file: Path, tmp_path: Path) -> None:
    w = {"chain": "eth", "address": "0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359"}
    rows = {
        "FR": [report("FR-C-1", "FR", wallets=[w]), report("FR-N-1", "FR", emails=["shared.none@example.org"])],
        "NL": [report("NL-C-1", "NL", wallets=[w])],
        "DE": [report("DE-N-1", "DE", sharing="none", emails=["Shared.None@Example.org"]),
               report("DE-R-1", "DE", restrictions=["no-onward-dissemination"], phones=["+49 30 901820"])],
        "IT": [report("IT-R-1", "IT", phones=["+49 (0)30 901820"])],
    }  # fmt: skip
    files = [write_jsonl(tmp_path / f"feed-{f}.jsonl", r) for f, r in rows.items()]
    hub.cli("topics", "create", "--policy", str(policy_file), check=True)
    hub.start_worker(policy_file, "--memory")
    hub.cli("publish", *map(str, files), check=True)
    topics = [hub.settings.topics.notification(f) for f in ("FR", "NL", "DE", "IT")]
    notes = hub.read(topics, until=lambda r: len({n["type"] for n in r}) >= 2 and len(r) >= 5, timeout=120)
    requests = {
        (n["recipient_fiu"], n["recipient_report_id"]): n for n in notes if n["type"] == "consent_request"
    }
    assert set(requests) == {("FR", "FR-C-1"), ("NL", "NL-C-1")}, f"{notes}\n{hub.worker_logs()}"
    assert all(n["counterpart_report_id"] is None for n in requests.values())  # names its own report only
    hits = _hits(notes)
    assert not {h for h in hits if "FR-C-1" in h or "NL-C-1" in h}  # held until consent
    assert ("DE", "DE-N-1", "FR-N-1") in hits  # sharing none: its own FIU may still be told
    assert ("FR", "FR-N-1", "DE-N-1") not in hits  # ...but it is never revealed
    assert {("DE", "DE-R-1", "IT-R-1"), ("IT", "IT-R-1", "DE-R-1")} <= hits
    to_it = next(n for n in notes if n["type"] == "hit" and n["recipient_fiu"] == "IT")
    assert to_it["restrictions"] == ["no-onward-dissemination"]
    match_id = requests[("FR", "FR-C-1")]["match_id"]
    hub.cli("consent", match_id, "--fiu", "FR", "--grant", check=True)
    notes = hub.read(topics, until=lambda r: ("NL", "NL-C-1", "FR-C-1") in _hits(r), timeout=60)
    hits = _hits(notes)
    assert ("NL", "NL-C-1", "FR-C-1") in hits  # FR granted: NL learns of FR's report
    assert ("FR", "FR-C-1", "NL-C-1") not in hits  # NL has not granted
    _assert_minimal(notes)
    audit = hub.read([hub.settings.topics.audit])
    decisions = Counter(a["decision"] for a in audit)
    assert decisions["held_for_consent"] >= 2 and decisions["released"] >= 1 and decisions["withheld"] >= 1
    assert all(a["policy_version"] and a["reason"] for a in audit)

    # why: each hit names the recipient's own matched fields and the agreement
    nl_hit = next(n for n in notes if n["type"] == "hit" and n["recipient_fiu"] == "NL")
    assert nl_hit["recipient_fields"] == ["subjects[0].wallets[0].address"]
    assert nl_hit["agreement"] == "FR-NL consent"
    text = hub.cli("explain", match_id[:10], "--fiu", "NL", check=True).stdout
    assert "matched fields   subjects[0].wallets[0].address" in text, text
    assert "counterpart      FR, report FR-C-1" in text and "agreement        FR-NL consent" in text

    # NL refuses its side with a note for FR: FR learns of the refusal and the note, not the reason
    hub.cli("consent", match_id, "--fiu", "NL", "--refuse", "--reason", "source protection",
            "--message", "ask again after the trial", check=True)  # fmt: skip
    notes = hub.read(topics, until=lambda r: any(n["type"] == "consent_refused" for n in r), timeout=60)
    (refused,) = [n for n in notes if n["type"] == "consent_refused"]
    assert (refused["recipient_fiu"], refused["recipient_report_id"]) == ("FR", "FR-C-1")
    assert refused["counterpart_fiu"] == "NL" and refused["counterpart_report_id"] is None
    assert refused["message"] == "ask again after the trial" and "source protection" not in str(refused)
    _assert_minimal(notes)
    fr = json.loads(hub.cli("explain", match_id, "--fiu", "FR", "--format", "json", check=True).stdout)
    assert fr["counterpart_report_id"] is None  # never revealed to FR
    assert [h["type"] for h in fr["history"]] == ["consent_request", "consent_refused"]
    assert fr["history"][-1]["message"] == "ask again after the trial"
    assert fr["your_reports"] == [{"report_id": "FR-C-1", "fields": ["subjects[0].wallets[0].address"]}]
    unknown = hub.cli("explain", "0123456789", "--fiu", "FR")
    assert unknown.returncode == 1 and unknown.stderr.startswith("error: no notification to FR names match")
