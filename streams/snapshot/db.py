"""DuckDB connections and the ``.sql`` files: every connection runs in UTC with no progress bar."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from streams.errors import SnapshotError

if TYPE_CHECKING:
    import duckdb

#: Views shipped with every snapshot, one ``sql/view_<name>.sql`` file each.
VIEW_NAMES: tuple[str, ...] = (
    "cross_border_links",
    "clusters",
    "exchange_matrix",
    "hot_identifiers",
    "consent_backlog",
    "dead_letters_by_reason",
)


@cache
def sql(name: str) -> str:
    """The text of ``streams/snapshot/sql/<name>.sql`` (``view_clusters`` for a view)."""
    return resources.files("streams.snapshot").joinpath("sql").joinpath(f"{name}.sql").read_text()


def connect(path: Path | str, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open a database (``:memory:`` allowed); a lock held by another process is a clear error."""
    import duckdb

    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise SnapshotError(
                f"{path} is in use by another process",
                hint="only one `fiulink snapshot` may run per FIULINK_HOME; stop the other one first",
            ) from exc
        raise SnapshotError(f"cannot open {path}: {exc}") from exc
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")
    return con
