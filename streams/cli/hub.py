"""``fiulink broker`` and ``fiulink topics``: the embedded Kafka broker and the hub's topics."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from streams.cli.common import load_policy, settings_from


# -- broker ------------------------------------------------------------------------------------
@click.group()
def broker() -> None:
    """The embedded Apache Kafka broker: KRaft on loopback, one node or a three-node cluster
    (--nodes 3), data under $FIULINK_HOME."""


@broker.command("start")
@click.option("--port", type=int, help="listener port (default: the port of FIULINK_BOOTSTRAP)")
@click.option(
    "--secure", is_flag=True, help="SASL/SCRAM authentication and ACLs (one principal per FIU + the hub)"
)
@click.option(
    "--nodes",
    type=int,
    default=1,
    show_default=True,
    help="KRaft nodes (broker+controller each); 3: replication factor 3, min.insync.replicas 2",
)
@click.option("--tls", is_flag=True, help="with --secure: SASL_SSL with a generated CA (broker/tls/ca.pem)")
@click.option(
    "--mtls",
    is_flag=True,
    help="with --tls: every client must show a certificate from the hub's CA (`broker client-cert`)",
)
@click.option("--node", type=int, help="start only this node of the cluster (after `stop --node N`)")
@click.pass_context
def broker_start(
    ctx: click.Context, port: int | None, secure: bool, nodes: int, tls: bool, mtls: bool, node: int | None
) -> None:
    """Start the broker; returns when it answers and prints the bootstrap address. Idempotent.
    With --nodes 3, a three-node cluster: node N under $FIULINK_HOME/broker/node-N, ports
    PORT, PORT+1, PORT+2; the bootstrap list is printed."""
    from streams.cli import cluster
    from streams.kafka.broker import EmbeddedBroker

    s = settings_from(ctx)
    if cluster.wanted(s, nodes, tls or mtls, node):
        cluster.start(s, nodes, port, secure, tls, node, mtls)
        return
    b = EmbeddedBroker(s)
    already = b.info()
    if secure:
        from streams.kafka.secure import start_secure

        info = start_secure(s, port)
    else:
        info = b.start(port=port)
    state = "already running" if already else "started"
    click.echo(f"broker {state} (pid {info.pid}); bootstrap {info.bootstrap}; home {s.home}", err=True)
    click.echo(info.bootstrap)


@broker.command("stop")
@click.option("--node", type=int, help="stop only this node of the cluster")
@click.pass_context
def broker_stop(ctx: click.Context, node: int | None) -> None:
    """Stop the broker (or every node of the cluster) gracefully (controlled shutdown)."""
    from streams.cli import cluster
    from streams.kafka.broker import EmbeddedBroker

    if cluster.wanted(settings_from(ctx), 1, False, node):
        cluster.stop(settings_from(ctx), node)
        return
    stopped = EmbeddedBroker(settings_from(ctx)).stop()
    click.echo("broker stopped" if stopped else "broker was not running", err=True)


@broker.command("client-cert")
@click.option("--fiu", required=True, help="the FIU (its SASL principal) the certificate is for")
@click.pass_context
def broker_client_cert(ctx: click.Context, fiu: str) -> None:
    """Sign a client certificate for mutual TLS with the hub's CA (a `--secure --tls` broker under
    $FIULINK_HOME); made once, then the same files. Prints the three variables the FIU's clients
    need; hand it ca.pem and these two files (the key privately)."""
    from streams.cli import cluster

    cluster.client_cert(settings_from(ctx), fiu)


@broker.command("deploy-files")
@click.option(
    "--hosts",
    default="kafka-1,kafka-2,kafka-3",
    show_default=True,
    help="the nodes' host names, comma-separated (docker-compose.yml's services)",
)
@click.pass_context
def broker_deploy_files(ctx: click.Context, hosts: str) -> None:
    """Write the files of a SASL_SSL cluster on hosts of its own into $FIULINK_HOME/broker/tls
    (docker-compose.tls.yml mounts them): each node's server.properties and key store, the CA,
    a start script and the hub's client files; the settings are `broker start --secure --tls`'s."""
    from streams.cli import cluster

    cluster.deploy_files(settings_from(ctx), [h.strip() for h in hosts.split(",")])


@broker.command("status")
@click.pass_context
def broker_status(ctx: click.Context) -> None:
    """Say whether the broker runs and answers (a cluster: every node and the controller leader);
    exit 1 if not."""
    from streams.cli import cluster
    from streams.kafka.broker import EmbeddedBroker

    if cluster.wanted(settings_from(ctx), 1, False, None):
        sys.exit(0 if cluster.status(settings_from(ctx)) else 1)
    b = EmbeddedBroker(settings_from(ctx))
    info = b.info()
    if info is None:
        click.echo("broker not running")
        sys.exit(1)
    ok = b.answers(info.bootstrap)
    click.echo(
        f"broker running (pid {info.pid}) on {info.bootstrap}: {'answering' if ok else 'NOT answering'}"
    )
    sys.exit(0 if ok else 1)


# -- topics ------------------------------------------------------------------------------------
@click.group()
def topics() -> None:
    """Create and list the hub's topics."""


@topics.command("create")
@click.option(
    "--policy",
    type=click.Path(path_type=Path),
    help="sharing policy (its fius get feeds and notification topics)",
)
@click.option(
    "--replication-factor",
    type=click.IntRange(min=1),
    help="copies of each partition (default: FIULINK_REPLICATION_FACTOR, else 3 with "
    "min.insync.replicas 2 on three brokers or more, else 1)",
)
@click.option(
    "--secure", is_flag=True, help="also create the FIU principals' ACLs (broker started with --secure)"
)
@click.pass_context
def topics_create(
    ctx: click.Context, policy: Path | None, replication_factor: int | None, secure: bool
) -> None:
    """Create every topic of the README's Topics table (per FIU: feed, consent and notification
    topics, from the policy); idempotent."""
    from streams.kafka.topics import create_topics

    pol = load_policy(ctx, policy)
    s = settings_from(ctx, replication_factor=replication_factor)
    created, present = create_topics(s, pol.fius)
    for t in created:
        click.echo(f"created {t}", err=True)
    click.echo(f"{len(created)} topic(s) created, {len(present)} already present", err=True)
    if secure:
        from streams.kafka.secure import grant_acls

        grant_acls(s, pol.fius)


@topics.command("list")
@click.pass_context
def topics_list(ctx: click.Context) -> None:
    """List the topics on the broker."""
    from streams.kafka.topics import existing_topics

    for t in sorted(existing_topics(settings_from(ctx))):
        click.echo(t)


@click.command()
@click.option("--timeout", type=float, default=10.0, show_default=True, help="seconds to wait for the broker")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
def status(ctx: click.Context, timeout: float, fmt: str) -> None:
    """Is the broker up, how many records is the worker group (FIULINK_APP_ID) behind on each
    hop (ingest: the FIU feeds; correlate: the sightings; notify: matches and consent answers),
    and how old is the latest snapshot. Exit 1 when the broker does not answer."""
    import dataclasses
    import json

    from streams.status import gather, render

    st = gather(settings_from(ctx), timeout)
    if fmt == "json":
        click.echo(json.dumps(dataclasses.asdict(st)))
    else:
        for line in render(st):
            click.echo(line)
    if not st.broker_up:
        sys.exit(1)
