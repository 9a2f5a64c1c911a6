"""docker-compose.yml is a deployment reference nobody starts in CI: parse it and hold it to its promises.

The Kafka image must be the version the embedded broker pins (kafka/pom.xml), the cluster must be a
real three-node KRaft quorum with replicated internal topics, topics come only from the topic-init job,
and every fiulink service must reach the brokers.
"""

from __future__ import annotations

import json
import re
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml  # PyYAML, a pinned dev dependency: fail, never skip, when it is missing

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
POM = ROOT / "kafka" / "pom.xml"
DOCKERFILE = ROOT / "docker" / "Dockerfile"
KAFKA_NODES = ("kafka-1", "kafka-2", "kafka-3")
FIULINK_SERVICES = ("topic-init", "worker", "snapshotter")
POLICY_IN_CONTAINER = "/etc/fiulink/policy.toml"


# -- helpers ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(data, dict) and isinstance(data.get("services"), dict)
    return data


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


def pinned_kafka_version() -> str:
    root = ET.parse(POM).getroot()
    ns = {"m": "http://maven.apache.org/POM/4.0.0"}
    node = root.find("m:properties/m:kafka.version", ns)
    if node is None:  # a pom written without the namespace
        node = root.find("properties/kafka.version")
    assert node is not None and node.text, "kafka/pom.xml has no <kafka.version>"
    version = node.text.strip()
    assert re.fullmatch(r"\d+\.\d+\.\d+", version), version
    return version


def env(service: dict[str, Any]) -> dict[str, str]:
    """A service's environment as a dict of strings, from either the mapping or the list form."""
    raw = service.get("environment") or {}
    if isinstance(raw, list):
        raw = dict(item.split("=", 1) if "=" in item else (item, None) for item in raw)
    return {key: ("" if value is None else str(value)) for key, value in raw.items()}


def as_list(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    return value.split() if isinstance(value, str) else [str(v) for v in value]


def dockerfile_entrypoint() -> list[str]:
    match = re.search(r"^ENTRYPOINT\s+(\[.*\])\s*$", DOCKERFILE.read_text(encoding="utf-8"), re.MULTILINE)
    assert match, "docker/Dockerfile needs an exec-form ENTRYPOINT"
    return json.loads(match.group(1))


def argv(service: dict[str, Any]) -> list[str]:
    """What the container runs: the (overridden or image) entrypoint followed by the command."""
    entrypoint = as_list(service["entrypoint"]) if "entrypoint" in service else dockerfile_entrypoint()
    return entrypoint + as_list(service.get("command"))


def option(args: list[str], name: str) -> str:
    assert args.count(name) == 1, f"{name} must be given exactly once in {args}"
    return args[args.index(name) + 1]


def mounts(service: dict[str, Any]) -> dict[str, tuple[str | None, bool]]:
    """container path -> (source or None for an anonymous volume, read_only), from short or long syntax."""
    out: dict[str, tuple[str | None, bool]] = {}
    for item in service.get("volumes") or []:
        if isinstance(item, dict):
            out[item["target"]] = (item.get("source"), bool(item.get("read_only")))
            continue
        parts = item.split(":")
        if len(parts) == 1:
            out[parts[0]] = (None, False)
        else:
            mode = parts[2].split(",") if len(parts) > 2 else []
            out[parts[1]] = (parts[0], "ro" in mode)
    return out


def replicas(service: dict[str, Any]) -> int:
    return int(service.get("deploy", {}).get("replicas", service.get("scale", 1)))


# -- Kafka cluster ---------------------------------------------------------------------------------


def test_services_are_the_three_kafka_nodes_and_the_fiulink_jobs(services: dict[str, dict[str, Any]]) -> None:
    assert set(services) == set(KAFKA_NODES) | set(FIULINK_SERVICES)


def test_kafka_image_is_the_version_the_embedded_broker_pins(services: dict[str, dict[str, Any]]) -> None:
    version = pinned_kafka_version()
    kafka = sorted(
        name for name, svc in services.items() if str(svc.get("image", "")).startswith("apache/kafka")
    )
    assert kafka == list(KAFKA_NODES)
    for name in KAFKA_NODES:
        assert services[name]["image"] == f"apache/kafka:{version}", name


def test_every_kafka_node_has_a_broker_healthcheck(services: dict[str, dict[str, Any]]) -> None:
    for name in KAFKA_NODES:
        check = services[name].get("healthcheck")
        assert check and not check.get("disable"), name
        test = check["test"]
        assert isinstance(test, list) and test[0] in ("CMD", "CMD-SHELL"), name
        command = " ".join(test[1:])
        assert re.search(r"/opt/kafka/bin/kafka-(broker-api-versions|topics)\.sh", command), command
        assert "--bootstrap-server localhost:9092" in command, command


def test_nodes_form_one_kraft_quorum_of_three(services: dict[str, dict[str, Any]]) -> None:
    envs = {name: env(services[name]) for name in KAFKA_NODES}
    node_ids = {name: e["KAFKA_NODE_ID"] for name, e in envs.items()}
    assert sorted(node_ids.values()) == ["1", "2", "3"]

    for name, e in envs.items():
        assert set(e["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}, name
        assert e["KAFKA_CONTROLLER_LISTENER_NAMES"] == "CONTROLLER", name
        assert "CONTROLLER://:9093" in e["KAFKA_LISTENERS"].split(","), name
        assert "PLAINTEXT://:9092" in e["KAFKA_LISTENERS"].split(","), name
        assert e["KAFKA_ADVERTISED_LISTENERS"] == f"PLAINTEXT://{name}:9092", name

    voters = {e["KAFKA_CONTROLLER_QUORUM_VOTERS"] for e in envs.values()}
    assert len(voters) == 1, "every node must list the same static quorum"
    parsed = dict(v.split("@", 1) for v in voters.pop().split(","))
    assert parsed == {node_ids[name]: f"{name}:9093" for name in KAFKA_NODES}

    cluster_ids = {e.get("CLUSTER_ID", "") for e in envs.values()}
    assert len(cluster_ids) == 1 and re.fullmatch(r"[A-Za-z0-9_-]{22}", cluster_ids.pop())


def test_internal_topics_are_replicated_and_topics_never_auto_created(
    services: dict[str, dict[str, Any]],
) -> None:
    for name in KAFKA_NODES:
        e = env(services[name])
        assert e["KAFKA_DEFAULT_REPLICATION_FACTOR"] == "3", name
        assert e["KAFKA_MIN_INSYNC_REPLICAS"] == "2", name
        assert e["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] == "3", name
        assert e["KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR"] == "3", name
        assert e["KAFKA_TRANSACTION_STATE_LOG_MIN_ISR"] == "2", name
        assert e["KAFKA_AUTO_CREATE_TOPICS_ENABLE"].lower() == "false", name
        assert int(e["KAFKA_NUM_PARTITIONS"]) >= 3, name


def test_each_node_keeps_its_log_in_its_own_named_volume(compose: dict[str, Any]) -> None:
    declared = set(compose.get("volumes") or {})
    sources = []
    for name in KAFKA_NODES:
        service = compose["services"][name]
        log_dir = env(service)["KAFKA_LOG_DIRS"]
        source, _ = mounts(service)[log_dir]
        assert source in declared, f"{name}: {log_dir} must be a named volume"
        sources.append(source)
    assert len(set(sources)) == 3


def test_secure_variant_is_documented_but_not_active(services: dict[str, dict[str, Any]]) -> None:
    comments = "\n".join(
        line for line in COMPOSE.read_text(encoding="utf-8").splitlines() if line.lstrip().startswith("#")
    )
    for needle in (
        "SASL_PLAINTEXT",
        'KAFKA_SASL_ENABLED_MECHANISMS: "SCRAM-SHA-512"',
        'KAFKA_AUTHORIZER_CLASS_NAME: "org.apache.kafka.metadata.authorizer.StandardAuthorizer"',
        'KAFKA_SUPER_USERS: "User:hub;User:controller"',
        'KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND: "false"',
        'KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: "CONTROLLER:SASL_PLAINTEXT,',  # never a PLAINTEXT controller
        'KAFKA_SASL_MECHANISM_CONTROLLER_PROTOCOL: "PLAIN"',
        "fiulink broker start --secure",
        "fiulink topics create --secure",
    ):
        assert needle in comments, needle
    for name in KAFKA_NODES:
        assert not any(
            "SASL" in key or key == "KAFKA_AUTHORIZER_CLASS_NAME" for key in env(services[name])
        ), name


# -- fiulink services ------------------------------------------------------------------------------


def test_fiulink_services_run_the_project_image_and_reach_every_broker(
    services: dict[str, dict[str, Any]],
) -> None:
    assert dockerfile_entrypoint() == ["fiulink"]
    dockerfile = DOCKERFILE.read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.11-slim\b", dockerfile, re.MULTILINE)
    assert re.search(r"^RUN pip install \.", dockerfile, re.MULTILINE)

    brokers = {f"{name}:9092" for name in KAFKA_NODES}
    for name in FIULINK_SERVICES:
        service = services[name]
        build = service["build"]
        assert build["context"] == "." and build["dockerfile"] == "docker/Dockerfile", name
        args = argv(service)
        assert args[0] == "fiulink" and "fiulink" not in args[1:], f"{name}: {args}"

        e = env(service)
        bootstrap = e["FIULINK_BOOTSTRAP"].split(",")
        assert len(bootstrap) == len(set(bootstrap)) and set(bootstrap) == brokers, name
        assert e["FIULINK_HOME"] == "/var/lib/fiulink", name
        assert e["FIULINK_POLICY"] == POLICY_IN_CONTAINER, name
        if "--policy" in args:
            assert option(args, "--policy") == POLICY_IN_CONTAINER, name
        assert mounts(service)[POLICY_IN_CONTAINER] == ("./deploy/policy.toml", True), name


def test_topic_init_creates_the_topics_once_all_brokers_are_healthy(
    services: dict[str, dict[str, Any]],
) -> None:
    service = services["topic-init"]
    args = argv(service)
    assert args[:3] == ["fiulink", "topics", "create"]
    assert option(args, "--policy") == POLICY_IN_CONTAINER
    replication = env(services["kafka-1"])["KAFKA_DEFAULT_REPLICATION_FACTOR"]
    assert option(args, "--replication-factor") == replication == "3"
    depends = service["depends_on"]
    assert isinstance(depends, dict), "depends_on needs the long form to wait for health"
    assert {name: dep.get("condition") for name, dep in depends.items()} == dict.fromkeys(
        KAFKA_NODES, "service_healthy"
    )
    assert str(service.get("restart", "no")) == "no"
    assert replicas(service) == 1


def test_workers_scale_and_keep_state_per_replica(services: dict[str, dict[str, Any]]) -> None:
    service = services["worker"]
    args = argv(service)
    assert args[:2] == ["fiulink", "worker"]
    assert service["depends_on"] == {"topic-init": {"condition": "service_completed_successfully"}}
    assert service["restart"] == "unless-stopped"
    assert replicas(service) >= 2
    assert "container_name" not in service, "a fixed container name forbids replicas"
    e = env(service)
    assert e["FIULINK_TOKEN_KEY"].startswith("${FIULINK_TOKEN_KEY:?"), "the key must come from the operator"
    source, read_only = mounts(service)[e["FIULINK_HOME"]]
    assert source is None and not read_only, "worker state needs one writable volume per replica"


def test_exactly_one_snapshotter(services: dict[str, dict[str, Any]], compose: dict[str, Any]) -> None:
    service = services["snapshotter"]
    args = argv(service)
    assert args[:2] == ["fiulink", "snapshot"] and "--once" not in args
    assert replicas(service) == 1, "DuckDB allows a single writer"
    assert "scale" not in service or service["scale"] == 1
    assert service["depends_on"] == {"topic-init": {"condition": "service_completed_successfully"}}
    assert service["restart"] == "unless-stopped"
    e = env(service)
    assert e["FIULINK_TOKEN_KEY"].startswith("${FIULINK_TOKEN_KEY:?")
    source, read_only = mounts(service)[e["FIULINK_HOME"]]
    assert source in (compose.get("volumes") or {}) and not read_only


def test_sample_policy_is_the_documented_one() -> None:
    policy = tomllib.loads((ROOT / "deploy" / "policy.toml").read_text(encoding="utf-8"))
    assert policy["fius"] == ["FR", "DE", "NL", "SG"]
    assert policy["default"] == "deny"
    agreements = {(frozenset(a["fius"]), a["mode"]) for a in policy["agreement"]}
    assert agreements == {(frozenset({"FR", "DE"}), "auto"), (frozenset({"FR", "NL"}), "consent")}
