"""Graded links: the confidence thresholds of a sharing agreement and the notice a link gets.

An exact link (no confidence) is a ``hit``; a fuzzy one (``match_kind`` person / organization,
its score as ``confidence``) is a ``hit`` at or above ``min_confidence``, a ``possible_hit``
at or above ``review_confidence``, else nothing but an audit record. Defaults: README
"Configuration".
"""

from __future__ import annotations

from typing import Any

MIN_CONFIDENCE = 0.90  # a fuzzy link at or above it is a hit
REVIEW_CONFIDENCE = 0.75  # at or above it (below MIN_CONFIDENCE): a possible_hit
VERIFY = "possible match of similar names: verify against your own data before acting on it"


def grade(confidence: float | None, thresholds: tuple[float, float]) -> str | None:
    """The notice a link gets: ``hit`` (exact links, and fuzzy ones at or above min_confidence),
    ``possible_hit`` (at or above review_confidence), None (below: an audit record only)."""
    min_confidence, review_confidence = thresholds
    if confidence is None or confidence >= min_confidence:
        return "hit"
    return "possible_hit" if confidence >= review_confidence else None


def thresholds_of(
    table: dict[str, Any], where: str, default: tuple[float, float], problems: list[str]
) -> tuple[float, float]:
    """``min_confidence`` / ``review_confidence`` of a policy table (``default`` where absent):
    numbers in [0, 1], review at most min."""
    out = []
    for name, fallback in zip(("min_confidence", "review_confidence"), default, strict=True):
        v = table.get(name, fallback)
        if isinstance(v, bool) or not isinstance(v, int | float) or not 0 <= v <= 1:
            problems.append(f"{where}{name} must be a number from 0 to 1, not {v!r}")
            v = fallback
        out.append(float(v))
    if out[1] > out[0]:
        problems.append(f"{where}review_confidence ({out[1]}) must not be above min_confidence ({out[0]})")
    return out[0], out[1]
