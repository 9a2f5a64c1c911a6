"""``fiulink sanctions``: sanctions lists for screening report wallets in the stream."""

from __future__ import annotations

from pathlib import Path

import click

from streams.cli.common import settings_from


@click.group()
def sanctions() -> None:
    """Sanctions lists (watchlist topic) screened against report wallets."""


@sanctions.command("load")
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--list", "list_name", help="list name (default: ofac-sdn for OFAC's XML, else the file's stem)"
)
@click.pass_context
def sanctions_load(ctx: click.Context, file: Path, list_name: str | None) -> None:
    """Load FILE (OFAC SDN advanced XML, or CSV/TSV with asset, address, entry, program) as a
    list: its addresses are normalised and tokenised like report wallets and published to the
    compacted watchlist topic; entries gone from a newer version are removed. Idempotent."""
    from streams.sanctions_load import load

    name, plan = load(settings_from(ctx), file, list_name)
    for where, reason in plan.rejected:
        click.echo(f"{where}: rejected: {reason}", err=True)
    click.echo(plan.summary(name))
