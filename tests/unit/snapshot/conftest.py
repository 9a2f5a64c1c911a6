"""Fixtures for the snapshot unit tests: records encoded as they sit on the topics, no broker."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from streams.codec import codec
from streams.snapshot.writer import Message, SnapshotWriter

PREFIX = "t."


class Feed:
    """Encodes records onto pretend topics with increasing offsets per topic partition."""

    def __init__(self) -> None:
        self.next: dict[tuple[str, int], int] = defaultdict(int)
        self.codec = codec()

    def msg(self, topic: str, schema: str, record: dict[str, Any], partition: int = 0) -> Message:
        offset = self.next[(topic, partition)]
        self.next[(topic, partition)] += 1
        return Message(PREFIX + topic, partition, offset, self.codec.encode(schema, record))

    def raw(self, topic: str, value: bytes | None, partition: int = 0) -> Message:
        offset = self.next[(topic, partition)]
        self.next[(topic, partition)] += 1
        return Message(PREFIX + topic, partition, offset, value)


@pytest.fixture
def feed() -> Feed:
    return Feed()


@pytest.fixture
def writer(tmp_path: Path) -> Iterator[SnapshotWriter]:
    w = SnapshotWriter(tmp_path / "live.duckdb")
    yield w
    w.close()
