"""Notifications against a generated feed's truth (``fiulink generate``): precision and recall of the
exact links and, separately, of the fuzzy entity links (``match_kind`` person / organization).

A link is (recipient FIU, recipient report, counterpart report), one per direction, as the truth
lists them. Exact: the ``hit`` notifications of the other kinds against ``must_notify``. Fuzzy:
against ``fuzzy_links``, counted twice: the ``hit`` notifications alone (what an FIU is told is a
match) and hits with ``possible_hit`` notifications (everything an FIU is asked to look at). Any
fuzzy notification the truth does not plant is a false one; those between a planted hard negative
pair are also counted by the negative's kind.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

FUZZY_KINDS = ("person", "organization")
Link = tuple[str, str, str]


def _link(n: Mapping[str, Any]) -> Link:
    return (str(n["recipient_fiu"]), str(n["recipient_report_id"]), str(n["counterpart_report_id"]))


def _pr(found: set[Link], truth: set[Link]) -> dict[str, Any]:
    tp = len(found & truth)
    return {
        "precision": round(tp / len(found), 4) if found else 1.0,
        "recall": round(tp / len(truth), 4) if truth else 1.0,
        "true": tp,
        "false": len(found - truth),
        "missed": len(truth - found),
    }


def score_links(truth: Mapping[str, Any], notifications: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Precision and recall of exact and fuzzy links in ``notifications`` against ``truth``."""
    exact: set[Link] = set()
    hits: set[Link] = set()
    possible: set[Link] = set()
    for n in notifications:
        if n.get("type") not in ("hit", "possible_hit"):
            continue
        fuzzy = n.get("match_kind") in FUZZY_KINDS
        if n["type"] == "hit":
            (hits if fuzzy else exact).add(_link(n))
        elif fuzzy:
            possible.add(_link(n))
    must = {_link(h) for h in truth.get("must_notify", ())}
    planted = {_link(h): h.get("variant", "") for h in truth.get("fuzzy_links", ())}
    negatives: dict[Link, str] = {}
    for neg in truth.get("hard_negatives", ()):
        (fa, fb), (ra, rb) = neg["fius"], neg["reports"]
        negatives[(fa, ra, rb)] = negatives[(fb, rb, ra)] = neg["why"]
    fuzzy_truth = set(planted)
    either = hits | possible
    missed = Counter(v for link, v in planted.items() if link not in either)
    return {
        "exact": _pr(exact, must),
        "fuzzy_hits": _pr(hits, fuzzy_truth),
        "fuzzy_hits_and_possible": _pr(either, fuzzy_truth),
        "fuzzy_planted": len(fuzzy_truth),
        "fuzzy_missed_by_variant": dict(sorted(missed.items())),
        "hard_negatives_linked": dict(
            sorted(Counter(negatives[x] for x in either if x in negatives).items())
        ),
    }
