"""Who is asking: the session cookie (pages; expires ``ttl`` seconds after login) or HTTP Basic
with the same credentials (the JSON API for case systems), and the CSRF token of a session.

Every state-changing request made with the cookie carries the session's CSRF token (a form field
or the ``X-CSRF-Token`` header), compared in constant time; the cookie is ``SameSite=Strict``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import threading
import time

from starlette.requests import Request

from streams.ui.users import User, UserStore

#: Verified Basic credentials are remembered this long (argon2 is slow on purpose) while the
#: login still exists unchanged.
BASIC_CACHE_SECONDS = 60.0


class Auth:
    def __init__(self, store: UserStore, ttl: float) -> None:
        self.store, self.ttl = store, ttl
        self._basic: dict[str, tuple[float, User]] = {}
        self._lock = threading.Lock()

    def login(self, request: Request, name: str, password: str) -> User | None:
        user = self.store.verify(name, password)
        if user is not None:
            request.session.clear()  # a new session on login: nothing carried over from before
            request.session.update({"user": user.name, "role": user.role, "fiu": user.fiu,
                                    "login_at": time.time(), "csrf": secrets.token_urlsafe(24)})  # fmt: skip
        return user

    def user(self, request: Request) -> User | None:
        """The session's user while the session is younger than ``ttl``, else the Basic one."""
        s = request.session
        if "user" in s:
            if time.time() - float(s.get("login_at", 0)) > self.ttl:
                s.clear()
                s["expired"] = True
            else:
                now = self.store.get(s["user"])  # a removed or changed login ends its sessions
                if now == User(s["user"], s["role"], s.get("fiu")):
                    return now
                s.clear()
        return self._basic_user(request)

    def _basic_user(self, request: Request) -> User | None:
        header = request.headers.get("authorization", "")
        if not header.lower().startswith("basic "):
            return None
        try:
            name, _, password = base64.b64decode(header[6:], validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        key = hashlib.sha256(f"{name}\0{password}".encode()).hexdigest()
        with self._lock:
            hit = self._basic.get(key)
        if hit and time.monotonic() - hit[0] < BASIC_CACHE_SECONDS and self.store.get(name) == hit[1]:
            return hit[1]
        user = self.store.verify(name, password)
        if user is not None:
            with self._lock:
                self._basic[key] = (time.monotonic(), user)
        return user

    @staticmethod
    def is_basic(request: Request) -> bool:
        return "user" not in request.session and request.headers.get("authorization", "").lower().startswith(
            "basic "
        )

    @staticmethod
    def csrf(request: Request) -> str:
        """The session's CSRF token (made on first use, e.g. by the login form)."""
        token = request.session.get("csrf")
        if not token:
            token = request.session["csrf"] = secrets.token_urlsafe(24)
        return str(token)

    @staticmethod
    def csrf_ok(request: Request, given: str | None) -> bool:
        expected = request.session.get("csrf")
        return bool(expected and given) and hmac.compare_digest(str(expected), str(given))
