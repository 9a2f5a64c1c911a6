"""`fiulink --version`, and FIULINK_HOME: a per-user default that does not depend on the
current directory, and `broker start` saying which home it uses."""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

import pytest
from click.testing import CliRunner

from streams.cli import main
from streams.config import Settings, default_home
from streams.kafka.broker import BrokerInfo, EmbeddedBroker


def test_version() -> None:
    done = CliRunner().invoke(main, ["--version"])
    assert done.exit_code == 0 and done.output == f"fiulink {version('fiulink')}\n"


def test_the_default_home_is_per_user_and_not_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {"HOME": "/home/analyst"}
    monkeypatch.chdir(tmp_path)
    here = Settings.from_env(env).home
    monkeypatch.chdir("/")
    assert Settings.from_env(env).home == here == Path("/home/analyst/.local/share/fiulink")
    assert Settings.from_env({**env, "XDG_DATA_HOME": "/data"}).home == Path("/data/fiulink")
    assert Settings.from_env({**env, "XDG_DATA_HOME": "relative"}).home == here  # XDG: ignore relative
    assert default_home({}) == Path.home() / ".local" / "share" / "fiulink"


def test_a_given_home_wins_and_a_relative_one_is_made_absolute_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert Settings.from_env({"FIULINK_HOME": "state"}).home == tmp_path / "state"
    assert Settings.from_env({"FIULINK_HOME": "~/x", "HOME": "/h"}).home.is_absolute()
    assert Settings.from_env({"FIULINK_HOME": "/srv/fiulink"}).home == Path("/srv/fiulink")


def test_broker_start_prints_the_home_it_uses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    info = BrokerInfo(pid=4242, port=19092, controller_port=19093)
    monkeypatch.setattr(EmbeddedBroker, "info", lambda self: info)
    monkeypatch.setattr(EmbeddedBroker, "start", lambda self, port=None: info)
    done = CliRunner().invoke(main, ["broker", "start"], env={"FIULINK_HOME": str(tmp_path / "h")})
    assert done.exit_code == 0, done.output
    assert done.stdout == "127.0.0.1:19092\n"
    assert (
        f"broker already running (pid 4242); bootstrap 127.0.0.1:19092; home {tmp_path / 'h'}" in done.stderr
    )
