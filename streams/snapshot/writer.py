"""The single DuckDB writer: consumed records -> tables, offsets stored with the rows.

``SnapshotWriter.apply(messages)`` decodes a batch, maps each record to its table row, keeps one
row per key (the last for upserted tables, the first for ``keep="first"`` tables: ``audit`` and
``consents``, records of what happened that a replay must not rewrite), and in **one
transaction** writes every table through the DuckDB appender (upsert, or insert-or-ignore via a
staging table) and records the next offset of every topic partition in ``_offsets``. A crash before the commit
loses the whole batch and its offsets together, so a restart from ``offsets()`` neither loses nor
duplicates a row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from streams.codec import codec
from streams.core.sightings import sightings_of
from streams.errors import DecodeError, SnapshotError
from streams.snapshot.db import connect, sql
from streams.snapshot.rows import TABLE_NAMES, TABLES, Row, Where

if TYPE_CHECKING:
    import duckdb

OFFSET_COLUMNS = ["topic", "partition", "next_offset", "updated_at"]


class Consumed(Protocol):
    """What the writer needs of a consumed message (kafka-python's ConsumerRecord fits)."""

    @property
    def topic(self) -> str: ...
    @property
    def partition(self) -> int: ...
    @property
    def offset(self) -> int: ...
    @property
    def value(self) -> bytes | None: ...


@dataclass(frozen=True)
class Message:
    """A consumed message built by hand (tests, benchmarks, replays)."""

    topic: str
    partition: int
    offset: int
    value: bytes | None


@dataclass
class Applied:
    """What one ``apply`` did: rows upserted per table, messages skipped (and why)."""

    messages: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def _migrate_consents(con: duckdb.DuckDBPyConnection) -> None:
    """A live database made before consents became append-only (key (match_id, fiu), no record
    position) gets the new table; its rows are kept, with topic '' and partition -1 for want of
    their real position."""
    cols = [r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'consents' "
        "AND table_schema = 'main'"
    ).fetchall()]  # fmt: skip
    if not cols or "offset" in cols:
        return
    con.begin()
    con.execute("ALTER TABLE consents RENAME TO _consents_before_append_only")
    con.execute(sql("schema"))
    con.execute(
        "INSERT INTO consents SELECT match_id, fiu, granted, reason, created_at, '', -1, "
        "row_number() OVER (ORDER BY created_at, match_id, fiu) FROM _consents_before_append_only"
    )
    con.execute("DROP TABLE _consents_before_append_only")
    con.commit()


class SnapshotWriter:
    """Owns the live database (one process at a time: DuckDB's file lock enforces it)."""

    def __init__(self, path: Path | str) -> None:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.con = connect(path)
        _migrate_consents(self.con)
        self.con.execute(sql("schema"))
        self._codec = codec()

    def offsets(self) -> dict[tuple[str, int], int]:
        """Next offset to read per (topic, partition), as committed with the rows."""
        rows = self.con.execute(sql("offsets")).fetchall()
        return {(t, p): o for t, p, o in rows}

    def counts(self) -> dict[str, int]:
        return {t: self.con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in TABLE_NAMES}

    def decode(self, messages: Iterable[Consumed], applied: Applied) -> dict[str, dict[Any, Row]]:
        """Rows per table, one per key (the last, or the first for a ``keep="first"`` table);
        unreadable messages are listed in ``applied``."""
        batch: dict[str, dict[Any, Row]] = {}
        for m in messages:
            applied.messages += 1
            where = f"{m.topic}/{m.partition}/{m.offset}"
            if m.value is None:
                continue
            try:
                name, record = self._codec.decode(m.value)
            except DecodeError as exc:
                applied.skipped.append(f"{where}: {exc}")
                continue
            if name == "SightingBatch":  # the wire form of many Sighting records
                name, records = "Sighting", list(sightings_of(record))
            else:
                records = [record]
            table = TABLES.get(name)
            if table is None:
                applied.skipped.append(f"{where}: a {name} record has no snapshot table")
                continue
            for record in records:
                try:
                    row = table.to_row(record, Where(m.topic, m.partition, m.offset))
                except (KeyError, TypeError, ValueError) as exc:
                    applied.skipped.append(f"{where}: {name} record unusable: {type(exc).__name__}: {exc}")
                    continue
                rows = batch.setdefault(table.name, {})
                if table.keep == "first":
                    rows.setdefault(table.key_of(row), row)
                else:
                    rows[table.key_of(row)] = row
        return batch

    def apply(self, messages: Iterable[Consumed]) -> Applied:
        """Load one batch in one transaction: rows upserted by id, offsets stored alongside."""
        messages = list(messages)
        applied = Applied()
        batch = self.decode(messages, applied)
        nexts: dict[tuple[str, int], int] = {}
        for m in messages:
            tp = (m.topic, m.partition)
            nexts[tp] = max(nexts.get(tp, 0), m.offset + 1)
        if not nexts:
            return applied
        import duckdb

        now = datetime.now(UTC)
        by_name = {t.name: t for t in TABLES.values()}
        self.con.begin()
        try:
            for name, rows in batch.items():
                table = by_name[name]
                if table.keep == "first":
                    self._insert_new(name, list(table.columns), rows.values())
                else:
                    self.upsert(name, list(table.columns), rows.values())
                applied.rows[name] = len(rows)
            self.upsert("_offsets", OFFSET_COLUMNS, [(t, p, o, now) for (t, p), o in nexts.items()])
            self.con.commit()
        except duckdb.Error as exc:
            self.con.rollback()
            raise SnapshotError(
                f"cannot load a batch of {len(messages)} messages into {self.path}: {exc}",
                hint="nothing of this batch was stored; a restart resumes from the last stored offsets",
            ) from exc
        return applied

    def upsert(self, table: str, columns: list[str], rows: Iterable[Row]) -> None:
        appender = self.con.appender(table, columns=columns, action="upsert")
        appender.append_rows(rows)
        appender.flush()

    def _insert_new(self, table: str, columns: list[str], rows: Iterable[Row]) -> None:
        """Insert-or-ignore: rows whose key is already stored are dropped, the stored row stays.
        (The appender has no such action, so the rows go through an empty staging table.)"""
        stage = f"_stage_{table}"
        self.con.execute(f'CREATE TEMP TABLE IF NOT EXISTS "{stage}" AS SELECT * FROM "{table}" LIMIT 0')
        appender = self.con.appender(stage, columns=columns, action="insert")
        appender.append_rows(rows)
        appender.flush()
        cols = ", ".join(f'"{c}"' for c in columns)
        self.con.execute(f'INSERT OR IGNORE INTO "{table}" ({cols}) SELECT {cols} FROM "{stage}"')
        self.con.execute(f'DELETE FROM "{stage}"')

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> SnapshotWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
