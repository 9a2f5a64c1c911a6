"""Shared fixtures. The real Kafka broker starts lazily, once per session, on free loopback
ports, only when a test asks for it (marker ``kafka``); every test gets its own topic prefix."""

from __future__ import annotations

import os

os.environ["FIULINK_STRICT_ENCODE"] = "1"  # before streams is imported: every record schema-checked

from collections.abc import Iterator
from pathlib import Path

import pytest

from streams.config import Settings
from streams.kafka.broker import EmbeddedBroker, free_port
from streams.testing import Hub, policy_text


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    home = tmp_path_factory.mktemp("broker")
    port = free_port()
    settings = Settings.from_env({"FIULINK_HOME": str(home), "FIULINK_BOOTSTRAP": f"127.0.0.1:{port}"})
    broker = EmbeddedBroker(settings)
    info = broker.start(port=port)
    yield info.bootstrap
    broker.stop()


@pytest.fixture(scope="session")
def cluster_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A three-node cluster started through the CLI (`fiulink broker start --nodes 3`), once per
    session; tests that stop nodes start them again. The environment of its clients."""
    from streams.testing import fiulink

    home = tmp_path_factory.mktemp("cluster")
    env = {**os.environ, "FIULINK_HOME": str(home), "FIULINK_BOOTSTRAP": f"127.0.0.1:{free_port()}"}
    try:
        started = fiulink(env, "broker", "start", "--nodes", "3")
        assert started.returncode == 0, started.stderr[-3000:]
        env["FIULINK_BOOTSTRAP"] = started.stdout.strip()
        yield env
    finally:
        fiulink(env, "broker", "stop")


@pytest.fixture
def hub(kafka_bootstrap: str, tmp_path: Path) -> Iterator[Hub]:
    h = Hub(bootstrap=kafka_bootstrap, home=tmp_path / "home")
    h.home.mkdir()
    yield h
    h.stop_workers()


POLICY = policy_text(
    ["FR", "DE", "IT", "NL", "SG"], auto=[("FR", "DE"), ("DE", "IT"), ("DE", "NL")], consent=[("FR", "NL")]
)


@pytest.fixture
def policy_file(tmp_path: Path) -> Path:
    p = tmp_path / "policy.toml"
    p.write_text(POLICY)
    return p


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if {"kafka_bootstrap", "cluster_env"} & fixtures:
            item.add_marker(pytest.mark.kafka)
        # With pytest-xdist (`make test PYTEST_ARGS="-n 2 --dist loadgroup"`): a module's tests stay
        # on one worker (its module-scoped broker starts once), and so do all the tests on the
        # three-node cluster (one cluster per session, not one per worker).
        group = "cluster" if "cluster_env" in fixtures else item.nodeid.split("::")[0]
        item.add_marker(pytest.mark.xdist_group(group))
