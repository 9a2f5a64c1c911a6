"""Workbench logins: one per FIU (sees its own inbox) and operators (see the hub overview).

Passwords are generated here, never chosen by hand (like the broker's SASL credentials in
``streams/kafka/secure.py``), shown once, and stored only as argon2id hashes in
``$FIULINK_HOME/ui/users.json`` (mode 0600, directory 0700, written atomically).
"""

from __future__ import annotations

import json
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from streams.config import Settings
from streams.errors import ConfigError

OPERATOR = "operator"
FIU = "fiu"
_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_HASHER = PasswordHasher()  # argon2id with the library's recommended parameters
#: A hash to verify against when the user does not exist, so an unknown name costs the same time.
_DUMMY = _HASHER.hash("not a password")


@dataclass(frozen=True)
class User:
    name: str
    role: str  # FIU | OPERATOR
    fiu: str | None  # the FIU whose data this login sees (None for an operator)


def users_path(settings: Settings) -> Path:
    return settings.home / "ui" / "users.json"


def _read(path: Path) -> dict[str, dict[str, Any]]:
    try:
        raw = json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}", hint="remove it and add the users again") from exc
    users = raw.get("users", {}) if isinstance(raw, dict) else {}
    return {str(k): v for k, v in users.items() if isinstance(v, dict)}


def _write(path: Path, users: dict[str, dict[str, Any]]) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump({"kdf": "argon2id", "users": users}, f, indent=2, sort_keys=True)
        f.write("\n")
    os.replace(tmp, path)


class UserStore:
    """The users file of one FIULINK_HOME."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def add(self, name: str, *, fiu: str | None) -> str:
        """Create (or reset) the login ``name``; returns its new password, shown once.
        ``fiu`` None makes an operator."""
        if not _NAME.match(name):
            raise ConfigError(
                f"bad user name {name!r}", hint="letters, digits, '.', '_' or '-', 1-64 characters"
            )
        if fiu is not None and not re.fullmatch(r"[A-Z]{2}", fiu):
            raise ConfigError(f"bad FIU {fiu!r}", hint="an ISO 3166-1 alpha-2 code of the policy, e.g. FR")
        password = secrets.token_urlsafe(18)
        users = _read(self.path)
        users[name] = {
            "role": FIU if fiu else OPERATOR,
            "fiu": fiu,
            "hash": _HASHER.hash(password),
        }
        _write(self.path, users)
        return password

    def names(self) -> list[User]:
        return [User(n, u.get("role", FIU), u.get("fiu")) for n, u in sorted(_read(self.path).items())]

    def get(self, name: str) -> User | None:
        """The login ``name`` as it stands now (None once it was removed)."""
        entry = _read(self.path).get(name)
        return User(name, entry.get("role", FIU), entry.get("fiu")) if entry else None

    def remove(self, name: str) -> bool:
        users = _read(self.path)
        if users.pop(name, None) is None:
            return False
        _write(self.path, users)
        return True

    def verify(self, name: str, password: str) -> User | None:
        """The user when ``password`` is theirs, else None (same work for an unknown name)."""
        entry = _read(self.path).get(name)
        try:
            _HASHER.verify(entry["hash"] if entry else _DUMMY, password)
        except (VerificationError, InvalidHashError):
            return None
        if entry is None:
            return None
        return User(name, entry.get("role", FIU), entry.get("fiu"))
