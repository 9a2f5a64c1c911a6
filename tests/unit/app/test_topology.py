"""The worker's topology, built for real (no broker needed to build it): the three agents on
their topics, both tables, the retention timer only with a retention period, and the log level
reaching the framework's loggers."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from streams.app.topology import build_worker_app, set_framework_log_level
from streams.config import Settings
from streams.core.correlate import CorrelationRules
from streams.core.policy import SharingPolicy
from streams.testing import policy_text

POLICY = SharingPolicy.parse(policy_text(["FR", "DE"], auto=[("FR", "DE")]))


def settings(tmp_path: Path) -> Settings:
    return Settings.from_env(
        {
            "FIULINK_TOKEN_KEY": "unit-test-key-0123456789",
            "FIULINK_HOME": str(tmp_path),
            "FIULINK_TOPIC_PREFIX": "u.",
        }
    ).with_overrides(store="memory://")


def test_agents_topics_and_tables(tmp_path: Path) -> None:
    app = build_worker_app(settings(tmp_path), POLICY, CorrelationRules())
    agents = {name.rsplit(".", 1)[-1]: agent for name, agent in app.agents.items()}
    assert set(agents) == {"ingest", "correlate", "link", "notify"}
    topics = {name: set(agent.channel.topics) for name, agent in agents.items()}
    assert topics == {
        "ingest": {"u.reports.FR", "u.reports.DE"},
        "correlate": {"u.sightings", "u.watchlist"},
        "link": {"u.subjects"},
        "notify": {"u.matches", "u.consents.FR", "u.consents.DE"},
    }
    assert set(app.tables) == {"tokens", "links", "postings"}
    assert len(app._app_tasks) == 2  # the log level, once at start, and the progress line; no retention timer


def test_retention_adds_its_timer(tmp_path: Path) -> None:
    app = build_worker_app(settings(tmp_path), POLICY, CorrelationRules(retention_ms=60_000))
    assert len(app._app_tasks) == 3  # the log level, the progress line and the retention timer


@pytest.mark.parametrize("level", [logging.DEBUG, logging.WARNING])
def test_the_log_level_reaches_the_framework_loggers(level: int) -> None:
    set_framework_log_level(level)
    assert {logging.getLogger(n).level for n in ("faust", "mode", "aiokafka")} == {level}
