"""Scale runs for ``make bench-full``: how state and memory grow.

* state: the correlate step over the worker's own state store (a Faust RocksDB table, written
  through ``BatchTable`` exactly as the worker does, one RocksDB per partition) until it holds
  1,000,000 and then 5,000,000 tokens; RSS of the process and the store's size on disk at each.
  In-process, without Kafka: publishing and processing 5M tokens through the broker would take
  longer than the whole bench is allowed.
* soak: a worker on the embedded broker fed at a fixed rate for N minutes, its RSS sampled every
  10 s: is memory flat?
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench.e2e import RssSampler, Run, prepare_feed, rss_mb
from streams.processes import wait_for_worker


def du_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


def memtables_mb(table: Any) -> float:
    """RocksDB's own count of memory in memtables, over the table's partition databases: the
    part of RSS that grows with writes and is released when a memtable is flushed to disk."""
    from streams.app.framework import partition_dbs

    total = 0
    for db in partition_dbs(table.data).values():
        total += db.property_int_value("rocksdb.cur-size-all-mem-tables") or 0
    return total / 2**20


def state_growth(targets: tuple[int, ...] = (1_000_000, 5_000_000), partitions: int = 8) -> dict[str, Any]:
    import faust

    from streams.app.framework import partition_dbs
    from streams.app.state import BatchTable, worker_table
    from streams.app.steps import Steps
    from streams.codec import codec
    from streams.core.correlate import CorrelationRules
    from streams.core.policy import SharingPolicy
    from streams.core.tokens import Tokenizer
    from streams.topics import Topics

    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="fiulink-state-") as d:
        app = faust.App("bench-state", store="rocksdb://", datadir=d, autodiscover=False)
        table = worker_table(app, "tokens", partitions)
        state = BatchTable(table)
        policy = SharingPolicy.parse('fius = ["FR", "DE"]\n')
        steps = Steps(codec(), Tokenizer(b"bench", "k1"), policy, CorrelationRules(), Topics(), partitions)
        n_tokens = n_steps = 0
        i = 0
        t0 = time.process_time()
        rss0 = rss_mb(os.getpid())
        for target in targets:
            while n_tokens < target:
                reports = []
                for _ in range(500):  # six fresh tokens a report; every 10th also repeats an old one
                    tokens = [{"kind": "wallet", "token": f"k1:{i:08x}{j}"} for j in range(6)]
                    if i % 10 == 0 and i:
                        tokens.append({"kind": "email", "token": f"k1:{i // 2:08x}0"})
                    reports.append({"fiu": "FR" if i % 2 else "DE", "report_id": f"R-{i}", "sharing": "auto",
                                    "restrictions": [], "submitted_at": "", "source_ts": 0, "tokens": tokens})  # fmt: skip
                    n_tokens += 6
                    n_steps += len(tokens)
                    i += 1
                for _, key, value in steps.sighting_batches(reports):
                    state.partition = steps.partition_of(key)
                    steps.correlate(state, value)
                state.changelog()  # drained as the worker does (not sent: no broker here)
            tag = f"{target / 1e6:g}m"
            out[f"state_{tag}_tokens_disk_mb"] = du_mb(Path(d))
            out[f"state_{tag}_tokens_rss_mb"] = rss_mb(os.getpid())
            out[f"state_{tag}_tokens_memtables_mb"] = memtables_mb(table)
            print(f"    {n_tokens:,} tokens: {out[f'state_{tag}_tokens_disk_mb']:.0f} MB on disk, "
                  f"RSS {out[f'state_{tag}_tokens_rss_mb']:.0f} MB, of which RocksDB memtables "
                  f"{out[f'state_{tag}_tokens_memtables_mb']:.0f} MB", file=sys.stderr)  # fmt: skip
        out["state_steps_per_s"] = n_steps / (time.process_time() - t0)
        out["state_rss_start_mb"] = rss0
        for db in partition_dbs(table.data).values():
            db.close()
    return out


def slope(samples: list[tuple[float, float]], after_s: float) -> float:
    """Least-squares MB per minute of the (seconds, MB) samples from ``after_s`` on."""
    late = [(t / 60, mb) for t, mb in samples if t >= after_s] or [(t / 60, mb) for t, mb in samples]
    mt = sum(t for t, _ in late) / len(late)
    mm = sum(mb for _, mb in late) / len(late)
    var = sum((t - mt) ** 2 for t, _ in late) or 1.0
    return sum((t - mt) * (mb - mm) for t, mb in late) / var


def soak(
    bootstrap: str, home: Path, work: Path, minutes: float, rate: float, retention_days: float = 0
) -> dict[str, Any]:
    """A worker fed ``rate`` reports/s for ``minutes``; RSS every 10 s. ``rss_growth_mb_per_min``
    is the least-squares slope after the first two minutes (start-up), ``..._last_half_...`` the
    slope over the second half (once RocksDB's shared cache has filled to its budget). With
    ``retention_days`` the state stops growing once the sweep keeps pace: a leak check."""
    from streams.publish import Publisher

    n = int(minutes * 60 * rate)
    feed = prepare_feed(work / f"feed-soak-{n}", n, seed=11)
    r = Run(bootstrap, home, feed, "soak")
    if retention_days:
        r.env["FIULINK_RETENTION_DAYS"] = repr(retention_days)
    try:
        r.create_topics(feed / "policy.toml")
        w = r.spawn("-m", "streams", "worker", "--policy", str(feed / "policy.toml"))
        wait_for_worker(r.s, w, timeout=120)
        rss = RssSampler([w.pid])
        done = threading.Event()

        def publish() -> None:
            try:
                Publisher(r.s, rate=rate, progress_every=1e9).publish([feed / "feed-all.jsonl"])
            finally:
                done.set()

        threading.Thread(target=publish, daemon=True).start()
        last = 0.0
        while not done.wait(10):
            rss.sample()
            if rss.samples[-1][0] - last >= 60:
                last = rss.samples[-1][0]
                print(f"    {last / 60:.0f} min: worker RSS {rss.samples[-1][1]:.0f} MB", file=sys.stderr)
        if w.poll() is not None:
            raise RuntimeError(f"the worker died during the soak (exit {w.returncode})")
        return {"soak_minutes": minutes, "soak_rate": rate, "soak_reports": n,
                "soak_rss_first_mb": rss.samples[0][1], "soak_rss_last_mb": rss.samples[-1][1],
                "soak_rss_peak_mb": rss.peak_mb,
                "soak_rss_growth_mb_per_min": slope(rss.samples, after_s=120),
                "soak_rss_growth_last_half_mb_per_min": slope(rss.samples, after_s=minutes * 30)}  # fmt: skip
    finally:
        r.stop()


if __name__ == "__main__":  # python -m bench.scale state | soak BOOTSTRAP MINUTES RATE [RETENTION_DAYS]
    import json

    if sys.argv[1] == "state":
        print(json.dumps(state_growth()))
    else:
        w = Path(tempfile.mkdtemp(prefix="fiulink-soak-"))
        retention = float(sys.argv[5]) if len(sys.argv) > 5 else 0.0
        print(json.dumps(soak(sys.argv[2], w, w, float(sys.argv[3]), float(sys.argv[4]), retention)))
