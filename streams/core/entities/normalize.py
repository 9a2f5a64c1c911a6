"""Names to comparable parts: Unicode clean-up, transliteration, particles, legal forms.

``NORMALISER_VERSION`` is written into every encoding: any change to this module, or to the
pinned rigour / normality / PyICU versions it relies on, must bump it (encodings of different
versions are not comparable and the comparer refuses to mix them).

Steps for one name:

1. NFKC, case folding, format characters (zero-width, bidi marks) and controls removed; at most
   ``MAX_CHARS`` characters are kept.
2. Honorifics removed (rigour's multilingual person prefixes: Mr, Dr, Frau, г-н …); for an
   organisation the legal form is taken out (rigour's org-type tables: GmbH, LLC, ООО, ТОО,
   SARL, Ltd … in their generic form) and kept aside as a separate signal.
3. Transliteration to ASCII: romanisation letters that carry a digraph (š, č, ž, ş, ț …) are
   spelled out, other diacritics dropped, every other script goes through rigour's
   ``ascii_text`` (its own tables for Cyrillic, Greek, Armenian, Georgian, Hangul, ICU's
   Any-Latin for the rest: Arabic, Hebrew, CJK, Kana, Devanagari, Thai …). Han and Hangul
   names written without spaces are split into family name and given name first, a Hangul
   family name spelled as Koreans spell it (Lee, Park, Choi: ``korean.py``); Arabic's
   word-final ta marbuta (said "a") is dropped, a letter the transliterator has no Latin for
   (ʿayn) too, as Latin spellings drop it; "servant of" names are one part (Abdul Rahman,
   Abd al-Rahman, عبد الرحمن: ``abdrahman``).
4. Parts are kept in order (no token sort). Particles (al, de, van, von …) are dropped from the
   parts; patronymic particles (bin, ibn, ben, ould …) are dropped too but say which parts come
   before and after them (the *roles*: "Salman bin Muhammad" is not "Muhammad bin Salman").
5. Each part gets a *phonetic fold* (one spelling for the variants romanisation standards
   disagree on: shch/sch/šč, kh/h/x, y/j/i, ts/c, doubled letters …) and a *skeleton* (the
   fold without vowels and semivowels, stops, fricatives and gutturals merged in classes), which
   is how abjad scripts (Arabic, Hebrew: few vowels written) and Hangul compare with their Latin
   spellings.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from rigour.names import (
    extract_org_types,
    remove_org_types,
    remove_person_prefixes,
    replace_org_types_compare,
)
from rigour.text.translit import ascii_text

from streams.core.entities.korean import CUSTOMARY_SURNAMES

NORMALISER_VERSION = 5
MAX_CHARS = 256  # of a cleaned name; longer names are cut (an alias is never that long)
MAX_PARTS = 12
MAX_PART_CHARS = 40

_ABJAD = re.compile(
    r"[\u0590-\u05ff\u0600-\u06ff\u0700-\u074f\u0750-\u077f\u0780-\u07bf\u08a0-\u08ff\ufb1d-\ufdff\ufe70-\ufeff\uac00-\ud7af]"
)  # abjads, and Hangul (romanised far from its usual English spellings)
_ARABIC_ARTICLE = re.compile(r"(?<![\u0600-\u06ff])ال(?!له)(?=[\u0600-\u06ff]{2,})")
_TA_MARBUTA = re.compile(r"ة(?![\u0600-\u06ff])")  # word-final: said "a", written a/ah or not at all
_EAST_ASIAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]{2,4}")
_ROMANISATION = str.maketrans(
    {
        "š": "sh",
        "č": "ch",
        "ž": "zh",
        "ŝ": "shch",
        "ş": "sh",
        "ș": "sh",
        "ț": "ts",
        "ţ": "ts",
        "û": "yu",
        "â": "ya",
    }
)
_QUOTES = str.maketrans("", "", "'\"`´‘’ʼʹʺ″′ʿʾ?")  # "?": a letter the transliterator has none for (ʿayn)
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_FOLD = re.compile(r"shch|sch|tch|sh|ch|zh|kh|gh|ph|th|dh|ts|tz|tc|ck|cz|sz|ou|oo|ee|ie|io|eo|eu|q|x|w|y|j")
_FOLD_TO = {
    "shch": "s", "sch": "s", "tch": "c", "sh": "s", "ch": "c", "zh": "z", "kh": "h", "gh": "g",
    "ph": "f", "th": "t", "dh": "d", "ts": "c", "tz": "c", "tc": "c", "ck": "k", "cz": "c",
    "sz": "s", "ou": "u", "oo": "u", "ee": "i", "ie": "e", "io": "e", "eo": "o", "eu": "u", "q": "k", "x": "ks", "w": "v",
    "y": "i", "j": "i",
}  # fmt: skip
_DOUBLES = re.compile(r"(.)\1+")
_SKELETON_DROP = str.maketrans(
    {
        "a": None,
        "e": None,
        "i": None,
        "o": None,
        "u": None,
        "v": None,
        "p": "b",
        "f": "b",
        "g": "j",
        "k": "j",
        "c": "j",
        "t": "d",
        "h": "j",
    }
)
_ABD = frozenset({"abd", "abdul", "abdel", "abdal", "abdol", "abdoul", "abdu", "abde"})
_ABD_JOINED = re.compile(r"^abd(?:oul|ul|el|al|ol|u|e|a)?(?=[a-z]{2})")
PATRONYMIC = frozenset(
    {"bin", "ibn", "bn", "bint", "ben", "bat", "ould", "ap", "oglu", "ogly", "kyzy", "uulu"}
)
PARTICLES = frozenset({
    "al", "el", "ul", "ad", "ar", "as", "ash", "at", "az", "de", "da", "di", "do", "dos", "das", "del",
    "della", "der", "den", "du", "la", "le", "van", "von", "zu", "ter", "ten", "y", "e", "and", "und",
})  # fmt: skip


@dataclass(frozen=True, slots=True)
class NameForm:
    """One name, normalised: its folded parts in order, their skeletons, the roles (parts
    before / after a patronymic particle; empty without one), whether it was written in an
    abjad script, and (organisations) its legal forms in generic form."""

    parts: tuple[str, ...]
    skeletons: tuple[str, ...]
    before: tuple[str, ...] = ()
    after: tuple[str, ...] = ()
    abjad: bool = False
    legal_forms: tuple[str, ...] = ()


def clean(text: str) -> str:
    """NFKC + case fold, without format/control/unassigned characters, at most MAX_CHARS."""
    text = unicodedata.normalize("NFKC", text[: MAX_CHARS * 4]).casefold()
    if not text.isascii() or not text.isprintable():
        text = "".join(
            " " if ch.isspace() else ch for ch in text if unicodedata.category(ch)[0] != "C" or ch.isspace()
        )
    return " ".join(text.split())[:MAX_CHARS]


def to_ascii(text: str) -> str:
    """Lower-case ASCII transliteration of a cleaned name (see the module docstring)."""
    if text.isascii():
        return text
    text = _ARABIC_ARTICLE.sub("ال ", text)
    text = _TA_MARBUTA.sub("", text)
    text = _EAST_ASIAN_RUN.sub(_east_asian_name, text)
    return " ".join(_latin(w) for w in text.split()).lower()  # per word: words repeat, the cache hits


def _east_asian_name(m: re.Match[str]) -> str:
    """A Han or Hangul name written without spaces: family name (first syllable) apart; a Han
    given name joined (pinyin "Zedong"), a Hangul one syllable by syllable (as English writes
    "Chung-hee"), its family name (of a name of two or three syllables) in its customary
    spelling (korean.py)."""
    run = m.group()
    if "\uac00" <= run[0] <= "\ud7af":
        family = CUSTOMARY_SURNAMES.get(run[0]) if len(run) <= 3 else None
        return " " + " ".join([family or _latin(run[0]), *(_latin(ch) for ch in run[1:])]) + " "
    return f" {_latin(run[0])} {_latin(run[1:]).replace(' ', '')} "


@lru_cache(maxsize=1 << 16)
def _latin(text: str) -> str:
    text = text.translate(_ROMANISATION)
    text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    return text if text.isascii() else ascii_text(text)


@lru_cache(maxsize=1 << 16)
def fold(part: str) -> str:
    """The phonetic fold of one ASCII part: romanisation variants spelled one way (applied
    until nothing changes, so folding a fold changes nothing)."""
    for _ in range(8):
        folded = _DOUBLES.sub(r"\1", _FOLD.sub(lambda m: _FOLD_TO[m.group()], part))
        if folded == part:
            break
        part = folded
    return part


@lru_cache(maxsize=1 << 16)
def skeleton(folded: str) -> str:
    """Consonant skeleton of a folded part: vowels and semivowels dropped, voiced and voiceless
    stops merged (p=f=b, k=g=c=j=h, t=d: Arabic has no p, Hebrew writes p and f with one letter,
    ח is h, ch or kh in Latin, Hangul's romanisations disagree on the stops)."""
    skel = _DOUBLES.sub(r"\1", folded.translate(_SKELETON_DROP))
    return skel or (folded.lstrip("v") or folded)[:1]  # vowels only: the first vowel ("u", "woo")


def _theophoric(words: list[str], abjad: bool) -> list[str]:
    """Arabic "servant of" names as one part, spelled ``abd`` + the name: "Abdul Rahman",
    "Abd al-Rahman", "Abdel Rahman", "Abdulrahman" and عبد الرحمن are all ``abdrahman`` (the
    article between, and the ʿayn the transliteration drops, are what the spellings disagree
    on)."""
    out: list[str] = []
    i = 0
    while i < len(words):
        w = words[i]
        if abjad and w.startswith("bd"):
            w = "a" + w
        if w in _ABD and i + 1 < len(words):
            j = i + 1
            while j < len(words) - 1 and words[j] in PARTICLES:
                j += 1
            out.append("abd" + words[j])
            i = j + 1
            continue
        out.append(_ABD_JOINED.sub("abd", w))
        i += 1
    return out


def name_form(name: str, kind: str) -> NameForm:
    """Normalise one name of a ``person`` or ``organization``. Parts may come out empty (a
    name of punctuation or emoji only): the caller reports it."""
    text = clean(name)
    abjad = bool(_ABJAD.search(text))
    legal: tuple[str, ...] = ()
    if kind == "organization":
        legal = tuple(
            sorted({replace_org_types_compare(form, generic=True) for _, form in extract_org_types(text)})
        )
        text = remove_org_types(text, replacement=" ") if legal else text
    else:
        text = remove_person_prefixes(text)
    words = _NON_ALNUM.sub(" ", to_ascii(text).translate(_QUOTES)).split()
    if kind == "person" and words:
        words = remove_person_prefixes(" ".join(words)).split()
    words = _theophoric(words, abjad)
    parts: list[str] = []
    before: list[str] = []
    after: list[str] = []
    seen_patronymic = False
    only_particles = all(w in PARTICLES or w in PATRONYMIC for w in words)
    words = words[: MAX_PARTS * 2]
    for i, w in enumerate(words):
        between = bool(parts) and i < len(words) - 1  # a particle only between two parts
        if w in PATRONYMIC and between and kind == "person" and not only_particles:
            seen_patronymic = True
            continue
        if w in PARTICLES and not only_particles:
            continue
        f = fold(w[:MAX_PART_CHARS])
        parts.append(f)
        (after if seen_patronymic else before).append(f)
    parts = parts[:MAX_PARTS]
    if not seen_patronymic:
        before = []
    return NameForm(
        parts=tuple(parts),
        skeletons=tuple(skeleton(p) for p in parts),
        before=tuple(before),
        after=tuple(after),
        abjad=abjad,
        legal_forms=legal,
    )
