"""A Faust table written a batch at a time.

Faust logs every ``table[key] = value`` to the changelog through its producer buffer: one
message at a time through the topic machinery, and the agent is held whenever more than 100 are
waiting ("producer buffer full"). With ~3 table writes per report that queue, not our code, set
the worker's pace. ``BatchTable`` writes the local store at once (as Faust does) and hands the
changelog records for the batch's dirty keys, last value per key, to the caller, which sends
them straight to the producer with the batch's other output. Recovery is unchanged: Faust
rebuilds the store from the same changelog topic (same partitions, same key and value bytes);
Faust flushes the producer before it commits the source offsets, so a committed batch always has
its changelog records written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import faust
import orjson
from faust.types import TP

#: RocksDB sizing per table partition. Faust's defaults (a 2 GB block cache and 3 x 64 MB
#: memtables per partition database) let a worker's memory grow into gigabytes with its state;
#: these cap each partition at ~16 MB of memtables + 16 MB of cache. (They bound RocksDB's caches,
#: not the worker's RSS as a whole: README, Performance.)
ROCKSDB_OPTIONS = {
    "write_buffer_size": 8 * 2**20,
    "max_write_buffer_number": 2,
    "block_cache_size": 16 * 2**20,
    "block_cache_compressed_size": 4 * 2**20,
}

Send = tuple[str, bytes, bytes | None, int | None]  # topic, key, value (None: tombstone), partition


def worker_table(app: faust.App, name: str, partitions: int) -> Any:
    """A table as the worker keeps it: JSON keys and values (the bytes ``BatchTable`` writes) and
    RocksDB sized by ``ROCKSDB_OPTIONS``. The bench and the tests build theirs with this too."""
    schema = faust.Schema(key_serializer="json", value_serializer="json")
    return app.Table(name, default=None, schema=schema, partitions=partitions, options=ROCKSDB_OPTIONS)


def dumps(obj: Any) -> bytes:
    """JSON, byte for byte what the table's "json" serializer writes (Faust uses orjson too when
    it is installed), without Faust's serializer registry around it."""
    return orjson.dumps(obj, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_UTC_Z)


class BatchTable:
    """``get``/``[key] = value`` over a Faust table's store; ``changelog()`` drains the writes.
    Set ``partition`` to the current event's partition before touching a key: as in Faust, a
    key's store and changelog partition is the partition of the event that wrote it.

    With the RocksDB store the values go straight to the partition's database as the bytes Faust
    itself would write (JSON key and value; recovery copies changelog bytes into the same
    database), skipping Faust's serializer registry and its ever-growing key->partition index.
    Any other store (``memory://``) goes through its mapping API."""

    def __init__(self, table: Any) -> None:
        self.table = table
        self.partition = 0
        self._dirty: dict[tuple[int, bytes], bytes | None] = {}  # None: a tombstone
        self._rocks = hasattr(table.data, "_db_for_partition")

    def get(self, key: str) -> Any:
        if self._rocks:
            raw = self.table.data._db_for_partition(self.partition).get(dumps(key))
            return None if raw is None else orjson.loads(raw)
        return self.table.data.get(key)

    def __setitem__(self, key: str, value: Any) -> None:
        k, v = dumps(key), dumps(value)
        if self._rocks:
            self.table.data._db_for_partition(self.partition)[k] = v
        else:
            self.table.data[key] = value
        self._dirty[(self.partition, k)] = v

    def sweep(self, expired: Callable[[Any], bool], fallback_partition: Callable[[str], int],
              chunk: int = 2000) -> Iterator[int]:  # fmt: skip
        """Delete every key whose value ``expired`` says is past retention, with a changelog
        tombstone each (drained by ``changelog()``), so untouched state is forgotten too. A
        generator: it yields (the number deleted so far) after every ``chunk`` keys, so the caller
        can hand the loop back to Kafka's heartbeats on a large table. Each value is re-read just
        before deletion, so a key re-sighted meanwhile is kept."""
        deleted = seen = 0
        if self._rocks:
            data = self.table.data
            for partition, db in list(data._dbs.items()):
                for k in db.keys():  # noqa: SIM118 - a RocksDB iterator: a consistent view, safe to delete under
                    seen += 1
                    raw = db.get(k) if k != data.offset_key else None
                    if raw is not None and expired(orjson.loads(raw)):
                        del db[k]
                        self._dirty[(partition, k)] = None
                        deleted += 1
                    if seen % chunk == 0:
                        yield deleted
        else:  # the in-memory store keeps no partition: the key's own routing gives it
            for key in list(self.table.data.keys()):
                seen += 1
                value = self.table.data.get(key)
                if value is not None and expired(value):
                    del self.table.data[key]
                    self._dirty[(fallback_partition(key), dumps(key))] = None
                    deleted += 1
                if seen % chunk == 0:
                    yield deleted
        yield deleted

    def changelog(self) -> list[Send]:
        """The changelog records of the writes since the last call, last value per key."""
        topic = self.table.changelog_topic.get_topic_name()
        out: list[Send] = [(topic, k, v, partition) for (partition, k), v in self._dirty.items()]
        self._dirty.clear()
        return out

    def persisted(self, partition: int, offset: int) -> None:
        """Record in the store how far the changelog is known written (Faust's own callback does
        this per write; on restart, recovery reads only what follows)."""
        self.table.data.set_persisted_offset(
            TP(self.table.changelog_topic.get_topic_name(), partition), offset
        )
