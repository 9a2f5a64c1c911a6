"""Snapshots for analysts: one DuckDB writer (topics -> tables, offsets stored with the rows),
immutable read-only snapshots published atomically, SQL over them, and webhook delivery."""

from streams.snapshot.publisher import Published, latest, publish
from streams.snapshot.writer import Applied, Message, SnapshotWriter

__all__ = ["Applied", "Message", "Published", "SnapshotWriter", "latest", "publish"]
