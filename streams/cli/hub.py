"""``fiulink broker`` and ``fiulink topics``: the embedded Kafka broker and the hub's topics."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from streams.cli.common import load_policy, settings_from


# -- broker ------------------------------------------------------------------------------------
@click.group()
def broker() -> None:
    """The embedded Apache Kafka broker (single-node KRaft on loopback, data under $FIULINK_HOME)."""


@broker.command("start")
@click.option("--port", type=int, help="listener port (default: the port of FIULINK_BOOTSTRAP)")
@click.option(
    "--secure", is_flag=True, help="SASL/SCRAM authentication and ACLs (one principal per FIU + the hub)"
)
@click.pass_context
def broker_start(ctx: click.Context, port: int | None, secure: bool) -> None:
    """Start the broker; returns when it answers and prints the bootstrap address. Idempotent."""
    from streams.kafka.broker import EmbeddedBroker

    s = settings_from(ctx)
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
@click.pass_context
def broker_stop(ctx: click.Context) -> None:
    """Stop the broker gracefully (controlled shutdown)."""
    from streams.kafka.broker import EmbeddedBroker

    stopped = EmbeddedBroker(settings_from(ctx)).stop()
    click.echo("broker stopped" if stopped else "broker was not running", err=True)


@broker.command("status")
@click.pass_context
def broker_status(ctx: click.Context) -> None:
    """Say whether the broker runs and answers; exit 1 if not."""
    from streams.kafka.broker import EmbeddedBroker

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
    help="copies of each partition (default: FIULINK_REPLICATION_FACTOR, else 1)",
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
