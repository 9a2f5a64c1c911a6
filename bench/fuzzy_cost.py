"""What fuzzy links cost the worker's steps, in-process (no Kafka): the same generated feed
(every report has a person subject) through ingest -> correlate and link -> notify over dicts,
with 8 partitions, once exact-only (no encoder) and once with fuzzy links; reports/s of each,
their ratio (also by CPU time of the process, steadier than wall time on a shared machine), the fuzzy links found, and the postings state per stored subject (JSON bytes, as
the worker's table stores it, and blocking keys per subject).

    .venv/bin/python -m bench.fuzzy_cost [--reports 3000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

from streams.app.steps import Steps
from streams.codec import codec
from streams.core.correlate import CorrelationRules
from streams.core.entities import EntityEncoder
from streams.core.policy import SharingPolicy
from streams.core.sightings import route
from streams.core.tokens import Tokenizer
from streams.core.validate import validate_report
from streams.replay import read_feed
from streams.topics import Topics

KEY = b"bench fuzzy-cost consortium key"
PARTITIONS = 8


def run(values: list[tuple[str, bytes]], policy: SharingPolicy, fuzzy: bool) -> dict[str, Any]:
    topics = Topics()
    c = codec()
    steps = Steps(c, Tokenizer(KEY, "k1"), policy, CorrelationRules(), topics, PARTITIONS,
                  EntityEncoder(KEY) if fuzzy else None)  # fmt: skip
    tokens: list[dict[str, Any]] = [{} for _ in range(PARTITIONS)]
    postings: list[dict[str, Any]] = [{} for _ in range(PARTITIONS)]
    links: dict[str, Any] = {}
    kinds: dict[str, int] = {}
    t0, c0 = time.perf_counter(), time.process_time()
    for start in range(0, len(values), 500):  # worker-sized batches
        records = [(topics.feed(fiu), 0, i, 0, v) for i, (fiu, v) in enumerate(values[start : start + 500])]
        from streams.app.ingest import ingest_records

        matches = []
        for topic, _, v, part in ingest_records(steps, records):
            if topic == topics.sightings:
                matches += steps.correlate(tokens[part or 0], v or b"", topic, part or 0)
            elif topic == topics.subjects:
                matches += steps.link(postings[part or 0], v or b"", topic, part or 0)
        for mt, mk, mv, _ in matches:
            if mt != topics.matches:
                continue
            mid = mk.decode()
            state, _ = steps.notify(links.get(mid), mv or b"", topics.matches, mid)
            if state is not None:
                links[mid] = state
            kind = c.decode(mv or b"")[1]["match_kind"]
            kinds[kind] = kinds.get(kind, 0) + 1
    took, cpu = time.perf_counter() - t0, time.process_time() - c0
    out: dict[str, Any] = {"reports_per_s": round(len(values) / took, 1),
                           "reports_per_cpu_s": round(len(values) / cpu, 1), "matches": kinds}  # fmt: skip
    if fuzzy:
        subjects = {
            (p["fiu"], p["report_id"], p["subject"])
            for t in postings
            for s in t.values()
            for p in s["postings"]
        }
        filed = sum(len(s["postings"]) for t in postings for s in t.values())
        size = sum(len(orjson.dumps(s)) + len(k) for t in postings for k, s in t.items())
        out |= {"subjects": len(subjects), "postings_per_subject": round(filed / max(len(subjects), 1), 1),
                "state_bytes_per_subject": round(size / max(len(subjects), 1))}  # fmt: skip
        assert all(route(k, PARTITIONS) == p for p, t in enumerate(postings) for k in t)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reports", type=int, default=3000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        subprocess.run([sys.executable, "-m", "streams", "generate", "--fius", "4", "--reports", str(args.reports),
                        "--seed", "5", "--out", d], check=True, capture_output=True)  # fmt: skip
        policy = SharingPolicy.load(Path(d) / "policy.toml")
        reports = read_feed(sorted(Path(d).glob("feed-??.jsonl")))
    c = codec()
    values = []
    for r in reports:
        rec, _ = validate_report(r)
        if rec is not None:
            values.append((rec["fiu"], c.encode("StrReport", rec)))
    exact = run(values, policy, fuzzy=False)
    fuzzy = run(values, policy, fuzzy=True)
    with_person = sum(1 for r in reports if any(s.get("names") for s in r.get("subjects", ())))
    print(json.dumps({"reports": len(values), "reports_with_named_subjects": with_person, "exact_only": exact,
                      "fuzzy": fuzzy, "ratio": round(fuzzy["reports_per_s"] / exact["reports_per_s"], 2),
                      "cpu_ratio": round(fuzzy["reports_per_cpu_s"] / exact["reports_per_cpu_s"], 3)}))  # fmt: skip


if __name__ == "__main__":
    main()
