"""Score subject pairs through the stream's path: encode both sides, batch, compare encodings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from streams.core.entities.batch import Batch
from streams.core.entities.encode import EntityEncoder
from streams.core.entities.score import MATCH_THRESHOLD, POSSIBLE_THRESHOLD, compare
from streams.core.entities.subjects import Subject


@dataclass(frozen=True, slots=True)
class PairResult:
    score: float
    decision: str
    why: dict[str, Any]

    @property
    def match(self) -> bool:
        return self.decision == "match"


def score_encoded(
    pairs: Sequence[tuple[bytes, bytes]], match: float = MATCH_THRESHOLD, possible: float = POSSIBLE_THRESHOLD
) -> list[PairResult]:
    """Compare already encoded pairs (what the hub holds)."""
    if not pairs:
        return []
    batch = Batch.of([e for pair in pairs for e in pair])
    idx = np.arange(len(pairs), dtype=np.int64) * 2
    s = compare(batch, idx, batch, idx + 1)
    return [PairResult(float(s.score[i]), s.decision(i, match, possible), s.why(i)) for i in range(len(s))]


def score_pairs(
    encoder: EntityEncoder,
    pairs: Sequence[tuple[Subject, Subject]],
    match: float = MATCH_THRESHOLD,
    possible: float = POSSIBLE_THRESHOLD,
) -> list[PairResult]:
    """Encode both sides with ``encoder`` (its key) and compare the encodings."""
    return score_encoded([(encoder.encode(a), encoder.encode(b)) for a, b in pairs], match, possible)
