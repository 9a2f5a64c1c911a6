"""``make bench``: core, end-to-end (with a raw-Kafka baseline in the same run) and snapshot
figures on an embedded broker of their own; prints a table, then one line of JSON.

    python -m bench [--reports N] [--full | --quick]

``--quick``: only the engine comparison (worker and Quix Streams peer with the same core, both
engines' no-logic consume -> produce, latency at half the worker's rate), e.g. ``--quick
--reports 10000`` while iterating on the worker.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import core, e2e, peer, scale, tls
from streams.config import Settings
from streams.kafka.broker import EmbeddedBroker, free_port

ROOT = Path(__file__).resolve().parent.parent


def say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def last_json(cmd: list[str]) -> dict[str, Any]:
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reports", type=int, default=30_000, help="reports in the backfill and baseline runs")
    ap.add_argument("--full", action="store_true",
                    help="also the long runs: state at 1M/5M tokens, memory soak, 1,000,000-report backfill")  # fmt: skip
    ap.add_argument(
        "--quick", action="store_true", help="only the worker vs the Quix Streams peer, and latency"
    )
    ap.add_argument(
        "--million", action="store_true", help="only the 1,000,000-report backfill (a part of --full)"
    )
    ap.add_argument("--soak-minutes", type=float, default=10.0, help="length of the memory soak (--full)")
    ap.add_argument(
        "--soak-rate", type=float, default=300.0, help="reports/s offered during the soak (--full)"
    )
    args = ap.parse_args()
    res: dict[str, Any] = {"machine": f"{platform.node()} {os.cpu_count()} cpu, {platform.python_version()}",
                           "date": time.strftime("%Y-%m-%d %H:%M")}  # fmt: skip
    work = Path(tempfile.mkdtemp(prefix="fiulink-bench-"))
    if args.million:
        res.update(million(work))
        print(json.dumps(res))
        return
    if not args.quick:
        head(res, args)
    feed = e2e.prepare_feed(work / "feed", args.reports)
    if not args.quick:
        say("core: correlation steps per second, dict store vs RocksDB store")
        res.update(core.run(feed))
    if args.full:
        say("core (full): correlate state at 1M and 5M tokens: RSS and RocksDB size on disk")
        res.update(scale.state_growth())
    settings = Settings.from_env(
        {"FIULINK_HOME": str(work / "home"), "FIULINK_BOOTSTRAP": f"127.0.0.1:{free_port()}"}
    )
    broker = EmbeddedBroker(settings)
    info = broker.start()
    say(f"end to end on {info.bootstrap}")
    try:
        home = work / "runs"
        home.mkdir()
        res.update(engines(info.bootstrap, home, feed, args))
        if not args.quick:
            say(f"  two workers (own RocksDB each) in one group on the same {args.reports} reports")
            two = e2e.backfill(info.bootstrap, home, feed, args.reports, workers=2)
            res.update({"two_workers_reports_per_s": two["reports_per_s"],
                        "two_workers_speedup": two["reports_per_s"] / res["backfill_reports_per_s"]})  # fmt: skip
        if args.full:
            full(res, info.bootstrap, home, work, args)
    finally:
        broker.stop()
    if not args.quick:
        tail(res, work, args)
    width = max(map(len, res))
    for k, v in res.items():
        print(f"{k:<{width}}  {v:,.3f}" if isinstance(v, float) else f"{k:<{width}}  {v}")
    print(json.dumps(res))


def head(res: dict[str, Any], args: argparse.Namespace) -> None:
    say("core: identifiers normalised + tokenised per second (one core)")
    ids = last_json([sys.executable, "bench/bench_identifiers.py", "--seconds", "2"])
    res["identifiers_per_s"] = ids["identifiers_per_s"]
    say("core: entity matching: subjects encoded/s, encoded pairs compared/s, bytes per person (one core)")
    res.update(last_json([sys.executable, "bench/bench_entities.py"]))
    say("goAML: reports converted per CPU second and peak RSS, 1,000 and 10,000 reports in one file")
    res.update(last_json([sys.executable, "bench/bench_goaml.py", "--reports", "10000"]))


def engines(bootstrap: str, home: Path, feed: Path, args: argparse.Namespace) -> dict[str, Any]:
    """The worker against the Quix Streams peer with the same core, both engines' no-logic
    consume -> produce, and the worker's latency at half its maximum rate; one after the other."""
    n = args.reports
    say(f"  baseline: {n} reports through a no-logic Faust consume->produce agent")
    base = e2e.baseline(bootstrap, home, feed, n)
    say(f"  pipeline: backfill of {n} reports already on the feeds")
    bf = e2e.backfill(bootstrap, home, feed, n)
    say(f"  pipeline on Faust's per-record path (FIULINK_FETCH_BATCHES=0): the same {n} reports")
    per_record = e2e.backfill(bootstrap, home, feed, n, extra_env={"FIULINK_FETCH_BATCHES": "0"})
    say(f"  pipeline with fuzzy entity links on (FIULINK_ENTITY_LINKS=1): the same {n} reports")
    fuzzy = e2e.backfill(bootstrap, home, feed, n, extra_env={"FIULINK_ENTITY_LINKS": "1"})
    res: dict[str, Any] = {
        "worker_per_record_first_to_last_per_s": per_record["first_to_last_output_reports_per_s"],
        "worker_per_record_cpu_ms_per_report": per_record["worker_cpu_ms_per_report"],
        "fuzzy_first_to_last_per_s": fuzzy["first_to_last_output_reports_per_s"],
        "fuzzy_cpu_ms_per_report": fuzzy["worker_cpu_ms_per_report"],
        "fuzzy_to_exact": fuzzy["first_to_last_output_reports_per_s"]
        / bf["first_to_last_output_reports_per_s"],
        "fuzzy_to_exact_per_cpu": bf["worker_cpu_ms_per_report"] / fuzzy["worker_cpu_ms_per_report"],
    }
    if peer.available():
        say(f"  peer baseline: {n} reports through a no-logic Quix Streams consume->produce")
        qbase = peer.passthrough(bootstrap, home, feed, n)
        say(f"  peer: the same core on Quix Streams, three hops, {n} reports already on the feeds")
        q = peer.pipeline(bootstrap, home, feed, n)
        # first output -> last output for both engines (``bench.peer``: Quix's start-up is long)
        res.update({"worker_first_to_last_reports_per_s": bf["first_to_last_output_reports_per_s"],
                    "quix_first_to_last_reports_per_s": q["first_to_last_output_reports_per_s"],
                    "worker_to_quix": bf["first_to_last_output_reports_per_s"] / q["first_to_last_output_reports_per_s"],
                    "quix_cpu_ms_per_report": q["cpu_ms_per_report"], "quix_reports_per_s": q["reports_per_s"],
                    # reports per CPU second, worker / peer: steadier than wall clock on a shared machine
                    "worker_to_quix_per_cpu": q["cpu_ms_per_report"] / bf["worker_cpu_ms_per_report"],
                    "faust_baseline_first_to_last_per_s": base["first_to_last_output_reports_per_s"],
                    "quix_baseline_first_to_last_per_s": qbase["first_to_last_output_reports_per_s"]})  # fmt: skip
    rate = max(10.0, bf["reports_per_s"] / 2)
    say(f"  latency at half the measured maximum rate ({rate:.0f} reports/s offered)")
    lat = e2e.latency(bootstrap, home, feed, rate)
    return {"e2e_reports_per_s": bf["reports_per_s"], "baseline_reports_per_s": base["reports_per_s"],
            "ratio_to_baseline": bf["reports_per_s"] / base["reports_per_s"], **res,
            "backfill_reports": n, "backfill_reports_per_s": bf["reports_per_s"],
            "worker_cpu_ms_per_report": bf["worker_cpu_ms_per_report"], "worker_peak_rss_mb": bf["peak_rss_mb"],
            "latency_offered_rate": rate, "p50_latency_s": lat["p50_latency_s"],
            "p95_latency_s": lat["p95_latency_s"], "p99_latency_s": lat["p99_latency_s"],
            "worker_idle_cpu_pct": lat["idle_cpu_pct"]}  # fmt: skip


def full(res: dict[str, Any], bootstrap: str, home: Path, work: Path, args: argparse.Namespace) -> None:
    say(
        f"  full: a worker fed {args.soak_rate:.0f} reports/s for {args.soak_minutes:g} minutes (memory soak)"
    )
    res.update(scale.soak(bootstrap, home, work, args.soak_minutes, args.soak_rate))
    res.update(backfill_1m(bootstrap, home, work))


def backfill_1m(bootstrap: str, home: Path, work: Path) -> dict[str, Any]:
    say("  full: backfill of 1,000,000 reports (long: generating, publishing, then the clock runs)")
    big = e2e.prepare_feed(work / "feed1m", 1_000_000)
    b1m = e2e.backfill(bootstrap, home, big, 1_000_000, timeout=7200)
    return {"backfill_1m_seconds": b1m["seconds"], "backfill_1m_reports_per_s": b1m["reports_per_s"],
            "backfill_1m_peak_rss_mb": b1m["peak_rss_mb"]}  # fmt: skip


def million(work: Path) -> dict[str, Any]:
    """Only the 1,000,000-report backfill, on a broker of its own."""
    settings = Settings.from_env(
        {"FIULINK_HOME": str(work / "home"), "FIULINK_BOOTSTRAP": f"127.0.0.1:{free_port()}"}
    )
    broker = EmbeddedBroker(settings)
    info = broker.start()
    try:
        home = work / "runs"
        home.mkdir()
        return backfill_1m(info.bootstrap, home, work)
    finally:
        broker.stop()


def tail(res: dict[str, Any], work: Path, args: argparse.Namespace) -> None:
    n_tls = min(args.reports, 10_000)
    say(f"TLS cost: the same {n_tls} reports on a --secure and a --secure --tls broker (publish, worker)")
    res.update(tls.run(work, e2e.prepare_feed(work / "feed-tls", n_tls), n_tls))
    say("snapshot: writer rows/s and publishing a 1,000,000-row snapshot")
    snap = last_json([sys.executable, "bench/bench_snapshot.py", "--rows", "50000"])
    res.update(
        {"snapshot_rows_per_s": snap["snapshot_rows_per_s"], "publish_1m_rows_s": snap["publish_1m_rows_s"]}
    )
    say("workbench: page timings on a snapshot of 1,000,000 notifications")
    ui = last_json([sys.executable, "bench/bench_workbench.py"])
    res.update({f"ui_{k}_p95_ms": v["p95_ms"] for k, v in ui.items() if isinstance(v, dict)})


if __name__ == "__main__":
    main()
