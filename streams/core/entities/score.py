"""Compare encoded subjects: a score in [0, 1], a decision and an explanation, per pair.

Fellegi–Sunter style: each signal adds a log-likelihood-ratio weight (match vs non-match),
the sum goes through the logistic function. Signals:

- ``name``: the best Dice similarity over every pair of names (aliases) of the two sides, on
  the ``main`` filters; when either name was written in an abjad script (Arabic, Hebrew) the
  skeleton filters count as well. Two names whose patronymic roles disagree ("Salman bin
  Muhammad" / "Muhammad bin Salman") are marked ``order: reversed`` and their similarity cut.
- ``name_part`` (persons): ``agree`` when a whole name part (the first or the last) is written
  the same on both sides (their ``parts`` filters are equal), ``close`` when one is a typo away
  (filters at least ``PART_CLOSE`` alike), else ``none``. With an exact birth date it rescues a
  weak name match: one part replaced, missing or a nickname (FEBRL's duplicates; a married
  name), where a chance overlap of bigrams does not.
- ``name_parts`` (persons): ``close`` when both parts, paired off (in order or crosswise), are
  at least ``BOTH_CLOSE`` alike: typos in each part rather than another person who shares one
  (not counted where the birth dates disagree), else ``apart``.
- ``birth_date``: ``exact``, ``swapped`` (day and month), ``one_digit`` (two full dates of one
  year one digit of month or day apart, or two adjacent digits of them transposed: a typo),
  ``year_typo`` (month and day agree, the years are one digit apart or two of their digits
  transposed: a typo or a relative, so a perfect name with it is at most ``possible``),
  ``year_month`` / ``year`` (agree as far as the less precise side goes), ``day_differs``,
  ``month_differs``, ``contradicts`` (the years differ otherwise: a veto), ``missing``. When a
  full date agrees (``exact``, ``swapped``) the name's skeleton similarity counts beside its
  bigram similarity (``DATED_NAME``).
- ``nationality`` (persons) / ``country`` (organisations): ``agree``, ``disagree``, ``missing``;
  ``legal_form`` (organisations) likewise.

The weights below were set on the tuning split of the development pairs (bench/quality: for
FEBRL the FEBRL 1 and 4 data sets; FEBRL 2, 3 and our own corruption of FEBRL 2 only reported)
and checked on the holdout split; every pair is decided on its own (no one-to-one assignment).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from streams.core.entities.batch import FLAG_PRESENT, Batch
from streams.core.entities.encode import FLAG_ABJAD, FLAG_ROLES, EntityEncodingError

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
U8 = npt.NDArray[np.uint8]
U64 = npt.NDArray[np.uint64]
I32 = npt.NDArray[np.int32]
B = npt.NDArray[np.bool_]

MATCH_THRESHOLD = 0.90
POSSIBLE_THRESHOLD = 0.75
DOB_CODES = (
    "missing",
    "exact",
    "swapped",
    "year_month",
    "year",
    "day_differs",
    "month_differs",
    "contradicts",
    "one_digit",
    "year_typo",
)
AGREE_CODES = ("missing", "agree", "disagree")

# name similarity -> weight (piecewise linear)
NAME_X = np.array([0.0, 0.4, 0.54, 0.64, 0.74, 0.84, 1.0])
NAME_Y = np.array([-8.0, -6.0, -3.0, -1.2, 0.6, 2.2, 3.6])
DATED_NAME = 0.6  # share of the bigram similarity (the rest: skeleton) when a full birth date agrees
ABJAD_SKELETON = 1.0  # weight of the skeleton similarity when a side is in an abjad script
CONTAINED = 0.8  # weight of one name contained in the other ("Livia" in "Livia Swetnam")
REVERSED_FACTOR = 0.55  # name similarity kept when patronymic roles are reversed
BOTH_CLOSE = 0.6  # both parts paired off at least this similar: typos in each, not another person
# added then, by birth-date code: not where the dates disagree (a relative's name is alike)
BOTH_CAP = 2.0  # the lift stops this much per unit of name dissimilarity below an equal name's weight
W_BOTH = 1.0 * np.array([1, 1, 1, 1, 1, 1, 0, 0, 1, 0])
PART_CLOSE = 0.7  # part filters at least this similar (and not equal): a part a typo away
# added when a whole name part is shared, by birth-date code (DOB_CODES): with an exact date it
# rescues a replaced or dropped part
W_PART = np.array([0.0, 3.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0])
W_PART_CLOSE = np.array([0.0, 2.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0])  # for a part a typo away
W_DOB = np.array([0.0, 3.0, 2.5, 1.2, 0.5, -1.0, -2.5, -9.0, 1.0, -1.6])
W_NATIONALITY = np.array([0.0, 0.6, -1.2])
W_COUNTRY = np.array([0.0, 0.6, -2.0])
W_LEGAL_FORM = np.array([0.0, 0.4, -0.8])
BIAS = 0.0


@dataclass(frozen=True)
class Scores:
    """Per pair: ``score``, ``name`` similarity, signal codes (indices into DOB_CODES /
    AGREE_CODES), ``reversed`` roles, ``kind_differs``; ``kind`` 1 person, 2 organisation."""

    score: F64
    name: F64
    birth_date: U8
    nationality: U8
    legal_form: U8
    reversed: B
    kind_differs: B
    kind: U8
    part: B | None = None
    part_close: B | None = None
    parts_close: B | None = None

    def __len__(self) -> int:
        return int(self.score.shape[0])

    def decision(self, i: int, match: float = MATCH_THRESHOLD, possible: float = POSSIBLE_THRESHOLD) -> str:
        s = float(self.score[i])
        return "match" if s >= match else "possible" if s >= possible else "no"

    def why(self, i: int) -> dict[str, Any]:
        """The signals of pair ``i``, by name: never a raw value or an encoding."""
        if self.kind_differs[i]:
            return {"kind": "differs"}
        out: dict[str, Any] = {"name": round(float(self.name[i]), 2)}
        if self.reversed[i]:
            out["order"] = "reversed"
        if self.kind[i] == 1:
            out["birth_date"] = DOB_CODES[self.birth_date[i]]
            if self.part is not None:
                close = self.part_close is not None and self.part_close[i]
                out["name_part"] = "agree" if self.part[i] else "close" if close else "none"
            if self.parts_close is not None:
                out["name_parts"] = "close" if self.parts_close[i] else "apart"
            out["nationality"] = AGREE_CODES[self.nationality[i]]
        else:
            out["legal_form"] = AGREE_CODES[self.legal_form[i]]
            out["country"] = AGREE_CODES[self.nationality[i]]
        return out


def _dice(
    x: npt.NDArray[np.uint64], y: npt.NDArray[np.uint64], px: npt.NDArray[np.int32], py: npt.NDArray[np.int32]
) -> F64:
    inter = np.bitwise_count(x & y).sum(axis=-1, dtype=np.int32)
    return np.asarray(2.0 * inter / np.maximum(px + py, 1), dtype=np.float64)


def _part_pairs(x: U64, y: U64, px: I32, py: I32) -> tuple[F64, F64, B]:
    """Over the two part filters of each side (first and last part): the best Dice
    similarity of a part of one with a part of the other, the similarity of the worse-matched
    part when both parts are paired off (first with first and last with last, or crosswise,
    whichever is better), and whether two are equal (the same part written the same way)."""
    d = [
        2.0 * np.bitwise_count(x[:, i] & y[:, j]).astype(np.int32) / np.maximum(px[:, i] + py[:, j], 1)
        for i in range(2)
        for j in range(2)
    ]
    equal = np.zeros(x.shape[0], dtype=np.bool_)
    for i in range(2):
        for j in range(2):
            equal |= (x[:, i] == y[:, j]) & (x[:, i] != 0)
    both = np.maximum(np.minimum(d[0], d[3]), np.minimum(d[1], d[2]))
    return np.maximum(np.maximum(d[0], d[1]), np.maximum(d[2], d[3])), both, equal


def name_similarity(
    a: Batch, ia: I64, b: Batch, ib: I64, skel_rows: B | None = None
) -> tuple[F64, B, B, F64, F64, F64]:
    """Best similarity over all name pairs, whether that best pair had reversed roles,
    whether some name pair (roles not reversed) shares a whole part, and the best skeleton
    similarity of a name pair (roles not reversed) and the best similarity of a part of one with
    a part of the other (first and last parts; roles not reversed). The skeleton similarity
    is computed where a name is in an abjad script, and for ``skel_rows``; elsewhere it is 0."""
    best = np.zeros(ia.shape[0])
    best_skel = np.zeros(ia.shape[0])
    part_close = np.zeros(ia.shape[0])
    parts_both = np.zeros(ia.shape[0])
    rev = np.zeros(ia.shape[0], dtype=np.bool_)
    part = np.zeros(ia.shape[0], dtype=np.bool_)
    for i in range(a.flags.shape[1]):
        fa, ma, ra = a.flags[ia, i], a.main[ia, i], a.roles[ia, i]
        pma, pra = a.main_pc[ia, i], a.roles_pc[ia, i]
        for j in range(b.flags.shape[1]):
            fb = b.flags[ib, j]
            mb, pmb = b.main[ib, j], b.main_pc[ib, j]
            inter = np.bitwise_count(ma & mb).sum(axis=-1, dtype=np.int32)
            sim = 2.0 * inter / np.maximum(pma + pmb, 1)
            sim = np.maximum(sim, CONTAINED * inter / np.maximum(np.minimum(pma, pmb), 1))
            abjad = ((fa | fb) & FLAG_ABJAD) != 0
            sk = np.zeros(ia.shape[0])
            rows = np.flatnonzero(abjad if skel_rows is None else abjad | skel_rows)
            if rows.size:
                ra_, rb_ = ia[rows], ib[rows]
                sk[rows] = _dice(a.skel[ra_, i], b.skel[rb_, j], a.skel_pc[ra_, i], b.skel_pc[rb_, j])
            sim = np.where(abjad, np.maximum(sim, sk * ABJAD_SKELETON), sim)
            roles = (fa & fb & FLAG_ROLES) != 0
            reversed_ = np.zeros_like(roles)
            if roles.any():
                reversed_ = roles & (_dice(ra, b.roles[ib, j], pra, b.roles_pc[ib, j]) < 0.5)
                sim = np.where(reversed_, sim * REVERSED_FACTOR, sim)
            present = (fa & fb & FLAG_PRESENT) != 0
            sim = np.where(present, sim, 0.0)
            close, both, shared = _part_pairs(
                a.parts[ia, i], b.parts[ib, j], a.parts_pc[ia, i], b.parts_pc[ib, j]
            )
            part |= present & shared & ~reversed_
            part_close = np.maximum(part_close, np.where(present & ~reversed_, close, 0.0))
            parts_both = np.maximum(parts_both, np.where(present & ~reversed_, both, 0.0))
            best_skel = np.maximum(best_skel, np.where(present & ~reversed_, sk, 0.0))
            better = sim > best
            best = np.where(better, sim, best)
            rev = np.where(better, reversed_, rev)
    return best, rev, part, best_skel, part_close, parts_both


def _typo(a: Batch, ia: I64, b: Batch, ib: I64, where: B, columns: tuple[int, ...]) -> B:
    """Whether the pairs ``where`` share a typo token of one of ``columns`` (column by column
    from the batches' token-major arrays: a column of a batch stays in cache)."""
    idx = np.flatnonzero(where)
    if idx.size == 0:
        return np.zeros(ia.shape[0], dtype=np.bool_)
    sub_a, sub_b = ia[idx], ib[idx]
    hit = np.zeros(idx.size, dtype=np.bool_)
    for c in columns:
        x = a.birth_masks[c][sub_a]
        hit |= (x == b.birth_masks[c][sub_b]) & (x != 0)
    out = np.zeros(ia.shape[0], dtype=np.bool_)
    out[idx] = hit
    return out


def birth_date_codes(a: Batch, ia: I64, b: Batch, ib: I64) -> U8:
    da, db = a.birth_date[ia], b.birth_date[ib]
    pa, pb = a.birth_precision[ia], b.birth_precision[ib]
    low = np.minimum(pa, pb)
    full = (pa == 3) & (pb == 3)
    exact = full & (da[:, 0] == db[:, 0])
    swapped = full & (((da[:, 0] == db[:, 1]) & (db[:, 1] != 0)) | ((da[:, 1] == db[:, 0]) & (da[:, 1] != 0)))
    ym, year = da[:, 2] == db[:, 2], da[:, 3] == db[:, 3]
    # one digit of month or day replaced, or two of its adjacent digits transposed: the years agree
    one_digit = _typo(a, ia, b, ib, full & year & ~exact & ~swapped, (4, 5, 6, 7, 12, 13, 14))
    year_typo = _typo(a, ia, b, ib, full & ~year, (0, 1, 2, 3, 8, 9, 10, 11))
    conds = [
        low == 0,
        exact,
        swapped,
        one_digit,
        full & ym,
        full & year,
        (low >= 2) & ym,
        (low >= 2) & year,
        year,
        year_typo,
    ]
    return np.select(conds, [0, 1, 2, 8, 5, 6, 3, 6, 4, 9], default=7).astype(np.uint8)


def agreement_codes(x: npt.NDArray[np.uint64], y: npt.NDArray[np.uint64]) -> U8:
    """0 missing (a side has none), 1 agree (a token in common), 2 disagree."""
    agree = np.zeros(x.shape[0], dtype=np.bool_)
    for k in range(x.shape[1]):
        agree |= ((x[:, k : k + 1] == y) & (y != 0)).any(axis=1) & (x[:, k] != 0)
    both = (x[:, 0] != 0) & (y[:, 0] != 0)
    return np.where(both, np.where(agree, 1, 2), 0).astype(np.uint8)


def compare(a: Batch, ia: I64, b: Batch, ib: I64) -> Scores:
    """Score the pairs (a[ia[p]], b[ib[p]]). Both batches must share key and normaliser."""
    if a.key_fingerprint != b.key_fingerprint or a.normaliser != b.normaliser:
        raise EntityEncodingError(
            "encodings made with different keys or normaliser versions cannot be compared: "
            "re-encode both sides with the current key (see key rotation in the README)"
        )
    ka, kb = a.kind[ia], b.kind[ib]
    person = ka == 1
    dob = birth_date_codes(a, ia, b, ib)
    # a full date that agrees (exactly or swapped): the skeletons' agreement counts beside the
    # bigrams', so a typo that moves letters ("crouch" / "crocuh") costs less
    dated = person & ((dob == 1) | (dob == 2))
    name, rev, part, skel, close, both = name_similarity(a, ia, b, ib, dated)
    near = ~part & (close >= PART_CLOSE)
    name_w = np.where(dated, np.maximum(name, DATED_NAME * name + (1 - DATED_NAME) * skel), name)
    nat = agreement_codes(a.nationalities[ia], b.nationalities[ib])
    legal = agreement_codes(a.legal_forms[ia], b.legal_forms[ib])
    w_name = np.interp(name_w, NAME_X, NAME_Y)
    # both parts close lifts a typo'd name, never past an equal name's weight
    w_both = np.where(person & (both >= BOTH_CLOSE), W_BOTH[dob], 0.0)
    total = (
        BIAS
        + np.maximum(w_name, np.minimum(w_name + w_both, NAME_Y[-1] - BOTH_CAP * (1.0 - name_w)))
        + np.where(person, W_DOB[dob] + W_NATIONALITY[nat], W_COUNTRY[nat] + W_LEGAL_FORM[legal])
        + np.where(person & part, W_PART[dob], 0.0)
        + np.where(person & near, W_PART_CLOSE[dob], 0.0)
    )
    differs = ka != kb
    score = np.where(differs, 0.0, 1.0 / (1.0 + np.exp(-total)))
    return Scores(
        np.round(score, 4).astype(np.float64),
        name,
        dob,
        nat,
        legal,
        rev,
        differs,
        ka,
        part,
        near,
        both >= BOTH_CLOSE,
    )
