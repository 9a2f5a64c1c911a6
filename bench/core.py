"""Correlation steps per second on one core, with the dict store and with the worker's own
RocksDB-backed Faust table (``WorkerStore``), on the sightings of a generated feed."""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

from streams.core.correlate import CorrelationRules, step
from streams.core.extract import identifiers_of
from streams.core.sightings import route
from streams.core.tokens import Tokenizer
from streams.core.validate import validate_report


class WorkerStore:
    """The worker's own token store: a Faust RocksDB table (``worker_table``: its serializer and
    the worker-wide RocksDB memory budget) written through ``BatchTable``, as the correlate
    agent does, partition by partition."""

    def __init__(self, path: Path, partitions: int = 8) -> None:
        import faust

        from streams.app.state import BatchTable, worker_table

        app = faust.App("bench-core", store="rocksdb://", datadir=str(path), autodiscover=False)
        self.table = worker_table(app, "tokens", partitions)
        self.state = BatchTable(self.table)
        self.partitions = partitions

    def get(self, token: str) -> dict[str, Any] | None:
        self.state.partition = route(token, self.partitions)
        return self.state.get(token)  # type: ignore[no-any-return]

    def __setitem__(self, token: str, state: dict[str, Any]) -> None:
        self.state[token] = state
        if self.state.pending_writes >= 2000:  # the agent drains a batch's changelog records
            self.state.changelog()

    def close(self) -> None:
        from streams.app.framework import partition_dbs

        for db in partition_dbs(self.table.data).values():
            db.close()


def sightings_of(feed: Path) -> list[dict[str, Any]]:
    tok = Tokenizer(b"bench", "k1")
    out = []
    for line in (feed / "feed-all.jsonl").read_text(encoding="utf-8").splitlines():
        r, _ = validate_report(json.loads(line))
        if r is None:
            continue
        for kind, value in identifiers_of(r)[0]:
            out.append({"token": tok(kind, value), "kind": kind, "fiu": r["fiu"], "report_id": r["report_id"],
                        "sharing": "auto", "restrictions": [], "source_ts": 0})  # fmt: skip
    return out


def steps_per_s(sightings: list[dict[str, Any]], store: Any) -> float:
    rules = CorrelationRules()
    t0 = time.process_time()
    for s in sightings:
        new, _ = step(store.get(s["token"]), s, rules, "t")
        if new is not None:
            store[s["token"]] = new
    return len(sightings) / (time.process_time() - t0)


def run(feed: Path) -> dict[str, float]:
    sightings = sightings_of(feed)
    dict_rate = steps_per_s(sightings, {})
    with tempfile.TemporaryDirectory() as d:
        rocks = WorkerStore(Path(d))
        rocks_rate = steps_per_s(sightings, rocks)
        rocks.close()
    return {"correlation_steps": len(sightings), "correlate_dict_steps_per_s": dict_rate,
            "correlate_rocksdb_steps_per_s": rocks_rate}  # fmt: skip
