"""Blocking recall: of the pairs the scorer accepts when every subject is compared with every
other, the share the stream's blocking finds (keys, bounded postings, the same scorer).

Two measurements on the development data (bench/quality_sets.py):

- ``listed``: the labelled pairs of the sets that the scorer decides ``match`` (and, separately,
  at least ``possible``): does the pair share a blocking key?
- ``exhaustive``: a sample of N distinct subjects of those sets, each its own report of its own
  FIU, filed one after the other through ``streams.core.fuzzy.file_and_link`` (as the worker
  does: ``file_subject`` under every key, one ``link_all`` per subject) against an exhaustive
  comparison of all N*(N-1)/2 pairs. ``comparisons_per_subject`` counts candidates met over
  all keys (a candidate met through several keys is scored once).

    .venv/bin/python -m bench.blocking_recall [--sample 2000]
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import time

import numpy as np

from bench.quality_sets import all_sets
from streams.core.entities import Batch, EntityEncoder, compare, decode, subject_from_json
from streams.core.entities.blocking import blocking_keys
from streams.core.entities.pairs import score_encoded
from streams.core.entities.score import MATCH_THRESHOLD, POSSIBLE_THRESHOLD
from streams.core.fuzzy import file_subject, link_all
from streams.core.records import PostingsState, SubjectPosting


def listed(enc: EntityEncoder) -> dict[str, float]:
    pairs = [
        (enc.encode(subject_from_json(a, "a")), enc.encode(subject_from_json(b, "b")))
        for *_, a, b, _ in all_sets()
    ]
    results = score_encoded(pairs)
    keys = {e: set(blocking_keys(decode(e))) for p in pairs for e in p}
    out: dict[str, float] = {}
    for name, thr in (("match", MATCH_THRESHOLD), ("possible", POSSIBLE_THRESHOLD)):
        acc = [(a, b) for (a, b), r in zip(pairs, results, strict=True) if r.score >= thr]
        out[f"listed_{name}_pairs"] = len(acc)
        out[f"listed_{name}_recall"] = round(sum(1 for a, b in acc if keys[a] & keys[b]) / len(acc), 4)
    out["keys_per_subject"] = round(sum(map(len, keys.values())) / len(keys), 1)
    return out


def exhaustive(enc: EntityEncoder, n: int) -> dict[str, float]:
    subjects = sorted({e for *_, a, b, _ in all_sets() for e in (json.dumps(a), json.dumps(b))})
    sample = random.Random(5).sample(subjects, min(n, len(subjects)))
    encs = [enc.encode(subject_from_json(json.loads(s), "s")) for s in sample]
    batch = Batch.of(encs)
    accepted: dict[str, set[tuple[int, int]]] = {"match": set(), "possible": set()}
    for i in range(1, len(encs)):
        ib = np.arange(i, dtype=np.int64)
        s = compare(batch, np.full(i, i, dtype=np.int64), batch, ib).score
        accepted["match"] |= {(j, i) for j in np.flatnonzero(s >= MATCH_THRESHOLD).tolist()}
        accepted["possible"] |= {(j, i) for j in np.flatnonzero(s >= POSSIBLE_THRESHOLD).tolist()}
    store: dict[str, PostingsState] = {}
    found: dict[tuple[int, int], float] = {}
    compared = 0
    t0 = time.perf_counter()
    for i, e in enumerate(encs):
        p: SubjectPosting = {"fiu": "XX", "report_id": str(i), "sharing": "auto", "restrictions": [],
                             "subject": 0, "encoding": base64.b64encode(e).decode(), "source_ts": i}  # fmt: skip
        met = []
        for key in blocking_keys(decode(e)):
            found_here = file_subject(store, key, p)
            compared += len(found_here.candidates)
            met.append((p, found_here.candidates))
        for m in link_all(met, POSSIBLE_THRESHOLD, ""):
            found[(int(m["reports"][1]["report_id"]), i)] = m["confidence"] or 0.0
    took = time.perf_counter() - t0
    out: dict[str, float] = {"sample_subjects": len(encs)}
    for name, pairs in accepted.items():
        out[f"exhaustive_{name}_pairs"] = len(pairs)
        out[f"exhaustive_{name}_recall"] = round(len(pairs & found.keys()) / max(len(pairs), 1), 4)
    out["comparisons_per_subject"] = round(compared / len(encs), 1)
    out["exhaustive_comparisons_per_subject"] = round((len(encs) - 1) / 2, 1)
    out["stream_ms_per_subject"] = round(1000 * took / len(encs), 2)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sample", type=int, default=2000, help="subjects in the exhaustive comparison")
    args = ap.parse_args()
    enc = EntityEncoder(b"bench-quality key")
    print(json.dumps({**listed(enc), **exhaustive(enc, args.sample)}))


if __name__ == "__main__":
    main()
