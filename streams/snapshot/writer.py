"""The single DuckDB writer: consumed records -> tables, offsets stored with the rows.

``SnapshotWriter.apply(messages)`` decodes a batch, maps each record to its table row, keeps the
last row per key, and in **one transaction** upserts every table through the DuckDB appender and
records the next offset of every topic partition in ``_offsets``. A crash before the commit
loses the whole batch and its offsets together, so a restart from ``offsets()`` neither loses nor
duplicates a row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from streams.codec import codec
from streams.core.sightings import sightings_of
from streams.errors import DecodeError, FiulinkError
from streams.snapshot.db import connect, sql
from streams.snapshot.rows import TABLE_NAMES, TABLES, Row, Where

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


class SnapshotWriter:
    """Owns the live database (one process at a time: DuckDB's file lock enforces it)."""

    def __init__(self, path: Path | str) -> None:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.con = connect(path)
        self.con.execute(sql("schema"))
        self._codec = codec()

    def offsets(self) -> dict[tuple[str, int], int]:
        """Next offset to read per (topic, partition), as committed with the rows."""
        rows = self.con.execute(sql("offsets")).fetchall()
        return {(t, p): o for t, p, o in rows}

    def counts(self) -> dict[str, int]:
        return {t: self.con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in TABLE_NAMES}

    def decode(self, messages: Iterable[Consumed], applied: Applied) -> dict[str, dict[Any, Row]]:
        """Rows per table, last one per key wins; unreadable messages are listed in ``applied``."""
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
                batch.setdefault(table.name, {})[table.key_of(row)] = row
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
                self._upsert(name, list(by_name[name].columns), rows.values())
                applied.rows[name] = len(rows)
            self._upsert("_offsets", OFFSET_COLUMNS, [(t, p, o, now) for (t, p), o in nexts.items()])
            self.con.commit()
        except duckdb.Error as exc:
            self.con.rollback()
            raise FiulinkError(
                f"cannot load a batch of {len(messages)} messages into {self.path}: {exc}",
                hint="nothing of this batch was stored; a restart resumes from the last stored offsets",
            ) from exc
        return applied

    def _upsert(self, table: str, columns: list[str], rows: Iterable[Row]) -> None:
        appender = self.con.appender(table, columns=columns, action="upsert")
        appender.append_rows(rows)
        appender.flush()

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> SnapshotWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
