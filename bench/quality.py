"""``make bench-quality``: precision / recall / F1 at the default decision (``match``) and
PR-AUC (average precision) on the development pair sets (bench/quality_sets.py), per set, per
slice and per split (``tune``: looked at while setting weights; ``holdout``: not; FEBRL split
by data set, see bench/quality_febrl.py), the FEBRL-like errors by cause (``--causes``), and the
share of *strangers born the same day* (two different FEBRL people given one birth date) that
are decided ``match``: the false-hit rate a stream meets at scale, which balanced pair sets hide.

Every pair goes through the stream's path: both sides encoded with a key, the encodings
compared (``streams.core.entities.pairs.score_encoded``).

    .venv/bin/python -m bench.quality [--split holdout|tune|all] [--slices] [--errors N] [--causes]
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections import defaultdict
from typing import Any

from bench.quality_febrl import causes
from bench.quality_sets import all_sets, split_of, strangers_born_the_same_day
from streams.core.entities import EntityEncoder, subject_from_json
from streams.core.entities.pairs import score_encoded


def average_precision(scored: list[tuple[float, bool]]) -> float:
    """Area under the precision-recall curve as average precision (ties broken pessimistically)."""
    positives = sum(1 for _, y in scored if y)
    if not positives:
        return float("nan")
    hits, total = 0, 0.0
    for i, (_, y) in enumerate(sorted(scored, key=lambda t: (-t[0], t[1])), 1):
        if y:
            hits += 1
            total += hits / i
    return total / positives


def figures(rows: list[tuple[float, bool, bool]]) -> dict[str, Any]:
    tp = sum(1 for _, pred, y in rows if pred and y)
    fp = sum(1 for _, pred, y in rows if pred and not y)
    fn = sum(1 for _, pred, y in rows if not pred and y)
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else float("nan")
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {"pairs": len(rows), "positives": tp + fn, "P": round(p, 3), "R": round(r, 3), "F1": round(f1, 3),
            "PR_AUC": round(average_precision([(s, y) for s, _, y in rows]), 3)}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", choices=["holdout", "tune", "all"], default=None, help="only this split")
    ap.add_argument("--slices", action="store_true", help="also per slice")
    ap.add_argument("--errors", type=int, default=0, help="print N wrong decisions per set (tune split only)")
    ap.add_argument(
        "--causes", action="store_true", help="FEBRL-like errors by cause (--split's pairs; tune if none)"
    )
    args = ap.parse_args()
    t0 = time.perf_counter()
    pairs = all_sets()
    enc = EntityEncoder(b"bench-quality key")
    encoded, meta = [], []
    for set_, slice_, group, a, b, y in pairs:
        encoded.append((enc.encode(subject_from_json(a, "a")), enc.encode(subject_from_json(b, "b"))))
        meta.append((set_, slice_, split_of(group), y, a, b))
    results = score_encoded(encoded)
    table: dict[tuple[str, str, str], list[tuple[float, bool, bool]]] = defaultdict(list)
    errors: dict[str, list[str]] = defaultdict(list)
    febrl_rows: dict[str, list[tuple[dict[str, Any], dict[str, Any], bool, bool]]] = defaultdict(list)
    for (set_, slice_, split, y, a, b), r in zip(meta, results, strict=True):
        row = (r.score, r.match, y)
        for sp in (split, "all"):
            table[(set_, "*", sp)].append(row)
            table[(set_, slice_, sp)].append(row)
        if set_.startswith("febrl") and split == (args.split or "tune") or args.split == "all":
            febrl_rows[set_].append((a, b, y, r.match))
        if args.errors and split == "tune" and r.match != y and len(errors[set_]) < args.errors:
            errors[set_].append(f"  {'FN' if y else 'FP'} {r.score:.3f} {a['names']} {a.get('birth_date')} | "
                                f"{b['names']} {b.get('birth_date')} {r.why}")  # fmt: skip
    out: dict[str, Any] = {}
    splits = [args.split] if args.split else ["tune", "holdout", "all"]
    print(f"{'set':<14}{'slice':<22}{'split':<9}{'pairs':>7}{'pos':>6}{'P':>7}{'R':>7}{'F1':>7}{'PR-AUC':>8}")
    for (set_, slice_, split), rows in sorted(table.items()):
        if split not in splits or (slice_ != "*" and not args.slices):
            continue
        f = figures(rows)
        print(f"{set_:<14}{slice_:<22}{split:<9}{f['pairs']:>7}{f['positives']:>6}{f['P']:>7}{f['R']:>7}{f['F1']:>7}{f['PR_AUC']:>8}")  # fmt: skip
        out[f"{set_}/{slice_}/{split}"] = f
    for set_, lines in errors.items():
        print(f"errors in {set_} (tune):")
        print("\n".join(lines))
    for set_, rows_ in sorted(febrl_rows.items()) if args.causes else ():
        if set_.startswith("febrl"):
            print(f"errors in {set_} by cause ({args.split or 'tune'}):")
            print("\n".join(causes(rows_)))
    strangers = strangers_born_the_same_day(random.Random(7))
    same_day = score_encoded(
        [(enc.encode(subject_from_json(a, "a")), enc.encode(subject_from_json(b, "b"))) for a, b in strangers]
    )
    false = sum(r.match for r in same_day)
    print(
        f"strangers born the same day: {false} of {len(same_day):,} pairs decided match ({100 * false / len(same_day):.2f}%)"
    )
    out["strangers_same_birth_date/match_rate"] = round(false / len(same_day), 4)
    print(f"{len(pairs):,} pairs in {time.perf_counter() - t0:.1f} s")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
