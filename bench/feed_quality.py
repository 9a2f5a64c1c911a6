"""Fuzzy links on a feed, not on pairs: every development pair (bench/quality_sets.py) placed in
two FIUs' reports (``a`` in an FR report, ``b`` in a DE report, no identifier in common), all
reports of a split run through the stream's own logic in replay mode (ingest, blocking, postings
with their cap, linking, the sharing policy's grades), and the links found compared with the
pairs' labels: precision and recall of hits (and of hits or possible hits), per set.

This is what a pair benchmark misses: blocking (a pair the blocking keys never bring together
is never scored), the postings cap (a very common name stops filing), and links between reports
of different pairs (counted on their own: some are the same person again, by construction of
the sets, so they are not scored as errors).

    .venv/bin/python -m bench.feed_quality [--split holdout|tune|all] [--limit N]
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections import defaultdict
from typing import Any

from bench.quality_sets import Pair, all_sets, split_of
from streams.core.correlate import CorrelationRules
from streams.core.policy import SharingPolicy
from streams.replay import replay
from streams.testing import policy_text

FUZZY = {"person", "organization", "name_dob"}


def reports_of(pairs: list[Pair]) -> list[dict[str, Any]]:
    """Two reports per pair (FR holds ``a``, DE holds ``b``), in a shuffled order."""
    out = []
    for i, (_set, _slice, _group, a, b, _label) in enumerate(pairs):
        for fiu, subject in (("FR", a), ("DE", b)):
            out.append({
                "report_id": f"{fiu}-{i}", "fiu": fiu, "submitted_at": "2026-11-20T14:03:00Z",
                "subjects": [{"subject_id": "s1", **subject}],
            })  # fmt: skip
    random.Random(5).shuffle(out)
    return out


def links_of(out: dict[str, list[dict[str, Any]]]) -> dict[tuple[int, int], str]:
    """(FR pair index, DE pair index) -> the best grade its notifications gave: hit or possible."""
    graded: dict[tuple[int, int], str] = {}
    for n in out["notifications"]:
        if n["type"] not in ("hit", "possible_hit") or n.get("match_kind") not in FUZZY:
            continue
        ends = {n["recipient_report_id"], n["counterpart_report_id"]}
        fr = next(int(r[3:]) for r in ends if r.startswith("FR-"))
        de = next(int(r[3:]) for r in ends if r.startswith("DE-"))
        if graded.get((fr, de)) != "hit":
            graded[(fr, de)] = "hit" if n["type"] == "hit" else "possible"
    return graded


def figures(pairs: list[Pair], graded: dict[tuple[int, int], str], grades: set[str]) -> dict[str, Any]:
    tp = fp = fn = 0
    for i, p in enumerate(pairs):
        found = graded.get((i, i)) in grades
        tp += found and p[5]
        fp += found and not p[5]
        fn += (not found) and p[5]
    prec = tp / (tp + fp) if tp + fp else 1.0
    rec = tp / (tp + fn) if tp + fn else float("nan")
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return {"P": round(prec, 3), "R": round(rec, 3), "F1": round(f1, 3)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", choices=["holdout", "tune", "all"], default="holdout")
    ap.add_argument("--limit", type=int, default=0, help="at most N pairs per set (0: all)")
    args = ap.parse_args()
    by_set: dict[str, list[Pair]] = defaultdict(list)
    for p in all_sets():
        wanted = args.split == "all" or split_of(p[2]) == args.split
        if wanted and (not args.limit or len(by_set[p[0]]) < args.limit):
            by_set[p[0]].append(p)
    policy = SharingPolicy.parse(policy_text(["FR", "DE"], auto=[("FR", "DE")]), "feed-quality")
    rows: dict[str, Any] = {}
    for name, pairs in sorted(by_set.items()):
        t0 = time.perf_counter()
        out = replay(
            reports_of(pairs), b"bench-feed-quality key", policy, CorrelationRules(), entity_links=True
        )
        graded = links_of(out)
        cross = sum(1 for fr, de in graded if fr != de)
        rows[name] = {
            "pairs": len(pairs), "positives": sum(1 for p in pairs if p[5]),
            "hit": figures(pairs, graded, {"hit"}), "hit_or_possible": figures(pairs, graded, {"hit", "possible"}),
            "links_across_pairs": cross, "seconds": round(time.perf_counter() - t0, 1),
        }  # fmt: skip
        r = rows[name]
        print(f"{name:<12} {r['pairs']:>5} pairs  hit P {r['hit']['P']:.3f} R {r['hit']['R']:.3f} "
              f"F1 {r['hit']['F1']:.3f}  | hit or possible P {r['hit_or_possible']['P']:.3f} "
              f"R {r['hit_or_possible']['R']:.3f}  | {cross} links across pairs  ({r['seconds']} s)", flush=True)  # fmt: skip
    print(json.dumps({"split": args.split, "sets": rows}))


if __name__ == "__main__":
    main()
