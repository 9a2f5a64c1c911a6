"""Encodings as packed numpy arrays, so pairs compare with bit operations over whole batches.

A ``Batch`` holds N decoded encodings: per name slot the folded filters as uint64 words
(``main`` 4 words, ``skel`` 2, ``roles`` 2, ``parts`` 2: one per part filter) with their popcounts, flags, and the tokens
(birth date, nationalities, legal forms) as uint64 with 0 for "absent". Name slots beyond a
subject's names have flags 0 (slot empty).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from streams.core.entities.encode import (
    MAIN_BITS,
    MASKS,
    PART_BITS,
    ROLE_BITS,
    SKEL_BITS,
    EncodedSubject,
    EntityEncodingError,
    decode,
)

U64 = npt.NDArray[np.uint64]
I32 = npt.NDArray[np.int32]
U32 = npt.NDArray[np.uint32]
U8 = npt.NDArray[np.uint8]
FLAG_PRESENT = 128  # set in the batch's flags for a filled name slot


def _words(x: int, n: int) -> list[int]:
    return [(x >> (64 * i)) & 0xFFFFFFFFFFFFFFFF for i in range(n)]


def _packed(xs: list[int], n: int) -> U64:
    """Each int as ``n`` little-endian 64-bit words (``_words`` for many at once); bits beyond
    the ``n`` words are dropped, as ``_words`` drops them."""
    mask = (1 << (64 * n)) - 1
    raw = b"".join((x & mask).to_bytes(8 * n, "little") for x in xs)
    return np.frombuffer(raw, dtype="<u8").astype(np.uint64).reshape(len(xs), n)


@dataclass(frozen=True)
class Batch:
    normaliser: int
    key_fingerprint: bytes
    kind: U8  # (N,)
    flags: U8  # (N, M)
    main: U64  # (N, M, 4)
    skel: U64  # (N, M, 2)
    roles: U64  # (N, M, 2)
    parts: U64  # (N, M, 2): the first and last part's filters
    main_pc: I32  # (N, M)
    skel_pc: I32
    roles_pc: I32
    parts_pc: I32  # (N, M, 2): per part filter
    birth_precision: U8  # (N,)
    birth_date: U64  # (N, 4): full, swapped, year-month, year
    birth_masks: U32  # (MASKS, N): typo tokens of a full date (0: none), token-major
    nationalities: U64  # (N, K)
    legal_forms: U64  # (N, L)

    def __len__(self) -> int:
        return int(self.kind.shape[0])

    @classmethod
    def of(cls, encodings: Sequence[bytes | EncodedSubject]) -> Batch:
        """Decode and pack; every encoding must share key fingerprint and normaliser version."""
        subs = [e if isinstance(e, EncodedSubject) else decode(e) for e in encodings]
        if not subs:
            raise EntityEncodingError("an empty batch")
        fp, norm = subs[0].key_fingerprint, subs[0].normaliser
        for s in subs:
            if s.key_fingerprint != fp or s.normaliser != norm:
                raise EntityEncodingError(
                    "encodings made with different keys or normaliser versions cannot be compared: "
                    "re-encode both sides with the current key (see key rotation in the README)"
                )
        n, m = len(subs), max(len(s.names) for s in subs)
        k = max(1, max(len(s.nationalities) for s in subs))
        li = max(1, max(len(s.legal_forms) for s in subs))
        mw, sw, rw, pw = MAIN_BITS // 128, SKEL_BITS // 128, ROLE_BITS // 128, PART_BITS // 128
        flags = np.zeros((n, m), np.uint8)
        main = np.zeros((n, m, mw), np.uint64)
        skel = np.zeros((n, m, sw), np.uint64)
        roles = np.zeros((n, m, rw), np.uint64)
        parts = np.zeros((n, m, pw), np.uint64)
        nat = np.zeros((n, k), np.uint64)
        leg = np.zeros((n, li), np.uint64)
        slots = [(i, j, nm) for i, s in enumerate(subs) for j, nm in enumerate(s.names)]
        if slots:  # every filter of every name at once: bytes joined, read as words
            ii = np.fromiter((i for i, _, _ in slots), np.intp, len(slots))
            jj = np.fromiter((j for _, j, _ in slots), np.intp, len(slots))
            flags[ii, jj] = np.fromiter((nm.flags | FLAG_PRESENT for *_, nm in slots), np.uint8, len(slots))
            main[ii, jj] = _packed([nm.main for *_, nm in slots], mw)
            skel[ii, jj] = _packed([nm.skel for *_, nm in slots], sw)
            roles[ii, jj] = _packed([nm.roles for *_, nm in slots], rw)
            parts[ii, jj] = _packed([nm.parts for *_, nm in slots], pw)
        for i, s in enumerate(subs):
            if s.nationalities:
                nat[i, : len(s.nationalities)] = s.nationalities
            if s.legal_forms:
                leg[i, : len(s.legal_forms)] = s.legal_forms
        return cls(
            normaliser=norm,
            key_fingerprint=fp,
            kind=np.array([s.kind for s in subs], np.uint8),
            flags=flags,
            main=main,
            skel=skel,
            roles=roles,
            parts=parts,
            main_pc=np.bitwise_count(main).sum(axis=-1, dtype=np.int32),
            skel_pc=np.bitwise_count(skel).sum(axis=-1, dtype=np.int32),
            roles_pc=np.bitwise_count(roles).sum(axis=-1, dtype=np.int32),
            parts_pc=np.bitwise_count(parts).astype(np.int32),
            birth_precision=np.array([s.birth_precision for s in subs], np.uint8),
            birth_date=np.array([s.birth_date for s in subs], np.uint64).reshape(n, 4),
            birth_masks=np.ascontiguousarray(
                np.array([s.birth_masks or (0,) * MASKS for s in subs], np.uint32).reshape(n, MASKS).T
            ),
            nationalities=nat,
            legal_forms=leg,
        )
