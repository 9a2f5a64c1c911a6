"""The foundation against the real broker: publish JSON Lines, read every report back."""

from __future__ import annotations

import json
from pathlib import Path

from streams.core.validate import validate_report
from streams.testing import Hub, report, write_jsonl


def _feed(n: int, fiu: str) -> list[dict]:
    return [
        report(f"{fiu}-{i:05d}", fiu, names=[f"Person {i}"], birth_date="1980-01-02",
               emails=[f"p{i}@example.org"], wallets=[{"chain": "eth", "address": f"0x{i:040x}"}])
        for i in range(n)
    ]  # fmt: skip


def test_publish_round_trip_every_report_decoded_and_equal(
    hub: Hub, policy_file: Path, tmp_path: Path
) -> None:
    hub.cli("topics", "create", "--policy", str(policy_file), check=True)
    fr, de = _feed(120, "FR"), _feed(80, "DE")
    files = [write_jsonl(tmp_path / "fr.jsonl", fr), write_jsonl(tmp_path / "de.jsonl", de)]
    done = hub.cli("publish", *map(str, files), check=True)
    assert "200 read, 200 published, 0 rejected" in done.stderr
    topics = [hub.settings.topics.feed("FR"), hub.settings.topics.feed("DE")]
    got = hub.read(topics, until=lambda r: len(r) >= 200)
    expected = {r["report_id"]: validate_report(r)[0] for r in fr + de}
    assert len(got) == 200
    assert {g["report_id"]: g for g in got} == expected


def test_malformed_lines_named_and_kept_while_good_lines_arrive(
    hub: Hub, policy_file: Path, tmp_path: Path
) -> None:
    hub.cli("topics", "create", "--policy", str(policy_file), check=True)
    good = _feed(3, "DE")
    bad_date = {**good[0], "report_id": "DE-BAD", "submitted_at": "yesterday", "fiu": "de"}
    rows = [good[0], "{not json", bad_date, good[1], {"report_id": "DE-EMPTY", "fiu": "DE", "submitted_at": "2026-11-20T10:00:00Z"},
            good[2], {**good[0], "report_id": "ZZ-1", "fiu": "ZZ"}]  # fmt: skip
    path = write_jsonl(tmp_path / "feed-DE.jsonl", rows)
    done = hub.cli("publish", str(path))
    assert done.returncode == 1
    err = done.stderr
    assert f"{path}:2: <record>: not valid JSON" in err
    assert f"{path}:3: fiu: must be an ISO 3166-1 alpha-2 code" in err
    assert f"{path}:3: submitted_at: not an ISO-8601 timestamp" in err  # all problems of a record at once
    assert f"{path}:5: subjects: a report needs at least one subject or transaction" in err
    assert f"{path}:7: fiu: no feed topic" in err
    assert "7 read, 3 published, 4 rejected" in err
    rejects = [json.loads(line) for line in (tmp_path / "feed-DE.rejects.jsonl").read_text().splitlines()]
    assert [r["where"] for r in rejects] == [f"{path}:{n}" for n in (2, 3, 5, 7)]
    assert {p["field"] for p in rejects[1]["problems"]} == {"fiu", "submitted_at"}
    assert rejects[0]["line"] == "{not json"
    got = hub.read([hub.settings.topics.feed("DE")], until=lambda r: len(r) >= 3)
    assert sorted(g["report_id"] for g in got) == ["DE-00000", "DE-00001", "DE-00002"]


def test_broker_cli_status_and_idempotent_start(hub: Hub) -> None:
    port = hub.bootstrap.rsplit(":", 1)[1]
    # the session broker was not started from this home: status says so; tail of an unknown topic is clear
    assert hub.cli("broker", "status").returncode == 1
    done = hub.cli("tail", "no-such-topic", "--idle-timeout", "1")
    assert done.returncode == 1 and "no such topic" in done.stderr and done.stdout == ""
    assert port.isdigit()
