"""Settings from the environment: retention accepts fractions of a day and refuses nonsense with
a hint instead of a traceback deep in the worker."""

from __future__ import annotations

import pytest

from streams.config import Settings
from streams.errors import ConfigError


@pytest.mark.parametrize(("text", "days"), [("0", 0.0), ("1825", 1825.0), ("0.5", 0.5), ("1e-4", 1e-4)])
def test_retention_days(text: str, days: float) -> None:
    assert Settings.from_env({"FIULINK_RETENTION_DAYS": text}).retention_days == days


@pytest.mark.parametrize("text", ["-1", "five years", "nan", "inf", ""])
def test_bad_retention_is_a_config_error_with_a_hint(text: str) -> None:
    with pytest.raises(ConfigError, match="FIULINK_RETENTION_DAYS") as err:
        Settings.from_env({"FIULINK_RETENTION_DAYS": text})
    assert "1825" in (err.value.hint or "")


@pytest.mark.parametrize(
    ("name", "text", "example"),
    [
        ("FIULINK_PARTITIONS", "eight", "FIULINK_PARTITIONS=8"),
        ("FIULINK_PARTITIONS", "0", "FIULINK_PARTITIONS=8"),
        ("FIULINK_REPLICATION_FACTOR", "1.5", "FIULINK_REPLICATION_FACTOR=3"),
        ("FIULINK_HOT_REPORTS", "", "FIULINK_HOT_REPORTS=10"),
        ("FIULINK_HOT_FIUS", "-1", "FIULINK_HOT_FIUS=5"),
        ("FIULINK_FIU_PRODUCE_RATE", "fast", "FIULINK_FIU_PRODUCE_RATE=131072"),
    ],
)
def test_a_bad_number_is_a_config_error_naming_the_variable(name: str, text: str, example: str) -> None:
    with pytest.raises(ConfigError, match=name) as err:
        Settings.from_env({name: text})
    assert example in (err.value.hint or "")


def test_numbers_replication_and_log_level_from_the_environment() -> None:
    s = Settings.from_env(
        {"FIULINK_PARTITIONS": "4", "FIULINK_REPLICATION_FACTOR": "3", "FIULINK_LOG_LEVEL": "DEBUG"}
    )
    assert (s.partitions, s.replication_factor, s.log_level) == (4, 3, "debug")
    assert s.with_overrides(log_level="Info").log_level == "info"
    with pytest.raises(ConfigError, match="--loglevel"):
        s.with_overrides(log_level="loud")


@pytest.mark.parametrize("text", ["localhost", "host:port", "a:9092,b", ":9092", "h:70000"])
def test_a_bad_bootstrap_is_named(text: str) -> None:
    with pytest.raises(ConfigError, match="FIULINK_BOOTSTRAP"):
        Settings.from_env({"FIULINK_BOOTSTRAP": text})


def test_secrets_are_not_in_the_repr() -> None:
    s = Settings.from_env(
        {
            "FIULINK_TOKEN_KEY": "tok-secret",
            "FIULINK_SASL_USERNAME": "FR",
            "FIULINK_SASL_PASSWORD": "pw-secret",
        }
    )
    assert "tok-secret" not in repr(s) and "pw-secret" not in repr(s) and "'FR'" in repr(s)


def test_no_environment_is_read_at_import() -> None:
    """Importing every module leaves os.environ unread: Settings.from_env is the one reader."""
    import subprocess
    import sys

    code = (
        "import os, pkgutil, importlib, streams\n"
        "class Watch(dict):\n"
        "    def __getitem__(self, k):\n"
        "        if k.startswith('FIULINK_'): raise SystemExit('read at import: ' + k)\n"
        "        return super().__getitem__(k)\n"
        "    def get(self, k, d=None):\n"
        "        if k.startswith('FIULINK_'): raise SystemExit('read at import: ' + k)\n"
        "        return super().get(k, d)\n"
        "os.environ = Watch(os.environ)\n"
        "for m in pkgutil.walk_packages(streams.__path__, 'streams.'):\n"
        "    m.name.endswith('__main__') or importlib.import_module(m.name)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
