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
import rocksdict
from faust.stores.rocksdb import RocksDBOptions
from faust.types import TP

from streams.app.framework import is_rocksdb, partition_db, partition_dbs

#: RocksDB memory for the whole worker, shared by every partition database of every table.
#: Faust's defaults (a 2 GB block cache and 3 x 64 MB memtables per partition database, each its
#: own) let a worker grow into gigabytes, and any per-partition cap still multiplies with the
#: partition count: 2 tables x 8 partitions x (16 MB memtables + 16 MB cache) is 512 MB that only
#: fills slowly, which is what the memory soak kept measuring as "growth". One LRU cache holds the
#: data, index and filter blocks of all of them, and a write-buffer manager charges every memtable
#: to that same cache, so RocksDB's share of the worker is one number (README, Performance).
ROCKSDB_MEMORY = 64 * 2**20  # block cache, memtables charged to it included
ROCKSDB_MEMTABLES = 32 * 2**20  # of which memtables (all partitions) before RocksDB flushes one
ROCKSDB_OPTIONS = {
    "write_buffer_size": 8 * 2**20,
    "max_write_buffer_number": 2,
}  # per partition, within the above


class SharedMemoryOptions(RocksDBOptions):
    """Faust's RocksDB options with one process-wide cache and write-buffer manager."""

    _shared: tuple[Any, Any] | None = None

    @classmethod
    def shared(cls) -> tuple[Any, Any]:
        if cls._shared is None:
            cache = rocksdict.Cache(ROCKSDB_MEMORY)
            manager = rocksdict.WriteBufferManager.new_write_buffer_manager_with_cache(
                ROCKSDB_MEMTABLES, False, cache
            )
            cls._shared = (cache, manager)
        return cls._shared

    def as_options(self) -> Any:
        cache, manager = self.shared()
        opts = rocksdict.Options(raw_mode=True)
        opts.create_if_missing(True)
        opts.set_max_open_files(self.max_open_files)
        opts.set_write_buffer_size(self.write_buffer_size)
        opts.set_target_file_size_base(self.target_file_size_base)
        opts.set_max_write_buffer_number(self.max_write_buffer_number)
        opts.set_write_buffer_manager(manager)
        table = rocksdict.BlockBasedOptions()
        table.set_bloom_filter(self.bloom_filter_size, block_based=True)
        table.set_block_cache(cache)
        table.set_cache_index_and_filter_blocks(True)  # counted in the cache, not beside it
        table.set_pin_l0_filter_and_index_blocks_in_cache(True)
        table.set_index_type(rocksdict.BlockBasedIndexType.binary_search())
        opts.set_block_based_table_factory(table)
        return opts


_UNWRITTEN = object()
Send = tuple[str, bytes, bytes | None, int | None]  # topic, key, value (None: tombstone), partition


def worker_table(app: faust.App, name: str, partitions: int) -> Any:
    """A table as the worker keeps it: JSON keys and values (the bytes ``BatchTable`` writes) and
    RocksDB within the worker-wide ``ROCKSDB_MEMORY``. The bench and the tests build theirs with this too."""
    schema = faust.Schema(key_serializer="json", value_serializer="json")
    table = app.Table(name, default=None, schema=schema, partitions=partitions, options=dict(ROCKSDB_OPTIONS))
    store = table.data
    if isinstance(getattr(store, "rocksdb_options", None), RocksDBOptions) and store.use_rocksdict:
        store.rocksdb_options = SharedMemoryOptions(**ROCKSDB_OPTIONS, use_rocksdict=True)
    return table


def dumps(obj: Any) -> bytes:
    """JSON, byte for byte what the table's "json" serializer writes (Faust uses orjson too when
    it is installed), without Faust's serializer registry around it."""
    return orjson.dumps(obj, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_UTC_Z)


class BatchTable:
    """``get``/``[key] = value`` over a Faust table's store; ``changelog()`` drains the writes.
    ``at(partition)`` is the table for an event of that partition: as in Faust, a key's store
    and changelog partition is the partition of the event that wrote it (``get``/``[key] =`` on
    the table itself use ``partition``).

    With the RocksDB store the values go to the partition's database, at the end of the batch
    (``changelog()``; ``get`` reads the batch's own writes first), as the bytes Faust itself
    would write (JSON key and value; recovery copies changelog bytes into the same
    database), skipping Faust's serializer registry and its ever-growing key->partition index.
    Any other store (``memory://``) goes through its mapping API."""

    def __init__(self, table: Any) -> None:
        self.table = table
        self.partition = 0
        self._dirty: dict[tuple[int, bytes], bytes | None] = {}  # None: a tombstone
        self._rocks = is_rocksdb(table.data)

    def at(self, partition: int) -> PartitionStore:
        """The table as seen by an event of ``partition``: a ``Store`` (``get``, ``[key] =``)
        whose keys live in that partition's database and changelog partition."""
        return PartitionStore(self, partition)

    def get(self, key: str) -> Any:
        """``key``'s value in the partition ``partition`` says."""
        return self.read(key, self.partition)

    def __setitem__(self, key: str, value: Any) -> None:
        self.write(key, value, self.partition)

    def read(self, key: str, partition: int) -> Any:
        if self._rocks:
            k = dumps(key)
            raw = self._dirty.get((partition, k), _UNWRITTEN)  # written in this batch
            if raw is _UNWRITTEN:
                raw = partition_db(self.table.data, partition).get(k)
            return None if raw is None else orjson.loads(raw)
        return self.table.data.get(key)

    def write(self, key: str, value: Any, partition: int) -> None:
        k, v = dumps(key), dumps(value)
        if not self._rocks:
            self.table.data[key] = value
        self._dirty[(partition, k)] = v  # RocksDB: written by changelog(), one batch a partition

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
            for partition, db in partition_dbs(data).items():
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

    @property
    def pending_writes(self) -> int:
        """Writes (and tombstones) not yet drained by ``changelog()``."""
        return len(self._dirty)

    def changelog(self) -> list[Send]:
        """The changelog records of the writes since the last call, last value per key; with
        RocksDB, those writes go to the partitions' databases now, one WriteBatch each (several
        times cheaper than a put at a time: README, Performance)."""
        topic = self.table.changelog_topic.get_topic_name()
        if self._rocks and self._dirty:
            batches: dict[int, Any] = {}
            for (partition, k), v in self._dirty.items():
                wb = batches.get(partition)
                if wb is None:
                    wb = batches[partition] = rocksdict.WriteBatch(raw_mode=True)
                if v is None:
                    wb.delete(k)  # a sweep's tombstone (deleted from the store already)
                else:
                    wb.put(k, v)
            for partition, wb in batches.items():
                partition_db(self.table.data, partition).write(wb)
        out: list[Send] = [(topic, k, v, partition) for (partition, k), v in self._dirty.items()]
        self._dirty.clear()
        return out

    def persisted(self, partition: int, offset: int) -> None:
        """Record in the store how far the changelog is known written (Faust's own callback does
        this per write; on restart, recovery reads only what follows)."""
        self.table.data.set_persisted_offset(
            TP(self.table.changelog_topic.get_topic_name(), partition), offset
        )


class PartitionStore:
    """A ``BatchTable`` bound to one partition: the ``Store`` the core's steps read and write."""

    __slots__ = ("partition", "table")

    def __init__(self, table: BatchTable, partition: int) -> None:
        self.table, self.partition = table, partition

    def get(self, key: str) -> Any:
        return self.table.read(key, self.partition)

    def __setitem__(self, key: str, value: Any) -> None:
        self.table.write(key, value, self.partition)
