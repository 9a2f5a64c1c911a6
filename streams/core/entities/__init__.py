"""Entity matching beyond equal keys: persons and organisations across scripts, spellings and
typos, compared through keyed similarity-preserving encodings (never names).

``subject_from_json`` -> ``EntityEncoder(key).encode`` (bytes, what the hub sees) ->
``Batch.of`` -> ``compare`` -> ``Scores`` (score, decision, why). ``score_pairs`` runs that
path for a list of subject pairs, as ``fiulink pairs score`` does.
"""

from __future__ import annotations

from streams.core.entities.batch import Batch
from streams.core.entities.encode import EncodedSubject, EntityEncoder, EntityEncodingError, decode
from streams.core.entities.normalize import NORMALISER_VERSION, name_form
from streams.core.entities.pairs import PairResult, score_pairs
from streams.core.entities.score import MATCH_THRESHOLD, POSSIBLE_THRESHOLD, Scores, compare
from streams.core.entities.subjects import BirthDate, Subject, subject_from_json

__all__ = [
    "MATCH_THRESHOLD",
    "NORMALISER_VERSION",
    "POSSIBLE_THRESHOLD",
    "Batch",
    "BirthDate",
    "EncodedSubject",
    "EntityEncoder",
    "EntityEncodingError",
    "PairResult",
    "Scores",
    "Subject",
    "compare",
    "decode",
    "name_form",
    "score_pairs",
    "subject_from_json",
]
