"""Privacy tokens and deterministic ids.

A token is ``HMAC-SHA256(key, kind + "\\x1f" + canonical value)`` prefixed with the key id, so
keys can rotate. The key comes from ``Settings`` (``FIULINK_TOKEN_KEY``), never from code.
"""

from __future__ import annotations

import hashlib
import hmac

SEPARATOR = "\x1f"


def token_for(key: bytes, key_id: str, kind: str, canonical: str) -> str:
    digest = hmac.new(key, f"{kind}{SEPARATOR}{canonical}".encode(), hashlib.sha256).hexdigest()
    return f"{key_id}:{digest}"


class Tokenizer:
    """A key bound once; ``tokenizer(kind, canonical)`` gives the token. Reuses the keyed HMAC
    state so each token costs one copy + update instead of a fresh key schedule."""

    __slots__ = ("_base", "key_id")

    def __init__(self, key: bytes, key_id: str) -> None:
        if not key:
            raise ValueError("empty token key")
        self._base = hmac.new(key, digestmod=hashlib.sha256)
        self.key_id = key_id

    def __call__(self, kind: str, canonical: str) -> str:
        h = self._base.copy()
        h.update(f"{kind}{SEPARATOR}{canonical}".encode())
        return f"{self.key_id}:{h.hexdigest()}"


def stable_id(*parts: str) -> str:
    """A deterministic 32-hex id from its parts (so replays give the same id)."""
    return hashlib.sha256(SEPARATOR.join(parts).encode()).hexdigest()[:32]
