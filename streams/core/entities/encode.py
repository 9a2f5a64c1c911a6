"""Keyed, similarity-preserving encodings of subjects: what leaves ingest instead of names.

Per name: Bloom filters (CLK-style), each element set at ``k`` positions chosen by a keyed
BLAKE2b of it, then hardened by XOR-folding the filter onto half its length: ``main`` (padded
bigrams of the phonetically folded parts, 512 -> 256 bits), ``skel`` (bigrams of the consonant
skeletons, 256 -> 128 bits), ``parts`` (the first and the last folded part, each in a filter of
its own: padded bigrams, 128 -> 64 bits, the two in either order; a part written the same on
both sides gives equal filters, one a typo away a high similarity, which the bigrams of the
whole name cannot tell from a chance overlap) and, only for a name with a patronymic particle, ``roles`` (skeleton bigrams
tagged before / after the particle, 256 -> 128 bits); a flag byte says abjad script / roles
present. Birth date: keyed HMAC tokens (8 bytes) of the full date, the day/month-swapped date,
year-month and year, as far as the precision given allows. Nationalities (an organisation's
country), legal forms: one token each.

Every key is derived from the consortium key per field (``HMAC(key, "fiulink/entities/" +
field)``), so a filter and a token never share a key. Each encoding starts with the format and
normaliser versions and a 4-byte key fingerprint: encodings of different keys or versions are
refused by the comparer rather than compared into noise.

Layout (little endian): ``B`` format, ``B`` normaliser, ``4s`` key fingerprint, ``B`` kind
(1 person, 2 organisation), ``B`` names, ``B`` birth-date precision (0-3), ``B`` nationalities,
``B`` legal forms; per name ``B`` flags + 32 main + 16 skel + 16 parts (+ 16 roles) bytes;
then 8-byte tokens: birth date (4 for a full date, 2 for year-month, 1 for a year),
nationalities, legal forms; last, for a full birth date, 15 three-byte *typo* tokens of the
digits ``YYYYMMDD``: 8 with one digit masked (two dates one digit apart share the token of that
position) and 7 with two adjacent digits put in order (two dates with those digits transposed
share it), keyed BLAKE2b under a key of their own. A person with one name, a full birth date and one nationality is 161 bytes; each
further alias adds 65 (81 with roles), so three names fit in 291 bytes. Names are kept in the order given while the encoding stays within ``MAX_BYTES``;
the rest (and names that encode alike: the same parts in any order) are left out and listed
by ``encode_audited``, never dropped silently.
"""

from __future__ import annotations

import hashlib
import hmac
import struct
from dataclasses import dataclass

from streams.core.entities.normalize import NORMALISER_VERSION, NameForm, name_form, skeleton
from streams.core.entities.subjects import BirthDate, Subject
from streams.errors import FiulinkError, ValidationError

FORMAT_VERSION = 3
KIND_CODES = {"person": 1, "organization": 2}
FLAG_ABJAD = 1
FLAG_ROLES = 2
MAIN_BITS, SKEL_BITS, ROLE_BITS, PART_BITS = 512, 256, 256, 256  # before folding; stored at half
MAIN_K, SKEL_K, ROLE_K, PART_K = 8, 8, 6, 3
PART_FILTER = PART_BITS // 2  # each of the two part filters, before folding
NAME_BYTES = 1 + (MAIN_BITS + SKEL_BITS + PART_BITS) // 16  # + ROLE_BYTES with FLAG_ROLES
ROLE_BYTES = ROLE_BITS // 16
MASKS, MASK_BYTES = 15, 3  # typo tokens of a full birth date: 8 one-digit masks, 7 transpositions
MAX_BYTES = 300  # names past it are left out (and said), the first name always kept
_HEADER = struct.Struct("<BB4sBBBBB")


class EntityEncodingError(FiulinkError):
    """Bytes that are not an entity encoding, or encodings that cannot be compared."""


@dataclass(frozen=True, slots=True)
class EncodedName:
    flags: int
    main: int
    skel: int
    roles: int
    parts: int


@dataclass(frozen=True, slots=True)
class EncodedSubject:
    """A decoded encoding. ``birth_date`` holds (full, swapped, year-month, year) tokens, 0
    where the precision does not allow one (or the swap is the date itself)."""

    normaliser: int
    key_fingerprint: bytes
    kind: int
    names: tuple[EncodedName, ...]
    birth_precision: int
    birth_date: tuple[int, int, int, int]
    birth_masks: tuple[int, ...]
    nationalities: tuple[int, ...]
    legal_forms: tuple[int, ...]


def _fold(x: int, bits: int) -> int:
    half = bits // 2
    return (x >> half) ^ (x & ((1 << half) - 1))


class _Filter:
    """A keyed Bloom filter family: bigram -> bit mask (cached: the bigram alphabet is small)."""

    __slots__ = ("_cache", "_key", "bits", "k")

    def __init__(self, key: bytes, bits: int, k: int) -> None:
        self._key, self.bits, self.k = key, bits, k
        self._cache: dict[str, int] = {}

    def gram_mask(self, gram: str) -> int:
        mask = self._cache.get(gram)
        if mask is None:
            d = hashlib.blake2b(gram.encode(), key=self._key, digest_size=16).digest()
            h1, h2 = int.from_bytes(d[:8], "little"), int.from_bytes(d[8:], "little") | 1
            mask = 0
            for i in range(self.k):
                mask |= 1 << ((h1 + i * h2) % self.bits)
            if len(self._cache) < 200_000:
                self._cache[gram] = mask
        return mask

    def encode(self, parts: tuple[str, ...], tag: str = "") -> int:
        x = 0
        for p in parts:
            padded = f"^{p}$"
            for i in range(len(padded) - 1):
                x |= self.gram_mask(tag + padded[i : i + 2])
        return x


class EntityEncoder:
    """Binds the consortium key once; ``encode(subject)`` gives the bytes the hub may see."""

    def __init__(self, key: bytes) -> None:
        if not key:
            raise ValueError("empty token key")

        def field(name: str) -> bytes:
            return hmac.new(key, f"fiulink/entities/{name}".encode(), hashlib.sha256).digest()

        self.fingerprint = field("fingerprint")[:4]
        self._main = _Filter(field("name-main"), MAIN_BITS, MAIN_K)
        self._skel = _Filter(field("name-skeleton"), SKEL_BITS, SKEL_K)
        self._roles = _Filter(field("name-roles"), ROLE_BITS, ROLE_K)
        self._parts = _Filter(field("name-part-bigrams"), PART_FILTER, PART_K)
        self._dob = hmac.new(field("birth-date"), digestmod=hashlib.sha256)
        self._dob_typos = field("birth-date-typos")
        self._part_cache: dict[str, int] = {}
        self._nat = hmac.new(field("country"), digestmod=hashlib.sha256)
        self._legal = hmac.new(field("legal-form"), digestmod=hashlib.sha256)

    @staticmethod
    def _token(base: hmac.HMAC, text: str) -> bytes:
        h = base.copy()
        h.update(text.encode())
        return h.digest()[:8]

    def _part_filter(self, part: str) -> int:
        """One part's own filter, folded (cached: parts repeat)."""
        x = self._part_cache.get(part)
        if x is None:
            x = _fold(self._parts.encode((part,)), PART_FILTER)
            if len(self._part_cache) < 200_000:
                self._part_cache[part] = x
        return x

    def encode_name(self, form: NameForm) -> bytes:
        flags = FLAG_ABJAD if form.abjad else 0
        roles = 0
        if form.before and form.after:
            flags |= FLAG_ROLES
            before = tuple(skeleton(p) for p in form.before)
            after = tuple(skeleton(p) for p in form.after)
            roles = self._roles.encode(before, "<") | self._roles.encode(after, ">")
        main = _fold(self._main.encode(form.parts), MAIN_BITS)
        skel = _fold(self._skel.encode(form.skeletons), SKEL_BITS)
        ends = sorted(self._part_filter(p) for p in {form.parts[0], form.parts[-1]})
        parts = ends[0] | ends[-1] << (PART_FILTER // 2)
        return (
            bytes((flags,))
            + main.to_bytes(MAIN_BITS // 16, "little")
            + skel.to_bytes(SKEL_BITS // 16, "little")
            + parts.to_bytes(PART_BITS // 16, "little")
            + (_fold(roles, ROLE_BITS).to_bytes(ROLE_BYTES, "little") if flags & FLAG_ROLES else b"")
        )

    def birth_date_tokens(self, bd: BirthDate | None) -> list[bytes]:
        if bd is None:
            return []
        y = f"{bd.year:04d}"
        if bd.month is None:
            return [self._token(self._dob, f"y:{y}")]
        ym = [self._token(self._dob, f"ym:{y}-{bd.month:02d}"), self._token(self._dob, f"y:{y}")]
        if bd.day is None:
            return ym
        full = self._token(self._dob, f"f:{y}-{bd.month:02d}-{bd.day:02d}")
        swapped = (
            self._token(self._dob, f"f:{y}-{bd.day:02d}-{bd.month:02d}")
            if bd.day <= 12 and bd.day != bd.month
            else bytes(8)
        )
        return [full, swapped, *ym]

    def birth_date_masks(self, bd: BirthDate | None) -> bytes:
        """The typo tokens of a full date (see the module docstring): position ``i`` masked
        (``m{i}``), then positions ``i``, ``i + 1`` sorted (``t{i}``); keyed BLAKE2b, its own
        key (the 15 tokens are the bulk of a person's encoding cost)."""
        if bd is None or bd.day is None or bd.month is None:
            return b""
        d = f"{bd.year:04d}{bd.month:02d}{bd.day:02d}"
        masked = [f"m{i}:{d[:i]}_{d[i + 1 :]}" for i in range(8)]
        ordered = [f"t{i}:{d[:i]}{''.join(sorted(d[i : i + 2]))}{d[i + 2 :]}" for i in range(7)]
        key = self._dob_typos
        return b"".join(
            hashlib.blake2b(text.encode(), key=key, digest_size=MASK_BYTES).digest()
            for text in masked + ordered
        )

    def encode(self, subject: Subject) -> bytes:
        """The encoding of a subject (see ``encode_audited``; the left-out names are dropped)."""
        return self.encode_audited(subject)[0]

    def encode_audited(self, subject: Subject) -> tuple[bytes, list[tuple[str, str]]]:
        """The encoding of a subject, and the names left out of it, each named by its field
        path with the reason: the same name again after normalisation, or past the size budget
        (``MAX_BYTES``: the names are kept in the order given, the first always). Raises
        ``ValidationError`` naming each name that has no letters or digits left after
        normalisation (emoji, marks only, empty)."""
        forms = []
        problems: list[tuple[str, str]] = []
        for i, name in enumerate(subject.names):
            form = name_form(name, subject.kind)
            if not form.parts:
                problems.append((f"names[{i}]", "no letters or digits left after normalisation"))
                continue
            forms.append((i, form))
        if problems or not forms:
            raise ValidationError(problems or [("names", "no name")])
        countries = set(subject.nationalities) | ({subject.country} if subject.country else set())
        nat = [self._token(self._nat, c) for c in sorted(countries)]
        legal = sorted({f for _, form in forms for f in form.legal_forms})
        leg = [self._token(self._legal, f) for f in legal]
        dob = self.birth_date_tokens(subject.birth_date)
        masks = self.birth_date_masks(subject.birth_date)
        room = MAX_BYTES - _HEADER.size - 8 * (len(dob) + len(nat) + len(leg)) - len(masks)
        names: list[bytes] = []
        left_out: list[tuple[str, str]] = []
        for i, form in forms:
            encoded = self.encode_name(form)
            if encoded in names:
                left_out.append((f"names[{i}]", "encodes as an earlier name (same parts)"))
            elif names and sum(map(len, names)) + len(encoded) > room:
                left_out.append((f"names[{i}]", f"not encoded: an encoding keeps to {MAX_BYTES} bytes"))
            else:
                names.append(encoded)
        precision = subject.birth_date.precision if subject.birth_date else 0
        header = _HEADER.pack(
            FORMAT_VERSION,
            NORMALISER_VERSION,
            self.fingerprint,
            KIND_CODES[subject.kind],
            len(names),
            precision,
            len(nat),
            len(leg),
        )
        data = header + b"".join(names) + b"".join(dob) + b"".join(nat) + b"".join(leg) + masks
        return data, left_out


_DOB_TOKENS = {0: 0, 1: 1, 2: 2, 3: 4}


def decode(data: bytes) -> EncodedSubject:
    """Parse an encoding; ``EntityEncodingError`` if it is not one this version reads."""
    if len(data) < _HEADER.size:
        raise EntityEncodingError("entity encoding too short")
    fmt, norm, fp, kind, n_names, prec, n_nat, n_leg = _HEADER.unpack_from(data)
    if fmt != FORMAT_VERSION or kind not in (1, 2) or prec > 3:
        raise EntityEncodingError(f"not an entity encoding of format {FORMAT_VERSION}")
    n_dob = _DOB_TOKENS[prec]
    n_masks = MASKS if prec == 3 else 0
    pos = _HEADER.size
    names = []
    for _ in range(n_names):
        if pos + NAME_BYTES > len(data):
            raise EntityEncodingError("entity encoding has the wrong length")
        m, s = pos + 1, pos + 1 + MAIN_BITS // 16
        r = s + SKEL_BITS // 16
        w = pos + NAME_BYTES
        roles = w + ROLE_BYTES if data[pos] & FLAG_ROLES else w
        names.append(
            EncodedName(
                data[pos],
                int.from_bytes(data[m:s], "little"),
                int.from_bytes(data[s:r], "little"),
                int.from_bytes(data[w:roles], "little"),
                int.from_bytes(data[r:w], "little"),
            )
        )
        pos = roles
    end = pos + 8 * (n_dob + n_nat + n_leg)
    if len(data) != end + MASK_BYTES * n_masks:
        raise EntityEncodingError("entity encoding has the wrong length")
    tokens = [int.from_bytes(data[i : i + 8], "little") for i in range(pos, end, 8)]
    masks = tuple(
        int.from_bytes(data[i : i + MASK_BYTES], "little") for i in range(end, len(data), MASK_BYTES)
    )
    dob = tokens[:n_dob]
    padded = [0] * (4 - len(dob)) + dob  # (full, swapped, year-month, year)
    full = (padded[0], padded[1], padded[2], padded[3])
    return EncodedSubject(
        norm,
        fp,
        kind,
        tuple(names),
        prec,
        full,
        masks,
        tuple(tokens[n_dob : n_dob + n_nat]),
        tuple(tokens[n_dob + n_nat :]),
    )
