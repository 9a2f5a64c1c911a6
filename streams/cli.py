"""The ``fiulink`` command line. Every command reads one ``Settings`` (environment, then flags)
and turns any ``FiulinkError`` into one clear message on stderr and a non-zero exit."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from streams.config import Settings, version
from streams.errors import FiulinkError, InvalidIdentifierError

EXIT_INVALID = 2


def fail_clearly(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except FiulinkError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)

    return wrapper


def settings_from(ctx: click.Context, **overrides: Any) -> Settings:
    base: Settings = ctx.obj
    return base.with_overrides(**overrides)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(version(), "--version", prog_name="fiulink", message="%(prog)s %(version)s")
@click.pass_context
def main(ctx: click.Context) -> None:
    """fiulink: cross-border correlation of suspicious-transaction reports between FIUs.

    \b
    Environment: FIULINK_BOOTSTRAP (Kafka, default 127.0.0.1:9092), FIULINK_HOME (local state,
    default $XDG_DATA_HOME/fiulink or ~/.local/share/fiulink, whatever the current directory),
    FIULINK_TOKEN_KEY (consortium key), FIULINK_POLICY (sharing policy file).
    Reference: README.md and docs/feed.md (the report fields).
    """
    ctx.obj = Settings.from_env()


# -- broker ------------------------------------------------------------------------------------
@main.group()
def broker() -> None:
    """The embedded Apache Kafka broker (single-node KRaft on loopback, data under $FIULINK_HOME)."""


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
@click.option("--node", type=int, help="start only this node of the cluster (after `stop --node N`)")
@click.pass_context
@fail_clearly
def broker_start(ctx: click.Context, port: int | None, secure: bool, nodes: int, tls: bool,
                 node: int | None) -> None:  # fmt: skip
    """Start the broker; returns when it answers and prints the bootstrap address. Idempotent.
    With --nodes 3, a three-node cluster: node N under $FIULINK_HOME/broker/node-N, ports
    PORT, PORT+1, PORT+2; the bootstrap list is printed."""
    from streams.kafka.broker import EmbeddedBroker

    s = settings_from(ctx)
    from streams import cli_cluster

    if cli_cluster.wanted(s, nodes, tls, node):
        cli_cluster.start(s, nodes, port, secure, tls, node)
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
@fail_clearly
def broker_stop(ctx: click.Context, node: int | None) -> None:
    """Stop the broker (or every node of the cluster) gracefully (controlled shutdown)."""
    from streams import cli_cluster
    from streams.kafka.broker import EmbeddedBroker

    if cli_cluster.wanted(settings_from(ctx), 1, False, node):
        cli_cluster.stop(settings_from(ctx), node)
        return
    stopped = EmbeddedBroker(settings_from(ctx)).stop()
    click.echo("broker stopped" if stopped else "broker was not running", err=True)


@broker.command("status")
@click.pass_context
@fail_clearly
def broker_status(ctx: click.Context) -> None:
    """Say whether the broker runs and answers (a cluster: every node and the controller leader);
    exit 1 if not."""
    from streams import cli_cluster
    from streams.kafka.broker import EmbeddedBroker

    if cli_cluster.wanted(settings_from(ctx), 1, False, None):
        sys.exit(0 if cli_cluster.status(settings_from(ctx)) else 1)
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
def _policy(ctx: click.Context, policy: Path | None):  # type: ignore[no-untyped-def]
    from streams.core.policy import SharingPolicy

    return SharingPolicy.load(settings_from(ctx, policy_path=policy).require_policy())


@main.group()
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
    type=int,
    help="default: 3 with min.insync.replicas 2 on three brokers or more, else 1",
)
@click.option(
    "--secure", is_flag=True, help="also create the FIU principals' ACLs (broker started with --secure)"
)
@click.pass_context
@fail_clearly
def topics_create(
    ctx: click.Context, policy: Path | None, replication_factor: int | None, secure: bool
) -> None:
    """Create every topic of the README's Topics table (per FIU: feed, consent and notification
    topics, from the policy); idempotent."""
    from streams.kafka.topics import create_topics

    pol = _policy(ctx, policy)
    s = settings_from(ctx)
    created, present = create_topics(s, pol.fius, replication_factor)
    for t in created:
        click.echo(f"created {t}", err=True)
    click.echo(f"{len(created)} topic(s) created, {len(present)} already present", err=True)
    if secure:
        from streams.kafka.secure import grant_acls

        grant_acls(s, pol.fius)


@topics.command("list")
@click.pass_context
@fail_clearly
def topics_list(ctx: click.Context) -> None:
    """List the topics on the broker."""
    from streams.kafka.topics import existing_topics

    for t in sorted(existing_topics(settings_from(ctx))):
        click.echo(t)


# -- publish / tail ----------------------------------------------------------------------------
@main.command()
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--tokenize-at-source", is_flag=True, help="send tokens only; raw identifiers never leave this machine"
)
@click.option(
    "--strict", is_flag=True, help="reject reports with warnings too (an invalid identifier, an unknown key)"
)
@click.option("--dry-run", is_flag=True, help="check every line and report, send nothing (no broker needed)")
@click.pass_context
@fail_clearly
def publish(
    ctx: click.Context, files: tuple[Path, ...], tokenize_at_source: bool, strict: bool, dry_run: bool
) -> None:
    """Publish JSON Lines STRs (one report per line) to each report's FIU feed
    (fiulink.reports.<FIU>), after the checks the hub runs.

    \b
    Errors reject the line: not JSON (a JSON array is refused whole: write one report per line),
    a broken contract (missing report_id, a time without UTC offset, ...), an FIU without a feed.
    Warnings publish the report anyway, as the hub leaves the bad part out and still matches the
    rest: an identifier that fails validation (a wallet with a bad checksum) is not matched; an
    unknown key ("wallet" for "wallets", at any level) is ignored. --strict rejects those too.
    Each problem is named on stderr as FILE:LINE: FIELD: REASON; rejected lines are kept in
    FILE.rejects.jsonl, published ones with warnings in FILE.warnings.jsonl, beside the input.
    Exit 1 if any line was rejected. The fields: docs/feed.md."""
    from streams.publish import Publisher

    publisher = Publisher(settings_from(ctx), tokenize=tokenize_at_source, strict=strict, dry_run=dry_run)
    stats = publisher.publish(files)
    verb = "would be published (dry run)" if dry_run else "published"
    publisher.say(
        f"{stats.read} read, {stats.published} {verb}, {stats.rejected} rejected, "
        f"{stats.failed_sends} failed, {stats.warned} published with warnings in {stats.seconds:.1f}s "
        f"({stats.rate:,.0f} records/s)"
    )
    for problem, n in stats.top_problems():
        publisher.say(f"  {n} x {problem}")
    if stats.failed_sends:
        publisher.say(
            f"error: {stats.failed_sends} report(s) were not acknowledged by Kafka (brokers down, or fewer "
            "in-sync replicas than min.insync.replicas): publish the file again once `fiulink broker "
            "status` shows the nodes back (the hub dedupes by report_id)"
        )
    if stats.rejected or stats.failed_sends:
        sys.exit(1)


@main.command()
@click.argument("topics", nargs=-1, required=True)
@click.option("--fiu", help="with 'notifications': only this FIU's topic")
@click.option("--from-beginning", is_flag=True, help="start at the oldest record (default: only new ones)")
@click.option("--idle-timeout", type=float, help="stop after S seconds without a new record")
@click.option("--group", help="consumer group: resume where the group left off (commits after printing)")
@click.pass_context
@fail_clearly
def tail(
    ctx: click.Context,
    topics: tuple[str, ...],
    fiu: str | None,
    from_beginning: bool,
    idle_timeout: float | None,
    group: str | None,
) -> None:
    """Print decoded records as JSON Lines (nothing else on stdout).

    TOPICS are topic names, or 'notifications' for every fiulink.notifications.* topic."""
    from streams.tail import resolve_topics
    from streams.tail import tail as run_tail

    s = settings_from(ctx)
    names = resolve_topics(s, list(topics), fiu)
    n = run_tail(s, names, from_beginning=from_beginning, idle_timeout=idle_timeout, group=group)
    click.echo(f"{n} record(s)", err=True)


# -- normalize ---------------------------------------------------------------------------------
@main.command()
@click.argument(
    "kind",
    type=click.Choice(
        ["wallet", "transaction", "document", "account", "lei", "email", "phone", "name", "name_dob"]
    ),
)
@click.argument("values", nargs=-1, required=True)
@click.option("--chain", help="wallet/transaction: btc, eth (or any EVM chain), trx, ltc, xrp, sol, ...")
@click.option("--country", help="document: issuing country; phone: region hint for national numbers")
@click.option("--type", "type_", help="document or account type (passport, national_id, iban, ...)")
@click.option("--birth-date", help="name_dob: YYYY-MM-DD")
def normalize(
    kind: str,
    values: tuple[str, ...],
    chain: str | None,
    country: str | None,
    type_: str | None,
    birth_date: str | None,
) -> None:
    """Print the canonical form of an identifier (exit 0), or why it is invalid (exit 2)."""
    from streams.core import identifiers as ids

    value = " ".join(values)
    need = {"wallet": chain, "transaction": chain, "document": type_}
    if kind in need and not need[kind]:
        click.echo(f"error: {kind} needs --{'chain' if kind != 'document' else 'type'}", err=True)
        sys.exit(EXIT_INVALID)
    try:
        if kind == "wallet":
            out = ids.normalize_wallet(chain or "", value)[1]
        elif kind == "transaction":
            out = ids.normalize_tx_hash(chain or "", value)[1]
        elif kind == "document":
            out = ids.normalize_document(country, type_ or "", value)
        elif kind == "account":
            out = ids.normalize_account(type_ or "iban", value)
        elif kind == "lei":
            out = ids.normalize_lei(value)
        elif kind == "email":
            out = ids.normalize_email(value)
        elif kind == "phone":
            out = ids.normalize_phone(value, country)
        elif kind == "name":
            out = ids.normalize_name(value)
        else:
            res = ids.normalize_name_dob(value, birth_date)
            if res is None:
                raise InvalidIdentifierError("no full birth date (YYYY-MM-DD): no name_dob key")
            out = res
    except InvalidIdentifierError as exc:
        click.echo(f"invalid {kind}: {exc.reason}", err=True)
        sys.exit(EXIT_INVALID)
    click.echo(out)


from streams.cli_ops import register  # noqa: E402  (the operational commands live in their own module)

register(main)

from streams.cli_snapshot import register as register_snapshot  # noqa: E402

register_snapshot(main)

from streams.cli_pairs import register as register_pairs  # noqa: E402

register_pairs(main)
