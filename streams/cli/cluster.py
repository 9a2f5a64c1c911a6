"""``fiulink broker start|stop|status`` for a cluster (``--nodes N``, ``--node N``, ``--tls``): the
commands in ``streams/cli/hub.py`` hand over to these when a cluster is asked for or already set up
under $FIULINK_HOME (``broker/cluster.json``)."""

from __future__ import annotations

import click

from streams.config import Settings
from streams.errors import BrokerError
from streams.kafka.cluster import Cluster, describe


def wanted(s: Settings, nodes: int, tls: bool, node: int | None) -> bool:
    """True if the command is about a cluster rather than the single-node broker."""
    return nodes > 1 or tls or node is not None or Cluster(s).layout() is not None


def start(
    s: Settings, nodes: int, port: int | None, secure: bool, tls: bool, node: int | None, mtls: bool = False
) -> None:
    if tls and not secure:
        raise BrokerError("--tls needs --secure", hint="`fiulink broker start --secure --tls`: SASL_SSL")
    if mtls and not tls:
        raise BrokerError("--mtls needs --tls", hint="`fiulink broker start --secure --tls --mtls`")
    c = Cluster(s)
    if node is not None:
        c.start_node(node)
        layout = c.layout()
        assert layout is not None
        click.echo(f"node {node} running; bootstrap {layout.bootstrap}", err=True)
        click.echo(layout.bootstrap)
        return
    existing = c.layout()
    if existing is not None and nodes == 1 and len(existing.nodes) > 1:
        nodes = len(existing.nodes)  # `broker start` again starts the cluster as it was set up
    layout = c.start(nodes, port, secure, tls, mtls=mtls)
    click.echo(
        f"cluster of {len(layout.nodes)} node(s) running ({describe(layout)}); home {s.home}", err=True
    )
    if layout.tls:
        from streams.kafka.tls import tls_dir

        ca = tls_dir(s.home) / "ca.pem"
        click.echo(f"clients: export FIULINK_SSL_CAFILE={ca}", err=True)
    click.echo(f"export FIULINK_BOOTSTRAP={layout.bootstrap}", err=True)
    click.echo(layout.bootstrap)


def client_cert(s: Settings, fiu: str) -> None:
    from streams.kafka.secure import check_fiu
    from streams.kafka.tls import client_cert, tls_dir

    fiu = fiu.upper()
    check_fiu(fiu)
    cert, key = client_cert(s.home, fiu)
    click.echo(f"client certificate for {fiu} signed by the hub's CA: {cert} (key {key}, keep it private)",
               err=True)  # fmt: skip
    click.echo(f"export FIULINK_SSL_CAFILE={tls_dir(s.home) / 'ca.pem'}")
    click.echo(f"export FIULINK_SSL_CERTFILE={cert}")
    click.echo(f"export FIULINK_SSL_KEYFILE={key}")


def deploy_files(s: Settings, hosts: list[str]) -> None:
    from streams.kafka.deploy import write_deployment

    for path in write_deployment(s, hosts):
        click.echo(str(path))
    click.echo(
        "mounted read-only by docker-compose.tls.yml; the files are private (0600): let the containers' "
        "users read them (README, 'TLS across borders')",
        err=True,
    )


def stop(s: Settings, node: int | None) -> None:
    c = Cluster(s)
    if node is not None:
        stopped = c.stop_node(node)
        click.echo(f"node {node} stopped" if stopped else f"node {node} was not running", err=True)
        return
    nodes = c.stop()
    click.echo(f"stopped node(s) {nodes}" if nodes else "no node was running", err=True)


def status(s: Settings) -> bool:
    """Print every node and the controller leader; True if all nodes are in the cluster."""
    c = Cluster(s)
    lines = c.status()
    for line in lines:
        click.echo(line)
    return not any("NOT in the cluster" in line for line in lines)
