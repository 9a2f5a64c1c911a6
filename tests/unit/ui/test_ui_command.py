"""`fiulink ui` on the command line: help, and logins made with `fiulink ui user add`."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from streams.cli import main
from streams.ui.users import UserStore


def test_help_names_host_port_and_the_login_command() -> None:
    out = CliRunner().invoke(main, ["ui", "--help"]).output
    assert "--host" in out and "--port" in out and "fiulink ui user add" in out


def test_user_add_prints_the_password_once_and_stores_its_hash(tmp_path: Path) -> None:
    env = {"FIULINK_HOME": str(tmp_path)}
    done = CliRunner().invoke(main, ["ui", "user", "add", "fr-analyst", "--fiu", "fr"], env=env)
    assert done.exit_code == 0, done.output
    password = done.stdout.strip()
    store = UserStore(tmp_path / "ui" / "users.json")
    user = store.verify("fr-analyst", password)
    assert user is not None and user.fiu == "FR"
    listed = CliRunner().invoke(main, ["ui", "user", "list"], env=env)
    assert listed.stdout == "fr-analyst\tfiu\tFR\n"


def test_user_add_needs_one_role_and_bad_names_are_one_line(tmp_path: Path) -> None:
    env = {"FIULINK_HOME": str(tmp_path)}
    both = CliRunner().invoke(main, ["ui", "user", "add", "x", "--fiu", "FR", "--operator"], env=env)
    assert both.exit_code == 2 and "exactly one of" in both.output
    bad = CliRunner().invoke(main, ["ui", "user", "add", "a b", "--operator"], env=env)
    assert bad.exit_code == 1 and bad.stderr.startswith("error: bad user name")


def test_user_remove(tmp_path: Path) -> None:
    env = {"FIULINK_HOME": str(tmp_path)}
    CliRunner().invoke(main, ["ui", "user", "add", "ops", "--operator"], env=env)
    assert CliRunner().invoke(main, ["ui", "user", "remove", "ops"], env=env).exit_code == 0
    assert UserStore(tmp_path / "ui" / "users.json").get("ops") is None
    again = CliRunner().invoke(main, ["ui", "user", "remove", "ops"], env=env)
    assert again.exit_code == 1 and again.stderr.startswith("error: no login")
