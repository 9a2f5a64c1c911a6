"""Person names (and name + birth date), transliterated, case- and order-insensitive.

``'OLIN, Marc'``, ``'Marc Olin'`` and ``'marc  olin'`` all give ``'marc olin'``;
``'Иван Петров'`` gives ``'ivan petrov'``. Apostrophes and quote marks are dropped inside a word
(``O'Brien`` -> ``obrien``, Cyrillic hard and soft signs vanish); any other non-alphanumeric
character separates tokens (``Jean-Pierre`` -> ``jean pierre``). Tokens are sorted, duplicates
kept. Titles and initials are not removed.
"""

from __future__ import annotations

import re
from datetime import date

from unidecode import unidecode

from streams.errors import InvalidIdentifierError

_QUOTES = str.maketrans("", "", "'\"`´‘’ʼʹʺ″′")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_FULL_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_PARTIAL_DATE = re.compile(r"\d{4}(?:-(\d{2}))?")


def normalize_name(name: str) -> str:
    text = name if name.isascii() else unidecode(name)
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
    partial = _PARTIAL_DATE.fullmatch(text)
    if partial:
        if partial.group(1) and not 1 <= int(partial.group(1)) <= 12:
            raise InvalidIdentifierError(f"invalid birth date {text!r} (month out of range)")
        return None
    full = _FULL_DATE.fullmatch(text)
    if not full:
        raise InvalidIdentifierError(f"invalid birth date {text!r} (expected YYYY-MM-DD)")
    try:
        date(int(full.group(1)), int(full.group(2)), int(full.group(3)))
    except ValueError:
        raise InvalidIdentifierError(f"invalid birth date {text!r} (no such day)") from None
    return f"{normalize_name(name)}|{text}"
