"""``fiulink query``: SQL on a published snapshot (read-only), printed as a table, CSV or JSON Lines.

CSV is a header line then one line per row, nothing else. JSON is one object per row per line
(like ``fiulink tail``). Lists and structs are JSON in CSV and table output; timestamps are ISO-8601.
A table cuts cells at ``MAX_CELL`` characters (marked ``…``) unless ``full``; CSV and JSON never
cut. One statement per call: input with several is refused.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO
from uuid import UUID

from streams.errors import InputError, SnapshotError
from streams.snapshot.db import VIEW_NAMES, connect
from streams.snapshot.publisher import latest
from streams.snapshot.rows import TABLE_NAMES

FORMATS = ("table", "csv", "json")
MAX_CELL = 60


@dataclass(frozen=True)
class Result:
    columns: list[str]
    rows: list[tuple[Any, ...]]


def resolve(directory: Path, path: Path | None) -> Path:
    """The snapshot to query: ``path`` if given, else the latest under ``directory``."""
    if path is not None:
        if not path.is_file():
            raise SnapshotError(f"no snapshot at {path}", hint=f"published snapshots are under {directory}")
        return path
    found = latest(directory)
    if found is None:
        raise SnapshotError(
            f"no snapshot yet under {directory}",
            hint="run `fiulink snapshot --once` to publish one (FIULINK_HOME picks the directory)",
        )
    return found


def run(snapshot: Path, statement: str) -> Result:
    """Run one SQL statement on a snapshot opened read-only; every row is fetched. Input with
    more than one statement is refused (one result per call: CSV is a header then its rows)."""
    import duckdb

    con = connect(snapshot, read_only=True)
    try:
        statements = con.extract_statements(statement)
        if len(statements) != 1:
            raise InputError(
                "no SQL statement given"
                if not statements
                else f"{len(statements)} SQL statements given: fiulink query runs one at a time "
                "(run each with its own `fiulink query`)"
            )
        cur = con.execute(statement)
        if cur.description is None:
            return Result([], [])
        columns = [d[0] for d in cur.description]
        return Result(columns, cur.fetchall())
    except duckdb.Error as exc:
        raise SnapshotError(
            f"query failed: {exc}",
            hint=f"tables: {', '.join(TABLE_NAMES)}, report_clusters, cluster_levels; views: "
            f"{', '.join(VIEW_NAMES)}; table macro: clusters_at(min_confidence)",
        ) from exc
    finally:
        con.close()


def plain(value: Any) -> Any:
    """A JSON-ready value: timestamps as ISO-8601, intervals in seconds, decimals as numbers."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def cell(value: Any) -> str:
    """One value as text for CSV and tables: NULL is empty, lists/structs are JSON."""
    v = plain(value)
    if v is None:
        return ""
    if isinstance(v, list | dict):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def write(result: Result, fmt: str, out: TextIO, *, full: bool = False) -> None:
    """``full``: table cells printed whole (CSV and JSON always are)."""
    if fmt == "csv":
        w = csv.writer(out, lineterminator="\n")
        w.writerow(result.columns)
        w.writerows([cell(v) for v in row] for row in result.rows)
    elif fmt == "json":
        for row in result.rows:
            out.write(
                json.dumps(dict(zip(result.columns, plain(list(row)), strict=True)), ensure_ascii=False)
            )
            out.write("\n")
    elif fmt == "table":
        rows = [[cell(v) for v in row] for row in result.rows]
        out.write(table(result.columns, rows, max_cell=None if full else MAX_CELL))
    else:
        raise InputError(f"unknown format {fmt!r}", hint=f"use one of {', '.join(FORMATS)}")


def table(columns: Sequence[str], rows: Sequence[Sequence[str]], *, max_cell: int | None = MAX_CELL) -> str:
    """An aligned text table; cells longer than ``max_cell`` characters are cut (None: never)."""
    cut = [
        [c if max_cell is None or len(c) <= max_cell else c[: max_cell - 1] + "…" for c in r] for r in rows
    ]
    widths = [max([len(h), *(len(r[i]) for r in cut)]) for i, h in enumerate(columns)]
    line = "-+-".join("-" * w for w in widths)
    fmt = " | ".join(f"{{:<{w}}}" for w in widths)
    body = [fmt.format(*columns), line, *(fmt.format(*r) for r in cut)]
    return "\n".join(body) + f"\n({len(rows)} row{'s' if len(rows) != 1 else ''})\n"
