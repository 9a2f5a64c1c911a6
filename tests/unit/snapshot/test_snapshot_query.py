"""``fiulink query``: formats, errors, and the command through click's runner (no broker)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from streams.cli import main
from streams.errors import FiulinkError
from streams.snapshot import samples as S
from streams.snapshot.publisher import publish
from streams.snapshot.query import Result, resolve, run, write
from streams.snapshot.writer import SnapshotWriter


@pytest.fixture
def home(tmp_path: Path, feed) -> Path:  # type: ignore[no-untyped-def]
    """A FIULINK_HOME with one published snapshot: 3 notifications, one with a comma and a quote."""
    h = tmp_path / "home"
    with SnapshotWriter(h / "snapshot" / "live.duckdb") as w:
        notes = [S.notification(f"n{i}", "m1", "DE", "FR") for i in range(3)]
        notes[1]["purpose"] = 'case 42, "urgent"'
        notes[2]["restrictions"] = ["no-onward-dissemination", "law-enforcement-only"]
        w.apply([feed.msg("notifications.DE", "Notification", n) for n in notes])
        publish(w.con, h / "snapshots")
    return h


SQL = "SELECT notification_id, purpose, restrictions, created_at, confidence FROM notifications ORDER BY 1"


def _out(result: Result, fmt: str) -> str:
    buf = io.StringIO()
    write(result, fmt, buf)
    return buf.getvalue()


def test_csv_is_a_header_line_then_rows_only(home: Path) -> None:
    text = _out(run(resolve(home / "snapshots", None), SQL), "csv")
    lines = text.splitlines()
    assert lines[0] == "notification_id,purpose,restrictions,created_at,confidence"
    assert len(lines) == 4 and text.endswith("\n")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1] == ["n0", "", "[]", "2026-11-20T10:00:00+00:00", "1.0"]
    assert rows[2][1] == 'case 42, "urgent"'
    assert json.loads(rows[3][2]) == ["no-onward-dissemination", "law-enforcement-only"]


def test_json_is_one_object_per_line_with_iso_timestamps(home: Path) -> None:
    lines = _out(run(resolve(home / "snapshots", None), SQL), "json").splitlines()
    objs = [json.loads(x) for x in lines]
    assert [o["notification_id"] for o in objs] == ["n0", "n1", "n2"]
    assert objs[0] == {"notification_id": "n0", "purpose": None, "restrictions": [],
                       "created_at": "2026-11-20T10:00:00+00:00", "confidence": 1.0}  # fmt: skip


def test_table_has_aligned_header_and_a_row_count(home: Path) -> None:
    text = _out(
        run(resolve(home / "snapshots", None), "SELECT type, count(*) AS n FROM notifications GROUP BY 1"),
        "table",
    )
    assert text.splitlines() == ["type | n", "-----+--", "hit  | 3", "(1 row)"]


def test_no_snapshot_yet_says_what_to_run(tmp_path: Path) -> None:
    with pytest.raises(FiulinkError) as info:
        resolve(tmp_path / "snapshots", None)
    assert "no snapshot yet" in str(info.value) and "fiulink snapshot --once" in str(info.value.hint)
    with pytest.raises(FiulinkError, match="no snapshot at"):
        resolve(tmp_path, tmp_path / "nope.duckdb")


def test_bad_sql_and_writes_fail_clearly(home: Path) -> None:
    snap = resolve(home / "snapshots", None)
    with pytest.raises(FiulinkError) as info:
        run(snap, "SELECT * FROM no_such_table")
    assert "query failed" in str(info.value) and "consent_backlog" in str(info.value.hint)
    with pytest.raises(FiulinkError, match="read-only"):
        run(snap, "DELETE FROM notifications")
    assert run(snap, "SELECT count(*) FROM notifications").rows == [(3,)]


def test_query_command_end_to_end(home: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    env = {"FIULINK_HOME": str(home)}
    done = runner.invoke(
        main, ["query", "SELECT count(*) AS n FROM notifications", "--format", "csv"], env=env
    )
    assert done.exit_code == 0, done.output
    assert done.stdout == "n\n3\n"
    snap = sorted((home / "snapshots").glob("snap-*.duckdb"))[0]
    done = runner.invoke(
        main, ["query", "SELECT 1 AS one", "--format", "json", "--snapshot", str(snap)], env=env
    )
    assert done.stdout == '{"one": 1}\n'
    empty = runner.invoke(main, ["query", "SELECT 1"], env={"FIULINK_HOME": str(tmp_path / "empty")})
    assert empty.exit_code == 1
    assert "fiulink snapshot --once" in empty.stderr and empty.stdout == ""


def test_full_prints_long_values_whole_in_a_table(home: Path) -> None:
    runner, env = CliRunner(), {"FIULINK_HOME": str(home)}
    sql = "SELECT repeat('k1:ab', 30) AS token"  # 150 characters
    cut = runner.invoke(main, ["query", sql], env=env)
    assert cut.exit_code == 0 and "…" in cut.stdout and ("k1:ab" * 30) not in cut.stdout
    whole = runner.invoke(main, ["query", sql, "--full"], env=env)
    assert whole.exit_code == 0 and "…" not in whole.stdout
    assert whole.stdout.splitlines()[2] == "k1:ab" * 30


@pytest.mark.parametrize(
    ("sql", "said"),
    [
        ("SELECT 1; SELECT 2", "error: 2 SQL statements given: fiulink query runs one at a time"),
        ("SELECT 1; DROP TABLE notifications;", "error: 2 SQL statements given"),
        ("  ;  ", "error: no SQL statement given"),
    ],
)
def test_several_statements_are_refused_in_one_line(home: Path, sql: str, said: str) -> None:
    done = CliRunner().invoke(main, ["query", sql], env={"FIULINK_HOME": str(home)})
    assert done.exit_code == 1 and done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1 and done.stderr.startswith(said)


def test_one_statement_with_a_trailing_semicolon_runs(home: Path) -> None:
    done = CliRunner().invoke(
        main, ["query", "SELECT 7 AS n;", "--format", "csv"], env={"FIULINK_HOME": str(home)}
    )
    assert done.exit_code == 0 and done.stdout == "n\n7\n"
