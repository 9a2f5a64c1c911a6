"""Correlation steps per second on one core, with the dict store and a RocksDB-backed store
(rocksdict, the library Faust's RocksDB tables use), on the sightings of a generated feed."""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

from streams.core.correlate import CorrelationRules, step
from streams.core.extract import identifiers_of
from streams.core.tokens import Tokenizer
from streams.core.validate import validate_report


class RocksStore:
    """token -> JSON state in RocksDB (what a Faust RocksDB table does per partition)."""

    def __init__(self, path: Path) -> None:
        from rocksdict import Rdict

        self.db = Rdict(str(path))

    def get(self, token: str) -> dict[str, Any] | None:
        raw = self.db.get(token.encode())
        return None if raw is None else json.loads(raw)

    def __setitem__(self, token: str, state: dict[str, Any]) -> None:
        self.db[token.encode()] = json.dumps(state).encode()

    def close(self) -> None:
        self.db.close()


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
        rocks = RocksStore(Path(d) / "tokens")
        rocks_rate = steps_per_s(sightings, rocks)
        rocks.close()
    return {"correlation_steps": len(sightings), "correlate_dict_steps_per_s": dict_rate,
            "correlate_rocksdb_steps_per_s": rocks_rate}  # fmt: skip
