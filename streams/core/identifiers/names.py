"""Person names (and name + birth date), transliterated, case- and order-insensitive.

``'OLIN, Marc'``, ``'Marc Olin'`` and ``'marc  olin'`` all give ``'marc olin'``;
``'Иван Петров'`` gives ``'ivan petrov'``. Diacritics are dropped (``José Müller`` -> ``jose
muller``, ``Пётр`` -> ``petr``), then any other script is transliterated (unidecode). Apostrophes and quote marks are dropped inside a word
(``O'Brien`` -> ``obrien``, Cyrillic hard and soft signs vanish); any other non-alphanumeric
character separates tokens (``Jean-Pierre`` -> ``jean pierre``). Tokens are sorted, duplicates
kept. Titles and initials are not removed.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from unidecode import unidecode

from streams.errors import InvalidIdentifierError

_QUOTES = str.maketrans("", "", "'\"`´‘’ʼʹʺ″′")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_COMBINING_MARKS = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")
_DATE = re.compile(r"[0-9]{4}(?:-([0-9]{2})(-[0-9]{2})?)?")  # YYYY, YYYY-MM or YYYY-MM-DD


def _latin(text: str) -> str:
    """ASCII transliteration: diacritics dropped first (NFKD, combining marks removed: C speed,
    and ``Пётр`` and ``Петр`` agree), then unidecode for whatever is still not ASCII."""
    if text.isascii():
        return text
    text = _COMBINING_MARKS.sub("", unicodedata.normalize("NFKD", text))
    return text if text.isascii() else unidecode(text)


def normalize_name(name: str) -> str:
    text = _latin(name)
    tokens = _NON_ALNUM.sub(" ", text.translate(_QUOTES).lower()).split()
    if not tokens:
        raise InvalidIdentifierError("no letters or digits in name")
    tokens.sort()
    return " ".join(tokens)


def normalize_name_dob(name: str, birth_date: str | None) -> str | None:
    """``normalize_name(name) + '|' + YYYY-MM-DD`` for a full, valid birth date; None for no
    date or a partial one (``1985``, ``1985-03``); an error for an impossible or unreadable one."""
    text = (birth_date or "").strip()
    if not text:
        return None
    parts = _DATE.fullmatch(text)
    if not parts:
        raise InvalidIdentifierError(f"invalid birth date {text!r} (expected YYYY-MM-DD)")
    month, day = parts.groups()
    if month and not 1 <= int(month) <= 12:
        raise InvalidIdentifierError(f"invalid birth date {text!r} (month out of range)")
    if not day:
        return None  # a partial date: no name_dob key
    try:
        date.fromisoformat(text)
    except ValueError:
        raise InvalidIdentifierError(f"invalid birth date {text!r} (no such day)") from None
    return f"{normalize_name(name)}|{text}"
