"""BatchTable writes what Faust itself would: the same key and value bytes in the same RocksDB
partition database and on the same changelog partition, so Faust's recovery (which copies
changelog bytes into the store) and its own reads agree with ours."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import faust
import pytest
from faust.types import TP

from streams.app.state import ROCKSDB_MEMORY, ROCKSDB_OPTIONS, BatchTable, SharedMemoryOptions, worker_table

STATE = {"kind": "email", "refs": [{"fiu": "FR", "report_id": "FR-1", "sharing": "auto",
         "restrictions": ["no-onward-dissemination"]}], "hot": False, "count": 1, "last_ms": 5}  # fmt: skip


@pytest.fixture(params=["rocksdb://", "memory://"])
def table(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    app = faust.App("state-test", store=request.param, datadir=str(tmp_path), autodiscover=False)
    t = worker_table(app, "tokens", 8)
    yield t
    if hasattr(t.data, "_dbs"):
        t.data._dbs.clear()


def test_bytes_are_fausts_own(table: Any) -> None:
    bt = BatchTable(table)
    bt.partition = 5
    bt["k1:ab"] = STATE
    ((topic, key, value, partition),) = bt.changelog()
    assert (topic, partition) == (table.changelog_topic.get_topic_name(), 5)
    assert key == table.changelog_topic.prepare_key("k1:ab", None)[0]  # Faust's changelog key
    assert json.loads(value) == STATE
    if hasattr(table.data, "_db_for_partition"):  # RocksDB: Faust's store encoding, partition 5's db
        assert key == table.data._encode_key("k1:ab")
        assert table.data._decode_value(table.data._db_for_partition(5).get(key)) == STATE
        assert table.data._db_for_partition(4).get(key) is None
    assert bt.get("k1:ab") == STATE


def test_changelog_keeps_the_last_value_per_key_and_drains(table: Any) -> None:
    bt = BatchTable(table)
    for i in range(3):
        bt.partition = 2
        bt["k1:ab"] = {**STATE, "count": i}
    bt.partition = 3
    bt["k1:cd"] = STATE
    out = bt.changelog()
    assert [(json.loads(k), json.loads(v)["count"], p) for _, k, v, p in out] == [
        ("k1:ab", 2, 2),
        ("k1:cd", 1, 3),
    ]
    assert bt.changelog() == []
    bt.partition = 2
    assert bt.get("k1:ab")["count"] == 2 and bt.get("k1:zz") is None


def test_a_batch_reads_its_own_writes_and_the_store_has_them_after(table: Any) -> None:
    bt = BatchTable(table)
    bt.partition = 4
    bt["k1:ab"] = STATE
    assert bt.get("k1:ab") == STATE  # before changelog(): read from the batch
    bt["k1:ab"] = {**STATE, "count": 2}
    assert bt.get("k1:ab")["count"] == 2
    bt.partition = 5
    if hasattr(table.data, "_db_for_partition"):
        assert bt.get("k1:ab") is None  # another partition's database (memory:// has one for all)
    bt.changelog()
    bt.partition = 4
    assert bt.get("k1:ab")["count"] == 2
    if hasattr(table.data, "_db_for_partition"):  # in the partition's database itself
        assert json.loads(table.data._db_for_partition(4).get(table.data._encode_key("k1:ab")))["count"] == 2
        assert table.data._db_for_partition(5).get(table.data._encode_key("k1:ab")) is None


def test_sweep_forgets_expired_keys_with_tombstones_and_keeps_the_rest(table: Any) -> None:
    bt = BatchTable(table)
    for i in range(10):
        bt.partition = i % 3
        bt[f"k1:{i:02d}"] = {**STATE, "last_ms": i}
    bt.changelog()
    fallback = {f"k1:{i:02d}": i % 3 for i in range(10)}.__getitem__
    progress = list(bt.sweep(lambda st: st["last_ms"] < 4, fallback, chunk=3))
    assert progress[-1] == 4 and len(progress) >= 4  # yielded between chunks, ends with the total
    tombstones = bt.changelog()
    assert sorted((json.loads(k), p) for _, k, v, p in tombstones if v is None) == [
        (f"k1:{i:02d}", i % 3) for i in range(4)
    ]
    assert len(tombstones) == 4
    for i in range(10):
        bt.partition = i % 3
        assert (bt.get(f"k1:{i:02d}") is None) == (i < 4)
    if hasattr(table.data, "_dbs"):  # Faust's own offset bookkeeping survives a sweep
        table.data.set_persisted_offset(TP("x", 1), 42)
        list(bt.sweep(lambda st: True, fallback))
        assert table.data.persisted_offset(TP("x", 1)) == 42


def test_the_workers_tables_share_one_rocksdb_memory_budget(tmp_path: Path) -> None:
    """Through the real factory: every partition database of both tables charges its blocks and
    memtables to one worker-wide cache (a worker that dropped the shared options would give each
    database Faust's own 2 GB cache and fail this)."""
    from streams.app.topology import build_worker_app
    from streams.config import Settings
    from streams.core.correlate import CorrelationRules
    from streams.core.policy import SharingPolicy

    s = Settings.from_env({"FIULINK_TOKEN_KEY": "unit-test-key-0123456789", "FIULINK_HOME": str(tmp_path)})
    app = build_worker_app(s, SharingPolicy.parse('fius = ["FR", "DE"]\n'), CorrelationRules())
    cache, manager = SharedMemoryOptions.shared()
    before = manager.get_usage()
    for name in ("tokens", "links"):
        store = app.tables[name].data
        assert isinstance(store.rocksdb_options, SharedMemoryOptions)
        assert (store.rocksdb_options.write_buffer_size, store.rocksdb_options.max_write_buffer_number) == (
            ROCKSDB_OPTIONS["write_buffer_size"], ROCKSDB_OPTIONS["max_write_buffer_number"])  # fmt: skip
        for partition in (0, 5):
            store._db_for_partition(partition)[b'"k"'] = b"x" * 100_000
    assert manager.get_usage() > before  # the memtables of the databases just written are counted
    assert cache.get_usage() >= manager.get_usage()  # ... and charged to the one cache
    assert cache.get_usage() <= ROCKSDB_MEMORY * 1.1
    for name in ("tokens", "links"):
        app.tables[name].data._dbs.clear()
