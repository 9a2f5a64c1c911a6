"""The Quix Streams peer (``bench/quix_app.py``) on the same broker, feed and clock as the worker.

Each run is an isolated hub (``bench.e2e.Run``: own topic prefix and consumer group). The peer's
topics are made up front with the worker's partition count and, like every topic of the run,
stamped by the broker (``LogAppendTime``); two clocks, both from broker timestamps read once the
group has no lag left: the worker's (from the last moment the consumer group had no member to the
last record written) and first output -> last output, which leaves out each engine's start-up
(Quix Streams opens its RocksDB partitions and changelogs after the group is stable, which took
it 10-20 s here). The comparison uses the second. CPU is the peer process's over the whole run
(all its threads, librdkafka's included).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from bench.e2e import Run, cpu_s


def _make_topics(r: Run, names: list[str]) -> None:
    from kafka.admin import NewTopic

    admin, _ = r.clients()
    admin.create_topics([NewTopic(n, r.s.partitions, 1) for n in names])


def _run(r: Run, feed: Path, n_reports: int, mode: str, timeout: float) -> dict[str, Any]:
    prefix = r.s.topics.prefix
    made = [f"{prefix}quix-sightings", f"{prefix}quix-matches", f"{prefix}quix-out"]
    _make_topics(r, made)
    r.create_topics(feed / "policy.toml")  # the hub's topics; every topic of the run LogAppendTime
    r.cli("publish", *sorted(str(p) for p in feed.glob("feed-??.jsonl")))
    fius = [p.stem.split("-")[1] for p in feed.glob("feed-??.jsonl")]
    feeds = [r.s.topics.feed(f) for f in fius]
    if mode == "pipeline":
        args = [",".join(feeds), *made, str(feed / "policy.toml")]
        sources, outputs = [*feeds, made[0], made[1]], made
    else:
        args = [",".join(feeds), made[2]]
        sources, outputs = feeds, [made[2]]
    proc = r.spawn("-m", "bench.quix_app", mode, *args)
    t0 = r.start_workers([proc])
    cpu0 = cpu_s(proc.pid)
    r.wait_drained(r.s.app_id, sources, timeout)
    cpu = cpu_s(proc.pid) - cpu0
    last = r.last_write(outputs)
    secs, active = last - t0, last - r.first_write(outputs)
    return {"reports": n_reports, "seconds": secs, "reports_per_s": n_reports / secs,
            "first_to_last_output_reports_per_s": n_reports / active, "cpu_ms_per_report": 1000 * cpu / n_reports}  # fmt: skip


def pipeline(bootstrap: str, home: Path, feed: Path, n_reports: int, timeout: float = 900) -> dict[str, Any]:
    """The same core as the worker, three hops through Kafka, on Quix Streams."""
    r = Run(bootstrap, home, feed, "quix")
    try:
        return _run(r, feed, n_reports, "pipeline", timeout)
    finally:
        r.stop()


def passthrough(
    bootstrap: str, home: Path, feed: Path, n_reports: int, timeout: float = 900
) -> dict[str, Any]:
    """No-logic consume -> produce on Quix Streams: the engine's floor."""
    r = Run(bootstrap, home, feed, "quixpass")
    try:
        return _run(r, feed, n_reports, "passthrough", timeout)
    finally:
        r.stop()


def available() -> bool:
    try:
        import quixstreams  # noqa: F401
    except ImportError:
        print("quixstreams is not installed: pip install -e '.[bench]' (make bench does)", file=sys.stderr)
        return False
    return True
