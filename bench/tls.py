"""The cost of TLS: the same backfill (worker throughput) and the same `fiulink publish` on two
single-node secure brokers started side by side in one run, one SASL_PLAINTEXT (``--secure``),
one SASL_SSL (``--secure --tls``); the hub principal on both.

    python -m bench.tls [--reports N]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import e2e
from streams.config import Settings
from streams.kafka import secure
from streams.kafka.broker import free_port
from streams.kafka.cluster import Cluster
from streams.kafka.tls import tls_dir


def one(work: Path, feed: Path, n_reports: int, tls: bool) -> dict[str, Any]:
    tag = "tls" if tls else "sasl"
    home = work / f"broker-{tag}"
    settings = Settings.from_env({"FIULINK_HOME": str(home), "FIULINK_BOOTSTRAP": f"127.0.0.1:{free_port()}"})
    cluster = Cluster(settings)
    layout = cluster.start(1, secure=True, tls=tls)
    env = {"FIULINK_SASL_USERNAME": secure.HUB,
           "FIULINK_SASL_PASSWORD": secure.load_credentials(settings)[secure.HUB]}  # fmt: skip
    if tls:
        env["FIULINK_SSL_CAFILE"] = str(tls_dir(home) / "ca.pem")
    try:
        runs = work / f"runs-{tag}"
        runs.mkdir()
        bf = e2e.backfill(layout.bootstrap, runs, feed, n_reports, extra_env=env)
        r = e2e.Run(layout.bootstrap, runs, feed, "pub")
        r.env.update(env)
        r.s = Settings.from_env(r.env)
        r.create_topics(feed / "policy.toml")
        t0 = time.monotonic()
        r.cli("publish", *sorted(str(p) for p in feed.glob("feed-??.jsonl")))
        publish_s = time.monotonic() - t0
        r.stop()
        return {f"{tag}_worker_reports_per_s": bf["reports_per_s"],
                f"{tag}_publish_reports_per_s": n_reports / publish_s}  # fmt: skip
    finally:
        cluster.stop()


def run(work: Path, feed: Path, n_reports: int) -> dict[str, Any]:
    res = {**one(work, feed, n_reports, tls=False), **one(work, feed, n_reports, tls=True)}
    res["tls_worker_cost"] = 1 - res["tls_worker_reports_per_s"] / res["sasl_worker_reports_per_s"]
    res["tls_publish_cost"] = 1 - res["tls_publish_reports_per_s"] / res["sasl_publish_reports_per_s"]
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reports", type=int, default=10_000)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="fiulink-bench-tls-"))
    feed = e2e.prepare_feed(work / "feed", args.reports)
    print(f"TLS cost: {args.reports} reports, SASL_PLAINTEXT vs SASL_SSL", file=sys.stderr)
    print(json.dumps(run(work, feed, args.reports)))


if __name__ == "__main__":
    main()
