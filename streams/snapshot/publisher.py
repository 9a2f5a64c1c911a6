"""Immutable snapshots, published atomically beside the live database.

A snapshot is a standalone DuckDB file that analysts open read-only while the writer keeps
writing its own (locked) live file. Publishing, from the writer's connection between batches:

1. ``ATTACH`` a hidden temp file and copy every table into it in one transaction
   (``CREATE TABLE … AS SELECT``: a consistent cut, no indexes to rebuild);
2. in the temp file, compute ``report_clusters``, create the views from ``sql/view_*.sql``,
   stamp ``_snapshot``, ``CHECKPOINT`` and close (no WAL is left behind);
3. fsync, ``rename`` to ``snap-<UTC time>.duckdb``, then point the ``latest.duckdb`` symlink at it
   (a new link made aside and renamed over the old one), and delete all but the newest K.

A reader sees either the previous snapshot or the new one, never a half-written file.
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from streams.snapshot.clusters import write_report_clusters
from streams.snapshot.db import VIEW_NAMES, connect, sql
from streams.snapshot.rows import TABLE_NAMES

if TYPE_CHECKING:
    import duckdb

    from streams.config import Settings

LATEST = "latest.duckdb"
PATTERN = "snap-*.duckdb"


def live_path(settings: Settings) -> Path:
    return settings.home / "snapshot" / "live.duckdb"


def snapshots_dir(settings: Settings) -> Path:
    return settings.home / "snapshots"


@dataclass(frozen=True)
class Published:
    path: Path
    rows: int
    clusters: int
    seconds: float


def copy_tables_sql(tables: tuple[str, ...], into: str) -> list[str]:
    """``CREATE TABLE into.t AS SELECT * FROM t`` for each table (names are ours, never user input)."""
    return [f'CREATE TABLE {into}."{t}" AS SELECT * FROM "{t}"' for t in tables]


def publish(con: duckdb.DuckDBPyConnection, directory: Path, *, keep: int = 5) -> Published:
    """Copy the live tables of ``con`` into a new snapshot file and make it the latest."""
    started = time.perf_counter()
    directory.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    final = directory / f"snap-{now.strftime('%Y%m%dT%H%M%S%fZ')}.duckdb"
    tmp = directory / f".{final.name}.tmp"
    tmp.unlink(missing_ok=True)
    con.execute("ATTACH ? AS snap", [str(tmp)])
    try:
        con.begin()
        for stmt in copy_tables_sql((*TABLE_NAMES, "_offsets"), "snap"):
            con.execute(stmt)
        con.commit()
    except BaseException:
        con.rollback()
        raise
    finally:
        con.execute("DETACH snap")
    try:
        rows, clusters = _finish(tmp, now)
        _fsync(tmp)
        os.replace(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}.wal").unlink(missing_ok=True)
    point_latest(directory, final)
    prune(directory, keep)
    _fsync(directory)
    return Published(final, rows, clusters, time.perf_counter() - started)


def _finish(path: Path, now: datetime) -> tuple[int, int]:
    """Clusters, views and the stamp, inside the new file; checkpointed and closed."""
    snap = connect(path)
    try:
        snap.execute(sql("snapshot_meta"))
        write_report_clusters(snap)
        for name in VIEW_NAMES:
            snap.execute(sql(f"view_{name}"))
        rows = sum(snap.execute(f'SELECT count(*) FROM "{t}"').fetchall()[0][0] for t in TABLE_NAMES)
        snap.execute(sql("snapshot_stamp"), {"published_at": now, "rows": rows})
        clusters = snap.execute("SELECT clusters FROM _snapshot").fetchall()[0][0]
        snap.execute("CHECKPOINT")
    finally:
        snap.close()
    return rows, clusters


def point_latest(directory: Path, target: Path) -> None:
    """Atomically repoint ``latest.duckdb`` (a relative symlink) at ``target``."""
    link = directory / f".{LATEST}.{os.getpid()}.tmp"
    link.unlink(missing_ok=True)
    os.symlink(target.name, link)
    os.replace(link, directory / LATEST)


def snapshots(directory: Path) -> list[Path]:
    """Published snapshots, oldest first (names sort by time)."""
    return sorted(directory.glob(PATTERN)) if directory.is_dir() else []


def latest(directory: Path) -> Path | None:
    """The snapshot ``latest.duckdb`` points at, else the newest one, else None."""
    link = directory / LATEST
    if link.is_symlink() and link.exists():
        return link.resolve()
    found = snapshots(directory)
    return found[-1] if found else None


def prune(directory: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` snapshots (never the latest). Open readers keep reading:
    on POSIX an unlinked file lives until its last reader closes it."""
    current = latest(directory)
    doomed = [p for p in snapshots(directory)[: -max(keep, 1)] if p != current]
    for p in doomed:
        with contextlib.suppress(FileNotFoundError):
            p.unlink()
    return doomed


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
