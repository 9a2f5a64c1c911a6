"""Analyst and case-system commands: snapshot, query, deliver."""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path

import click

from streams.cli.common import settings_from


def _stop_on_signals() -> threading.Event:
    """SIGTERM and Ctrl-C set an event the loops check: the current batch finishes cleanly."""
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    return stop


@click.command()
@click.option("--once", is_flag=True, help="read every topic to its end, publish one snapshot, exit")
@click.option(
    "--interval",
    type=click.FloatRange(min=0.1),
    default=60.0,
    show_default=True,
    help="seconds between published snapshots (when something changed)",
)
@click.option(
    "--keep", type=click.IntRange(min=1), default=5, show_default=True, help="published snapshots to keep"
)
@click.option(
    "--batch-rows",
    type=click.IntRange(min=1),
    default=20_000,
    show_default=True,
    help="messages per load transaction",
)
@click.pass_context
def snapshot(ctx: click.Context, once: bool, interval: float, keep: int, batch_rows: int) -> None:
    """Load the hub's topics into DuckDB and publish read-only snapshots.

    The single writer of $FIULINK_HOME/snapshot/live.duckdb: report metadata (never narratives
    or raw identifiers), sightings, matches, notifications, audit, consents and dead letters,
    keyed by id (audit keeps a decision's first record, consents every answer), with the
    consumed offsets stored in the same transaction (a crash and restart neither loses nor
    duplicates a row). Snapshots go to $FIULINK_HOME/snapshots/, the newest is
    latest.duckdb; query them with `fiulink query` or `duckdb -readonly`."""
    from streams.snapshot.runner import Snapshotter

    s = settings_from(ctx)
    runner = Snapshotter(s, keep=keep, batch_rows=batch_rows, stop=_stop_on_signals())
    stats = runner.run(once=once, interval=interval)
    click.echo(
        f"{stats.messages:,} messages read, {stats.rows:,} rows loaded, {len(stats.published)} snapshot(s) "
        f"published",
        err=True,
    )


@click.command()
@click.argument("statement", metavar="SQL")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True
)
@click.option(
    "--snapshot",
    "snapshot_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="snapshot file (default: the latest under $FIULINK_HOME/snapshots)",
)
@click.option(
    "--full", is_flag=True, help="table: print every value whole (default: cut at 60 characters with …)"
)
@click.pass_context
def query(ctx: click.Context, statement: str, fmt: str, snapshot_path: Path | None, full: bool) -> None:
    """Run one SQL statement on the latest published snapshot (read-only).

    \b
    Tables: reports, sightings, matches, notifications, audit, consents, dead_letters,
    report_clusters, cluster_levels, _offsets, _snapshot. Views: cross_border_links, clusters,
    exchange_matrix, hot_identifiers, consent_backlog (age_seconds, age_hours), dead_letters_by_reason,
    sanctions_hits. clusters_at(C) is clusters with fuzzy entity links of confidence >= C joining too
    (SELECT * FROM clusters_at(0.9)); matches and notifications carry confidence and why.
    audit keeps the first record of each decision; consents keeps every answer (append-only).
    csv is a header line then the rows; json is one object per line (neither cuts values);
    table cuts values at 60 characters unless --full. Several statements at once are refused."""
    from streams.snapshot.publisher import snapshots_dir
    from streams.snapshot.query import resolve, run, write

    path = resolve(snapshots_dir(settings_from(ctx)), snapshot_path)
    write(run(path, statement), fmt, sys.stdout, full=full)


@click.command()
@click.option("--fiu", required=True, help="the FIU whose notifications are delivered")
@click.option("--url", required=True, help="case-system endpoint receiving one POST per notification")
@click.option(
    "--group",
    help="consumer group (default fiulink-<FIU>-deliver, within the groups the FIU may use): where "
    "delivery resumes; delivered ids are kept in $FIULINK_HOME/deliver/<group>.delivered",
)
@click.option("--idle-timeout", type=float, help="stop after S seconds without a new notification")
@click.option(
    "--backoff", type=click.FloatRange(min=0), default=0.5, show_default=True, help="first retry delay (s)"
)
@click.option(
    "--max-backoff", type=click.FloatRange(min=0), default=30.0, show_default=True, help="retry delay cap (s)"
)
@click.option(
    "--max-attempts",
    type=click.IntRange(min=0),
    default=8,
    show_default=True,
    help="give up (exit 1, nothing skipped) after N attempts on one notification; 0 = never",
)
@click.option(
    "--secret",
    envvar="FIULINK_WEBHOOK_SECRET",
    help="sign each body: header X-Fiulink-Signature: sha256=<hex HMAC-SHA256(secret, body)> "
    "(or FIULINK_WEBHOOK_SECRET)",
)
@click.option(
    "--header", "headers", multiple=True, metavar="'NAME: VALUE'", help="extra request header (repeatable)"
)
@click.pass_context
def deliver(
    ctx: click.Context,
    fiu: str,
    url: str,
    group: str | None,
    idle_timeout: float | None,
    backoff: float,
    max_backoff: float,
    max_attempts: int,
    secret: str | None,
    headers: tuple[str, ...],
) -> None:
    """POST each notification of one FIU as JSON to its case system, at least once and each
    notification id once.

    \b
    Headers: Idempotency-Key: <notification_id>; X-Fiulink-Signature with --secret; --header ones.
    Retries: no answer (refused, DNS, TLS, timeout), 408, 425, 429 and 5xx are retried after
    0.5 s, 1 s, 2 s ... (capped at --max-backoff) up to --max-attempts; another non-2xx answer
    stops at once. Giving up exits 1 with the reason and commits nothing past the notification,
    so the next run starts with it. The consumer group's offset moves past a notification only
    after its 2xx, and an id delivered before (a repeat on the topic) is not POSTed again."""
    from streams.snapshot.deliver import Backoff, Deliverer, parse_header

    d = Deliverer(
        settings_from(ctx),
        fiu.upper(),
        url,
        group=group,
        backoff=Backoff(backoff, max_backoff, max_attempts),
        stop=_stop_on_signals(),
        headers=dict(parse_header(h) for h in headers),
        secret=secret.encode() if secret else None,
    )
    d.run(idle_timeout=idle_timeout)
