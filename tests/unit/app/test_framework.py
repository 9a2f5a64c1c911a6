"""The private Faust/aiokafka/kafka-python attributes the worker relies on exist in the pinned
versions, and one that is gone is a ConfigError naming it (checked at worker start)."""

from __future__ import annotations

import pytest
from aiokafka import AIOKafkaProducer
from faust.stores.rocksdb import Store
from faust.transport.consumer import Consumer

from streams.app import framework
from streams.errors import ConfigError


def test_the_pinned_versions_have_every_touchpoint() -> None:
    framework.check()


def test_a_missing_method_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(AIOKafkaProducer, "_partition")
    with pytest.raises(ConfigError, match=r"aiokafka\.producer\.producer\.AIOKafkaProducer\._partition"):
        framework.check()


def test_a_missing_instance_attribute_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    def init(self: Store, *args: object, **kwargs: object) -> None:
        self.dbs = {}  # renamed upstream

    monkeypatch.setattr(Store, "__init__", init)
    with pytest.raises(ConfigError, match=r"Store\._dbs"):
        framework.check()


def test_the_consumer_bookkeeping_replaced_by_the_hardened_consumer_is_checked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delattr(Consumer, "_new_offset")
    with pytest.raises(ConfigError, match="_new_offset"):
        framework.check()


def test_only_the_framework_module_touches_private_attributes() -> None:
    """The ruff rule (SLF001) is on for streams/ with the one exception."""
    import tomllib
    from pathlib import Path

    conf = tomllib.loads((Path(__file__).resolve().parents[3] / "pyproject.toml").read_text())["tool"]["ruff"]
    assert "SLF001" in conf["lint"]["select"]
    ignored = {f for f, rules in conf["lint"]["per-file-ignores"].items() if "SLF001" in rules}
    assert ignored == {"streams/app/framework.py", "tests/**"}
