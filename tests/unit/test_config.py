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


def test_ingest_processes() -> None:
    assert Settings.from_env({}).ingest_processes == 0  # in the worker unless asked
    assert Settings.from_env({"FIULINK_INGEST_PROCESSES": "2"}).ingest_processes == 2


@pytest.mark.parametrize("text", ["-1", "1.5", "two", ""])
def test_bad_ingest_processes_is_a_config_error_with_a_hint(text: str) -> None:
    with pytest.raises(ConfigError, match="FIULINK_INGEST_PROCESSES") as err:
        Settings.from_env({"FIULINK_INGEST_PROCESSES": text})
    assert "FIULINK_INGEST_PROCESSES=1" in (err.value.hint or "")
