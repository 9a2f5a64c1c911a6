"""The latest published snapshot, opened read-only and swapped for a newer one by itself.

Snapshot files are immutable and published atomically (``streams/snapshot/publisher.py``): on each
request the ``latest.duckdb`` link is resolved (one ``stat``); when it names a newer file, that file
is opened read-only and used from then on. Requests run on worker threads, each on its own cursor
of the shared connection. A replaced connection is not closed while a request may still read it: it
is dropped and closed when the last cursor is gone.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from streams.errors import FiulinkError
from streams.snapshot.db import connect
from streams.snapshot.publisher import latest

if TYPE_CHECKING:
    import duckdb

Row = dict[str, Any]
T = TypeVar("T")


class NoSnapshotError(FiulinkError):
    """No snapshot has been published yet."""


@dataclass(frozen=True)
class Opened:
    path: Path
    con: duckdb.DuckDBPyConnection
    published_at: datetime | None


class SnapshotSource:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.Lock()
        self._open: Opened | None = None
        self._memo: dict[str, Any] = {}

    def current(self) -> Opened:
        path = latest(self.directory)
        if path is None:
            raise NoSnapshotError(
                f"no snapshot yet under {self.directory}",
                hint="run `fiulink snapshot` (or `fiulink snapshot --once`) to publish one",
            )
        with self._lock:
            if self._open is None or self._open.path != path:
                con = connect(path, read_only=True)
                stamp = con.execute("SELECT max(published_at) FROM _snapshot").fetchall()[0][0]
                self._open = Opened(path, con, stamp)
                self._memo = {}
            return self._open

    def memo(self, key: str, compute: Callable[[], T]) -> T:
        """``compute()`` once per snapshot: a snapshot never changes, so neither does the result."""
        opened = self.current()
        with self._lock:
            memo = self._memo if self._open is opened else {}
            if key in memo:
                return cast(T, memo[key])
        value = compute()
        with self._lock:
            if self._open is opened:
                self._memo[key] = value
        return value

    def rows(self, statement: str, params: dict[str, Any] | None = None) -> list[Row]:
        """Every row of one statement on the current snapshot, as dicts."""
        cur = self.current().con.cursor()
        try:
            cur.execute(statement, params or {})
            names = [d[0] for d in cur.description or ()]
            return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
        finally:
            cur.close()

    def watch(self, interval: float, on_new: Callable[[], object], stop: threading.Event) -> threading.Thread:
        """A daemon thread that opens each newly published snapshot within ``interval`` seconds
        and runs ``on_new`` on it (to compute what is kept per snapshot before anyone asks)."""

        def run() -> None:
            seen: Path | None = None
            while not stop.is_set():
                try:
                    opened = self.current()
                    if opened.path != seen:
                        seen = opened.path
                        on_new()
                except FiulinkError:
                    pass  # nothing published yet; requests say so
                stop.wait(interval)

        thread = threading.Thread(target=run, name="fiulink-ui-snapshots", daemon=True)
        thread.start()
        return thread

    def close(self) -> None:
        with self._lock:
            if self._open is not None:
                self._open.con.close()
                self._open = None
