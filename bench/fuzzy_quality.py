"""Fuzzy links against the truth of generated feeds (``fiulink generate``): each feed through
the worker's steps in replay mode with entity links on, scored by ``streams.truth_score``
(exact and fuzzy links apart; fuzzy as hits, and as hits with possible hits), per seed.

    .venv/bin/python -m bench.fuzzy_quality [--reports 3000] [--fius 4] [--seeds 1 2 3]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from streams.core.correlate import CorrelationRules
from streams.core.policy import SharingPolicy
from streams.generate import generate
from streams.replay import read_feed, replay
from streams.truth_score import score_links

KEY = b"bench fuzzy-quality consortium key"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reports", type=int, default=3000)
    ap.add_argument("--fius", type=int, default=4)
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    args = ap.parse_args()
    for seed in args.seeds:
        with tempfile.TemporaryDirectory() as d:
            truth = generate(args.fius, args.reports, seed, Path(d))
            policy = SharingPolicy.load(Path(d) / "policy.toml")
            feed = read_feed(sorted(Path(d).glob("feed-??.jsonl")))
        out = replay(feed, KEY, policy, CorrelationRules(), entity_links=True)
        print(
            json.dumps(
                {"seed": seed, "reports": truth["reports"], **score_links(truth, out["notifications"])}
            )
        )


if __name__ == "__main__":
    main()
