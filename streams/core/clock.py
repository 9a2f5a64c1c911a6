"""The hub's one clock format: UTC, milliseconds, ``Z`` (what every record's ``created_at`` holds)."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
