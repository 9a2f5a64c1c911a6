"""`fiulink publish` through the real command (--dry-run: every check, no broker): problems as
FILE:LINE: FIELD: REASON on stderr, in the rejects/warnings files and in the summary."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from streams.cli import main
from streams.testing import report, write_jsonl

GOOD_BTC = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"
BAD_BTC = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5"


def _r(n: int, **kw: Any) -> dict[str, Any]:
    return report(f"FR-{n}", "FR", names=["Ivan Petrov"], birth_date="1985-03-02", **kw)


def _feed(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "feed.jsonl", [
        _r(1, wallets=[{"chain": "btc", "address": GOOD_BTC}]),
        _r(2, wallet=[{"chain": "btc", "address": GOOD_BTC}]),  # unknown key
        _r(3, wallets=[{"chain": "btc", "address": BAD_BTC}]),  # bad checksum
        {**_r(4), "submitted_at": "2026-11-20T10:00:00"},  # no UTC offset: an error
    ])  # fmt: skip


def _run(*args: str) -> Any:
    return CliRunner().invoke(
        main, ["publish", "--dry-run", *args], env={"FIULINK_TOKEN_KEY": "unit-test-key-0123456789"}
    )


def _kept(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_warnings_publish_errors_reject_and_every_problem_is_named(tmp_path: Path) -> None:
    feed = _feed(tmp_path)
    done = _run(str(feed))
    assert done.exit_code == 1, done.output
    err = done.stderr
    assert f"{feed}:2: subjects[0].wallet: unknown key, ignored (did you mean 'wallets'?)" in err
    assert f"{feed}:3: subjects[0].wallets[0].address: " in err and "left out of matching" in err
    assert f"{feed}:4: submitted_at: no UTC offset" in err
    assert "4 read, 3 would be published (dry run), 1 rejected, 0 failed, 2 published with warnings" in err
    assert "1 x subjects[].wallet: unknown key, ignored" in err  # the summary counts problems
    rejects = _kept(tmp_path / "feed.rejects.jsonl")
    assert [(r["where"], r["published"]) for r in rejects] == [(f"{feed}:4", False)]
    assert rejects[0]["problems"][0] == {"field": "submitted_at", "severity": "error",
                                         "reason": rejects[0]["problems"][0]["reason"]}  # fmt: skip
    warned = _kept(tmp_path / "feed.warnings.jsonl")
    assert [(w["where"], w["published"], w["problems"][0]["field"]) for w in warned] == [
        (f"{feed}:2", True, "subjects[0].wallet"), (f"{feed}:3", True, "subjects[0].wallets[0].address")]  # fmt: skip


def test_strict_rejects_reports_with_warnings(tmp_path: Path) -> None:
    feed = _feed(tmp_path)
    done = _run("--strict", str(feed))
    assert done.exit_code == 1
    assert "4 read, 1 would be published (dry run), 3 rejected" in done.stderr
    assert [r["where"] for r in _kept(tmp_path / "feed.rejects.jsonl")] == [f"{feed}:{n}" for n in (2, 3, 4)]
    assert not (tmp_path / "feed.warnings.jsonl").exists()


def test_a_json_array_is_refused_whole_in_one_line(tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_text(json.dumps([_r(1), _r(2)], indent=2))
    done = _run(str(feed))
    assert done.exit_code == 1
    lines = [line for line in done.stderr.splitlines() if line.startswith(str(feed)) and "JSON array" in line]
    assert (
        lines[0]
        == f"{feed}:1: <record>: this looks like a JSON array; write one report per line (JSON Lines)"
    )
    assert len(lines) == 1  # said once, not once per line of the array
    assert "0 would be published" in done.stderr
    assert len(_kept(tmp_path / "feed.rejects.jsonl")) == len(feed.read_text().splitlines())


def test_an_empty_file_warns(tmp_path: Path) -> None:
    feed = tmp_path / "empty.jsonl"
    feed.write_text("\n\n")
    done = _run(str(feed))
    assert done.exit_code == 0 and f"warning: {feed} is empty: no reports in it" in done.stderr


def test_the_rejects_file_is_written_with_stderr_closed(tmp_path: Path) -> None:
    feed = _feed(tmp_path)
    env = {**os.environ, "FIULINK_TOKEN_KEY": "unit-test-key-0123456789"}
    done = subprocess.run(
        ["sh", "-c", f'exec 2>&- && exec "{sys.executable}" -m streams publish --dry-run "{feed}"'],
        env=env, capture_output=False, stdout=subprocess.PIPE, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 1 and done.stdout == ""
    assert [r["where"] for r in _kept(tmp_path / "feed.rejects.jsonl")] == [f"{feed}:4"]
    assert len(_kept(tmp_path / "feed.warnings.jsonl")) == 2
