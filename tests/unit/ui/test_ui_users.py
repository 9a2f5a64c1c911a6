"""Workbench logins: generated passwords, stored as argon2id hashes only, in a private file."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from streams.errors import ConfigError
from streams.ui.users import FIU, OPERATOR, User, UserStore


def test_generated_password_verifies_and_only_its_hash_is_stored(tmp_path: Path) -> None:
    store = UserStore(tmp_path / "ui" / "users.json")
    password = store.add("fr-analyst", fiu="FR")
    assert len(password) >= 20
    text = store.path.read_text()
    assert password not in text and "$argon2id$" in text
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.path.parent.stat().st_mode) == 0o700
    assert store.verify("fr-analyst", password) == User("fr-analyst", FIU, "FR")
    assert store.verify("fr-analyst", password + "x") is None
    assert store.verify("nobody", password) is None


def test_adding_again_replaces_the_password_and_operators_have_no_fiu(tmp_path: Path) -> None:
    store = UserStore(tmp_path / "users.json")
    first = store.add("ops", fiu=None)
    second = store.add("ops", fiu=None)
    assert first != second
    assert store.verify("ops", first) is None
    assert store.verify("ops", second) == User("ops", OPERATOR, None)
    assert store.names() == [User("ops", OPERATOR, None)]


@pytest.mark.parametrize(
    ("name", "fiu"), [("", "FR"), ("a b", "FR"), ("x" * 65, "FR"), ("ok", "fr"), ("ok", "FRA")]
)
def test_bad_names_and_fius_are_refused(tmp_path: Path, name: str, fiu: str) -> None:
    with pytest.raises(ConfigError):
        UserStore(tmp_path / "users.json").add(name, fiu=fiu)


def test_unreadable_file_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "users.json"
    path.write_text("{not json")
    with pytest.raises(ConfigError, match="cannot read"):
        UserStore(path).verify("x", "y")
