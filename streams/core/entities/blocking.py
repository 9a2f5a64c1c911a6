"""Blocking: the few stored subjects a new encoded subject is compared with, never all of them.

``blocking_keys(encoded)`` gives the keys a subject is filed under and looked up by:

- per name, MinHash locality-sensitive-hashing bands over the set bits of the name's ``main``
  filter and of its ``skel`` filter (two names whose filters share most bits agree on at least
  one band with high probability: ``BANDS`` bands of ``ROWS`` minima each). The permutations are
  fixed (a seeded generator): the filters are keyed already, so a key says nothing without the
  consortium key, and a band key is a hash of the minima, never bits of an encoding;
- the full birth-date token and the day/month-swapped one (persons): a weak name match with an
  exact birth date and a shared name part is one the scorer accepts.

Every key starts with the subject's kind (``p`` / ``o``): a person is never a candidate for an
organisation. ``Postings`` caps what one key holds (``MAX_POSTINGS``): beyond the cap a key stops
taking new subjects (they are still compared with the ones it holds, and reach their other
candidates through their other keys); each refusal is said (``Filed.saturated``) for the audit.
The first subjects filed stay, so a replay in the same order files the same ones.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from streams.core.entities.encode import MAIN_BITS, SKEL_BITS, EncodedSubject

BANDS, ROWS = 8, 4  # per filter and name; see README "Entity matching" for the recall measured
MAX_POSTINGS = 200  # subjects one blocking key holds
MAX_KEY_NAMES = 4  # names of a subject that get band keys (aliases beyond share the report's others)
_SEED = 20261206
_MAIN_FOLDED, _SKEL_FOLDED = MAIN_BITS // 2, SKEL_BITS // 2
_PERM_MAIN = np.random.default_rng(_SEED).permuted(
    np.tile(np.arange(_MAIN_FOLDED, dtype=np.int32), (BANDS * ROWS, 1)), axis=1
)
_PERM_SKEL = np.random.default_rng(_SEED + 1).permuted(
    np.tile(np.arange(_SKEL_FOLDED, dtype=np.int32), (BANDS * ROWS, 1)), axis=1
)


def _set_bits(x: int, bits: int) -> npt.NDArray[np.intp]:
    raw = np.frombuffer(x.to_bytes(bits // 8, "little"), dtype=np.uint8)
    return np.flatnonzero(np.unpackbits(raw, bitorder="little"))


def _bands(x: int, bits: int, perm: npt.NDArray[np.int32], tag: str) -> list[str]:
    idx = _set_bits(x, bits)
    if idx.size == 0:
        return []
    minima = perm[:, idx].min(axis=1).reshape(BANDS, ROWS)
    return [
        f"{tag}{b}:" + hashlib.blake2b(minima[b].tobytes(), digest_size=8).hexdigest() for b in range(BANDS)
    ]


def blocking_keys(enc: EncodedSubject) -> list[str]:
    """The blocking keys of an encoded subject, each once, in a fixed order."""
    kind = "p" if enc.kind == 1 else "o"
    keys: list[str] = []
    for name in enc.names[:MAX_KEY_NAMES]:
        keys += _bands(name.main, _MAIN_FOLDED, _PERM_MAIN, f"{kind}m")
        keys += _bands(name.skel, _SKEL_FOLDED, _PERM_SKEL, f"{kind}s")
    if enc.kind == 1 and enc.birth_precision == 3:
        full, swapped = enc.birth_date[0], enc.birth_date[1]
        keys += [f"pd:{t:016x}" for t in (full, swapped) if t]
    return list(dict.fromkeys(keys))


@dataclass(frozen=True, slots=True)
class Filed:
    """What filing one subject under one key did: ``candidates`` (what the key held before, the
    subject itself left out), ``added`` and ``saturated`` (the key was full: not filed)."""

    candidates: list[str]
    added: bool
    saturated: bool


def file_under(postings: list[str], subject_id: str, cap: int = MAX_POSTINGS) -> Filed:
    """File ``subject_id`` in one key's ``postings`` (changed in place). Idempotent: a subject
    already filed is not filed again, and its candidates are the ones filed before it (so a
    replay finds the same pairs)."""
    if subject_id in postings:
        return Filed(postings[: postings.index(subject_id)], False, False)
    before = list(postings)
    if len(postings) >= cap:
        return Filed(before, False, True)
    postings.append(subject_id)
    return Filed(before, True, False)
