"""``fiulink publish``, ``tail`` and ``normalize``: reports in, records out, one identifier checked."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from streams.cli.common import EXIT_INVALID, settings_from
from streams.errors import InvalidIdentifierError
from streams.goaml.feed import publish_options


# -- publish / tail ----------------------------------------------------------------------------
@click.command()
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
@publish_options  # goAML XML input: --format, --fiu, --tz, --sharing, --report-codes
@click.pass_context
def publish(
    ctx: click.Context,
    files: tuple[Path, ...],
    tokenize_at_source: bool,
    strict: bool,
    dry_run: bool,
    goaml: Any = None,
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
    Exit 1 if any line was rejected. The fields: docs/feed.md.

    \b
    goAML XML (.xml, .zip, or --format goaml) is converted first, as `fiulink convert goaml`
    does (needs --fiu; --strict also validates against the goAML XSD), then checked and sent
    the same way, each report named by FILE:LINE of its <report>."""
    from streams.publish import Publisher

    publisher = Publisher(
        settings_from(ctx), tokenize=tokenize_at_source, strict=strict, dry_run=dry_run, goaml=goaml
    )
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


@click.command()
@click.argument("topics", nargs=-1, required=True)
@click.option(
    "--fiu",
    help="with 'notifications': only this FIU's topic; with 'dead-letters': this FIU's own dead letters",
)
@click.option("--from-beginning", is_flag=True, help="start at the oldest record (default: only new ones)")
@click.option("--idle-timeout", type=float, help="stop after S seconds without a new record")
@click.option("--group", help="consumer group: resume where the group left off (commits after printing)")
@click.pass_context
def tail(
    ctx: click.Context,
    topics: tuple[str, ...],
    fiu: str | None,
    from_beginning: bool,
    idle_timeout: float | None,
    group: str | None,
) -> None:
    """Print decoded records as JSON Lines (nothing else on stdout).

    TOPICS are topic names, or 'notifications' for every fiulink.notifications.* topic, or
    'dead-letters' (with --fiu XX: what the hub could not take of what XX sent, each naming
    topic/partition/offset, field and reason; XX's own credentials may read it)."""
    from streams.tail import resolve_topics
    from streams.tail import tail as run_tail

    s = settings_from(ctx)
    names = resolve_topics(s, list(topics), fiu)
    n = run_tail(s, names, from_beginning=from_beginning, idle_timeout=idle_timeout, group=group)
    click.echo(f"{n} record(s)", err=True)


# -- normalize ---------------------------------------------------------------------------------
@click.command()
@click.argument(
    "kind",
    type=click.Choice(
        ["wallet", "transaction", "document", "account", "lei", "email", "phone", "name", "name_dob"]
    ),
)
@click.argument("values", nargs=-1, required=True)
@click.option("--chain", help="wallet/transaction: btc, eth (any EVM chain), bch, xmr, ...")
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
