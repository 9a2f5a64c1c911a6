"""docker-compose.tls.yml (the TLS overlay of docker-compose.yml) and the files `fiulink broker
deploy-files` writes for it: every file the overlay names exists, the node settings name their
own hosts, and the secrets agree with each other. No Docker here; a real three-node cluster boots
from these files in tests/integration/test_deploy_files.py."""

from __future__ import annotations

import re
import stat
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography import x509

from streams.config import Settings
from streams.kafka.deploy import MOUNT, write_deployment
from streams.kafka.tls import tls_dir

ROOT = Path(__file__).resolve().parents[2]
HOSTS = ["kafka-1", "kafka-2", "kafka-3"]
FIULINK_TLS = "/etc/fiulink/tls"


@pytest.fixture(scope="module")
def overlay() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.tls.yml").read_text())["services"]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("deploy")
    write_deployment(Settings.from_env({"FIULINK_HOME": str(home)}), HOSTS)
    return tls_dir(home)


def mounted(service: dict[str, Any], target: str) -> str:
    """The host side of the volume mounted at ``target``."""
    sources = [v.split(":")[0] for v in service["volumes"] if v.split(":")[1] == target]
    assert len(sources) == 1, service["volumes"]
    return sources[0]


def test_the_overlay_covers_every_service_of_the_base_file(overlay: dict[str, Any]) -> None:
    base = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    assert set(overlay) == set(base)


def test_each_node_runs_its_own_files(overlay: dict[str, Any], files: Path) -> None:
    for host in HOSTS:
        node = overlay[host]
        assert mounted(node, str(MOUNT)) == "./deploy/hub/broker/tls"
        script = node["entrypoint"][-1]
        assert script.startswith(f"{MOUNT}/") and (files / Path(script).name).exists()
        assert node["command"] == [host]
        assert (files / f"{host}.properties").exists()
        check = " ".join(node["healthcheck"]["test"])
        assert f"--bootstrap-server {host}:9092" in check and f"{MOUNT}/client.properties" in check


def test_node_settings_name_their_hosts_and_files(files: Path) -> None:
    for host in HOSTS:
        props = dict(
            line.split("=", 1)
            for line in (files / f"{host}.properties").read_text().splitlines()
            if line and not line.startswith("#")
        )  # the last occurrence of a key wins, as in Kafka
        assert props["listeners"] == f"SASL_SSL://{host}:9092,CONTROLLER://{host}:9093"
        assert props["advertised.listeners"] == f"SASL_SSL://{host}:9092"
        assert props["controller.quorum.voters"] == ",".join(f"{i}@{h}:9093" for i, h in enumerate(HOSTS, 1))
        assert props["listener.security.protocol.map"] == "CONTROLLER:SASL_SSL,SASL_SSL:SASL_SSL"
        assert (props["default.replication.factor"], props["min.insync.replicas"]) == ("3", "2")
        assert props["listener.name.sasl_ssl.ssl.client.auth"] == "requested"
        for key in ("ssl.keystore.location", "ssl.truststore.location"):
            path = Path(props[key])
            assert path.parent == MOUNT and (files / path.name).exists(), (key, path)
        pem = (files / Path(props["ssl.keystore.location"]).name).read_bytes()
        cert = x509.load_pem_x509_certificate(pem[pem.index(b"-----BEGIN CERTIFICATE") :])
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        assert names.get_values_for_type(x509.DNSName) == [host]


def test_the_secrets_agree_and_are_private(files: Path) -> None:
    env = dict(line.split("=", 1) for line in (files / "hub.env").read_text().splitlines())
    assert env["FIULINK_SASL_USERNAME"] == "hub"
    password = env["FIULINK_SASL_PASSWORD"]
    assert f"name=hub,password={password}]" in (files / "start-kafka.sh").read_text()
    assert f'username="hub" password="{password}";' in (files / "client.properties").read_text()
    assert f'username="hub" password="{password}";' in (files / "kafka-1.properties").read_text()
    for name in (
        "hub.env",
        "start-kafka.sh",
        "client.properties",
        "kafka-1.properties",
        "kafka-1.pem",
        "hub.key",
    ):
        assert stat.S_IMODE((files / name).stat().st_mode) == 0o600, name


def test_fiulink_services_trust_the_ca_and_log_in_as_the_hub(overlay: dict[str, Any], files: Path) -> None:
    for name in ("topic-init", "worker", "snapshotter"):
        service = overlay[name]
        assert service["env_file"] == ["./deploy/hub/broker/tls/hub.env"]
        assert mounted(service, FIULINK_TLS) == "./deploy/hub/broker/tls"
        env = service["environment"]
        for var in ("FIULINK_SSL_CAFILE", "FIULINK_SSL_CERTFILE", "FIULINK_SSL_KEYFILE"):
            path = Path(env[var])
            assert str(path.parent) == FIULINK_TLS and (files / path.name).exists(), var
    init = overlay["topic-init"]
    assert "--secure" in init["command"]
    # grant_acls reads the hub's password from, and adds the FIUs' to, $FIULINK_HOME/broker
    assert mounted(init, "/var/lib/fiulink/broker") == "./deploy/hub/broker"
    dockerfile = (ROOT / "docker" / "Dockerfile").read_text()
    assert re.search(r"FIULINK_HOME=/var/lib/fiulink\b", dockerfile)
